"""The rectification list (整改清单) of one account: every finding to act on, with its evidence.

Every finding that is not dismissed in review (confirmed, or a machine finding still to be
reviewed, marked 待人工复核), grouped by the indicator it counts under, veto items first; for
each: where (menu path, article, URL), what (message, excerpt), the evidence (time, archive
record id, screenshot) and what to do. Practices are credits, not items; the checks that could
not run are listed with their reasons, so nothing is silently taken as passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from govmedia.report.evidence import (
    archive_id,
    excerpt,
    place,
    screenshot_image,
    screenshot_path,
    url_of,
    when,
)
from govmedia.report.facts import PRACTICE, ReportInput, check_title, indicator_of, live_findings
from govmedia.report.model import (
    Column,
    Figure,
    Heading,
    Paragraph,
    Report,
    Table,
    format_cell,
)
from govmedia.report.national import run_meta, run_warnings
from govmedia.report.text import (
    REVIEW_LABELS,
    SEVERITY_LABELS,
    category_name,
    cn_number,
    texts,
    verdict_label,
)

_SEVERITY_ORDER = {"veto": 0, "deduct": 1, "warn": 2, "info": 3}
DEFAULT_ACTION = "请核实并整改"


@dataclass
class Item:
    """One thing to fix, with everything the rectification list says about it."""

    group: str
    order: tuple[int, int, int]
    finding: dict[str, Any]
    place: str
    url: str
    excerpt: str
    time: str
    archive: str
    screenshot: str

    @property
    def severity(self) -> str:
        return SEVERITY_LABELS.get(self.finding["severity"], self.finding["severity"])

    @property
    def review(self) -> str:
        return REVIEW_LABELS.get(self.finding.get("review") or "machine", "待人工复核")

    @property
    def action(self) -> str:
        return self.finding.get("suggestion") or DEFAULT_ACTION


def items(inp: ReportInput, acc: dict[str, Any]) -> list[Item]:
    """Return the account's items to fix, veto items first, then by indicator and severity."""
    out = []
    for n, f in enumerate(live_findings(acc)):
        if f["check"].startswith(PRACTICE):
            continue
        rank, label = indicator_of(inp.system, f["check"], f["severity"])
        shot = screenshot_path(f, inp.index)
        out.append(Item(label, (rank, _SEVERITY_ORDER.get(f["severity"], 9), n), f, place(f),
                        url_of(f), excerpt(f), when(f), archive_id(f, inp.index),
                        str(shot) if shot else ""))
    out.sort(key=lambda i: i.order)
    return out


def _kv(item: Item) -> Table:
    f = item.finding
    rows = [["问题", f["message"]]]
    rows += [["位置", item.place]] if item.place else []
    rows += [["链接", item.url]] if item.url else []
    rows += [["摘录", item.excerpt]] if item.excerpt else []
    evidence = "；".join(x for x in (item.time, item.archive and f"存档编号 {item.archive}",
                                     item.screenshot and "截图见下") if x)
    rows += [["证据", evidence or "—"], ["复核状态", item.review], ["整改要求", item.action]]
    return Table(f"item_{item.order[2]}", "", [Column("项目", width=1), Column("内容", width=6)],
                 rows, header=False)


def _conclusion(inp: ReportInput, acc: dict[str, Any], found: list[Item], report: Report) -> None:
    report.add(Heading("一、检查结论", 1))
    text = f"检查结论：{verdict_label(acc)}。"
    if acc.get("score") is not None:
        text += f"得分{format_cell(acc['score'], 'score')}分"
        text += f"，在{category_name(acc['category'])}中排第{acc['rank']}名。" if acc.get("rank") \
            else "。"
    report.add(Paragraph(text))
    for reason in acc.get("reasons") or ():
        report.add(Paragraph(reason, "bullet"))
    counts = {k: sum(i.finding["severity"] == k for i in found) for k in _SEVERITY_ORDER}
    pending = sum(i.finding.get("review", "machine") == "machine" for i in found)
    report.add(Paragraph(f"共需整改或核实{len(found)}项：单项否决{counts['veto']}项、扣分项"
                         f"{counts['deduct']}项、提示项{counts['warn']}项、说明{counts['info']}项；"
                         f"其中{pending}项为机器发现，待人工复核。"))
    if acc.get("areas"):
        report.add(Table("areas", "各方面得分",
                         [Column("评估指标", width=2), Column("权重", "num"),
                          Column("得分", "score"), Column("说明", width=2)],
                         [[a["area"], a["weight"], a.get("score"),
                           "" if a.get("judged") else "未能评分"] for a in acc["areas"]]))


def account_report(inp: ReportInput, acc: dict[str, Any]) -> Report:
    """Return the rectification list of one account as a document model."""
    found = items(inp, acc)
    report = Report("account", texts()["rectification_title"],
                    subtitle=f"{acc['owner']}微信公众号“{acc['name']}”",
                    meta=[("主办单位", acc["owner"]), ("账号名称", acc["name"]),
                          ("类别", category_name(acc["category"])),
                          *run_meta(inp)[:3]], warnings=run_warnings(inp))
    _conclusion(inp, acc, found, report)
    report.add(Heading("二、整改事项", 1))
    if not found:
        report.add(Paragraph("本次检查未发现需要整改的问题。"))
    groups: dict[str, list[Item]] = {}
    for item in found:
        groups.setdefault(item.group, []).append(item)
    for gi, (label, members) in enumerate(groups.items(), start=1):
        report.add(Heading(f"（{cn_number(gi)}）{label}（{len(members)}项）", 2))
        for item in members:
            n = found.index(item) + 1
            report.add(Heading(f"{n}. 【{item.severity}】{check_title(item.finding['check'])}",
                               3), _kv(item))
            if item.screenshot and (image := screenshot_image(screenshot_path(
                    item.finding, inp.index))):
                report.add(Figure(f"shot_{n}", f"第{n}项截图（手机端）", image,
                                  kind="screenshot", width_cm=5.0, source=item.screenshot))
    skipped = acc.get("not_checked") or []
    report.add(Heading("三、未能检查的项目", 1))
    if skipped:
        report.add(Paragraph("以下检查项未能完成，结果不视为合格，请补充数据来源或人工核查。"),
                   Table("not_checked", "未能检查的项目",
                         [Column("检查项", width=2), Column("原因", width=5)],
                         [[check_title(s["check"]), s["reason"]] for s in skipped]))
    else:
        report.add(Paragraph("无。所有检查项均已完成。"))
    if acc.get("highlights"):
        report.add(Heading("四、亮点做法", 1),
                   *(Paragraph(h.removeprefix("亮点做法："), "bullet") for h in acc["highlights"]))
    report.sheets.append(item_sheet(found))
    return report.finish()


def item_sheet(found: list[Item]) -> Table:
    """Return the items as one Excel sheet (one row per item)."""
    cols = [Column("序号", "int", 0.6), Column("指标", width=2.4), Column("严重程度", width=1),
            Column("检查项", width=2), Column("位置", width=2.4), Column("链接", width=3.5),
            Column("问题", width=5), Column("摘录", width=3.5), Column("证据时间", width=2),
            Column("存档编号", width=3.5), Column("截图", width=3), Column("复核状态", width=1.2),
            Column("整改要求", width=4)]
    rows = [[n, i.group, i.severity, check_title(i.finding["check"]), i.place, i.url,
             i.finding["message"], i.excerpt, i.time, i.archive, i.screenshot, i.review,
             i.action] for n, i in enumerate(found, start=1)]
    return Table("items", "整改清单", cols, rows, sheet="整改清单")
