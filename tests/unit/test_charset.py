"""Decoding page bodies: GB family pages, wrong or missing declarations, cut bodies, binaries."""

from __future__ import annotations

import pytest

from govmedia.collect.charset import declared_charsets, decode_body, is_text, normalise_charset

NOTICE = ("关于进一步做好政务新媒体管理工作的通知：各区县人民政府，市政府各部门，"
          "现将有关事项通知如下。")
RARE = "镕"  # in GBK/GB18030, not in GB2312 (a common name character: 朱镕基)


def page(text: str, meta: str = "") -> str:
    head = f'<meta http-equiv="Content-Type" content="text/html; charset={meta}">' if meta else ""
    return f"<html><head>{head}<title>通知公告</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize("name", ["gb2312", "GBK", "gb18030", "cp936", "x-gbk", "GB_2312-80"])
def test_gb_family_normalises_to_gb18030(name):
    assert normalise_charset(name) == "gb18030"


def test_unknown_charset_is_empty():
    assert normalise_charset("no-such-charset") == ""
    assert normalise_charset("UTF8") == "utf-8"


@pytest.mark.parametrize(("content_type", "meta", "codec"), [
    ("text/html; charset=gbk", "", "gbk"),
    ("text/html", "gb2312", "gb2312"),
    ("text/html", "", "gb18030"),  # nothing declared anywhere
    ("text/html; charset=ISO-8859-1", "", "gbk"),  # Tomcat's default label on a GBK page
])
def test_gb_pages_decode(content_type, meta, codec):
    body = page(NOTICE, meta).encode(codec)
    text, enc = decode_body(body, content_type)
    assert enc == "gb18030" and NOTICE in text


def test_page_declaring_gb2312_with_a_gbk_only_character():
    body = page(NOTICE + RARE, "gb2312").encode("gbk")
    text, _ = decode_body(body, "text/html; charset=gb2312")
    assert NOTICE + RARE in text


def test_gb18030_four_byte_character():
    body = page(NOTICE + "𠀀", "gb18030").encode("gb18030")
    text, enc = decode_body(body, "text/html")
    assert enc == "gb18030" and "𠀀" in text


def test_utf8_page_mislabelled_gb2312_is_read_as_utf8():
    body = page(NOTICE, "gb2312").encode("utf-8")
    text, enc = decode_body(body, "text/html; charset=gb2312")
    assert enc == "utf-8" and NOTICE in text


def test_body_cut_inside_a_character_decodes_the_rest():
    for codec, expect in (("utf-8", "utf-8"), ("gbk", "gb18030")):
        body = page(NOTICE * 3, "").encode(codec)
        cut = body[: body.rindex("现将".encode(codec)) + 1]  # half of the last 现
        text, enc = decode_body(cut, "text/html")
        assert enc == expect and NOTICE in text


def test_utf8_with_bom():
    text, enc = decode_body(b"\xef\xbb\xbf" + NOTICE.encode(), "text/plain")
    assert enc == "utf-8" and text == NOTICE


def test_big5_page_is_not_forced_into_gb18030():
    body = page("臺灣地區政府機關網站的繁體中文內容" * 20, "big5").encode("big5")
    text, enc = decode_body(body, "text/html")
    assert enc.startswith("big5") and "繁體中文" in text


def test_non_text_bodies_are_not_decoded():
    assert decode_body(b"\x89PNG\r\n\x1a\n\x00\x00", "image/png") == ("", "")
    assert decode_body(b"\x00\x01\x02binary", "") == ("", "")
    assert is_text("application/json; charset=utf-8") and is_text("application/rss+xml")
    assert not is_text("application/pdf")


def test_declared_charsets_header_first_then_meta():
    body = page("x", "gbk").encode()
    assert declared_charsets(body, "text/html; charset=utf-8") == ["utf-8", "gb18030"]
    xml = b'<?xml version="1.0" encoding="GB2312"?><rss></rss>'
    assert declared_charsets(xml, "application/xml") == ["gb18030"]
