"""The results part of a report (评估结果): totals, pass rates by group, 表现较好, comparisons.

Shared by the national report and the pass-rate report. Every number comes from the result's
summary, groups, rankings and excellent lists (report/aggregate.py); the sentences only say
them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govmedia.indicators.engine import FAIL, PASS, UNKNOWN
from govmedia.report import charts
from govmedia.report.facts import ReportInput, live_findings
from govmedia.report.model import (
    Column,
    Figure,
    Heading,
    Paragraph,
    Report,
    Table,
    format_cell,
    pct,
)
from govmedia.report.text import (
    category_name,
    category_rank,
    cn_number,
    join_names,
    texts,
    verdict_label,
)

GROUP_LABELS = {"category": "类别", "province": "省份", "field": "领域"}


def has_scores(result: Mapping[str, Any]) -> bool:
    """Return True when the indicator system gives points (not pass/fail only)."""
    return any(a.get("score") is not None for a in result["accounts"])


def group_rows(result: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    """Return the result's group statistics for key; categories in the seed's order."""
    rows = list((result.get("groups") or {}).get(key) or [])
    if key == "category":
        rows.sort(key=lambda g: category_rank(g["category"]))
    return rows


def group_table(result: Mapping[str, Any], key: str, caption: str) -> Table:
    """Return the pass-rate table of one grouping (类别, 省份 or 领域)."""
    scored = has_scores(result)
    ranked = bool(result.get("excellent_rule"))
    cols = [Column(GROUP_LABELS[key], width=2.2), Column("账号数", "int"), Column("合格", "int"),
            Column("不合格", "int"), Column("未能检查", "int"), Column("合格率", "pct", 1.2)]
    cols += [Column("平均分", "score")] if scored else []
    cols += [Column("表现较好", "int")] if ranked else []
    rows = []
    for g in group_rows(result, key):
        name = category_name(g[key]) if key == "category" else g[key]
        row = [name, g["count"], g[PASS], g[FAIL], g[UNKNOWN], g["pass_rate"]]
        row += [g["mean_score"]] if scored else []
        row += [g["excellent"]] if ranked else []
        rows.append(row)
    s = result["summary"]
    total = ["合计", sum(r[1] for r in rows), s[PASS], s[FAIL], s[UNKNOWN], s["pass_rate"]]
    total += [_mean([a["score"] for a in _rankable(result)])] if scored else []
    total += [sum(len(v) for v in (result.get("excellent") or {}).values())] if ranked else []
    return Table(f"groups_{key}", caption, cols, [*rows, total] if key == "category" else rows,
                 note=texts()["results_note"], sheet=f"合格率-{GROUP_LABELS[key]}")


def _rankable(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [a for a in result["accounts"] if a.get("score") is not None and not a["vetoed"]
            and a["verdict"] != UNKNOWN]


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def veto_counts(inp: ReportInput) -> list[tuple[str, int]]:
    """Return per veto of the system: how many accounts it failed (not dismissed)."""
    out = []
    for v in inp.system.vetoes:
        n = sum(any(f["severity"] == "veto" and f["check"] in v.checks
                    for f in live_findings(a)) for a in inp.accounts)
        out.append((v.name, n))
    return out


def summary_text(inp: ReportInput) -> str:
    """Return the sentence with the totals: accounts, verdicts, pass rate, vetoes, mean score."""
    r = inp.result
    s = r["summary"]
    n = len(r["accounts"])
    text = (f"本次检查共{n}个账号，其中合格{s[PASS]}个、不合格{s[FAIL]}个、未能检查{s[UNKNOWN]}个，"
            f"合格率为{pct(s['pass_rate'])}。")
    vetoes = [f"{name}{k}个" for name, k in veto_counts(inp) if k]
    if vetoes:
        text += f"单项否决涉及账号：{'、'.join(vetoes)}（一个账号可能涉及多项）。"
    provisional = sum(bool(a.get("provisional")) for a in r["accounts"])
    if provisional:
        text += f"其中{provisional}个账号的结论依据尚待人工复核的机器发现（标为“待复核”）。"
    if has_scores(r):
        if ranked := _rankable(r):
            text += (f"无单项否决且可评分的{len(ranked)}个账号平均得分"
                     f"{format_cell(_mean([a['score'] for a in ranked]), 'score')}分。")
    return text


def _excellent(inp: ReportInput, report: Report, n: int) -> int:
    r = inp.result
    rule = r.get("excellent_rule") or {}
    if not rule:
        return n
    report.add(Heading(f"（{cn_number(n)}）表现较好的账号", 2))
    parts = []
    if rule.get("min_score") is not None:
        parts.append(f"无单项否决且得分不低于{rule['min_score']:g}分")
    if rule.get("top_share"):
        parts.append(f"得分位列本类别前{rule['top_share']:.0%}")
    report.add(Paragraph(f"表现较好的标准：{'，或'.join(parts)}。"))
    for cat in sorted(r.get("rankings") or {}, key=category_rank):
        best = (r.get("excellent") or {}).get(cat) or []
        label = category_name(cat)
        if not best:
            report.add(Paragraph(f"{label}中没有账号达到表现较好的标准。"))
            continue
        names = [e["owner"] or e["name"] for e in best]
        report.add(Paragraph(f"{join_names(names)}政务微信公众号在{label}中表现较好。"))
        rows = [[e["owner"], e["name"], e["score"], e["rank"]] for e in best]
        report.add(Table(f"excellent_{cat}", f"{label}表现较好的政务微信公众号（共{len(best)}个）",
                         [Column("单位名称", width=3), Column("微信公众号名称", width=2.2),
                          Column("得分", "score"), Column("名次", "int")], rows))
    return n + 1


def _comparison(inp: ReportInput, report: Report, key: str, n: int) -> int:
    rows = group_rows(inp.result, key)
    if not rows:
        return n
    label = GROUP_LABELS[key]
    report.add(Heading(f"（{cn_number(n)}）按{label}比较", 2))
    metric = "mean_score" if has_scores(inp.result) else "pass_rate"
    rated = [g for g in rows if g[metric] is not None]
    if rated:
        top = [g for g in rated if g[metric] == rated[0][metric]] or rated[:1]
        top = top if len(top) > 1 else rated[:2]
        what = ("平均得分" if metric == "mean_score" else "合格率")
        values = "、".join(format_cell(g[metric], "score") + "分" if metric == "mean_score"
                          else pct(g[metric])
                          for g in top)
        report.add(Paragraph(f"从{label}来看，{join_names([g[key] for g in top])}的政务微信公众号"
                             f"总体较好（{what}分别为{values}）。"))
    report.add(group_table(inp.result, key, f"各{label}检查结果"))
    return n + 1


def heat_figure(inp: ReportInput) -> Figure | None:
    """Return the province × field heat table, or None when there is nothing to compare."""
    scored = has_scores(inp.result)
    cells: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for a in inp.accounts:
        if a.get("province") and a.get("field"):
            cells.setdefault((a["province"], a["field"]), []).append(a)
    # Rows and columns in the order of the group tables (best first).
    provinces = [g["province"] for g in group_rows(inp.result, "province")
                 if any(p == g["province"] for p, _ in cells)]
    fields = [g["field"] for g in group_rows(inp.result, "field")
              if any(f == g["field"] for _, f in cells)]
    if len(provinces) < 2 or len(fields) < 2:
        return None
    values: dict[tuple[str, str], float] = {}
    for cell, accs in cells.items():
        if scored:
            got = [a["score"] for a in accs if a.get("score") is not None and not a["vetoed"]
                   and a["verdict"] != UNKNOWN]
            if got:
                values[cell] = round(sum(got) / len(got), 2)
        else:
            judged = [a for a in accs if a["verdict"] in (PASS, FAIL)]
            if judged:
                values[cell] = sum(a["verdict"] == PASS for a in judged) / len(judged)
    what = "平均得分（不含单项否决和未能检查的账号，—表示无可比得分）" if scored else "合格率"
    return charts.heat_table("heat_province_field", f"各省份、各领域{what}", provinces, fields,
                             values, "score" if scored else "pct",
                             frozenset(cells) - frozenset(values))


def verdict_tables(inp: ReportInput) -> list[Table]:
    """Return the tables of 不合格 accounts (with the veto) and 未能检查 accounts (with why)."""
    failed = [a for a in inp.accounts if a["verdict"] == FAIL]
    unknown = [a for a in inp.accounts if a["verdict"] == UNKNOWN]
    cols = [Column("单位名称", width=2.6), Column("微信公众号名称", width=2.1),
            Column("类别", width=1.2), Column("结论", width=1.2), Column("原因", width=4.7)]

    def row(a: dict[str, Any]) -> list[Any]:
        return [a["owner"], a["name"], category_name(a["category"]), verdict_label(a),
                "\n".join(a.get("reasons") or ()) or "—"]  # one reason a line

    out = []
    if failed:
        out.append(Table("failed_accounts", f"不合格的账号（共{len(failed)}个）", cols,
                         [row(a) for a in failed]))
    if unknown:
        out.append(Table("unknown_accounts", f"未能检查的账号（共{len(unknown)}个）", cols,
                         [row(a) for a in unknown],
                         note="未能检查的账号不计入合格率，须补充数据来源或人工核查。"))
    return out


def results_section(inp: ReportInput, report: Report, number: str) -> None:
    """Add 评估结果: totals, charts, 表现较好 lists, comparisons, failing and unchecked lists."""
    r = inp.result
    report.add(Heading(f"{number}、评估结果", 1), Heading("（一）总体情况", 2),
               Paragraph(summary_text(inp)),
               group_table(r, "category", "各类别检查结果"),
               charts.pass_rate_by_group("pass_rate_by_category", "各类别合格情况",
                                         [{**g, "category": category_name(g["category"])}
                                          for g in group_rows(r, "category")], "category"))
    if has_scores(r):
        scores = [a["score"] for a in _rankable(r)]
        report.add(charts.score_distribution(
            "score_distribution", f"得分分布（无单项否决且可评分的{len(scores)}个账号）", scores))
    n = _excellent(inp, report, 2)
    n = _comparison(inp, report, "province", n)
    n = _comparison(inp, report, "field", n)
    if (heat := heat_figure(inp)) is not None:
        report.add(heat)
    tables = verdict_tables(inp)
    if tables:
        report.add(Heading(f"（{cn_number(n)}）不合格和未能检查的账号", 2), *tables)
        n += 1
    if r.get("reach"):
        report.add(Heading(f"（{cn_number(n)}）传播数据（仅供参考，不计入评分和排名）", 2),
                   reach_table(r))


def reach_table(result: Mapping[str, Any]) -> Table:
    """Return the reach figures (information only, INDICATORS.md §6)."""
    return Table("reach", "传播数据（仅供参考）",
                 [Column("账号", width=2), Column("天数", "int"), Column("文章数", "int"),
                  Column("阅读数", "int"), Column("点赞数", "int"), Column("WCI", "score")],
                 [[x["name"], x["days"], x["articles"], x["reads"], x["likes"], x["wci"]]
                  for x in result["reach"]], note="传播数据仅供参考，不计入评分和排名。")
