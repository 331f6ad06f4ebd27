"""Menu, interaction and practice checks on accounts collected from the demo sandbox world.

The four menu accounts at the end of scenarios/demo.yaml (no 互动, disorder, website only,
creative names with practices) and two existing ones are collected through the real collector
(API menu, article pages, linked pages) and every menu check is run on their artifacts.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from govmedia.artifacts import CHINA_TZ, AccountInfo
from govmedia.checks.registry import CheckContext, check_table, run_check
from govmedia.collect.http import Downloader
from govmedia.collect.runner import AccountSource, collect_account
from govmedia.collect.wechat_api import TokenCache
from govmedia.menus.assess import content_facts
from govmedia.sandbox import load_world, run_world
from govmedia.settings import Settings

AS_OF = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)
NAMES = ("青禾交通", "青禾民政", "青禾教育", "青禾人社", "微言教育", "交通运输部", "国家医保局")
MINE = ("menu.", "interaction.", "practice.")
pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def collected():
    world = load_world(AS_OF, "demo")
    accounts = [a for a in world.accounts if a.name in NAMES]

    async def run():
        settings = Settings(wechat_api_base=world.base_url, http_timeout=5.0)
        async with Downloader(settings) as dl:
            tokens = TokenCache()
            return await asyncio.gather(*(collect_account(
                dl, settings, AccountSource(
                    AccountInfo(a.name, a.owner, a.category, a.province, a.field),
                    a.appid, a.secret, world.feed_url(a)), AS_OF, tokens) for a in accounts))

    with run_world(world):
        arts = asyncio.run(run())
    table = [s for k, s in check_table().items() if k.startswith(MINE)]
    ctx = CheckContext(AS_OF)
    return {a.account.name: (a, {s.id: run_check(s, a, ctx) for s in table}) for a in arts}


def _findings(results, check):
    return [f for f in results[check].findings]


def test_no_interaction_account_is_vetoed(collected):
    _art, res = collected["青禾交通"]
    (veto,) = _findings(res, "interaction.no_channel")
    assert veto.severity == "veto" and veto.evidence["provisional"] is True
    assert veto.evidence["comments"] == "closed"
    (missing,) = _findings(res, "menu.missing_function")
    assert missing.evidence["missing"] == "interact"
    assert res["menu.disorder"].status == "ok" and res["menu.website_only"].status == "ok"


def test_disorder_account(collected):
    _art, res = collected["青禾民政"]
    msgs = [f.message for f in _findings(res, "menu.disorder")]
    assert len(msgs) == 3
    assert any("办事指南" in m for m in msgs) and any("领导信箱" in m for m in msgs)
    assert any("表格下载" in m for m in msgs)
    assert res["menu.missing_function"].status == "ok"
    assert res["interaction.no_channel"].status == "ok"


def test_website_only_account(collected):
    _art, res = collected["青禾教育"]
    (only,) = _findings(res, "menu.website_only")
    assert "门户网站" in only.message
    assert {f.evidence["missing"] for f in _findings(res, "menu.missing_function")} == {
        "public", "service", "interact"}
    assert res["interaction.no_channel"].status == "ok"  # 留言 open on the articles


def test_creative_account_has_every_practice(collected):
    art, res = collected["青禾人社"]
    practices = {k for k, r in res.items() if k.startswith("practice.") and r.status == "fail"}
    assert practices == {k for k in res if k.startswith("practice.")}
    assert all(r.status == "ok" for k, r in res.items() if k.startswith("menu."))
    facts = content_facts(art)
    assert facts.menu_functions == ("public", "service", "interact")
    assert facts.working_channels >= 2 and facts.comments == "open"


@pytest.mark.parametrize("name", ["微言教育", "交通运输部"])
def test_default_menu_accounts_have_no_menu_problem(collected, name):
    _art, res = collected[name]
    for check in ("menu.missing_function", "menu.disorder", "menu.website_only",
                  "interaction.no_channel"):
        assert res[check].status == "ok", (check, res[check])


def test_unread_menu_is_not_checked_but_comments_prove_a_channel(collected):
    art, res = collected["国家医保局"]  # no API credentials, feed only
    assert art.menu is None
    assert res["menu.missing_function"].status == "not_checked"
    assert "未登记接口凭证" in res["menu.missing_function"].reason
    assert res["interaction.no_channel"].status == "ok"  # 留言 open on its article pages
