"""Content checks: menus and menu pages that still offer services that no longer exist.

Seed 001 六、（三）(2) 内容发布过时: 核酸检测结果查询、核酸检测机构查询 kept in health
departments' menus after the services ended. The list of ended services is data
(data/outdated_services.yaml, with the documents that ended each one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govmedia.artifacts import AccountArtifacts, PageSnapshot
from govmedia.checks.page_state import (
    dead_reason,
    error_page_reason,
    http_evidence,
    load_data,
    target_of,
)
from govmedia.findings import Finding, NotChecked

if TYPE_CHECKING:
    from govmedia.checks.registry import CheckContext

MAX_ENTRANCE_TEXT = 16  # a service entrance is a short link text; longer texts are news titles


def ended_services(text: str) -> list[dict[str, Any]]:
    """Return the ended services (data entries) whose keywords occur in text."""
    found = []
    for svc in load_data("outdated_services")["services"]:
        clean = text
        for ok in svc.get("not") or ():
            clean = clean.replace(ok, "")
        if any(k in clean for k in svc["keywords"]):
            found.append(svc)
    return found


def outdated_service(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return findings for menu buttons and menu pages that offer ended services."""
    if a.menu is None and not any(p.origin == "menu" for p in a.pages):
        raise NotChecked(a.menu_error or "未采集到菜单和菜单指向的网页，无法检查")
    out = []
    by_url = {p.url: p for p in a.pages if p.origin == "menu"}
    for top in a.menu.items if a.menu is not None else ():
        for item, path in [(top, top.name), *((c, f"{top.name}/{c.name}") for c in top.children)]:
            for svc in ended_services(item.name):
                page = by_url.get(item.url)
                broken = dead_reason(page) if page is not None else ""
                message = f"菜单“{path}”仍保留已停止的服务{_svc(svc)}"
                if broken:
                    message += f"，且链接已无法访问（{broken}）"
                out.append(_finding(svc, path, message,
                                    {"menu_path": path, "menu_name": item.name, "url": item.url,
                                     "type": item.type, "link_state": broken}))
    for p in a.pages:
        if p.origin == "menu" and not error_page_reason(p) and p.ok:
            out += _page_findings(p)
    return out


def _page_findings(p: PageSnapshot) -> list[Finding]:
    out = []
    heads = "\n".join((p.title, *p.headings))
    for svc in ended_services(heads):
        message = f"菜单“{p.menu_path or p.label}”打开的页面仍提供已停止的服务{_svc(svc)}"
        out.append(_finding(svc, target_of(p), message, http_evidence(p)))
    seen = {s["id"] for s in ended_services(heads)}
    news = {i.title for i in p.list_items if i.date is not None}
    for link in p.links:
        if link.hidden or len(link.text) > MAX_ENTRANCE_TEXT or link.text in news:
            continue
        for svc in ended_services(link.text):
            if svc["id"] in seen:
                continue
            seen.add(svc["id"])
            out.append(_finding(
                svc, target_of(p),
                f"菜单“{p.menu_path or p.label}”打开的页面上仍有已停止服务{_svc(svc)}的入口"
                f"“{link.text}”",
                {**http_evidence(p), "link": {"text": link.text, "href": link.href}}))
    return out


def _svc(svc: dict[str, Any]) -> str:
    return f"“{svc['name']}”（{svc['ended']}起已停止）"


def _finding(svc: dict[str, Any], target: str, message: str, evidence: dict[str, Any]
             ) -> Finding:
    evidence = {**evidence, "service": svc["id"], "ended": str(svc["ended"]),
                "basis": svc["basis"]}
    return Finding("content.outdated_service", "deduct", message, target, evidence,
                   "删除已停止的服务入口，或替换为现行的服务")

