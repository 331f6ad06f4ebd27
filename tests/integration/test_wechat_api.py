"""The WeChat API client against the sandbox's emulated API on 127.0.0.1.

Every test counts the calls the sandbox saw (world.calls), so a useless retry or a second token
fetch fails the test as surely as a wrong answer does. Sleeping is injected and recorded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest

from govmedia.artifacts import CHINA_TZ
from govmedia.collect.wechat_api import (
    DATACUBE_PATH,
    FREEPUBLISH_PATH,
    MENU_GET_PATH,
    SELFMENU_PATH,
    STABLE_TOKEN_PATH,
    TOKEN_PATH,
    TokenCache,
    WeChatApi,
    WeChatError,
    WeChatHarvest,
    gather_wechat,
    read_published,
)
from govmedia.sandbox.world import SandboxAccount, World
from tests.conftest import NOW

T = TypeVar("T")
CITY = "示例市人民政府"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class Sleeps(list[float]):
    """An injected sleep that records what it was asked to wait, and returns at once."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def account(world: World, name: str) -> SandboxAccount:
    return next(a for a in world.accounts if a.name == name)


def gather(world: World, name: str, *, as_of: datetime = NOW, days: int = 14,
           tokens: TokenCache | None = None, sleep: Sleeps | None = None,
           timeout: float = 5.0, base: str = "") -> WeChatHarvest:
    acc = account(world, name)

    async def go() -> WeChatHarvest:
        async with httpx.AsyncClient(timeout=timeout) as client:
            return await gather_wechat(client, base or world.base_url, acc.appid, acc.secret,
                                       as_of, days=days, tokens=tokens,
                                       sleep=sleep if sleep is not None else Sleeps())

    return run(go())


def calls(world: World, path: str) -> int:
    return world.calls.count(path)


def by_source(h: WeChatHarvest) -> dict[str, Any]:
    return {s.source: s for s in h.sources}


# --- tokens -------------------------------------------------------------------------------------


def test_one_token_serves_every_call_of_a_run(sandbox: World) -> None:
    tokens = TokenCache()
    first = gather(sandbox, CITY, tokens=tokens)
    second = gather(sandbox, CITY, tokens=tokens)
    assert calls(sandbox, STABLE_TOKEN_PATH) == 1
    assert calls(sandbox, TOKEN_PATH) == 0
    # 23 published articles are two pages of 20; datacube is one call per day.
    assert calls(sandbox, FREEPUBLISH_PATH) == 4
    assert calls(sandbox, DATACUBE_PATH) == 28
    assert calls(sandbox, SELFMENU_PATH) == 2
    for h in (first, second):
        assert all(s.ok for s in h.sources) and h.menu is not None and h.menu_error == ""


def test_cgi_bin_token_can_be_chosen(sandbox: World) -> None:
    h = gather(sandbox, CITY, tokens=TokenCache(endpoint="token"), days=1)
    assert all(s.ok for s in h.sources)
    assert calls(sandbox, TOKEN_PATH) == 1
    assert calls(sandbox, STABLE_TOKEN_PATH) == 0


def test_expired_token_is_refreshed_once_and_the_calls_succeed(sandbox: World) -> None:
    tokens = TokenCache()
    gather(sandbox, CITY, tokens=tokens, days=2)
    sandbox.expire_tokens()  # the cached token now answers 42001
    h = gather(sandbox, CITY, tokens=tokens, days=2)
    assert all(s.ok for s in h.sources) and h.menu is not None
    # Three readers hit 42001 at once; they share one refresh.
    assert calls(sandbox, STABLE_TOKEN_PATH) == 2
    assert calls(sandbox, SELFMENU_PATH) == 3  # 1 in the first run, 42001 + retry


def test_a_token_never_issued_answers_40001_and_is_replaced(sandbox: World) -> None:
    acc = account(sandbox, CITY)
    tokens = TokenCache()
    tokens.store((sandbox.base_url, acc.appid), "NOT_A_TOKEN_FROM_THIS_SERVER", 7200)

    async def go() -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=5) as client:
            api = WeChatApi(client, sandbox.base_url, acc.appid, acc.secret, tokens, Sleeps())
            return await api.call("GET", SELFMENU_PATH)

    assert run(go())["is_menu_open"] == 1
    assert calls(sandbox, STABLE_TOKEN_PATH) == 1
    assert calls(sandbox, SELFMENU_PATH) == 2


