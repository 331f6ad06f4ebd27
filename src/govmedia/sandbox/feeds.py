"""Sandbox feeds: /feeds/<slug>.xml|.atom|.json with the quirks of real follower tools.

- .xml: RSS 2.0 as we-mp-rss writes it (pubDate in Beijing time *without* a zone, a
  non-standard <id>);
- .atom: Atom as wewe-rss writes it (<updated> only, UTC "Z");
- .json: JSON Feed 1 as wewe-rss writes it (the time only in date_modified).

Only accounts with feed: true have feeds; extra {"feed_status": 500} makes them fail.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

from govmedia.artifacts import CHINA_TZ
from govmedia.sandbox.mp_pages import plain_text
from govmedia.sandbox.server import Request, Response, Route, route
from govmedia.sandbox.world import SandboxAccount, SandboxArticle, World

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _zoneless_rfc822(when: datetime) -> str:
    """Return we-mp-rss's pubDate: Beijing wall time, an empty %z and a trailing space."""
    t = when.astimezone(CHINA_TZ)
    return (f"{_DAYS[t.weekday()]}, {t.day:02d} {_MONTHS[t.month - 1]} {t.year} "
            f"{t:%H:%M:%S} ")


def _utc_z(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _cover(art: SandboxArticle) -> str:
    return f"https://mmbiz.qpic.cn/mmbiz_jpg/SANDBOX{art.id[:8]}/0?wx_fmt=jpeg"


def _listed(acc: SandboxAccount) -> list[SandboxArticle]:
    alive = [a for a in acc.articles if not a.deleted]
    return sorted(alive, key=lambda a: a.sent_at, reverse=True)


def rss(world: World, acc: SandboxAccount) -> str:
    """Return the account's RSS 2.0 feed in we-mp-rss style."""
    items = []
    for art in _listed(acc):
        link = escape(world.article_url(art))
        digest = plain_text(art.body)[:80] or art.title
        items.append(
            f"<item><id>{art.mid}_{art.idx}</id><title>{escape(art.title)}</title>"
            f"<description>{escape(digest)}</description><guid>{link}</guid>"
            f'<enclosure url={quoteattr(_cover(art))} length="0" type="image/jpeg"></enclosure>'
            f"<link>{link}</link><pubDate>{_zoneless_rfc822(art.sent_at)}</pubDate></item>")
    home = escape(f"{world.base_url}/")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(acc.name)}</title><link>{home}</link>"
        f"<description>{escape(acc.owner)}官方公众号</description><language>zh-CN</language>"
        f"<generator>Mp-We-Rss</generator>"
        f"<lastBuildDate>{_zoneless_rfc822(world.now)}</lastBuildDate>\n"
        + "\n".join(items) + "\n</channel></rss>\n")


def atom(world: World, acc: SandboxAccount) -> str:
    """Return the account's Atom feed in wewe-rss style (<updated> only)."""
    listed = _listed(acc)
    entries = [
        f'<entry><title type="html">{_cdata(art.title)}</title><id>{art.id}</id>'
        f'<link href={quoteattr(world.article_url(art))}/>'
        f"<updated>{_utc_z(art.sent_at)}</updated></entry>"
        for art in listed
    ]
    updated = _utc_z(listed[0].sent_at if listed else world.now)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{escape(world.base_url)}/feeds/{acc.slug}.atom</id><title>{escape(acc.name)}</title>"
        f"<updated>{updated}</updated><generator>WeWe-RSS</generator>\n"
        + "\n".join(entries) + "\n</feed>\n")


def json_feed(world: World, acc: SandboxAccount) -> str:
    """Return the account's JSON Feed 1 in wewe-rss style (date_modified only)."""
    items = [{
        "id": art.id, "content_html": "", "url": world.article_url(art), "title": art.title,
        "image": _cover(art), "date_modified": _utc_z(art.sent_at),
    } for art in _listed(acc)]
    doc = {
        "version": "https://jsonfeed.org/version/1", "title": acc.name,
        "home_page_url": f"{world.base_url}/feeds/{acc.slug}.json",
        "description": f"{acc.owner}官方公众号", "author": {"name": acc.name}, "items": items,
    }
    return json.dumps(doc, ensure_ascii=False, indent=1)


_FORMATS = {
    "xml": (rss, "application/rss+xml; charset=utf-8"),
    "atom": (atom, "application/atom+xml; charset=utf-8"),
    "json": (json_feed, "application/feed+json; charset=utf-8"),
}


def routes(world: World) -> list[Route]:
    """Return the routes serving the feeds of the world's accounts that have one."""

    def feed(req: Request) -> Response:
        assert req.match is not None
        acc = world.by_slug(req.match.group("slug"))
        if acc is None or not acc.feed:
            return Response(404, "<html><body>feed not found</body></html>")
        if status := int(acc.extra.get("feed_status", 0) or 0):
            return Response(status, "<html><body>Internal Server Error</body></html>")
        render, content_type = _FORMATS[req.match.group("ext")]
        return Response(200, render(world, acc), content_type)

    return [route("GET", r"/feeds/(?P<slug>[0-9a-f]+)\.(?P<ext>xml|atom|json)", feed)]
