"""The console table of an evaluation result (rich)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from govmedia.indicators.engine import FAIL, PASS, UNKNOWN
from govmedia.registry.categories import category_label

SHOWN = frozenset({"freshness.warning"})  # early warnings: shown in full, not only counted
_SEVERITY = {"deduct": "扣分", "warn": "提示", "info": "亮点或说明"}
_STYLE = {PASS: "green", FAIL: "bold red", UNKNOWN: "yellow"}


def _when(iso: str | None, kind: str | None, as_of: datetime) -> str:
    if not iso:
        return "—"
    t = datetime.fromisoformat(iso).astimezone(as_of.tzinfo)
    # A source that gives the date only (kind "day") is dated at the day's end, the latest it
    # can be: the days count as the freshness checks count them.
    return f"{t:%Y-%m-%d}{'' if kind == 'day' else f' {t:%H:%M}'}（{(as_of - t).days}天前）"


def _reasons(acc: dict[str, Any]) -> str:
    """Return the verdict's reasons, then one line counting the other findings by severity
    (the reports and the JSON result list them; a terminal row of every note is unreadable)."""
    lines = list(acc["reasons"])
    lines += [f"[提示] {f['message']}" for f in acc["findings"] if f["check"] in SHOWN]
    counts = Counter(f["severity"] for f in acc["findings"]
                     if f["severity"] != "veto" and f.get("review") != "dismissed"
                     and f["check"] not in SHOWN)
    parts = [f"{_SEVERITY[s]} {counts[s]} 项" for s in _SEVERITY if counts[s]]
    if parts:
        lines.append("[dim]" + " · ".join(parts) + "[/]")
    return "\n".join(lines) or "—"


def _score(acc: dict[str, Any]) -> str:
    if acc.get("score") is None:
        return "—"
    mark = " ★" if acc.get("excellent") else ""
    return f"{acc['score']:.1f}{mark}"


def render_table(result: dict[str, Any], console: Console) -> None:
    """Print one row per account (account, category, last publish, verdict, reasons), then
    the ranking per category and the pass rate per category."""
    as_of = datetime.fromisoformat(result["as_of"])
    table = Table(title=f"{result['indicator_system_name']} · 监测时间点 {as_of:%Y-%m-%d %H:%M}",
                  show_lines=True)
    scored = any(a.get("score") is not None for a in result["accounts"])
    columns = ("账号", "类别", "最近发布", "结论", *(("得分",) if scored else ()), "原因")
    for col in columns:
        table.add_column(col, overflow="fold")
    for acc in result["accounts"]:
        verdict = acc["verdict"]
        table.add_row(f"{acc['name']}\n[dim]{acc['owner']}[/]", category_label(acc["category"]),
                      _when(acc["last_published"], acc.get("last_published_kind"), as_of),
                      f"[{_STYLE.get(verdict, '')}]{verdict}[/]",
                      *((_score(acc),) if scored else ()), _reasons(acc))
    console.print(table)
    render_rankings(result, console)
    s = result["summary"]
    rate = "—" if s["pass_rate"] is None else f"{s['pass_rate']:.1%}"
    console.print(f"合格 {s[PASS]} · 不合格 {s[FAIL]} · 未能检查 {s[UNKNOWN]} · 合格率 {rate}"
                  "（未能检查的账号不计入合格率）")
    if result["not_covered"]:
        console.print("[yellow]注意：本版本尚未自动检查以下单项否决指标，需人工核查："
                      + "、".join(result["not_covered"]) + "[/]")


def render_rankings(result: dict[str, Any], console: Console) -> None:
    """Print the ranking per category (when there are scores), the pass rate per category and,
    when the run has them, reach figures for information."""
    for cat, r in (result.get("rankings") or {}).items():
        if not r["ranked"]:
            continue
        table = Table(title=f"{category_label(cat)} 排名（共{r['count']}个账号）")
        for col in ("名次", "账号", "得分", "表现较好"):
            table.add_column(col)
        best = {(e["name"], e["owner"]) for e in (result.get("excellent") or {}).get(cat, ())}
        for e in r["ranked"]:
            table.add_row(str(e["rank"]), e["name"], f"{e['score']:.1f}",
                          "★" if (e["name"], e["owner"]) in best else "")
        console.print(table)
        if r["vetoed"]:
            console.print("单项否决，不参与排名：" + "、".join(r["vetoed"]))
        if r["unranked"]:
            console.print("未排名：" + "、".join(f"{u['name']}（{u['reason']}）"
                                              for u in r["unranked"]))
    groups = (result.get("groups") or {}).get("category") or []
    if groups:
        table = Table(title="各类别合格率（未能检查的账号不计入合格率）")
        for col in ("类别", "账号数", "合格", "不合格", "未能检查", "合格率", "平均分"):
            table.add_column(col)
        for g in groups:
            rate = "—" if g["pass_rate"] is None else f"{g['pass_rate']:.1%}"
            mean = "—" if g["mean_score"] is None else f"{g['mean_score']:.1f}"
            table.add_row(category_label(g["category"]), str(g["count"]), str(g[PASS]),
                          str(g[FAIL]), str(g[UNKNOWN]), rate, mean)
        console.print(table)
    if result.get("reach"):
        table = Table(title="传播数据（仅供参考，不计入评分和排名）")
        for col in ("账号", "天数", "文章数", "阅读数", "点赞数", "WCI"):
            table.add_column(col)
        for row in result["reach"]:
            table.add_row(row["name"], str(row["days"]), str(row["articles"]),
                          str(row["reads"]), str(row["likes"]),
                          "—" if row["wci"] is None else f"{row['wci']:.2f}")
        console.print(table)