def test_cached_token_is_reused_until_five_minutes_before_expiry(sandbox: World) -> None:
    clock = [1000.0]
    tokens = TokenCache(clock=lambda: clock[0])
    gather(sandbox, CITY, tokens=tokens, days=1)
    clock[0] += 7200 - 300 - 1
    gather(sandbox, CITY, tokens=tokens, days=1)
    assert calls(sandbox, STABLE_TOKEN_PATH) == 1
    clock[0] += 2
    h = gather(sandbox, CITY, tokens=tokens, days=1)
    assert calls(sandbox, STABLE_TOKEN_PATH) == 2
    assert all(s.ok for s in h.sources)


def test_a_refresh_that_still_fails_gives_up_after_one_retry(sandbox: World) -> None:
    account(sandbox, CITY).extra["fail_first"] = {"path": FREEPUBLISH_PATH, "errcode": 42001,
                                                  "times": 99}
    h = gather(sandbox, CITY, days=1)
    pub = by_source(h)["wechat_api.freepublish"]
    assert not pub.ok and pub.error.startswith("access_token 已过期（42001）")
    assert calls(sandbox, FREEPUBLISH_PATH) == 2
    assert calls(sandbox, STABLE_TOKEN_PATH) == 2
    assert by_source(h)["wechat_api.datacube"].ok


# --- credential and permission errors: ok=False, one clear sentence, no useless retries ---------


@pytest.mark.parametrize(("name", "expected"), [
    ("示例市教育局", "AppID 无效（40013）：请核对账号登记的 AppID"),
    ("示例市卫生健康委员会", "AppSecret 无效（40125）"),
    ("示例市交通运输局", "调用接口的服务器 IP 未加入公众号白名单（40164）"),
])
def test_token_failures_fail_both_sources_with_one_token_call(sandbox: World, name: str,
                                                              expected: str) -> None:
    sleeps = Sleeps()
    h = gather(sandbox, name, sleep=sleeps)
    assert [s.ok for s in h.sources] == [False, False]
    assert all(s.error.startswith(expected) for s in h.sources)
    assert h.menu is None and h.menu_error.startswith(expected)
    assert sandbox.calls == [STABLE_TOKEN_PATH]
    assert sleeps == []
    assert {s.source: s.covers for s in h.sources} == {
        "wechat_api.freepublish": ("publish",), "wechat_api.datacube": ("masssend",)}
    assert h.sources[0].url == sandbox.base_url + FREEPUBLISH_PATH


def test_unknown_appid_and_wrong_secret(sandbox: World) -> None:
    acc = account(sandbox, CITY)

    async def go(appid: str, secret: str) -> WeChatHarvest:
        async with httpx.AsyncClient(timeout=5) as client:
            return await gather_wechat(client, sandbox.base_url, appid, secret, NOW,
                                       sleep=Sleeps())

    unknown = run(go("wx9999999999999999", acc.secret))
    wrong = run(go(acc.appid, "0" * 32))
    assert unknown.menu_error.startswith("AppID 无效（40013）")
    assert wrong.menu_error.startswith("AppSecret 无效（40125）")
    assert calls(sandbox, STABLE_TOKEN_PATH) == 2 and len(sandbox.calls) == 2


def test_unauthorized_account_keeps_its_menu(sandbox: World) -> None:
    h = gather(sandbox, "示例县人民政府")
    src = by_source(h)
    assert not src["wechat_api.freepublish"].ok and not src["wechat_api.datacube"].ok
    assert src["wechat_api.freepublish"].error == (
        "接口未授权（48001）：账号未认证或未开通该接口权限")
    assert h.menu is not None and h.menu.is_open
    # datacube stops at the first refused day instead of asking 14 times.
    assert calls(sandbox, FREEPUBLISH_PATH) == 1 and calls(sandbox, DATACUBE_PATH) == 1


def test_daily_quota_fails_only_the_published_list(sandbox: World) -> None:
    sleeps = Sleeps()
    h = gather(sandbox, "示例市公安局", sleep=sleeps)
    src = by_source(h)
    assert src["wechat_api.freepublish"].error.startswith("今日接口调用配额已用尽（45009）")
    assert src["wechat_api.datacube"].ok
    assert [a.title for a in src["wechat_api.datacube"].articles] == [
        "警方提示：警惕冒充客服退款诈骗"]
    assert calls(sandbox, FREEPUBLISH_PATH) == 1 and sleeps == []


def test_datacube_unauthorized_fails_only_datacube(sandbox: World) -> None:
    h = gather(sandbox, "示例市生态环境局")
    src = by_source(h)
    assert src["wechat_api.freepublish"].ok
    assert [a.title for a in src["wechat_api.freepublish"].articles] == [
        "示例市10月份环境空气质量通报"]
    assert src["wechat_api.datacube"].error.startswith("接口未授权（48001）")
    assert calls(sandbox, DATACUBE_PATH) == 1


