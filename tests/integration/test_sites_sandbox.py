"""Sandbox government sites fetched through the Downloader, parsed and checked end to end."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from govmedia.artifacts import AccountArtifacts, AccountInfo, Menu, MenuItem
from govmedia.checks.registry import CheckContext, check_table, run_check
from govmedia.collect.http import Downloader
from govmedia.collect.pages import gather_linked_pages, link_targets
from govmedia.sandbox import load_world, run_world
from govmedia.sandbox.sites import SECTIONS
from govmedia.sandbox.wechat_api import default_menu
from govmedia.settings import Settings
from govmedia.store.archive import Archive
from tests.conftest import NOW

PAGE_CHECKS = ("link.dead", "link.error_page", "link.login_wall", "link.label_mismatch",
               "link.unverifiable", "freshness.stale_column", "freshness.batch_update",
               "content.outdated_service", "security.hacked_content", "privacy.personal_info")
PARAMS = {"freshness.stale_column": {"news_stale_days": 14, "notice_stale_days": 183,
                                     "min_items": 3},
          "freshness.batch_update": {"min_items": 6, "share": 0.6}}


@pytest.fixture(scope="module")
def demo():
    world = load_world(NOW, "demo")
    with run_world(world):
        yield world


def _menu(world, acc, every_path: bool) -> Menu:
    if every_path:
        buttons = [{"name": top, "sub_button": [
            {"type": "view", "name": name, "url": f"{world.base_url}/sites/{acc.slug}/{path}"}
            for path, (t, name, _k) in SECTIONS.items() if t == top]}
            for top in dict.fromkeys(t for t, _n, _k in SECTIONS.values())]
    else:
        buttons = default_menu(world, acc)
    items = tuple(MenuItem(b["name"], children=tuple(
        MenuItem(s["name"], s["type"], s["url"]) for s in b["sub_button"])) for b in buttons)
    return Menu(True, items, "test", NOW)


def inspect_site(world, acc, *, every_path=False, archive=None) -> dict[str, list]:
    """Return {check id: findings} for the account's menu pages (empty lists dropped)."""
    menu = _menu(world, acc, every_path)

    async def gather():
        async with Downloader(Settings(http_retries=0), archive=archive) as dl:
            return await gather_linked_pages(dl, link_targets(menu))

    pages = asyncio.run(gather())
    artifacts = AccountArtifacts(AccountInfo(acc.name, acc.owner), NOW, menu=menu, pages=pages)
    table = check_table()
    out = {}
    for cid in PAGE_CHECKS:
        res = run_check(table[cid], artifacts, CheckContext(NOW, PARAMS.get(cid, {})))
        if cid not in ("link.label_mismatch", "privacy.personal_info"):  # may lack content
            assert res.status != "not_checked", (cid, res.reason)
        if res.findings:
            out[cid] = list(res.findings)
    return out


def test_healthy_sites_give_no_finding(demo):
    healthy = [a for a in demo.accounts if a.extra.get("expect") == "healthy"
               and set((a.extra.get("site") or {}).values()) <= {"gbk"}]
    assert len(healthy) >= 10
    for acc in healthy:
        assert inspect_site(demo, acc, every_path=True) == {}, acc.name


def test_gbk_site_parses_and_is_clean(demo):
    acc = next(a for a in demo.accounts if a.name == "首都之窗")
    assert inspect_site(demo, acc) == {}


@pytest.mark.parametrize(("fault", "check", "count", "needle"), [
    ("404", "link.dead", 12, "HTTP 404"),
    ("500", "link.dead", 12, "HTTP 500"),
    ("error_page", "link.error_page", 12, "页面不存在"),
    ("login_wall", "link.login_wall", 10, "跳转到登录地址"),  # 便民查询/预约办理 may ask to log in
    ("label_mismatch", "link.label_mismatch", 4, "网上办事大厅"),
    ("stale", "freshness.stale_column", 8, "未更新"),
    ("batch", "freshness.batch_update", 8, "同一天"),
    ("undated", "freshness.stale_column", 4, "均未标注日期"),
    ("outdated_service", "content.outdated_service", 36, "核酸检测结果查询"),
    ("hacked", "security.hacked_content", 12, "隐藏"),
    ("personal_info", "privacy.personal_info", None, ""),
])
def test_each_fault_is_found(demo, fault, check, count, needle):
    acc = demo.accounts[0]
    acc.extra["site"] = {path: fault for path in SECTIONS}
    try:
        found = inspect_site(demo, acc, every_path=True)
    finally:
        acc.extra.pop("site")
    assert set(found) == {check}, {k: len(v) for k, v in found.items()}
    if count is not None:
        assert len(found[check]) == count
    assert needle in found[check][0].message


def test_demo_link_problems_account(demo, tmp_path):
    acc = next(a for a in demo.accounts if a.extra.get("expect") == "link_problems")
    archive = Archive(tmp_path / "pages.warc.gz")
    try:
        found = inspect_site(demo, acc, archive=archive)
    finally:
        archive.close()
    assert Counter({k: len(v) for k, v in found.items()}) == Counter({
        "freshness.stale_column": 1, "freshness.batch_update": 1, "link.error_page": 1,
        "link.login_wall": 1, "content.outdated_service": 3, "link.label_mismatch": 1,
        "link.dead": 1})
    assert all(f.severity != "veto" for fs in found.values() for f in fs)
    (dead,) = found["link.dead"]
    assert dead.target == "互动交流/在线访谈" and dead.evidence["status"] == 404
    assert dead.evidence["warc_record_id"].startswith("<urn:uuid:")
    (wall,) = found["link.login_wall"]
    assert wall.evidence["redirects"] and "tyrz/login?service=" in wall.evidence["final_url"]
    (mismatch,) = found["link.label_mismatch"]
    assert mismatch.target == "互动交流/领导信箱"


def test_demo_hacked_site_account(demo):
    acc = next(a for a in demo.accounts if a.extra.get("expect") == "hacked_site")
    found = inspect_site(demo, acc)
    assert list(found) == ["security.hacked_content"]
    (f,) = found["security.hacked_content"]
    assert f.severity == "veto" and f.target == "政务公开/政策解读"


def test_demo_healthy_accounts_with_site_faults(demo):
    expected = {"健康中国": {"content.outdated_service"}, "人社部发布": {"link.login_wall"},
                "交通运输部": {"link.label_mismatch"}, "文旅之声": {"freshness.stale_column"},
                "广东卫健": {"content.outdated_service", "link.dead"},
                "江苏公安": {"privacy.personal_info"}, "上海民政": {"freshness.batch_update"}}
    for name, checks in expected.items():
        acc = next(a for a in demo.accounts if a.name == name)
        assert acc.extra["expect"] == "healthy"
        found = inspect_site(demo, acc)
        assert set(found) == checks, (name, {k: len(v) for k, v in found.items()})
        assert not any(f.severity == "veto" for fs in found.values() for f in fs)
