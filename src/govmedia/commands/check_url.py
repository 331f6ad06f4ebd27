"""`govmedia check url`: fetch one page and run every page check on it, before a menu goes live.

The page is fetched with the shared downloader (timeouts, redirects, charset detection, the
WeChat user agent on request) and judged by the same checks as `inspect`: dead link, error
page, login wall, label mismatch (with --label), stale or batch-updated column, ended
services, injected content and personal information. With --mobile the page is also opened
in Chromium as WeChat on a phone (collect/browser.py) and judged by the mobile checks; the
measurements are printed and a screenshot is saved under <data_dir>/shots/. Exit code 0:
nothing found; 1: findings (notes of severity info do not count); 2: bad input.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Annotated, Any

import httpx
import typer
from rich.table import Table

from govmedia.artifacts import (
    CHINA_TZ,
    AccountArtifacts,
    AccountInfo,
    Menu,
    MenuItem,
    MobileSnapshot,
    to_jsonable,
)
from govmedia.checks.mobile import legible_share, overflow_px, zoom_disabled
from govmedia.checks.registry import CheckContext, check_table, run_check
from govmedia.collect.browser import PhoneBrowser
from govmedia.collect.http import Downloader, FetchResult
from govmedia.collect.pages import page_snapshot
from govmedia.commands.common import console, fail, settings
from govmedia.findings import CheckResult
from govmedia.indicators.engine import load_system

PAGE_CHECKS = (
    "link.dead", "link.error_page", "link.login_wall", "link.label_mismatch", "link.unverifiable",
    "freshness.stale_column", "freshness.batch_update", "content.outdated_service",
    "security.hacked_content", "privacy.personal_info",
)
MOBILE_CHECKS = ("mobile.no_viewport", "mobile.too_wide", "mobile.small_text",
                 "mobile.tap_targets", "mobile.render_issues")
_STATUS = {"ok": "通过", "fail": "发现问题", "not_checked": "未能检查"}
_SEVERITY = {"veto": "否决", "deduct": "扣分", "warn": "提醒", "info": "说明"}


def _valid(url: str) -> str:
    url = url.strip()
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        fail(f"链接地址无效：{url}")
    if parsed.scheme not in ("http", "https") or not parsed.host:
        fail(f"链接地址无效：{url}（须以 http:// 或 https:// 开头）")
    return url


async def _fetch(url: str, wechat_ua: bool) -> FetchResult:
    async with Downloader(settings()) as dl:
        return await dl.fetch(url, wechat_ua=wechat_ua)


async def _render(url: str) -> MobileSnapshot:
    async with PhoneBrowser(settings(), screenshots="all") as browser:
        return await browser.measure(url)


def judge(fetch: FetchResult, label: str, as_of: datetime,
          mobile: tuple[MobileSnapshot, ...] = ()) -> list[CheckResult]:
    """Return the page checks' results for one fetched page (a menu button when label given).

    With phone snapshots of the page (mobile), the mobile checks run too.
    """
    snap = page_snapshot(fetch, label=label, menu_path=label, origin="menu")
    menu = None
    if label:
        menu = Menu(True, (MenuItem(label, "view", fetch.url),), "check_url", as_of)
    artifacts = AccountArtifacts(AccountInfo(name="", owner=""), as_of, menu=menu, pages=(snap,),
                                 mobile=mobile)
    table = check_table()
    params = load_system("gb-2019-19", frozenset(table)).params
    results = []
    for cid in PAGE_CHECKS + (MOBILE_CHECKS if mobile else ()):
        if cid in table:
            ctx = CheckContext(as_of, dict(params.get(cid) or {}))
            results.append(run_check(table[cid], artifacts, ctx))
    return results


def check_url(
    url: Annotated[str, typer.Argument(help="要检查的网页地址（http:// 或 https://）")],
    label: Annotated[str, typer.Option(
        "--label", help="菜单名称（如“领导信箱”），用于核对页面是否与菜单相符")] = "",
    fmt: Annotated[str, typer.Option("--format", help="输出格式：table 或 json")] = "table",
    wechat_ua: Annotated[bool, typer.Option(
        "--wechat-ua", help="以微信内置浏览器的 User-Agent 访问")] = False,
    mobile: Annotated[bool, typer.Option(
        "--mobile", help="同时以手机微信打开页面（Chromium），检查移动端适配并保存截图")] = False,
) -> None:
    """抓取一个网页并检查：链接可用性、错误页、登录墙、菜单名称相符、栏目更新、过时服务、被篡改、个人信息。"""
    if fmt not in ("table", "json"):
        fail(f"不支持的输出格式：{fmt}（可选 table 或 json）")
    url = _valid(url)
    fetch = asyncio.run(_fetch(url, wechat_ua))
    phone = asyncio.run(_render(url)) if mobile else None
    as_of = datetime.now(CHINA_TZ)
    results = judge(fetch, label.strip(), as_of, (phone,) if phone else ())
    found = [f for r in results for f in r.findings if f.severity != "info"]
    if fmt == "json":
        data = _as_json(fetch, label, results)
        if phone is not None:
            data["mobile"] = to_jsonable(phone)
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_fetch(fetch)
        if phone is not None:
            _print_phone(phone)
        _print_table(results)
    raise typer.Exit(1 if found else 0)


def _as_json(fetch: FetchResult, label: str, results: list[CheckResult]) -> dict[str, Any]:
    return {
        "url": fetch.url, "final_url": fetch.final_url, "status": fetch.status,
        "redirects": list(fetch.redirects), "error": fetch.error,
        "error_detail": fetch.error_detail, "encoding": fetch.encoding, "label": label,
        "fetched_at": fetch.fetched_at.isoformat(),
        "results": [{"check": r.check, "status": r.status, "reason": r.reason,
                     "findings": [f.to_dict() for f in r.findings]} for r in results],
    }


def _print_fetch(fetch: FetchResult) -> None:
    status = str(fetch.status) if fetch.status is not None else "无响应"
    console.print(f"网址：{fetch.url}", highlight=False)
    if fetch.final_url != fetch.url:
        console.print(f"最终地址：{fetch.final_url}（经过{len(fetch.redirects)}次跳转）",
                      highlight=False)
    console.print(f"HTTP 状态：{status}　编码：{fetch.encoding or '—'}　用时：{fetch.elapsed:.2f}秒"
                  + (f"　错误：{fetch.error_detail}" if fetch.error else ""), highlight=False)


def _print_table(results: list[CheckResult]) -> None:
    titles = {cid: spec.title for cid, spec in check_table().items()}
    table = Table(show_lines=True)
    table.add_column("检查项", no_wrap=True)
    table.add_column("结果", no_wrap=True)
    table.add_column("说明", overflow="fold")  # the measured numbers must stay readable
    for r in results:
        for f in r.findings:
            verdict = ("说明" if f.severity == "info"
                       else f"{_STATUS[r.status]}（{_SEVERITY[f.severity]}）")
            table.add_row(titles.get(r.check, r.check), verdict, f.message)
        if not r.findings:
            table.add_row(titles.get(r.check, r.check), _STATUS[r.status],
                          f"未能检查：{r.reason}" if r.status == "not_checked" else "")
    console.print(table)
    found = [f for r in results for f in r.findings]
    count = sum(f.severity != "info" for f in found)
    notes = f"（另有 {len(found) - count} 条说明）" if len(found) > count else ""
    console.print((f"发现 {count} 个问题" if count else "未发现问题") + notes, highlight=False)


def _print_phone(snap: MobileSnapshot) -> None:
    """Print the phone measurements of the page (the numbers the mobile checks judge)."""
    console.print("手机端（微信，390×844）：", highlight=False)
    if snap.error:
        console.print(f"  未能打开：{snap.error_detail or snap.error}", highlight=False)
        return
    viewport = snap.viewport if snap.viewport is not None else "未设置"
    console.print(f"  视口：{viewport}" + ("（禁止缩放）" if zoom_disabled(snap) else ""),
                  highlight=False)
    console.print(f"  页面宽度：{snap.outer_width + overflow_px(snap)}px／屏幕宽度："
                  f"{snap.outer_width}px" + (f"（超出：{'、'.join(snap.wide_elements[:3])}）"
                                              if snap.wide_elements else ""), highlight=False)
    console.print(f"  字号不小于12px的文字：{legible_share(snap):.0%}（共{snap.text_chars}字）",
                  highlight=False)
    console.print(f"  过小过密的可点击元素：{snap.tap_failing}／{snap.tap_targets}",
                  highlight=False)
    if snap.load_timeout:
        console.print("  页面长时间未加载完成（按当时显示的内容检查）", highlight=False)
    for d in snap.dialogs:
        console.print(f"  弹出对话框：{d}", highlight=False)
    console.print(f"  截图：{snap.screenshot or '未保存'}　用时：{snap.elapsed:.2f}秒",
                  highlight=False)