@pytest.mark.parametrize(("path", "code", "expected"), [
    (STABLE_TOKEN_PATH, 40243, "AppSecret 已被冻结（40243）"),
    (STABLE_TOKEN_PATH, 50002, "公众号受限（50002）"),
    (FREEPUBLISH_PATH, 48004, "接口被禁用（48004）"),
    (FREEPUBLISH_PATH, 50001, "用户未授权该接口（50001）"),
    (FREEPUBLISH_PATH, 41001, "请求缺少 access_token（41001）"),
    (FREEPUBLISH_PATH, 53600, "文章 ID 无效（53600）"),
    (FREEPUBLISH_PATH, 40097, "接口参数错误（40097）"),
    (FREEPUBLISH_PATH, 87014, "微信接口返回错误（87014）：error"),
])
def test_error_codes_are_reported_without_retrying(sandbox: World, path: str, code: int,
                                                    expected: str) -> None:
    account(sandbox, CITY).extra["fail_first"] = {"path": path, "errcode": code, "times": 99}
    sleeps = Sleeps()
    h = gather(sandbox, CITY, sleep=sleeps, days=1)
    pub = by_source(h)["wechat_api.freepublish"]
    assert not pub.ok and pub.error.startswith(expected) and "rid" not in pub.error
    assert calls(sandbox, path) == 1 and sleeps == []


# --- transient faults: retried with back-off, then success or a clear failure ------------------


@pytest.mark.parametrize(("fault", "waits"), [
    ({"status": 503}, [1.0]),
    ({"errcode": -1}, [1.0]),
    ({"errcode": 45011}, [60.0]),  # per-minute limit: wait for the next minute
    ({"drop": True}, [1.0]),
])
def test_transient_fault_once_is_retried(sandbox: World, fault: dict[str, Any],
                                         waits: list[float]) -> None:
    account(sandbox, CITY).extra["fail_first"] = {"path": FREEPUBLISH_PATH, "times": 1, **fault}
    sleeps = Sleeps()
    h = gather(sandbox, CITY, sleep=sleeps, days=1)
    assert by_source(h)["wechat_api.freepublish"].ok
    assert len(by_source(h)["wechat_api.freepublish"].articles) == 23
    assert sleeps == waits
    assert calls(sandbox, FREEPUBLISH_PATH) == 3  # the failed call, its retry, page 2


def test_token_endpoint_busy_once_is_retried(sandbox: World) -> None:
    account(sandbox, CITY).extra["fail_first"] = {"path": STABLE_TOKEN_PATH, "errcode": -1}
    sleeps = Sleeps()
    h = gather(sandbox, CITY, sleep=sleeps, days=1)
    assert all(s.ok for s in h.sources)
    assert calls(sandbox, STABLE_TOKEN_PATH) == 2 and sleeps == [1.0]


@pytest.mark.parametrize(("fault", "calls_made", "waits", "expected"), [
    ({"status": 503}, 3, [1.0, 2.0], "微信接口返回 HTTP 503"),
    ({"errcode": -1}, 3, [1.0, 2.0], "微信接口系统繁忙（-1）"),
    ({"errcode": 45011}, 2, [60.0], "接口每分钟调用次数超限（45011）"),  # a second minute: cap
    ({"status": 404}, 1, [], "微信接口返回 HTTP 404"),
])
def test_persistent_fault_gives_up(sandbox: World, fault: dict[str, Any], calls_made: int,
                                   waits: list[float], expected: str) -> None:
    account(sandbox, CITY).extra["fail_first"] = {"path": FREEPUBLISH_PATH, "times": 99, **fault}
    sleeps = Sleeps()
    h = gather(sandbox, CITY, sleep=sleeps, days=1)
    pub = by_source(h)["wechat_api.freepublish"]
    assert not pub.ok and pub.error.startswith(expected)
    assert "access_token" not in pub.error  # the token never leaks into a message
    assert calls(sandbox, FREEPUBLISH_PATH) == calls_made and sleeps == waits
    assert by_source(h)["wechat_api.datacube"].ok


def test_slow_answer_times_out_and_is_retried(sandbox: World) -> None:
    account(sandbox, CITY).extra["fail_first"] = {"path": SELFMENU_PATH, "delay": 1.5}
    sleeps = Sleeps()
    h = gather(sandbox, CITY, sleep=sleeps, days=1, timeout=1.0)
    assert h.menu is not None and h.menu.source == "wechat_api.selfmenu"
    assert sleeps == [1.0] and calls(sandbox, SELFMENU_PATH) == 2


