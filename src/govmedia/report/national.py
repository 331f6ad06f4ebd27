"""The national evaluation report (评估报告) in the structure of seed 001.

一、评估背景 (editable text) · 二、评估范围 (accounts by category, counted) · 三、评估指标 (the
indicator table of the system used) · 四、评估结果 (report/results.py) · 五、亮点做法 and
六、主要问题 (report/issues.py) · 七、发展建议 (editable text) · 附件 (policy documents, the full
account list). Texts come from data/report_text.yaml; every number from the result.
"""

from __future__ import annotations

from typing import Any

from govmedia.indicators.engine import IndicatorSystem
from govmedia.report.facts import ReportInput, check_title
from govmedia.report.issues import practices_section, problems_section
from govmedia.report.model import Column, Heading, Paragraph, Report, Table
from govmedia.report.results import results_section
from govmedia.report.text import (
    category_name,
    category_rank,
    cn_number,
    day,
    join_names,
    moment,
    para,
    texts,
    verdict_label,
)


def run_meta(inp: ReportInput) -> list[tuple[str, str]]:
    """Return the facts about the run every report prints under its title."""
    r = inp.result
    meta = [("监测时间点", moment(r["as_of"])),
            ("指标体系", f"{r['indicator_system_name']}（{r['indicator_system']}）"),
            ("检查运行编号", str(r["run_id"])), ("评估账号数", str(len(r["accounts"])))]
    if r.get("run_status") not in (None, "complete"):
        meta.append(("运行状态", f"尚未完成，仅含已保存的{len(r['accounts'])}个账号"))
    return meta


def run_warnings(inp: ReportInput) -> list[str]:
    """Return what the reader must know: vetoes not checked automatically, pending checks."""
    r = inp.result
    out = []
    if r.get("not_covered"):
        out.append("本版本尚未自动检查以下单项否决指标，需人工核查：" + "、".join(r["not_covered"]))
    if r.get("pending_checks"):
        out.append("以下检查项尚未实现，未计分：" + "、".join(r["pending_checks"]))
    return out


def _scope(inp: ReportInput, report: Report) -> None:
    t = texts()
    accs = inp.accounts
    cats = sorted({a["category"] for a in accs}, key=category_rank)
    report.add(Heading("二、评估范围", 1), Paragraph(para(t["scope_intro"])),
               Paragraph(f"本次检查范围包括{cn_number(len(cats))}类："))
    rows = []
    for i, cat in enumerate(cats, start=1):
        mine = [a for a in accs if a["category"] == cat]
        provinces = sorted({a["province"] for a in mine if a.get("province")})
        fields = sorted({a["field"] for a in mine if a.get("field")})
        desc = (t.get("scope_categories") or {}).get(cat, category_name(cat))
        extra = ""
        if cat == "provincial_dept" and fields:
            extra = f"，涉及{join_names(fields)}等{len(fields)}个领域"
        report.add(Paragraph(f"{i}、{category_name(cat)}政务微信公众号", "lead"),
                   Paragraph(f"{desc}{extra}，共{len(mine)}个账号。"))
        rows.append([category_name(cat), len(mine), len(provinces) or None, len(fields) or None])
    provinces = len({a["province"] for a in accs if a.get("province")}) or None
    fields = len({a["field"] for a in accs if a.get("field")}) or None
    cols = [Column("类别", width=2), Column("账号数", "int"), Column("涉及省份数", "int"),
            Column("涉及领域数", "int")]
    report.add(Paragraph(f"总计：{len(accs)}个账号。"),
               Table("scope", "评估范围", cols, [*rows, ["合计", len(accs), provinces, fields]]))


