"""Feeds and public article pages read over HTTP from the sandbox world on 127.0.0.1.

The world is tests/fixtures/scenarios/pages.yaml at a fixed `now`; gather_feed and
gather_article_pages run through the real Downloader (httpx underneath) inside asyncio.run.
Every downloader has short timeouts and no retries, so a broken server fails a test instead of
hanging it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from typing import TypeVar

import pytest

from govmedia.artifacts import CHINA_TZ, SourceRead
from govmedia.collect.feeds import gather_feed
from govmedia.collect.http import Downloader
from govmedia.collect.wechat_page import gather_article_pages
from govmedia.sandbox import run_world
from govmedia.sandbox.faults import routes as fault_routes
from govmedia.sandbox.server import serve
from govmedia.sandbox.world import SandboxAccount, SandboxArticle, World, load_world
from govmedia.settings import Settings
from tests.conftest import SCENARIOS

T = TypeVar("T")
NOW = datetime.fromtimestamp(1763600000, CHINA_TZ)  # 2025-11-20 08:53:20 +08:00
CITY, CULTURE, HEALTH, COUNTY = ("示例市人民政府", "示例市文化和旅游局", "示例市医疗保障局",
                                 "示例县融媒体中心")
EIGHT_HOURS = timedelta(hours=8)


@pytest.fixture
def pages_world() -> Iterator[World]:
    """Serve the pages.yaml world (API, article pages, feeds) on 127.0.0.1; yield it."""
    with run_world(load_world(NOW, SCENARIOS / "pages.yaml")) as world:
        yield world


@pytest.fixture
def faults_base() -> Iterator[str]:
    with serve(fault_routes()) as base_url:
        yield base_url


def with_downloader(job: Callable[[Downloader], Awaitable[T]], timeout: float = 5.0) -> T:
    settings = Settings(http_timeout=timeout, http_retries=0)

    async def go() -> T:
        async with Downloader(settings, retry_backoff=0.0) as downloader:
            return await job(downloader)

    return asyncio.run(go())


def feed(url: str, timeout: float = 5.0) -> SourceRead:
    return with_downloader(lambda d: gather_feed(d, url), timeout)


def pages(urls: list[str], concurrency: int = 4) -> SourceRead:
    return with_downloader(lambda d: gather_article_pages(d, urls, concurrency=concurrency))


def account(world: World, name: str) -> SandboxAccount:
    return next(a for a in world.accounts if a.name == name)


def feed_url(world: World, name: str, ext: str) -> str:
    return f"{world.base_url}/feeds/{account(world, name).slug}.{ext}"


def alive(acc: SandboxAccount) -> list[SandboxArticle]:
    return sorted((a for a in acc.articles if not a.deleted), key=lambda a: a.sent_at,
                  reverse=True)


# --- feeds --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("ext", "kind"), [("xml", "feed"), ("atom", "update"), ("json", "update")])
def test_feed_200_gives_the_worlds_articles_at_their_send_times(
        pages_world: World, ext: str, kind: str) -> None:
    world = pages_world
    acc = account(world, CITY)
    read = feed(feed_url(world, CITY, ext))
    assert read.ok and read.error == ""
    assert read.source == "feed" and read.url == feed_url(world, CITY, ext)
    assert set(read.covers) == {"publish", "masssend"}
    expected = alive(acc)  # the deleted article is not in the feed
    assert len(expected) == 2
    assert [a.title for a in read.articles] == [a.title for a in expected]
    assert [a.url for a in read.articles] == [world.article_url(a) for a in expected]
    for got, want in zip(read.articles, expected, strict=True):
        assert got.published_at == want.sent_at  # we-mp-rss zoneless, wewe-rss UTC "Z"
        assert got.published_at.utcoffset() == EIGHT_HOURS
        assert got.time_kind == kind  # <updated>/date_modified only: an update time
        assert got.source == "feed" and got.account_name == CITY


def test_feed_titles_with_quotes_and_angle_brackets_survive(pages_world: World) -> None:
    (want,) = account(pages_world, CULTURE).articles
    for ext in ("xml", "atom", "json"):
        (got,) = feed(feed_url(pages_world, CULTURE, ext)).articles
        assert got.title == want.title == '图片｜冬日里的"示例古城" <雪景>'
        assert got.published_at == want.sent_at


def test_feed_http_500_is_a_failed_read_with_a_chinese_reason(pages_world: World) -> None:
    read = feed(feed_url(pages_world, HEALTH, "xml"))
    assert not read.ok and read.articles == ()
    assert read.error == "订阅源返回 HTTP 500"


def test_feed_http_404_is_a_failed_read(pages_world: World) -> None:
    read = feed(feed_url(pages_world, COUNTY, "xml"))  # feed: false
    assert not read.ok and read.error == "订阅源返回 HTTP 404"
    assert read.url.endswith(".xml")


def test_feed_timeout_is_a_failed_read_not_an_exception(faults_base: str) -> None:
    read = feed(f"{faults_base}/fault/delay/5000", timeout=0.3)
    assert not read.ok and read.articles == ()
    assert read.error.startswith("订阅源无法读取：") and "超时（0.3秒）" in read.error


def test_feed_connection_dropped_is_a_failed_read(faults_base: str) -> None:
    read = feed(f"{faults_base}/fault/drop", timeout=2.0)
    assert not read.ok and read.error.startswith("订阅源无法读取：")


def test_feed_answering_a_web_page_is_not_a_feed(faults_base: str) -> None:
    read = feed(f"{faults_base}/fault/gbk-page", timeout=2.0)
    assert not read.ok and read.articles == ()
    assert read.error == "订阅源不是有效的 RSS/Atom/JSON Feed（收到的是网页，不是订阅源）"


def test_feed_on_a_closed_port_is_a_failed_read() -> None:
    with serve([]) as base_url:
        pass  # the server is stopped: nothing listens on that port any more
    read = feed(f"{base_url}/feeds/x.xml", timeout=2.0)
    assert not read.ok and read.error.startswith("订阅源无法读取：")


# --- article pages ------------------------------------------------------------------------------


def test_article_pages_give_the_worlds_send_times(pages_world: World) -> None:
    world = pages_world
    arts = [a for acc in world.accounts for a in acc.articles]
    read = pages([world.article_url(a) for a in arts])
    assert read.ok and read.error == "" and read.source == "article_page"
    by_url = {a.url: a for a in read.articles}
    assert set(by_url) == {world.article_url(a) for a in arts}
    for want in arts:
        got = by_url[world.article_url(want)]
        if want.deleted:
            assert got.status == "deleted" and got.published_at is None
            assert got.digest == "该内容已被发布者删除"
            continue
        assert got.status == "ok"
        assert got.published_at == want.sent_at
        assert got.published_at.tzinfo == CHINA_TZ
        assert got.time_kind == "send"
        assert got.title == want.title
        assert got.copyright == ("original" if want.original else "none")


def test_classic_page_fields(pages_world: World) -> None:
    world = pages_world
    want = account(world, CITY).articles[0]
    (got,) = pages([world.article_url(want)]).articles
    assert got.account_name == CITY and got.author == "示例市政府办"
    assert got.show_type == 0 and got.images == 1
    assert got.links == ("https://www.example.gov.cn/zwgk/zcjd/20251119.html",)
    assert got.body_text == "11月19日，示例市召开市政府常务会议，研究部署冬季供暖工作。\n相关解读"


def test_picture_post_page_from_cgidatanew(pages_world: World) -> None:
    world = pages_world
    (want,) = account(world, CULTURE).articles
    (got,) = pages([world.article_url(want)]).articles
    assert got.show_type == 8 and got.images == 2
    assert got.account_name == CULTURE
    assert got.published_at == want.sent_at  # ori_send_time, to the second


def test_deleted_and_unknown_article_pages(pages_world: World) -> None:
    world = pages_world
    deleted = next(a for a in account(world, CITY).articles if a.deleted)
    read = pages([world.article_url(deleted), f"{world.base_url}/s/NOSUCHARTICLE000000000"])
    assert read.ok
    assert [a.status for a in read.articles] == ["deleted", "unavailable"]


def test_waf_page_is_not_read_and_not_an_empty_article(pages_world: World) -> None:
    world = pages_world
    good = account(world, CITY).articles[0]
    read = pages([world.article_url(good), f"{world.base_url}/s/waf-check"])
    assert read.ok
    assert [a.url for a in read.articles] == [world.article_url(good)]  # no blocked "article"
    assert "被微信拦截" in read.error and "waf-check" in read.error
    only_waf = pages([f"{world.base_url}/s/waf-check"])
    assert not only_waf.ok and only_waf.articles == ()
    assert only_waf.error.startswith("全部 1 篇文章页面未能读取：")


def test_after_a_waf_page_the_remaining_pages_are_not_requested(pages_world: World) -> None:
    world = pages_world
    urls = [f"{world.base_url}/s/waf-first"] + [
        world.article_url(a) for a in alive(account(world, CITY))]
    read = pages(urls, concurrency=1)
    assert not read.ok and read.articles == ()
    assert read.error.count("未读取：微信已拦截本次读取") == 2


def test_page_fetch_failures_are_named_in_the_error(pages_world: World, faults_base: str) -> None:
    world = pages_world
    good = account(world, CITY).articles[0]
    read = pages([world.article_url(good), f"{faults_base}/fault/status/502", ""])
    assert read.ok and len(read.articles) == 1
    assert read.error == f"1 篇文章页面未能读取：{faults_base}/fault/status/502（HTTP 502）"


def test_no_urls_is_a_failed_read() -> None:
    read = pages([])
    assert not read.ok and read.error == "没有可读取的文章链接"
