"""The console table of an evaluation result (rich)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from govmedia.indicators.engine import FAIL, PASS, UNKNOWN
from govmedia.registry.categories import category_label

MAX_NOTES = 3  # non-veto findings shown per account; the JSON has them all
_STYLE = {PASS: "green", FAIL: "bold red", UNKNOWN: "yellow"}


def _when(iso: str | None, as_of: datetime) -> str:
    if not iso:
        return "—"
    t = datetime.fromisoformat(iso).astimezone(as_of.tzinfo)
    return f"{t:%Y-%m-%d %H:%M}（{(as_of - t).days}天前）"


def _reasons(acc: dict[str, Any]) -> str:
    lines = list(acc["reasons"])
    others = [f for f in acc["findings"] if f["severity"] != "veto"]
    lines += [f"[提示] {f['message']}" for f in others[:MAX_NOTES]]
    if len(others) > MAX_NOTES:
        lines.append(f"[提示] ……另有 {len(others) - MAX_NOTES} 项，见 JSON 结果")
    return "\n".join(lines) or "—"


def render_table(result: dict[str, Any], console: Console) -> None:
    """Print one row per account (account, category, last publish, verdict, reasons)."""
    as_of = datetime.fromisoformat(result["as_of"])
    table = Table(title=f"{result['indicator_system_name']} · 监测时间点 {as_of:%Y-%m-%d %H:%M}",
                  show_lines=True)
    for col in ("账号", "类别", "最近发布", "结论", "原因"):
        table.add_column(col, overflow="fold")
    for acc in result["accounts"]:
        verdict = acc["verdict"]
        table.add_row(f"{acc['name']}\n[dim]{acc['owner']}[/]", category_label(acc["category"]),
                      _when(acc["last_published"], as_of),
                      f"[{_STYLE.get(verdict, '')}]{verdict}[/]", _reasons(acc))
    console.print(table)
    s = result["summary"]
    rate = "—" if s["pass_rate"] is None else f"{s['pass_rate']:.1%}"
    console.print(f"合格 {s[PASS]} · 不合格 {s[FAIL]} · 未能检查 {s[UNKNOWN]} · 合格率 {rate}"
                  "（未能检查的账号不计入合格率）")
    if result["not_covered"]:
        console.print("[yellow]注意：本版本尚未自动检查以下单项否决指标，需人工核查："
                      + "、".join(result["not_covered"]) + "[/]")
