"""Feed gatherer: RSS 2.0, Atom and JSON Feed files from follower tools, as Articles.

Quirks handled (collection.md §3.4, §0.9): we-mp-rss writes pubDate without a zone (Beijing
time); wewe-rss puts the time only in JSON Feed `date_modified` and Atom `<updated>`. Raw
date strings are read here, not feedparser's *_parsed, which takes a missing zone as UTC.
A time read only from an "updated"/"date_modified" field is an update time, not a publish
time: such items get time_kind "update" (a published/pubDate/date_published time is "feed").
"""

from __future__ import annotations

import html
import io
import json
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import feedparser
from selectolax.lexbor import LexborHTMLParser

from govmedia.artifacts import CHINA_TZ, Article, SourceRead
from govmedia.collect.http import Downloader

NOT_A_FEED = "订阅源不是有效的 RSS/Atom/JSON Feed"
DIGEST_CHARS = 300
FEED_COVERS = ("publish", "masssend")
_AMP_NO_SEMI = re.compile(r"&amp(?=[A-Za-z_][\w.-]*=)")
_BLOCK_END = re.compile(r"<(?:br|/p|/div|/li|/h\d|/section|/tr)\b[^>]*>", re.I)
_NO_ZONE_UTC = re.compile(r"\s-0000\s*$")  # RFC 2822: a UTC time, local zone unknown
# Feed fields that carry a time, strongest first, with the time_kind each one gives.
_XML_TIMES = (("published", "feed"), ("created", "feed"), ("updated", "update"))
_JSON_TIMES = (("date_published", "feed"), ("date_modified", "update"))


class FeedError(ValueError):
    """The data is not a feed; the message is a Chinese sentence for the user."""


def parse_time(raw: str) -> datetime | None:
    """Return an aware time for an RFC 822, ISO 8601 or unix-seconds string; no zone = +08:00."""
    text = (raw or "").strip()
    if not text:
        return None
    if re.fullmatch(r"\d{9,10}(\.\d+)?", text):
        return datetime.fromtimestamp(float(text), CHINA_TZ)
    if re.fullmatch(r"\d{12,13}", text):  # unix milliseconds
        return datetime.fromtimestamp(int(text) / 1000, CHINA_TZ)
    parsed: datetime | None = None
    try:
        parsed = parsedate_to_datetime(text)
        if parsed.tzinfo is None and _NO_ZONE_UTC.search(text):
            parsed = parsed.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError):
        iso = text.replace("/", "-").replace("年", "-").replace("月", "-").replace("日", " ")
        iso = " ".join(iso.split()).replace("Z", "+00:00").replace("z", "+00:00")
        try:
            parsed = datetime.fromisoformat(iso)
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHINA_TZ)
    return parsed.astimezone(CHINA_TZ)


def _clean_url(url: Any) -> str:
    text = str(url or "").strip()
    while "&amp;" in text:
        text = text.replace("&amp;", "&")
    # feedparser's fallback parser (after a bozo error) turns "&amp;amp;mid=" into "&ampmid=".
    text = _AMP_NO_SEMI.sub("&", text)
    return text if text.lower().startswith(("http://", "https://")) else ""


def _plain(text: Any, limit: int = 0) -> str:
    value = str(text or "")
    if "<" in value:
        value = _BLOCK_END.sub(" ", value)  # a space between paragraphs, none inside words
        value = LexborHTMLParser(value).text(separator="")
    value = " ".join(html.unescape(value).split())
    return value[:limit] if limit else value


def _entry_time(entry: Any) -> tuple[datetime | None, str]:
    """Return (time, time_kind) of a feedparser entry; (None, "feed") when it has none."""
    # dict.get: FeedParserDict's own get maps a missing "updated" to "published".
    for key, kind in _XML_TIMES:
        if when := parse_time(str(dict.get(entry, key) or "")):
            return when, kind
    for key, kind in _XML_TIMES:
        # A format only feedparser understood; it reads a missing zone as UTC.
        if parsed := dict.get(entry, f"{key}_parsed"):
            return datetime(*parsed[:6], tzinfo=UTC).astimezone(CHINA_TZ), kind
    return None, "feed"


def _entry_url(entry: Any) -> str:
    if url := _clean_url(entry.get("link")):
        return url
    for link in entry.get("links", []):
        if link.get("rel", "alternate") == "alternate" and (url := _clean_url(link.get("href"))):
            return url
    return _clean_url(entry.get("id"))


