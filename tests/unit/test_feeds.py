"""Feed parsing (collect/feeds.py) on the fixture feeds of follower tools (collection.md §3.4).

Times must come out in +08:00 and equal to the instant the file meant: a zoneless pubDate is
Beijing time, "GMT"/"Z"/"-0000" are UTC. A time found only in <updated>/date_modified is an
update time (time_kind "update"), never passed off as a publish time.
"""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from govmedia.artifacts import CHINA_TZ, Article
from govmedia.collect.feeds import FeedError, parse_feed, parse_time

FEEDS = Path(__file__).parent.parent / "fixtures" / "feeds"
EIGHT_HOURS = timedelta(hours=8)
HEATING = "示例市召开常务会议 研究部署冬季供暖工作"
HEATING_URL = "https://mp.weixin.qq.com/s/TESTSHORTLINK00000002A"


def load(name: str) -> list[Article]:
    return parse_feed((FEEDS / name).read_bytes())


def cn(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHINA_TZ)


def assert_beijing(when: datetime | None, expected: datetime) -> None:
    """Same instant, and written in +08:00 (not merely equal in UTC)."""
    assert when is not None
    assert when == expected
    assert when.utcoffset() == EIGHT_HOURS
    assert (when.hour, when.minute) == (expected.hour, expected.minute)


def test_every_fixture_feed_parses_with_the_expected_item_count() -> None:
    counts = {p.name: len(parse_feed(p.read_bytes())) for p in sorted(FEEDS.iterdir())}
    assert counts == {
        "atom_published.xml": 1,
        "atom_updated_only.xml": 1,
        "json_feed_published.json": 1,
        "rss_gmt_bozo.xml": 2,
        "we_mp_rss_style.xml": 1,
        "wewe_rss_style.json": 1,
    }


def test_rss_with_gmt_dates_and_an_undefined_entity_still_parses() -> None:
    first, second = load("rss_gmt_bozo.xml")
    assert first.title == "春运期间高速公路出行提示"
    assert_beijing(first.published_at, cn(2025, 11, 18, 10, 0))  # 02:00 GMT
    assert first.time_kind == "feed" and first.source == "feed"
    # &amp;amp; (double-escaped) comes back as a plain "&" link
    assert first.url == ("https://mp.weixin.qq.com/s?__biz=MzAwMDAwMDAwMg==&mid=2650000010"
                         "&idx=1&sn=22222222222222222222222222222222")
    assert first.author == "示例省交通运输厅"
    assert first.account_name == "示例省交通运输厅"
    assert first.digest == "出行前请关注路况 信息"
    assert second.title == "没有时间的一条"
    assert second.url == "https://mp.weixin.qq.com/s/TESTSHORTLINK00000011C"
    assert second.published_at is None


def test_we_mp_rss_zoneless_pubdate_is_beijing_time() -> None:
    (item,) = load("we_mp_rss_style.xml")
    assert item.title == HEATING
    assert item.url == HEATING_URL
    assert_beijing(item.published_at, cn(2025, 11, 19, 19, 20))  # not 03:20 the next day
    assert item.time_kind == "feed"
    assert item.account_name == "示例市人民政府"
    assert item.digest == "11月19日，示例市召开市政府常务会议……"


def test_atom_published_wins_over_updated() -> None:
    (item,) = load("atom_published.xml")
    assert item.title == "个人所得税专项附加扣除填报提醒"
    assert item.url == "https://mp.weixin.qq.com/s/TESTSHORTLINK00000030D"
    assert_beijing(item.published_at, cn(2025, 11, 17, 20, 15))  # <published>, not <updated>
    assert item.time_kind == "feed"
    assert item.author == "示例市税务局纳税服务科"
    assert item.digest == "12月31日前完成填报确认。"
    assert item.account_name == "示例市税务局"


def test_atom_with_updated_only_is_an_update_time() -> None:
    (item,) = load("atom_updated_only.xml")
    assert item.title == HEATING
    assert item.url == HEATING_URL
    assert_beijing(item.published_at, cn(2025, 11, 19, 19, 20))  # 11:20Z
    assert item.time_kind == "update"


def test_json_feed_date_published_is_the_feed_time() -> None:
    (item,) = load("json_feed_published.json")
    assert item.title == "示例市11月空气质量通报"
    assert_beijing(item.published_at, cn(2025, 11, 18, 9, 30))  # not date_modified 11-19
    assert item.time_kind == "feed"
    assert item.url == "https://mp.weixin.qq.com/s?__biz=MzAwMDAwMDAwMw==&mid=2650000020&idx=1"
    assert item.digest == "11月上旬，全市空气质量优良天数比例为93.3%。"  # HTML removed
    assert item.author == "示例市生态环境局"
    assert item.account_name == "示例市生态环境局"


def test_wewe_rss_json_feed_date_modified_only_is_an_update_time() -> None:
    (item,) = load("wewe_rss_style.json")
    assert item.title == HEATING
    assert item.url == HEATING_URL
    assert_beijing(item.published_at, cn(2025, 11, 19, 19, 20))  # 11:20:00.000Z
    assert item.time_kind == "update"
    assert item.account_name == "示例市人民政府"


