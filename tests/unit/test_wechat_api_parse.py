"""Parsing the WeChat API answers of collection.md §7 (tests/fixtures/wechat_api/*.json)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from govmedia.artifacts import CHINA_TZ
from govmedia.collect.wechat_api import (
    FREEPUBLISH_PATH,
    STABLE_TOKEN_PATH,
    TokenCache,
    WeChatApi,
    WeChatError,
    error_message,
    parse_datacube,
    parse_freepublish,
    parse_menu_get,
    parse_selfmenu,
    read_published,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "wechat_api"
FETCHED = datetime(2025, 11, 20, 9, 0, tzinfo=CHINA_TZ)


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_selfmenu_website_menu() -> None:
    menu = parse_selfmenu(load("selfmenu_web_configured.json"), FETCHED)
    assert menu.is_open and menu.source == "wechat_api.selfmenu" and menu.fetched_at == FETCHED
    public, service, message = menu.items
    assert [c.name for c in public.children] == ["政策文件", "政策解读", "权威发布"]
    news = public.children[2]
    assert (news.type, news.value) == ("news", "MEDIA_ID_NEWS_001")
    assert news.article_urls == ("http://mp.weixin.qq.com/s?__biz=MzAwMDAwMDAwMQ==&mid=2650000001"
                                 "&idx=1&sn=0123456789abcdef0123456789abcdef#rd",)
    mini, covid = service.children
    assert (mini.type, mini.appid, mini.pagepath, mini.url) == (
        "miniprogram", "wx0000000000000099", "pages/index/index", "https://www.example.gov.cn/bsfw/")
    assert (covid.name, covid.url) == ("核酸检测点查询", "http://hesuan.example.gov.cn/query")
    # A top-level leaf: a text reply whose link a check must still follow.
    assert message.type == "text" and message.children == ()
    assert '<a href="https://www.example.gov.cn/hdjl/">' in message.value


def test_selfmenu_switched_off() -> None:
    menu = parse_selfmenu(load("selfmenu_off.json"), FETCHED)
    assert not menu.is_open and menu.items == ()


def test_menu_get_plain_arrays_and_default_menu_only() -> None:
    menu = parse_menu_get(load("menu_get_with_conditional.json"), FETCHED)
    assert menu.source == "wechat_api.menu_get" and menu.is_open
    today, service = menu.items
    assert (today.type, today.key, today.children) == ("click", "V_TODAY", ())
    query, guide = service.children
    assert (query.type, query.url) == ("view", "https://rsj.example.gov.cn/sbcx")
    assert (guide.type, guide.value) == ("article_view_limited", "ARTICLE_ID_TEST_0001")
    assert "English" not in [i.name for i in menu.items]  # conditional menus are not the default


def test_freepublish_page() -> None:
    arts = parse_freepublish(load("freepublish_batchget_ok.json"))
    assert [a.title for a in arts] == [
        "示例市召开常务会议 研究部署冬季供暖工作", "一图读懂：冬季供暖服务指南",
                                       "（已删除的示例文章）"]
    first = arts[0]
    assert first.published_at == datetime(2025, 11, 20, 8, 53, 20, tzinfo=CHINA_TZ)
    assert first.published_at.utcoffset() is not None
    assert (first.time_kind, first.source, first.status) == (
        "update", "wechat_api.freepublish", "ok")
    assert first.read_original_url == "https://www.example.gov.cn/xwzx/20251119.html"
    assert first.author == "示例市政府办" and first.digest.startswith("11月19日")
    assert first.url.endswith("idx=1&sn=11111111111111111111111111111111#rd")
    assert arts[1].published_at == first.published_at  # one message, one update_time
    assert arts[2].status == "deleted"


def test_freepublish_empty() -> None:
    assert parse_freepublish(load("freepublish_batchget_empty.json")) == []


def test_datacube_rows() -> None:
    as_of = datetime(2025, 11, 20, 10, 0, tzinfo=CHINA_TZ)
    (art,) = parse_datacube(load("datacube_getarticlesummary.json"), as_of)
    assert art.title == "示例市召开常务会议 研究部署冬季供暖工作"
    assert art.published_at == datetime(2025, 11, 19, 23, 59, 59, tzinfo=CHINA_TZ)
    assert (art.time_kind, art.source, art.comment_id) == ("day", "wechat_api.datacube",
                                                           "2650000002_1")
    assert art.url == ""


def test_datacube_day_is_never_after_as_of() -> None:
    as_of = datetime(2025, 11, 19, 20, 0, tzinfo=CHINA_TZ)
    (art,) = parse_datacube(load("datacube_getarticlesummary.json"), as_of)
    assert art.published_at == as_of


@pytest.mark.parametrize(("name", "expected"), [
    ("token_ip_not_whitelisted.json",
     "调用接口的服务器 IP 未加入公众号白名单（40164）：请在公众平台“设置与开发—基本配置”中将 "
     "203.0.113.7 加入 IP 白名单"),
    ("err_daily_quota.json",
     "今日接口调用配额已用尽（45009）：请明天再试，或在公众平台清零调用次数"),
    ("err_minute_quota.json", "接口每分钟调用次数超限（45011），等待后仍未成功，请稍后再试"),
    ("err_unauthorized.json", "接口未授权（48001）：账号未认证或未开通该接口权限"),
    ("menu_get_none.json", "公众号没有通过接口创建的自定义菜单（46003）"),
    ("freepublish_getarticle_invalid.json", "文章 ID 无效（53600）：文章可能已被删除"),
])
def test_error_fixtures_have_their_own_sentence(name: str, expected: str) -> None:
    data = load(name)
    assert error_message(data["errcode"], data["errmsg"]) == expected


def test_unknown_code_keeps_errmsg_without_rid() -> None:
    msg = error_message(87014, "risky content hint rid: 6560a1b2-0000000b-0000000c")
    assert msg == "微信接口返回错误（87014）：risky content hint"


def test_retryable_codes() -> None:
    assert WeChatError(-1).retryable and WeChatError(45011).retryable
    assert not any(WeChatError(c).retryable for c in (40013, 40125, 40164, 45009, 48001, 42001))
    assert WeChatError(40013).message == "AppID 无效（40013）：请核对账号登记的 AppID"


def test_token_cache_expiry_margin() -> None:
    now = [0.0]
    cache = TokenCache(clock=lambda: now[0])
    cache.store(("b", "wx1"), "T1", 7200)
    now[0] = 6899.0
    assert cache.cached(("b", "wx1")) == "T1"
    now[0] = 6900.0
    assert cache.cached(("b", "wx1")) == ""
    assert cache.cached(("b", "wx2")) == ""
    with pytest.raises(ValueError):
        TokenCache(endpoint="oauth")


def test_requests_match_the_documented_bodies() -> None:
    """The token and first-page bodies we send are the ones of §7.1 and §7.4."""
    token_req = load("stable_token_request.json")
    seen: dict[str, Any] = {}

    def answer(request: httpx.Request) -> httpx.Response:
        seen.setdefault(request.url.path, json.loads(request.content))  # the first of each
        if request.url.path == STABLE_TOKEN_PATH:
            return httpx.Response(200, json=load("stable_token_ok.json"))
        assert request.url.params["access_token"] == "TEST_TOKEN_A1B2C3"
        return httpx.Response(200, json=load("freepublish_batchget_ok.json"))

    async def go() -> list[Any]:
        transport = httpx.MockTransport(answer)
        async with httpx.AsyncClient(transport=transport) as client:
            api = WeChatApi(client, "https://api.weixin.qq.com", token_req["appid"],
                            token_req["secret"], TokenCache())
            return await read_published(api)

    arts = asyncio.run(go())
    assert seen[STABLE_TOKEN_PATH] == token_req
    assert seen[FREEPUBLISH_PATH] == load("freepublish_batchget_request.json")
    # total_count 3 but this page holds 2 items: a second page is asked for; the mock gives
    # the same page again, so the 3 news items come back twice, newest first.
    assert len(arts) == 6 and arts[0].published_at >= arts[-1].published_at
