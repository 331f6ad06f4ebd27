"""Decoding page bodies: the declared charset when the bytes fit it, else detection.

Many government sites are not UTF-8. GBK and GB2312 pages are decoded as GB18030 (a superset,
so a page that declares GB2312 but uses a GBK-only character still decodes). The order:
byte-order mark, valid UTF-8 (GBK text practically never is, and UTF-8 pages labelled gb2312
are common), the charset in the Content-Type header, the charset in a <meta> tag or XML
declaration, then detection (charset-normalizer, biased to GB18030 because that
is what an undeclared non-UTF-8 page on a mainland government site almost always is).
A declared Latin-1/ASCII charset is treated as weak: Tomcat and IIS send it by default for
pages that are really GBK or UTF-8.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_GB_FAMILY = {
    "gb2312",
    "gbk",
    "gb18030",
    "cp936",
    "x-gbk",
    "gb_2312-80",
    "csgb2312",
    "euc-cn",
    "hz-gb-2312",
    "ms936",
    "936",
    "x-euc-cn",
    "windows-936",
}
_WEAK = {"iso8859-1", "latin-1", "ascii", "cp1252", "us-ascii"}
_TEXT_APPS = {
    "application/xhtml+xml",
    "application/xml",
    "application/json",
    "application/javascript",
    "application/x-javascript",
    "application/rss+xml",
    "application/atom+xml",
    "application/ld+json",
    "application/ecmascript",
}
_META = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]{2,40})"""
    rb"""|<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9_\-:.]{2,40})""",
    re.IGNORECASE,
)
_HEADER = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-:.]+)", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DETECT_BYTES = 65_536
_META_BYTES = 16_384  # real pages put long scripts before <meta charset>


def normalise_charset(name: str) -> str:
    """Return Python's codec name for a declared charset ("gb18030" for the GB family), or ""."""
    label = name.strip().strip("\"'").lower()
    if label in _GB_FAMILY:
        return "gb18030"
    if label in ("utf8", "utf-8", "unicode-1-1-utf-8", "x-unicode20utf8"):
        return "utf-8"
    try:
        found = codecs.lookup(label).name
    except LookupError:
        return ""
    return "gb18030" if found in ("gbk", "gb2312") else found


def is_text(content_type: str) -> bool:
    """Return True when a Content-Type names a text format we decode (HTML, XML, JSON, text/*)."""
    mime = content_type.split(";", 1)[0].strip().lower()
    return (
        mime.startswith("text/")
        or mime in _TEXT_APPS
        or mime.endswith("+xml")
        or mime.endswith("+json")
    )


def declared_charsets(body: bytes, content_type: str) -> list[str]:
    """Return the charsets the header and the page itself declare, header first, normalised."""
    found: list[str] = []
    if m := _HEADER.search(content_type):
        found.append(normalise_charset(m.group(1)))
    if m := _META.search(body[:_META_BYTES]):
        raw = (m.group(1) or m.group(2)).decode("ascii", "ignore")
        found.append(normalise_charset(raw))
    return [c for c in found if c and not c.startswith("utf-16")]


def decode_body(body: bytes, content_type: str) -> tuple[str, str]:
    """Return (text, encoding) for a response body; ("", "") when it is not a text format.

    A body cut at the size cap may end in the middle of a character: the checks below accept
    an incomplete last character, and the final decode replaces it.
    """
    if content_type and not is_text(content_type):
        return "", ""
    if not content_type and b"\x00" in body[:1024]:
        return "", ""  # no type given and it looks binary
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, "replace"), name
    declared = declared_charsets(body, content_type)
    if body.isascii():
        return body.decode("ascii"), declared[0] if declared else "utf-8"
    # Non-ASCII bytes that form valid UTF-8 are UTF-8 whatever the page declares: GBK text is
    # almost never valid UTF-8, while "charset=gb2312" on a UTF-8 page is a common misconfig.
    if _decodes(body, "utf-8"):
        return body.decode("utf-8", "replace"), "utf-8"
    strong = [c for c in declared if c not in _WEAK]
    for name in dict.fromkeys(strong):
        if _decodes(body, name):
            return body.decode(name, "replace"), name
    # Undeclared, only a weak (Latin-1/ASCII) declaration, or a declaration the bytes break.
    guess = _detect(body)
    if guess:
        return body.decode(guess, "replace"), guess
    fallback = declared[0] if declared else "gb18030"
    return body.decode(fallback, "replace"), fallback


def _detect(body: bytes) -> str:
    """Return the most likely charset of a non-UTF-8 body, preferring GB18030 when it fits."""
    sample = body[:_DETECT_BYTES]
    best = from_bytes(sample).best()
    guess = normalise_charset(best.encoding) if best is not None else ""
    if guess.startswith("big5") and _decodes(sample, guess):
        return guess
    if _decodes(sample, "gb18030"):
        return "gb18030"
    return guess if guess and _decodes(sample, guess) else ""


def _decodes(data: bytes, name: str) -> bool:
    """Return True when data decodes in charset name, allowing an incomplete last character."""
    try:
        codecs.getincrementaldecoder(name)().decode(data, final=False)
    except (UnicodeDecodeError, LookupError):
        return False
    return True