def test_atom_unparseable_published_falls_back_to_updated_as_update() -> None:
    data = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><title>A</title>'
        '<link href="https://mp.weixin.qq.com/s/A"/><published>不是时间</published>'
        "<updated>2025-11-19T11:20:00Z</updated></entry></feed>").encode()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # feedparser's updated→published map
        (item,) = parse_feed(data)
    assert_beijing(item.published_at, cn(2025, 11, 19, 19, 20))
    assert item.time_kind == "update"


@pytest.mark.parametrize(("raw", "expected"), [
    ("Wed, 19 Nov 2025 19:20:00 ", cn(2025, 11, 19, 19, 20)),  # we-mp-rss: no zone
    ("Wed, 19 Nov 2025 11:20:00 GMT", cn(2025, 11, 19, 19, 20)),
    ("Wed, 19 Nov 2025 11:20:00 -0000", cn(2025, 11, 19, 19, 20)),  # RFC 2822: UTC
    ("Wed, 19 Nov 2025 19:20:00 +0800", cn(2025, 11, 19, 19, 20)),
    ("2025-11-19T11:20:00.000Z", cn(2025, 11, 19, 19, 20)),
    ("2025-11-19T19:20:00+08:00", cn(2025, 11, 19, 19, 20)),
    ("2025-11-19 19:20", cn(2025, 11, 19, 19, 20)),  # ISO without zone: Beijing
    ("2025年11月19日 19:20", cn(2025, 11, 19, 19, 20)),
    ("1763551200", cn(2025, 11, 19, 19, 20)),
    ("1763551200000", cn(2025, 11, 19, 19, 20)),  # milliseconds
])
def test_parse_time_forms(raw: str, expected: datetime) -> None:
    assert_beijing(parse_time(raw), expected)


@pytest.mark.parametrize("raw", ["", "   ", "昨天", "not a date"])
def test_parse_time_gives_none_for_non_times(raw: str) -> None:
    assert parse_time(raw) is None


NOT_FEEDS = {
    "empty": b"",
    "blank": b" \r\n\t",
    "html": "<!DOCTYPE html><html><head><title>登录</title></head><body>请先登录</body></html>"
            .encode(),
    "cut_off_xml": b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>x',
    "other_xml": b"<?xml version='1.0'?><config><a>1</a></config>",
    "plain_text": b"502 Bad Gateway",
    "binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe",
    "bad_json": b'{"version": "https://jsonfeed.org/version/1", "items": [',
    "json_not_a_feed": b'{"errcode": 40001, "errmsg": "invalid credential"}',
    "json_array": b"[]",
    "json_items_not_a_list": b'{"version": "https://jsonfeed.org/version/1", "items": {}}',
}


@pytest.mark.parametrize("name", sorted(NOT_FEEDS))
def test_non_feeds_raise_feed_error_in_chinese(name: str) -> None:
    with pytest.raises(FeedError) as info:
        parse_feed(NOT_FEEDS[name], source_url="https://rss.example.cn/feeds/x.xml")
    message = str(info.value)
    assert message.startswith("订阅源不是有效的 RSS/Atom/JSON Feed")
    assert message.endswith("：https://rss.example.cn/feeds/x.xml")


def test_not_a_feed_messages_say_what_was_received() -> None:
    def message(data: bytes) -> str:
        with pytest.raises(FeedError) as info:
            parse_feed(data)
        return str(info.value)

    assert "内容为空" in message(NOT_FEEDS["empty"])
    assert "收到的是网页" in message(NOT_FEEDS["html"])
    assert "JSON 无法解析" in message(NOT_FEEDS["bad_json"])
    assert "不是 JSON Feed" in message(NOT_FEEDS["json_not_a_feed"])
    assert "XML 格式错误" in message(NOT_FEEDS["cut_off_xml"])


def test_cut_off_feed_keeps_the_complete_items_and_drops_the_fragment() -> None:
    data = ('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
            "<item><title>完整的一条</title><link>https://mp.weixin.qq.com/s/A</link>"
            "<pubDate>Wed, 19 Nov 2025 19:20:00 +0800</pubDate></item><item><title>断").encode()
    (item,) = parse_feed(data)
    assert item.title == "完整的一条"
    assert_beijing(item.published_at, cn(2025, 11, 19, 19, 20))


def test_a_valid_feed_with_no_items_is_empty_not_an_error() -> None:
    data = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
    assert parse_feed(data) == []
    assert parse_feed(b'{"version": "https://jsonfeed.org/version/1.1", "items": []}') == []


def test_bom_and_leading_whitespace_are_accepted() -> None:
    data = b"\xef\xbb\xbf\n  " + (FEEDS / "we_mp_rss_style.xml").read_bytes()
    (item,) = parse_feed(data)
    assert item.title == HEATING
    (item,) = parse_feed(b"\xef\xbb\xbf" + (FEEDS / "wewe_rss_style.json").read_bytes())
    assert item.title == HEATING
