"""Link checks: do the pages that menus and articles link to open, and are they what they say?

Seed 001 六、（五）链接不可用 (dead links, 厅长信箱 that opens the service hall) and （六）过度收集
用户信息 (public guides behind a login). A page the checker could not judge (rate limit, WeChat
anti-bot page, JS-only page) is never reported dead: link.unverifiable lists it instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from govmedia.artifacts import AccountArtifacts, MenuItem, PageSnapshot
from govmedia.checks.page_state import (
    blocked_reason,
    dead_reason,
    error_page_reason,
    http_evidence,
    label_function,
    load_data,
    login_expected,
    login_wall_signals,
    pages_or_raise,
    readable,
    target_of,
    where,
)
from govmedia.findings import Finding, NotChecked

if TYPE_CHECKING:
    from govmedia.checks.registry import CheckContext


def dead(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return one finding per link that does not open (DNS, refused, timeout, TLS, 4xx/5xx)."""
    pages = pages_or_raise(a)
    if pages and all(blocked_reason(p) for p in pages):
        raise NotChecked("全部网页暂时无法核验：" + "；".join(
            dict.fromkeys(blocked_reason(p) for p in pages)))
    out = []
    for p in pages:
        if reason := dead_reason(p):
            out.append(Finding(
                "link.dead", "deduct", f"{where(p)}无法访问：{reason}", target_of(p),
                http_evidence(p), "修复或更换失效链接；确已停用的栏目应从菜单中删除"))
    return out


def error_page(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return one finding per link that answers 200 but shows an error or empty page."""
    out = []
    for p in pages_or_raise(a):
        if reason := error_page_reason(p):
            out.append(Finding(
                "link.error_page", "deduct", f"{where(p)}打开后是错误页面：{reason}",
                target_of(p), http_evidence(p),
                "检查链接地址是否已变更，改为有效页面"))
    return out


def login_wall(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return one finding per public page that only shows a login or real-name form."""
    out = []
    for p in pages_or_raise(a):
        if login_expected(p.label):
            continue
        signals = login_wall_signals(p)
        if signals:
            out.append(Finding(
                "link.login_wall", "deduct",
                f"{where(p)}须先登录才能查看内容：{signals[0]}（过度收集用户信息）", target_of(p),
                {**http_evidence(p), "signals": signals,
                 "forms": [list(f.fields) for f in p.forms]},
                "办事指南、政策文件、咨询答复等公开信息应无需登录即可查看，仅在办理时再要求身份认证"))
    return out


def label_mismatch(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return one finding per menu page whose content does not match the menu label."""
    menu_pages = pages_or_raise(a, origin="menu")
    pages = [p for p in menu_pages if label_function(p.label)]
    if menu_pages and not pages:
        raise NotChecked(
            "菜单链接的名称不属于可核对的功能类别（信箱、办事指南、政策文件等），无法核对")
    out = []
    for p in pages:
        if not readable(p):
            continue
        fid = label_function(p.label)
        if (kind := _mismatch(p, fid)) is not None:
            spec = load_data("label_taxonomy")["functions"][fid]
            what = f"{kind}（页面标题“{p.title}”）" if kind else f"页面“{p.title or p.final_url}”"
            out.append(Finding(
                "link.label_mismatch", "deduct",
                f"菜单“{p.label}”（{spec['name']}）打开的是{what}，与菜单名称不符", target_of(p),
                {**http_evidence(p), "function": fid, "headings": list(p.headings)},
                f"将菜单“{p.label}”链接到对应的{spec['name']}页面"))
    return out


def _mismatch(p: PageSnapshot, fid: str) -> str | None:
    """Return None when the page fits function fid, else the name of what it is ("" unknown)."""
    tax = load_data("label_taxonomy")
    spec = tax["functions"][fid]
    if spec.get("any_page"):
        return None
    heads = "\n".join((p.title, *p.headings))
    if any(str(w) in heads for w in spec["page"]):
        return None
    if spec.get("form_textarea") and any(f.textareas for f in p.forms):
        return None
    body = p.text[:5000]
    if spec.get("body") and sum(w in body for w in spec["body"]) >= int(spec.get("body_min", 1)):
        return None
    for kind in tax["kinds"].values():
        if any(w in heads for w in kind["title"]):
            return None if fid in kind["fits"] else kind["name"]
    if any(str(w) in body for w in spec["page"]):
        return None  # the page talks about the function: not sure enough to report
    return ""


def unverifiable(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return info findings for menu buttons and pages that could not be verified automatically."""
    if a.menu is None and not a.pages:
        raise NotChecked(a.menu_error or "未采集到菜单和网页，无法检查")
    out = [_button_note(item, path) for item, path in _menu_leaves(a)]
    out = [f for f in out if f is not None]
    for p in a.pages:
        if reason := blocked_reason(p):
            out.append(Finding("link.unverifiable", "info", f"{where(p)}未能核验：{reason}",
                               target_of(p), http_evidence(p), "稍后重新检查，或人工打开核验"))
    return out


def _menu_leaves(a: AccountArtifacts) -> list[tuple[MenuItem, str]]:
    leaves: list[tuple[MenuItem, str]] = []
    for top in a.menu.items if a.menu is not None else ():
        if top.children:
            leaves += [(c, f"{top.name}/{c.name}") for c in top.children]
        else:
            leaves.append((top, top.name))
    return leaves


def _button_note(item: MenuItem, path: str) -> Finding | None:
    data = load_data("page_signals")
    evidence = {"menu_path": path, "type": item.type, "appid": item.appid,
                "pagepath": item.pagepath, "key": item.key, "url": item.url}
    if item.type == "miniprogram":
        why = f"菜单“{path}”打开小程序（{item.appid or '未知AppID'}），无法通过网页核验其可用性"
    elif item.type in data["event_buttons"]:
        why = f"菜单“{path}”为事件类菜单（{item.type}），由公众号后台响应，无法自动核验"
    elif item.type in data["material_buttons"] and not item.article_urls:
        why = f"菜单“{path}”打开素材或已发布文章（{item.type}），未能解析出文章链接，未核验"
    else:
        return None
    return Finding("link.unverifiable", "info", why, path, evidence, "请在微信中人工点击核验")
