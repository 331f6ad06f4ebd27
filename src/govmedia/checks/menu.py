"""Menu checks: are the three functions there, in order, and not just a link to the website?

Seed 001 六、（一）菜单设置不规范 (互动交流置于便民服务菜单、办事服务置于政民互动菜单, a menu
of only “门户网站”“教育大会”) and （二）功能定位普遍缺项 (the most common problem: one or two
of 政务公开、政民互动、办事服务 missing, 国办发〔2018〕123号 二). Items are classified by
menus/classify.py.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from govmedia.artifacts import AccountArtifacts
from govmedia.findings import Finding, NotChecked
from govmedia.menus.classify import (
    CORE,
    NAMES,
    ClassifiedItem,
    classify_menu,
    core,
    is_neutral,
    leaves,
    taxonomy,
)

if TYPE_CHECKING:
    from govmedia.checks.registry import CheckContext

_HOME_PATH = re.compile(r"^/?(?:index|default|main|home)?(?:\.s?html?|\.jsp|\.php|\.aspx?)?$", re.I)
_WEBSITE_WORDS = ("网站", "门户", "官网", "首页")


def classified(a: AccountArtifacts) -> list[ClassifiedItem]:
    """Return the classified menu, or raise NotChecked when the menu could not be read."""
    if a.menu is None:
        raise NotChecked(f"未能读取自定义菜单（{a.menu_error}）" if a.menu_error
                         else "未采集到自定义菜单，无法检查")
    return classify_menu(a.menu, a.pages)


def _summary(items: list[ClassifiedItem]) -> dict[str, str]:
    return {c.path: NAMES[c.function] for c in items}


def missing_function(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return one finding per core function (公开, 服务, 互动) that no menu button offers."""
    items = classified(a)
    wanted = tuple(ctx.param("functions", CORE))
    closed = not a.menu.is_open or not items
    present = set() if closed else {core(c.function) for c in leaves(items)}
    out = []
    for fid in wanted:
        if fid in present:
            continue
        why = "未开启自定义菜单" if closed else "菜单中没有此类入口"
        out.append(Finding(
            "menu.missing_function", "deduct",
            f"功能定位缺项：缺少{NAMES[fid]}功能（{why}；应提供{taxonomy()['examples'][fid]}）",
            NAMES[fid],
            {"missing": fid, "menu_open": a.menu.is_open, "menu": _summary(items)},
            f"按国办发〔2018〕123号功能定位，在菜单中设置{NAMES[fid]}栏目"))
    return out


def disorder(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return one finding per top-level menu holding sub-items of another function."""
    items = classified(a)
    out = []
    for top in (c for c in items if not c.parent and not c.leaf):
        if not top.from_label or top.function == "other":
            continue
        wrong = [c for c in items if c.parent == top.label and c.from_label
                 and c.function != "other" and core(c.function) != core(top.function)
                 and not is_neutral(c.label)]
        if not wrong:
            continue
        listed = "、".join(f"“{c.label}”（{NAMES[core(c.function)]}）" for c in wrong)
        out.append(Finding(
            "menu.disorder", "deduct",
            f"菜单设置混乱：“{top.label}”（{NAMES[core(top.function)]}）下设置了{listed}",
            top.path,
            {"top": top.evidence(), "misplaced": [c.evidence() for c in wrong]},
            f"将{listed}移到对应功能的菜单下，使菜单名称与栏目功能一致"))
    return out


def _website_link(c: ClassifiedItem) -> bool:
    if any(w in c.label for w in _WEBSITE_WORDS):
        return True
    urls = [c.item.url] + [p.final_url for p in c.pages if p.final_url]
    return any(u and _HOME_PATH.match(urlsplit(u).path or "/") for u in urls)


def _web(c: ClassifiedItem) -> bool:
    host = urlsplit(c.item.url).hostname or ""
    return c.item.type == "view" and bool(host) and not host.endswith("weixin.qq.com")


def website_only(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return a finding when every button only links to the website, offering no function."""
    buttons = leaves(classified(a))
    if not buttons or not a.menu.is_open:
        return []
    if any(c.function != "other" or not _web(c) for c in buttons):
        return []
    homes = [c for c in buttons if _website_link(c)]
    if not homes:
        return []
    names = "、".join(f"“{c.label}”" for c in buttons)
    return [Finding(
        "menu.website_only", "deduct",
        f"菜单只链接到门户网站：{names}均为网站首页或网站页面链接，未提供政务公开、办事服务、"
        "政民互动等功能入口", "自定义菜单",
        {"buttons": [c.evidence() for c in buttons], "home_links": [c.path for c in homes]},
        "按功能定位设置菜单，直接提供政策文件、办事服务、互动交流等栏目，并做好手机端适配")]
