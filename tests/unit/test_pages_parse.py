"""collect/pages.py: one fetched page parsed into a PageSnapshot (fixtures under sites/)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from govmedia.artifacts import CHINA_TZ
from govmedia.collect.charset import decode_body
from govmedia.collect.http import FetchResult
from govmedia.collect.pages import page_snapshot

SITES = Path(__file__).parent.parent / "fixtures" / "sites"
FETCHED = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)


def fetched(body: bytes, url: str = "http://www.example.gov.cn/zwgk/tzgg/", *,
            content_type: str = "text/html", status: int = 200, error: str = "") -> FetchResult:
    text, encoding = decode_body(body, content_type) if body else ("", "")
    return FetchResult(url=url, final_url=url, status=status,
                       headers={"content-type": content_type}, body=body, text=text,
                       encoding=encoding, redirects=(), error=error, error_detail="",
                       elapsed=0.01, fetched_at=FETCHED, warc_record_id="urn:uuid:1")


def snap_of(name: str, **kw):
    return page_snapshot(fetched((SITES / name).read_bytes(), **kw), label="通知公告",
                         menu_path="政务公开/通知公告")


def test_visible_and_hidden_text_are_kept_apart():
    snap = snap_of("column_list.html")
    assert snap.title == "通知公告_某市人民政府"
    assert "关于征集民生实事项目建议的公告" in snap.text
    assert "隐藏的文字" not in snap.text and "display none 段落" not in snap.text
    assert "隐藏的文字" in snap.hidden_text and "display none 段落" in snap.hidden_text
    assert "脚本里的文字" not in snap.text and "脚本里的文字" not in snap.hidden_text
    assert snap.scripts == 1
    assert snap.meta["keywords"] == "通知公告,政务公开"
    assert any(h.startswith("当前位置") for h in snap.headings)
    assert snap.warc_record_id == "urn:uuid:1" and snap.menu_path == "政务公开/通知公告"


def test_links_are_absolute_and_hidden_links_marked():
    snap = snap_of("column_list.html")
    by_text = {link.text: link for link in snap.links}
    assert by_text["登录"].href == "http://www.example.gov.cn/login"
    assert by_text["关于征集民生实事项目建议的公告"].href == (
        "http://www.example.gov.cn/zwgk/tzgg/art/3.html")
    assert by_text["隐藏链接"].hidden and not by_text["登录"].hidden


def test_dated_list_items_with_and_without_year():
    items = {i.title: i for i in snap_of("column_list.html").list_items}
    assert items["关于2026年元旦假期值班安排的通知"].date.date().isoformat() == "2026-11-18"
    assert items["关于开展打击非法赌博专项整治行动的通告"].date.date().isoformat() == "2026-11-09"
    assert items["关于征集民生实事项目建议的公告"].date.date().isoformat() == "2026-10-30"
    yearless = items["关于系统升级维护期间暂停服务的公告"]
    assert yearless.date.date().isoformat() == "2026-10-12" and yearless.year_inferred
    assert yearless.date_text == "[10-12]"
    assert items["关于印发《政务服务事项清单》的通知"].date is None  # undated list row
    # a date inside a title is not the entry's date; navigation is not a column entry
    assert "政务公开栏目导航入口" not in items


def test_yearless_date_after_fetch_day_belongs_to_last_year():
    html = ('<ul><li><a href="/a">关于年终工作总结报送的通知</a><span>12-28</span></li></ul>')
    (item,) = page_snapshot(fetched(html.encode())).list_items
    assert item.date.date().isoformat() == "2025-12-28" and item.year_inferred


def test_forms_password_captcha_and_id_card():
    snap = snap_of("login_form.html")
    login, realname, loose = snap.forms
    assert login.password and login.captcha and not login.id_card
    assert login.method == "post" and login.action == "http://www.example.gov.cn/tyrz/auth"
    assert "hidden:service" not in " ".join(login.fields)
    assert realname.id_card and not realname.password
    assert not loose.password and loose.fields == ("text:站内搜索",)


def test_mailbox_form_counts_textareas():
    (form,) = snap_of("mailbox.html").forms
    assert form.textareas == 1 and not form.password and not form.id_card


def test_gb2312_page_with_gbk_only_character_decodes():
    snap = snap_of("gbk_list.html")
    assert snap.encoding == "gb18030"
    assert snap.title == "政策文件_某县人民政府"
    assert "镕" in snap.text and snap.note == ""
    assert [i.date.day for i in snap.list_items] == [2, 15]


def test_fetch_error_and_non_html_are_not_parsed():
    dead = page_snapshot(fetched(b"", error="refused", status=None))
    assert dead.error == "refused" and dead.text == "" and not dead.ok
    pdf = page_snapshot(fetched(b"%PDF-1.4 ...", content_type="text/plain"))
    assert "非网页内容" in pdf.note and pdf.text == ""


def test_garbled_page_is_noted():
    body = ("<html><head><title>" + "é" * 80 + "</title></head><body><p>"
            + "Ã©Ã¨" * 60 + "</p></body></html>").encode("utf-8")
    assert "乱码" in page_snapshot(fetched(body)).note


def test_client_redirect_is_read():
    html = b'<html><head><meta http-equiv="refresh" content="0;url=/sso/login"></head></html>'
    assert page_snapshot(fetched(html)).client_redirect == "http://www.example.gov.cn/sso/login"
