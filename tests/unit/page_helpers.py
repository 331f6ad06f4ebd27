"""Shared builders for page-check tests: PageSnapshot and AccountArtifacts built directly."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from govmedia.artifacts import (
    CHINA_TZ,
    AccountArtifacts,
    AccountInfo,
    FormInfo,
    ListItem,
    Menu,
    MenuItem,
    PageLink,
    PageSnapshot,
)
from govmedia.checks.registry import CheckContext, check_table

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)
URL = "https://www.example.gov.cn/hdjl/ldxx/"
LONG = "本网站为政府门户网站，发布政务信息、政策文件与办事服务内容，欢迎公众查阅与监督。" * 20


def page(text: str = LONG, **kw: Any) -> PageSnapshot:
    """Return a healthy menu page (200, real text) with the given fields replaced."""
    base = PageSnapshot(url=kw.pop("url", URL), final_url=kw.pop("final_url", "") or URL,
                        status=200, fetched_at=NOW, warc_record_id="urn:uuid:abc",
                        title="页面", text=text, text_length=len(text), label="领导信箱",
                        menu_path="互动交流/领导信箱", origin="menu")
    return replace(base, **kw)


def arts(*pages: PageSnapshot, menu: Menu | None = None) -> AccountArtifacts:
    if menu is None:
        items = tuple(MenuItem(p.label, "view", p.url) for p in pages if p.origin == "menu")
        menu = Menu(True, (MenuItem("菜单", children=items),), "test", NOW)
    return AccountArtifacts(AccountInfo("测试账号", "测试单位"), NOW, menu=menu, pages=pages)


def run(check_id: str, artifacts: AccountArtifacts, **params: Any) -> list:
    return check_table()[check_id].func(artifacts, CheckContext(NOW, params))


def items(days: list[int | None], title: str = "关于做好相关工作的通知") -> tuple[ListItem, ...]:
    return tuple(ListItem(f"{title}（{i}）", f"https://www.example.gov.cn/a/{i}.html",
                          NOW - timedelta(days=d) if d is not None else None)
                 for i, d in enumerate(days))


__all__ = ["FormInfo", "PageLink", "arts", "items", "page", "run", "NOW", "URL", "LONG"]
