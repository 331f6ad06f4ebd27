"""Public article page parsing (collect/wechat_page.py) on the page fixtures (collection.md §2).

The send time is `var ct` (classic pages) or cgiDataNew's ori_send_time/create_time (picture
and text posts), always in CHINA_TZ. Interstitials (HTTP 200 in real life) are told apart by
their text; the anti-bot page is "blocked" (not readable), never an empty article.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from govmedia.artifacts import CHINA_TZ, Article
from govmedia.collect.wechat_page import parse_article_page

PAGES = Path(__file__).parent.parent / "fixtures" / "pages"
URL = "https://mp.weixin.qq.com/s/TESTSHORTLINK00000099Z"


def page(name: str, url: str = URL) -> Article:
    return parse_article_page((PAGES / name).read_bytes(), url)


def assert_send_time(art: Article, expected: datetime) -> None:
    assert art.published_at == expected
    assert art.published_at.tzinfo == CHINA_TZ
    assert art.published_at.utcoffset() == timedelta(hours=8)
    assert art.time_kind == "send"


def test_classic_original_article() -> None:
    art = page("article_classic_original.html")
    assert art.status == "ok" and art.source == "article_page"
    assert_send_time(art, datetime(2025, 11, 19, 19, 20, tzinfo=CHINA_TZ))  # var ct 1763551200
    assert art.published_at == datetime.fromtimestamp(1763551200, CHINA_TZ)
    assert art.title == "示例市召开常务会议 研究部署冬季供暖工作"
    assert art.author == "示例市政府办"
    assert art.account_name == "示例市人民政府"
    assert art.copyright == "original"
    assert art.show_type == 0
    assert art.digest == "11月19日，示例市召开市政府常务会议……"
    assert art.body_text == "11月19日，示例市召开市政府常务会议，研究部署冬季供暖工作。\n相关解读"
    assert (art.images, art.videos, art.audios) == (1, 1, 1)
    assert art.links == ("https://www.example.gov.cn/zwgk/zcjd/20251119.html",)
    assert art.read_original_url == "https://www.example.gov.cn/xwzx/20251119.html"
    assert art.comment_id == "1000000000000000001"
    assert art.url == URL


def test_classic_reprint_article_prefers_classic_vars_over_cgidatanew() -> None:
    art = page("article_classic_reprint.html")
    assert art.status == "ok"  # body words 环境异常 / 链接已过期 are not interstitial markers
    # var ct (2025-11-17 18:00), not cgiDataNew's ori_send_time 1700000000
    assert_send_time(art, datetime(2025, 11, 17, 18, 0, tzinfo=CHINA_TZ))
    assert art.title == "转载｜关于开展“清朗·冬季网络环境整治”专项行动的通知"
    assert art.account_name == "示例市委网信办"
    assert art.author == "示例省委网信办"
    assert art.copyright == "reprint"  # _copyright_stat "2", not cgiDataNew's 1
    assert art.show_type == 0
    assert art.body_text.splitlines() == [
        "根据省委网信办统一部署，即日起开展专项行动，整治网络环境突出问题。",
        "举报发现网络环境异常或链接已过期的页面，请拨打12377。",
        "通知原文、再次链接、展开、邮件举报、相对链接、往期回顾",
    ]
    # two images with data-src/src (the placeholder without a source is not one); mpvoice is
    # audio; a Tencent video iframe and a 视频号 card are videos, a map iframe is not.
    assert (art.images, art.videos, art.audios) == (2, 2, 1)
    # http(s) only, &amp;amp; unescaped, the same link once; javascript:, mailto:, relative out
    assert art.links == (
        "https://www.example.gov.cn/xxgk/tzgg/20251117.html?from=wx&id=42",
        "http://mp.weixin.qq.com/s?__biz=MzAwMDAwMDAwMQ==&mid=2650000002&idx=1"
        "&sn=11111111111111111111111111111111&scene=21#wechat_redirect",
    )
    assert art.read_original_url == "https://www.example.gov.cn/xxgk/tzgg/20251117.html?a=1&b=2"
    assert art.comment_id == "0"


def test_picture_post_facts_come_from_cgidatanew() -> None:
    art = page("article_picture_post_cgidatanew.html")
    assert art.status == "ok"
    assert_send_time(art, datetime(2025, 11, 19, 19, 20, tzinfo=CHINA_TZ))  # ori_send_time
    assert art.title == "冬季供暖服务指南"
    assert art.account_name == "示例市人民政府"
    assert art.show_type == 8
    assert art.copyright == "none"
    assert art.images == 1  # picture_page_info_list
    assert art.body_text == "冬季供暖服务指南\n详见下图"  # content_noencode, \x0a decoded
    assert art.comment_id == "0"


def test_text_post_time_is_cgidatanew_create_time() -> None:
    art = page("text_post_cgidatanew.html")
    assert art.status == "ok"
    # no var ct and no ori_send_time: create_time 'YYYY-MM-DD HH:MM' is Beijing time
    assert_send_time(art, datetime(2025, 11, 18, 7, 45, tzinfo=CHINA_TZ))
    # \uD83D\uDCE2 joined into one emoji; \x26\x23x27; is the entity &#x27; (an apostrophe)
    assert art.title == "\U0001f4e2停水通知'<B>区"  # not related_tag's nested title
    assert art.account_name == "示例市水务集团"
    assert art.show_type == 10
    assert art.copyright == "original"
    assert art.body_text == (
        "因管网检修，11月19日8:00至18:00停水。\n请提前储水。\\n注意：这里是字面的反斜杠n")
    assert art.comment_id == "1000000000000000005"
    assert art.images == 0


@pytest.mark.parametrize(("name", "status", "message"), [
    ("interstitial_deleted.html", "deleted", "该内容已被发布者删除"),
    ("interstitial_violation.html", "violation", "此内容因违规无法查看"),
    ("interstitial_unavailable.html", "unavailable", "该内容暂时无法查看"),
])
def test_interstitials(name: str, status: str, message: str) -> None:
    art = page(name)
    assert art.status == status
    assert art.digest == message  # the page's own words, kept as evidence
    assert art.published_at is None
    assert (art.title, art.body_text, art.links) == ("", "", ())
    assert art.url == URL and art.source == "article_page"


def test_waf_verify_page_is_blocked_not_an_empty_article() -> None:
    art = page("waf_verify.html")
    assert art.status == "blocked"
    assert art.status != "ok"
    assert art.digest == "环境异常"
    assert art.published_at is None


def test_a_captcha_url_is_blocked_whatever_the_page_says() -> None:
    html = (PAGES / "article_classic_original.html").read_bytes()
    art = parse_article_page(html, "https://mp.weixin.qq.com/mp/wappoc_appmsgcaptcha?poc_token=x")
    assert art.status == "blocked"
    assert art.published_at is None


def test_deleted_marker_in_english_and_unknown_pages() -> None:
    english = ('<html><body><div class="weui-msg"><div class="weui-msg__title">'
               "The content has been deleted by the author.</div></div></body></html>")
    assert parse_article_page(english, URL).status == "deleted"
    odd = "<html><head><title>x</title></head><body><p>维护中</p></body></html>"
    assert parse_article_page(odd, URL).status == "unknown_page"


def test_str_and_bytes_give_the_same_article() -> None:
    raw = (PAGES / "article_classic_original.html").read_bytes()
    assert parse_article_page(raw.decode("utf-8"), URL) == parse_article_page(raw, URL)


def test_url_falls_back_to_msg_link() -> None:
    art = page("article_classic_original.html", url="")
    assert art.url == "https://mp.weixin.qq.com/s/TESTSHORTLINK00000002A"


def test_var_ct_alone_gives_the_send_time() -> None:
    html = (PAGES / "article_classic_original.html").read_text(encoding="utf-8")
    only_ct = html.replace('var create_time = "1763551200" * 1;', "")
    assert "create_time" not in only_ct and 'var ct = "1763551200"' in only_ct
    assert_send_time(parse_article_page(only_ct, URL),
                     datetime(2025, 11, 19, 19, 20, tzinfo=CHINA_TZ))
    later = only_ct.replace('var ct = "1763551200"', 'var ct = "1763551261"')
    assert parse_article_page(later, URL).published_at == datetime(
        2025, 11, 19, 19, 21, 1, tzinfo=CHINA_TZ)