def _xml_article(entry: Any, account: str) -> Article:
    when, kind = _entry_time(entry)
    return Article(
        title=_plain(entry.get("title", "")), url=_entry_url(entry), published_at=when,
        time_kind=kind, source="feed", author=_plain(entry.get("author", "")),
        digest=_plain(entry.get("summary", ""), DIGEST_CHARS), account_name=account,
    )


def _usable(art: Article) -> bool:
    return bool(art.title or art.url or art.published_at)


def _parse_xml(data: bytes) -> list[Article]:
    parsed = feedparser.parse(io.BytesIO(data))  # BytesIO: never a URL or a file name
    if not parsed.get("version") and not parsed.entries:
        raise FeedError(NOT_A_FEED + _what_it_is(data))
    account = _plain(parsed.feed.get("title", ""))
    # A cut-off or broken file (bozo) still yields the items read before the error; an item
    # with no title, link or time is what is left of a cut-off tag, not an article.
    articles = [a for e in parsed.entries if _usable(a := _xml_article(e, account))]
    if parsed.get("bozo") and not articles and (parsed.entries or not parsed.get("version")):
        raise FeedError(NOT_A_FEED + "（XML 格式错误，文件可能不完整）")
    return articles


def _json_author(obj: dict[str, Any]) -> str:
    if isinstance(obj.get("author"), dict):
        return _plain(obj["author"].get("name", ""))
    authors = obj.get("authors")
    if isinstance(authors, list) and authors and isinstance(authors[0], dict):
        return _plain(authors[0].get("name", ""))
    return ""


def _parse_json_feed(data: bytes) -> list[Article]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(NOT_A_FEED + "（JSON 无法解析）") from exc
    if (not isinstance(doc, dict) or "jsonfeed.org" not in str(doc.get("version", ""))
            or not isinstance(doc.get("items", []), list)):
        raise FeedError(NOT_A_FEED + "（JSON 不是 JSON Feed）")
    account = _plain(doc.get("title", ""))
    articles = []
    for item in doc.get("items", []):
        if not isinstance(item, dict):
            continue
        when, kind = next(((t, k) for key, k in _JSON_TIMES
                           if (t := parse_time(str(item.get(key) or "")))), (None, "feed"))
        articles.append(Article(
            title=_plain(item.get("title", "")),
            url=_clean_url(item.get("url")) or _clean_url(item.get("id")),
            published_at=when, time_kind=kind, source="feed", author=_json_author(item),
            digest=_plain(item.get("summary") or item.get("content_text") or "", DIGEST_CHARS),
            account_name=account,
        ))
    return [a for a in articles if _usable(a)]


def _what_it_is(data: bytes) -> str:
    head = data[:2048].lower()
    if b"<html" in head or b"<!doctype html" in head:
        return "（收到的是网页，不是订阅源）"
    return ""


def parse_feed(data: bytes, *, source_url: str = "") -> list[Article]:
    """Return the feed's items as Articles (source "feed"); raise FeedError for a non-feed.

    source_url is only used in the error message, so that a user can tell feeds apart.
    """
    where = f"：{source_url}" if source_url else ""
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise FeedError(f"{NOT_A_FEED}（内容为空）{where}")
    try:
        if stripped.startswith((b"{", b"[")):
            return _parse_json_feed(stripped)
        return _parse_xml(stripped)
    except FeedError as exc:
        raise FeedError(f"{exc}{where}") from None


async def gather_feed(downloader: Downloader, url: str) -> SourceRead:
    """Return the feed at url as a SourceRead (ok=False with a Chinese reason; never raises)."""
    fetched_at = datetime.now(CHINA_TZ)

    def failed(reason: str) -> SourceRead:
        return SourceRead(source="feed", ok=False, fetched_at=fetched_at, covers=FEED_COVERS,
                          error=reason, url=url)

    resp = await downloader.fetch(url)
    if resp.truncated:
        return failed("订阅源文件过大，未读取")
    if resp.error or resp.status is None:
        return failed(f"订阅源无法读取：{resp.error_detail or resp.error}")
    if resp.status >= 400:
        return failed(f"订阅源返回 HTTP {resp.status}")
    try:
        articles = parse_feed(resp.body)
    except FeedError as exc:
        return failed(str(exc))
    return SourceRead(source="feed", ok=True, fetched_at=fetched_at, covers=FEED_COVERS,
                      articles=tuple(articles), url=url)
