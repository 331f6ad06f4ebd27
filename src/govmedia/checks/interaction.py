"""Interaction: does the account offer a working channel people can write to (互动回应差)?

国办秘函〔2019〕19号 单项否决“互动回应差”, applied to new media as “未提供有效互动功能”
(INDICATORS.md §1): no comments (留言) open on articles and no menu button that opens a
consultation, complaint, mailbox or 留言 page that loads. A finding is provisional (待人工复核).
When a possible channel cannot be verified (a mini-program, a click event, a page the checker
could not read) or the comment state of the articles is unknown, the check is not checked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govmedia.artifacts import AccountArtifacts, PageSnapshot
from govmedia.checks.page_state import blocked_reason, dead_reason, error_page_reason, readable
from govmedia.findings import Finding, NotChecked
from govmedia.menus.classify import ClassifiedItem, classify_menu, leaves, normalise, taxonomy

if TYPE_CHECKING:
    from govmedia.checks.registry import CheckContext


def comment_state(a: AccountArtifacts) -> tuple[str, list[str]]:
    """Return ("open" | "closed" | "unknown", article URLs) from the article pages read.

    An article page carries `comment_id`: non-zero when 留言 is open on the article, "0" when
    it is not. Other sources (API, feeds) do not say, so they leave the state unknown.
    """
    open_urls, closed = [], []
    for src in a.sources:
        if src.source != "article_page" or not src.ok:
            continue
        for art in src.articles:
            if art.comment_id and art.comment_id != "0":
                open_urls.append(art.url)
            elif art.comment_id == "0":
                closed.append(art.url)
    if open_urls:
        return "open", open_urls
    return ("closed", closed) if closed else ("unknown", [])


def channel_page(p: PageSnapshot) -> bool:
    """Return True when a loaded page is a place to write to (a text-area form or title)."""
    if not readable(p):
        return False
    words = [normalise(str(w)) for w in taxonomy()["channel_words"]]
    heads = normalise("\n".join((p.title, *p.headings)))
    return any(f.textareas for f in p.forms) or any(w in heads for w in words)


def _candidate(c: ClassifiedItem) -> bool:
    words = [normalise(str(w)) for w in taxonomy()["channel_words"]]
    return c.function == "interact" or any(w in normalise(c.label) for w in words)


def _judge(c: ClassifiedItem) -> tuple[str, str]:
    """Return ("working" | "unverified" | "broken" | "none", reason) for one candidate button."""
    if c.item.type == "miniprogram":
        return "unverified", f"“{c.path}”打开小程序，无法自动核验"
    if not (c.item.url or c.item.article_urls or c.pages):
        if c.item.type in ("view", ""):
            return "none", f"“{c.path}”没有链接"
        return "unverified", f"“{c.path}”为{c.item.type}类菜单（回复消息或事件），无法自动核验"
    if not c.pages:
        return "unverified", f"“{c.path}”的链接未抓取"
    for p in c.pages:
        if channel_page(p):
            return "working", p.final_url or p.url
    for p in c.pages:
        if reason := blocked_reason(p):
            return "unverified", f"“{c.path}”：{reason}"
    p = c.pages[0]
    reason = dead_reason(p) or error_page_reason(p) or (
        "页面不是可提交留言、咨询或投诉的页面" + (f"（页面标题“{p.title}”）" if p.title else ""))
    return "broken", f"“{c.path}”：{reason}"


def no_channel(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return a provisional veto finding when no working interaction channel is found."""
    comments, urls = comment_state(a)
    if comments == "open":
        return []
    if a.menu is None:
        raise NotChecked(
            f"未能读取自定义菜单（{a.menu_error or '未采集'}），无法确认是否提供互动渠道")
    items = leaves(classify_menu(a.menu, a.pages)) if a.menu.is_open else []
    judged: dict[str, list[str]] = {"working": [], "unverified": [], "broken": [], "none": []}
    for c in items:
        if _candidate(c):
            kind, why = _judge(c)
            judged[kind].append(why)
    other_pages = [p for p in a.pages if p.origin == "menu" and channel_page(p)
                   and any(f.textareas for f in p.forms)]
    if judged["working"] or other_pages:
        return []
    if judged["unverified"]:
        raise NotChecked("菜单中的互动入口无法自动核验：" + "；".join(judged["unverified"]))
    if comments == "unknown":
        raise NotChecked("菜单中未发现可用的互动入口，但未能读取文章页面，无法确认文章留言是否开启")
    found = judged["broken"] + judged["none"]
    menu_part = ("菜单中的互动入口均不可用（" + "；".join(found) + "）" if found
                 else "菜单中没有领导信箱、咨询投诉、留言等互动入口" if a.menu.is_open
                 else "未开启自定义菜单")
    evidence: dict[str, Any] = {
        "provisional": True, "comments": comments, "articles_checked": urls[:10],
        "menu_open": a.menu.is_open, "candidates": found,
        "menu": [c.evidence() for c in items]}
    return [Finding(
        "interaction.no_channel", "veto",
        f"未提供有效互动功能：{menu_part}，文章未开放留言（机器判定，待人工复核）", "政民互动",
        evidence, "开设领导信箱、咨询投诉或留言栏目并确保可正常提交，或开放文章留言并及时回复")]