def test_unreachable_api_fails_cleanly(world: World) -> None:
    sleeps = Sleeps()
    h = gather(world, CITY, sleep=sleeps, base="http://127.0.0.1:9")
    assert [s.ok for s in h.sources] == [False, False]
    assert h.menu_error == "无法连接微信接口服务器：http://127.0.0.1:9/cgi-bin/stable_token"
    assert sleeps == [1.0, 2.0]


# --- menus --------------------------------------------------------------------------------------


def test_default_menu_from_selfmenu(sandbox: World) -> None:
    h = gather(sandbox, CITY, days=1)
    menu = h.menu
    assert menu is not None and menu.is_open and menu.source == "wechat_api.selfmenu"
    assert [i.name for i in menu.items] == ["政务公开", "办事服务", "互动交流"]
    slug = account(sandbox, CITY).slug
    for top in menu.items:
        assert 2 <= len(top.children) <= 4 and top.type == ""
        for sub in top.children:
            assert sub.type == "view"
            assert sub.url.startswith(f"{sandbox.base_url}/sites/{slug}/")
    assert calls(sandbox, MENU_GET_PATH) == 0


def _culture_menu_checks(menu: Any) -> None:
    today, service = menu.items
    assert (today.name, today.type, today.key, today.children) == (
        "今日发布", "click", "V_TODAY", ())
    assert [c.name for c in service.children] == ["景区预约", "文旅地图"]
    mini = service.children[1]
    assert (mini.type, mini.appid, mini.pagepath) == ("miniprogram", "wx0000000000000099",
                                                      "pages/map/index")
    assert mini.url == "https://wlj.example.gov.cn/map/"


def test_api_made_menu_from_selfmenu(sandbox: World) -> None:
    h = gather(sandbox, "示例市文化和旅游局", days=1)
    assert h.menu is not None and h.menu.source == "wechat_api.selfmenu"
    _culture_menu_checks(h.menu)


def test_menu_get_is_the_fallback_when_selfmenu_fails(sandbox: World) -> None:
    account(sandbox, "示例市文化和旅游局").extra["fail_first"] = {
        "path": SELFMENU_PATH, "status": 500, "times": 99}
    h = gather(sandbox, "示例市文化和旅游局", days=1)
    assert h.menu is not None and h.menu.source == "wechat_api.menu_get" and h.menu.is_open
    _culture_menu_checks(h.menu)
    assert calls(sandbox, MENU_GET_PATH) == 1


def test_website_menu_fallback_reports_both_errors(sandbox: World) -> None:
    account(sandbox, CITY).extra["fail_first"] = {"path": SELFMENU_PATH, "errcode": 48001,
                                                  "times": 99}
    h = gather(sandbox, CITY, days=1)
    assert h.menu is None
    assert h.menu_error.startswith("接口未授权（48001）")
    assert "公众号没有通过接口创建的自定义菜单（46003）" in h.menu_error
    assert all(s.ok for s in h.sources)


def test_credential_failure_on_selfmenu_does_not_try_menu_get(sandbox: World) -> None:
    account(sandbox, CITY).extra["fail_first"] = {"path": SELFMENU_PATH, "errcode": 40014,
                                                  "times": 99}
    h = gather(sandbox, CITY, days=1)
    assert h.menu is None and h.menu_error.startswith("access_token 无效（40014）")
    assert calls(sandbox, SELFMENU_PATH) == 2 and calls(sandbox, MENU_GET_PATH) == 0


def test_menu_switched_off(sandbox: World) -> None:
    h = gather(sandbox, "示例市民政局", days=1)
    assert h.menu is not None and not h.menu.is_open and h.menu.items == ()
    assert h.menu_error == ""


# --- published articles -------------------------------------------------------------------------


