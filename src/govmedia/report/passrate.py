"""The pass-rate report (合格率): what a supervising office publishes after a check.

Totals, the pass rate by category, province and field, and the accounts that failed or could
not be checked, with why. 合格率 = 合格 ÷ (合格 + 不合格); 未能检查 counts neither way.
"""

from __future__ import annotations

from govmedia.report import charts
from govmedia.report.facts import ReportInput
from govmedia.report.model import Heading, Paragraph, Report
from govmedia.report.national import run_meta, run_warnings
from govmedia.report.results import (
    GROUP_LABELS,
    group_rows,
    group_table,
    summary_text,
    verdict_tables,
)
from govmedia.report.text import category_name, cn_number, texts


def pass_rate_report(inp: ReportInput) -> Report:
    """Return the pass-rate report of a run as a document model."""
    r = inp.result
    report = Report("pass-rate", texts()["pass_rate_title"], subtitle=r["indicator_system_name"],
                    meta=run_meta(inp), warnings=run_warnings(inp))
    by_category = group_table(r, "category", "各类别合格率")
    report.add(Heading("一、总体情况", 1), Paragraph(summary_text(inp)), by_category,
               charts.pass_rate_by_group("pass_rate_by_category", "各类别合格情况",
                                         [{**g, "category": category_name(g["category"])}
                                          for g in group_rows(r, "category")], "category"))
    report.sheets.append(by_category)
    n = 2
    for key in ("province", "field"):
        if not group_rows(r, key):
            continue
        label = GROUP_LABELS[key]
        table = group_table(r, key, f"各{label}合格率")
        report.add(Heading(f"{cn_number(n)}、各{label}合格率", 1), table)
        report.sheets.append(table)
        n += 1
    tables = verdict_tables(inp)
    if tables:
        report.add(Heading(f"{cn_number(n)}、不合格和未能检查的账号", 1), *tables)
        for t in tables:
            t.sheet = "不合格账号" if t.key == "failed_accounts" else "未能检查账号"
            report.sheets.append(t)
    return report.finish()
