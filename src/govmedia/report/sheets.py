"""The Excel workbook of a run: scores per account, every finding, pass rates by group.

Built from the same result and the same helpers as the documents (the rectification items,
the group tables, the indicator table), so a number in Excel is the number in Word.
"""

from __future__ import annotations

from typing import Any

from govmedia.report.facts import ReportInput, check_title, is_problem, live_findings
from govmedia.report.model import Column, Table
from govmedia.report.national import indicator_tables
from govmedia.report.rectification import items
from govmedia.report.results import group_rows, group_table
from govmedia.report.text import category_name, moment, verdict_label


def score_sheet(inp: ReportInput) -> Table:
    """Return one row per account: verdict, score, rank, area scores, problems, reasons."""
    areas = [a.name for a in inp.system.areas]
    cols = [Column("序号", "int", 0.6), Column("类别", width=1.5), Column("省份", width=1.2),
            Column("领域", width=1.6), Column("主办单位", width=3.2), Column("账号名称", width=2),
            Column("结论", width=1.4), Column("得分", "score", 0.8), Column("名次", "int", 0.7),
            Column("表现较好", width=1), *(Column(a, "score", 1.1) for a in areas),
            Column("问题数", "int", 0.8), Column("单项否决", "int", 0.9),
            Column("最近发布", width=1.9), Column("结论依据", width=6)]
    rows = []
    for n, a in enumerate(inp.accounts, start=1):
        by_area = {x["area"]: x.get("score") for x in a.get("areas") or ()}
        problems = [f for f in live_findings(a) if is_problem(f)]
        rows.append([n, category_name(a["category"]), a.get("province"), a.get("field"),
                     a["owner"], a["name"], verdict_label(a), a.get("score"), a.get("rank"),
                     "是" if a.get("excellent") else "", *(by_area.get(x) for x in areas),
                     len(problems), sum(f["severity"] == "veto" for f in problems),
                     moment(a.get("last_published")) if a.get("last_published") else None,
                     "\n".join(a.get("reasons") or ())])
    return Table("scores", "各账号检查结果", cols, rows, sheet="账号得分")


def findings_sheet(inp: ReportInput) -> Table:
    """Return one row per finding to act on (the rectification items of every account)."""
    cols = [Column("账号名称", width=2), Column("主办单位", width=3), Column("类别", width=1.5),
            Column("省份", width=1.2), Column("指标", width=2.4), Column("严重程度", width=1),
            Column("检查项", width=2), Column("复核状态", width=1.2), Column("位置", width=2.4),
            Column("链接", width=3.5), Column("问题", width=5), Column("摘录", width=3.5),
            Column("证据时间", width=2), Column("存档编号", width=3.5), Column("截图", width=3),
            Column("整改要求", width=4)]
    rows: list[list[Any]] = []
    for a in inp.accounts:
        for i in items(inp, a):
            rows.append([a["name"], a["owner"], category_name(a["category"]), a.get("province"),
                         i.group, i.severity, check_title(i.finding["check"]), i.review,
                         i.place, i.url, i.finding["message"], i.excerpt, i.time, i.archive,
                         i.screenshot, i.action])
    return Table("findings", "问题清单", cols, rows, sheet="问题清单")


def practice_sheet(inp: ReportInput) -> Table:
    """Return one row per credited good practice."""
    rows = []
    for a in inp.accounts:
        for f in live_findings(a):
            if f["check"].startswith("practice."):
                places = (f.get("evidence") or {}).get("places") or []
                rows.append([a["name"], a["owner"], check_title(f["check"]),
                             "、".join(dict.fromkeys(p.get("where", "") for p in places))])
    return Table("practices", "亮点做法", [Column("账号名称", width=2), Column("主办单位", width=3),
                                      Column("亮点做法", width=2), Column("位置", width=6)],
                 rows, sheet="亮点做法")


def workbook_sheets(inp: ReportInput) -> list[Table]:
    """Return the sheets of the run's workbook, in order."""
    sheets = [score_sheet(inp), findings_sheet(inp)]
    for key in ("category", "province", "field"):
        if group_rows(inp.result, key):
            sheets.append(group_table(inp.result, key, "合格率"))
    sheets.append(practice_sheet(inp))
    sheets += [t for t in indicator_tables(inp.system) if t.sheet]
    return sheets