def test_published_list_pages_sorts_and_marks_deleted(sandbox: World) -> None:
    account(sandbox, CITY).extra["publish_order"] = "oldest_first"
    h = gather(sandbox, CITY, days=1)
    pub = by_source(h)["wechat_api.freepublish"]
    arts = pub.articles
    assert len(arts) == 23 and calls(sandbox, FREEPUBLISH_PATH) == 2
    times = [a.published_at for a in arts]
    assert times == sorted(times, reverse=True)
    assert all(a.source == "wechat_api.freepublish" and a.time_kind == "update" for a in arts)
    deleted = [a for a in arts if a.status == "deleted"]
    assert [a.title for a in deleted] == ["（已删除）示例市关于调整公交线路的通知"]
    # update_time is the update, not the send: sent 30 days ago, updated 3 days ago.
    guide = next(a for a in arts if a.title.startswith("示例市医保经办服务指南"))
    assert guide.published_at == NOW - timedelta(days=3)
    assert guide.published_at.utcoffset() == timedelta(hours=8)
    art = next(a for acc in sandbox.accounts for a in acc.articles if a.title == guide.title)
    assert guide.url == sandbox.article_url(art)
    # masssend articles are not in the published list
    assert not any("冬季供暖" in a.title for a in arts)


def test_published_list_stops_at_max_pages(sandbox: World) -> None:
    acc = account(sandbox, CITY)

    async def go() -> list[Any]:
        async with httpx.AsyncClient(timeout=5) as client:
            api = WeChatApi(client, sandbox.base_url, acc.appid, acc.secret, TokenCache(),
                            Sleeps())
            return await read_published(api, max_pages=1)

    assert len(run(go())) == 20
    assert calls(sandbox, FREEPUBLISH_PATH) == 1


# --- datacube -----------------------------------------------------------------------------------


def titles(h: WeChatHarvest) -> set[str]:
    return {a.title for a in by_source(h)["wechat_api.datacube"].articles}


def test_datacube_reads_the_fourteen_days_before_as_of(sandbox: World) -> None:
    h = gather(sandbox, CITY)
    cube = by_source(h)["wechat_api.datacube"]
    # Sent 0.3 days ago is today (no data until tomorrow); 15 days ago is before the window.
    assert titles(h) == {"示例市2026年冬季供暖工作全面启动", "图解｜示例市稳就业十条措施",
                         "示例市政府常务会议研究部署重点工作",
                         "示例市开展防范电信网络诈骗宣传周活动"}
    assert calls(sandbox, DATACUBE_PATH) == 14
    heating = next(a for a in cube.articles if a.title == "示例市2026年冬季供暖工作全面启动")
    assert heating.published_at == datetime(2026, 11, 19, 23, 59, 59, tzinfo=CHINA_TZ)
    assert heating.time_kind == "day" and heating.source == "wechat_api.datacube"
    art = next(a for acc in sandbox.accounts for a in acc.articles if a.title == heating.title)
    assert heating.comment_id == f"{art.mid}_{art.idx}"
    jobs = next(a for a in cube.articles if a.title.startswith("图解"))
    assert jobs.comment_id.endswith("_2")


@pytest.mark.parametrize(("as_of", "days", "expected"), [
    # Just after midnight: yesterday is 11-19, whose two articles are there.
    (datetime(2026, 11, 20, 0, 30, tzinfo=CHINA_TZ), 1,
     {"示例市2026年冬季供暖工作全面启动", "图解｜示例市稳就业十条措施"}),
    # The same instant written in UTC: the day split is Beijing time.
    (datetime(2026, 11, 19, 16, 30, tzinfo=UTC), 1,
     {"示例市2026年冬季供暖工作全面启动", "图解｜示例市稳就业十条措施"}),
    # Late on the 19th: the 19th itself has no data yet; the 18th has none.
    (datetime(2026, 11, 19, 23, 0, tzinfo=CHINA_TZ), 1, set()),
    (datetime(2026, 11, 19, 23, 0, tzinfo=CHINA_TZ), 5, {"示例市政府常务会议研究部署重点工作"}),
])
def test_datacube_day_split_around_as_of(sandbox: World, as_of: datetime, days: int,
                                         expected: set[str]) -> None:
    h = gather(sandbox, CITY, as_of=as_of, days=days)
    assert titles(h) == expected
    assert calls(sandbox, DATACUBE_PATH) == days
    assert all(a.published_at < as_of for a in by_source(h)["wechat_api.datacube"].articles)


def test_datacube_refuses_today(sandbox: World) -> None:
    acc = account(sandbox, CITY)

    async def go() -> None:
        async with httpx.AsyncClient(timeout=5) as client:
            api = WeChatApi(client, sandbox.base_url, acc.appid, acc.secret, TokenCache(),
                            Sleeps())
            await api.call("POST", DATACUBE_PATH,
                           {"begin_date": "2026-11-20", "end_date": "2026-11-20"})

    with pytest.raises(WeChatError) as err:
        run(go())
    assert err.value.code == 61501 and not err.value.retryable
    assert err.value.message.startswith("统计日期超出允许范围（61501）")
