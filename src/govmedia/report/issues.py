"""The national report's 亮点做法 and 主要问题 sections, from the findings of the run.

Good practices name the accounts (the seed does); problems are counted per type with their
share of the accounts on which the checks ran, and illustrated with anonymised examples
(某省教育厅, seed 001 六) and the phone screenshots taken as evidence.
"""

from __future__ import annotations

from typing import Any

from govmedia.report import charts
from govmedia.report.evidence import screenshot_image, screenshot_path
from govmedia.report.facts import (
    SCORED,
    ProblemStat,
    ReportInput,
    check_title,
    is_problem,
    live_findings,
    practice_groups,
    problem_stats,
)
from govmedia.report.model import Column, Figure, Gallery, Heading, Paragraph, Report, Table, pct
from govmedia.report.text import (
    SEVERITY_LABELS,
    account_label,
    anonymise,
    anonymous_owner,
    cn_number,
    join_names,
    para,
    texts,
)

MAX_EXAMPLES = 3  # examples per problem type or practice, as the seed gives
MAX_SHOTS = 3  # screenshots side by side


def _shots(inp: ReportInput, pairs: list[tuple[dict[str, Any], dict[str, Any]]],
           caption: Any) -> list[Figure]:
    """Return screenshot figures for (account, finding) pairs that have one, at most MAX_SHOTS."""
    out, seen = [], set()
    for acc, f in pairs:
        path = screenshot_path(f, inp.index)
        if path is None or path in seen:
            continue
        image = screenshot_image(path)
        if image is None:
            continue
        seen.add(path)
        out.append(Figure(f"shot_{len(out)}_{path.stem}", caption(acc, f), image,
                          kind="screenshot", width_cm=4.6, source=str(path)))
        if len(out) >= MAX_SHOTS:
            break
    return out


def _practice_shots(inp: ReportInput, acc: dict[str, Any], f: dict[str, Any]
                    ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Return (account, finding) pairs whose screenshot shows a page of this practice."""
    urls = {p.get("url") for p in (f.get("evidence") or {}).get("places") or ()}
    return [(acc, g) for g in live_findings(acc)
            if (g.get("evidence") or {}).get("screenshot")
            and (g["evidence"].get("url") in urls or g["evidence"].get("final_url") in urls)]


def places(f: dict[str, Any]) -> list[str]:
    """Return where a practice was found, without a menu path that a longer place repeats."""
    found = list(dict.fromkeys(p["where"] for p in (f.get("evidence") or {}).get("places") or ()
                               if p.get("where")))
    return [w for w in found if not any(o != w and o.startswith(w) for o in found)]


def practices_section(inp: ReportInput, report: Report, number: str) -> None:
    """Add 亮点做法: per practice group and practice, the accounts that show it, examples."""
    report.add(Heading(f"{number}、亮点做法", 1))
    found = practice_groups(inp)
    if not found:
        report.add(Paragraph("本次检查未发现可认定的亮点做法（亮点做法由检查自动识别，"
                             "如智能问答、答问知识库、随手拍、主题服务、长者模式等）。"))
        return
    report.add(Paragraph(para(texts()["practices_intro"])))
    for gi, group in enumerate(found, start=1):
        report.add(Heading(f"（{cn_number(gi)}）{group.title}", 2))
        if group.intro:
            report.add(Paragraph(para(group.intro)))
        for _check, title, pairs in group.items:
            accs = list({id(a): a for a, _ in pairs}.values())
            report.add(Paragraph(f"{title}：共{len(accs)}个账号，"
                                 f"{join_names(['“' + a['name'] + '”' for a in accs], 12)}。",
                                 "lead"))
            for acc, f in pairs[:MAX_EXAMPLES]:
                where = "、".join(places(f))
                report.add(Paragraph(f"例如，{account_label(acc)}，"
                                     f"{'在' + where if where else ''}提供{title}。", "bullet"))
            shots = _shots(inp, [p for a, f in pairs for p in _practice_shots(inp, a, f)],
                           lambda a, _f, t=title: f"“{a['name']}”{t}")
            if shots:
                report.add(Gallery(shots))


def _examples(stat: ProblemStat) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Return one (account, finding) per account, scored findings and screenshots first."""
    checks = {c.check for c in stat.checks}

    def weight(f: dict[str, Any]) -> tuple[bool, bool]:
        return (f["severity"] not in SCORED, not (f.get("evidence") or {}).get("screenshot"))

    out = []
    for acc in [*stat.accounts, *stat.notice]:
        mine = [f for f in live_findings(acc) if f["check"] in checks and is_problem(f)]
        out.append((acc, min(mine, key=weight)))
    out.sort(key=lambda p: weight(p[1]))
    return out


def problem_table(stat: ProblemStat) -> Table:
    """Return the per-check counts of a problem type."""
    cols = [Column("问题", width=3), Column("性质", width=1.1), Column("涉及账号数", "int"),
            Column("已检查账号数", "int"), Column("占比", "pct"), Column("问题数", "int"),
            Column("待人工复核", "int")]
    return Table(f"problem_{stat.id}", f"{stat.title}：各项问题涉及的账号", cols,
                 [[c.title, SEVERITY_LABELS[c.severity], len(c.accounts), c.checked, c.share,
                   c.findings, c.pending] for c in stat.checks])


def _stat_text(stat: ProblemStat, first: bool) -> str:
    if stat.accounts:
        text = (f"本次检查中，{len(stat.accounts)}个账号存在此类问题（单项否决或扣分），占已检查"
                f"账号（{stat.checked}个）的{pct(stat.share)}")
        text += f"；另有{len(stat.notice)}个账号仅有提示项" if stat.notice else ""
    else:
        text = f"本次检查中，{len(stat.notice)}个账号存在此类提示项问题（不计分）"
    text += f"。共发现问题{stat.findings}处"
    text += f"，其中{stat.pending}处为机器发现、待人工复核。" if stat.pending else "。"
    return text + ("这是本次检查中涉及账号最多的问题。" if first else "")


def problems_section(inp: ReportInput, report: Report, number: str) -> list[ProblemStat]:
    """Add 主要问题: per problem type, how many accounts, the share, anonymised examples."""
    stats = problem_stats(inp)
    report.add(Heading(f"{number}、主要问题", 1))
    if not stats:
        report.add(Paragraph("本次检查未发现问题。"))
        return stats
    report.add(Paragraph(para(texts()["problems_intro"])))
    report.add(charts.problems_by_type(
        "problems_by_type", "各类问题涉及的账号数（括号内为占已检查账号的比例）",
        [(s.title, len(s.accounts), len(s.notice), s.share) for s in stats]))
    for i, stat in enumerate(stats, start=1):
        report.add(Heading(f"（{cn_number(i)}）{stat.title}", 2))
        if stat.intro:
            report.add(Paragraph(para(stat.intro)))
        first = i == 1 and len(stats) > 1 and len(stat.accounts) > len(stats[1].accounts)
        report.add(Paragraph(_stat_text(stat, first)), problem_table(stat))
        examples = _examples(stat)[:MAX_EXAMPLES]
        for acc, f in examples:
            report.add(Paragraph(f"例如，{anonymous_owner(acc)}微信公众号："
                                 f"{anonymise(f['message'], acc)}", "bullet"))
        shots = _shots(inp, examples,
                       lambda a, f: f"{anonymous_owner(a)}微信公众号：{check_title(f['check'])}")
        if shots:
            report.add(Gallery(shots))
    return stats
