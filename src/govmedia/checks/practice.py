"""Good practices (亮点做法, seed 001 五) credited as info findings: never scored by default.

A practice is found in a menu button's label, or in the title or headings of a page the menu
opens (not in running text, where an article about old people is no 长者模式, nor in the
website's own navigation, which every site has). A button
whose every page is dead or an error page is not credited (link.dead reports it). Words are
data (data/menu_taxonomy.yaml `practices`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govmedia.artifacts import AccountArtifacts, PageSnapshot
from govmedia.checks.page_state import dead_reason, error_page_reason, readable
from govmedia.findings import Finding, NotChecked
from govmedia.menus.classify import classify_menu, normalise, taxonomy

if TYPE_CHECKING:
    from govmedia.checks.registry import CheckContext, CheckFunc

PRACTICES = ("smart_qa", "qa_library", "snapshot_report", "elder_mode", "search", "voice",
             "service_collection", "map_search", "calculator", "live")


def _hit(spec: dict[str, Any], text: str) -> str:
    text = normalise(text)
    for word in spec.get("not") or ():
        text = text.replace(normalise(str(word)), "")
    return next((str(w) for w in spec["words"] if normalise(str(w)) in text), "")


def _broken(pages: tuple[PageSnapshot, ...]) -> bool:
    return bool(pages) and all(dead_reason(p) or error_page_reason(p) for p in pages)


def found(a: AccountArtifacts, pid: str) -> list[dict[str, str]]:
    """Return where the practice pid shows: [{where, word, url}] (menu labels, then pages)."""
    if a.menu is None:
        raise NotChecked(f"未能读取自定义菜单（{a.menu_error}）" if a.menu_error
                         else "未采集到自定义菜单，无法检查")
    spec = taxonomy()["practices"][pid]
    out = []
    for c in classify_menu(a.menu, a.pages) if a.menu.is_open else ():
        if (word := _hit(spec, c.label)) and not _broken(c.pages):
            out.append({"where": f"菜单“{c.path}”", "word": word, "url": c.item.url})
    for p in (p for p in a.pages if p.origin == "menu" and readable(p)):
        heads = "\n".join((p.title, *p.headings))
        if word := _hit(spec, heads):
            out.append({"where": f"菜单“{p.menu_path}”打开的页面《{p.title}》", "word": word,
                        "url": p.final_url or p.url})
    return out


def _make(pid: str) -> CheckFunc:
    def check(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
        places = found(a, pid)
        if not places:
            return []
        name = taxonomy()["practices"][pid]["name"]
        shown = "、".join(dict.fromkeys(p["where"] for p in places[:3]))
        return [Finding(f"practice.{pid}", "info", f"亮点做法：提供{name}（{shown}）", name,
                        {"practice": pid, "places": places[:10]})]

    check.__name__ = pid
    check.__doc__ = f"Return an info finding when the account offers practice {pid}."
    return check


smart_qa = _make("smart_qa")
qa_library = _make("qa_library")
snapshot_report = _make("snapshot_report")
elder_mode = _make("elder_mode")
search = _make("search")
voice = _make("voice")
service_collection = _make("service_collection")
map_search = _make("map_search")
calculator = _make("calculator")
live = _make("live")