def indicator_tables(system: IndicatorSystem) -> list[Table]:
    """Return the indicator table of the system (areas or deductions) and its vetoes."""
    out = []
    descriptions = texts().get("area_descriptions") or {}
    if system.areas:
        rows = [[a.name, a.weight, descriptions.get(a.name, ""),
                 "；".join(f"{i.name}（{i.max:g}分）" for i in a.indicators)]
                for a in system.areas]
        out.append(Table("indicators", "评估指标体系",
                         [Column("评估指标", width=1.3), Column("权重", "num", 0.8),
                          Column("评估内容", width=4.2), Column("具体指标（满分）", width=3.2)],
                         rows, sheet="评估指标",
                         note="各方面按百分制评分，总分为各方面得分按权重加权的平均分；"
                              "未能检查的指标不计分，也不按零分计。"))
    if system.deductions:
        out.append(Table("deductions", f"扣分项（满分{system.total:g}分"
                         + (f"，低于{system.pass_score:g}分为不合格）" if system.pass_score
                            else "）"),
                         [Column("扣分项", width=3), Column("每处扣分", "num"),
                          Column("扣分上限", "num")],
                         [[check_title(d.check), d.points, d.cap] for d in system.deductions],
                         sheet="扣分项"))
    out.append(Table("vetoes", "单项否决指标（出现任意一项即为不合格）",
                     [Column("单项否决指标", width=2.2), Column("检查项", width=4)],
                     [[v.name, "、".join(check_title(c) for c in v.checks) or "需人工核查"]
                      for v in system.vetoes], sheet="单项否决指标"))
    return out


def _advice(inp: ReportInput, report: Report, number: str, top: list[str]) -> None:
    t = texts()
    report.add(Heading(f"{number}、发展建议", 1))
    if top:
        report.add(Paragraph(para(t["advice_intro"], top_problems="、".join(top))))
    for i, item in enumerate(t["advice"], start=1):
        report.add(Heading(f"（{cn_number(i)}）{item['heading']}", 2),
                   Paragraph(para(item["text"])))


def account_list(accounts: list[dict[str, Any]], cat: str) -> Table:
    """Return the annex table of one category's accounts with their verdicts and scores."""
    mine = [a for a in accounts if a["category"] == cat]
    # Ministries have no province and provincial governments no field: no empty columns.
    place = [k for k in ("province", "field") if any(a.get(k) for a in mine)]
    cols = [Column("序号", "int", 0.8), Column("主办单位", width=3), Column("账号名称", width=2),
            *(Column({"province": "省份", "field": "领域"}[k], width=1.3) for k in place),
            Column("结论", width=1.3), Column("得分", "score", 0.9), Column("名次", "int", 0.8)]
    rows = [[i, a["owner"], a["name"], *(a.get(k) for k in place), verdict_label(a),
             a.get("score"), a.get("rank")] for i, a in enumerate(mine, start=1)]
    return Table(f"accounts_{cat}", f"{category_name(cat)}（共{len(mine)}个）", cols, rows)


def national_report(inp: ReportInput) -> Report:
    """Return the national report of a run as a document model."""
    r, t = inp.result, texts()
    report = Report("national", t["title"], subtitle=r["indicator_system_name"],
                    meta=run_meta(inp), warnings=run_warnings(inp), cover=True)
    values = {"accounts": len(r["accounts"]), "as_of": day(r["as_of"]),
              "system": r["indicator_system_name"]}
    report.add(Heading("一、评估背景", 1),
               *(Paragraph(para(p, **values)) for p in t["background"]))
    _scope(inp, report)
    report.add(Heading("三、评估指标", 1), Paragraph(para(t["indicators_intro"])),
               *indicator_tables(inp.system))
    results_section(inp, report, "四")
    practices_section(inp, report, "五")
    stats = problems_section(inp, report, "六")
    _advice(inp, report, "七", [s.title for s in stats[:3]])
    report.add(Heading("附件1：相关政策文件", 1),
               Table("policies", "相关政策文件",
                     [Column("序号", "int", 0.8), Column("文件名称", width=5),
                      Column("发文字号", width=2)],
                     [[i, name, no] for i, (name, no) in enumerate(t["policies"], start=1)]))
    report.add(Heading("附件2：评估账号名单", 1))
    for cat in sorted({a["category"] for a in r["accounts"]}, key=category_rank):
        report.add(Heading(category_name(cat), 2), account_list(r["accounts"], cat))
    return report.finish()
