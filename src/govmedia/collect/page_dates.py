"""The entries of a column (栏目) list page: each entry's title, link and the date it shows.

Dates are read in the forms Chinese government sites use: 2024-01-02, 2024/01/02, 2024.01.02,
2024年1月2日, and the yearless [01-02] / 01-02 (the year is inferred from the fetch time: the
latest such day not after it). A date inside the title itself ("关于2024年1月2日…的通知") is not
the entry's date.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from govmedia.artifacts import CHINA_TZ, ListItem

MAX_ANCHORS = 3_000
MAX_ITEMS = 300
_SEP = r"\s*(?:[-/.]|年|月)\s*"
_FULL = re.compile(rf"(?<!\d)((?:19|20)\d{{2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})(?!\d)\s*日?")
_DATE_ONLY = re.compile(
    r"[\[(（【]?\s*(?:(?:发布|更新|发文|成文)?(?:时间|日期)\s*[:：]\s*)?"
    rf"(?:(?P<y>(?:19|20)\d{{2}}){_SEP})?(?P<m>\d{{1,2}}){_SEP}(?P<d>\d{{1,2}})\s*日?"
    r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?\s*[\])）】]?"
)
_BRACKETED_SHORT = re.compile(r"[\[(（【]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*[\])）】]")
_DATE_TAGS = "span, em, i, td, font, b, time, small, p, div, label, strong, cite, dd, li"
_CHROME = re.compile(r"(?:^|[\s_-])(?:nav|menu|header|footer|foot|banner|crumbs?)(?:$|[\s_-]|\d)",
                     re.I)
_CHROME_TAGS = frozenset({"nav", "header", "footer"})
_LIST_TAGS = frozenset({"li", "tr", "dd"})


def list_items(tree: LexborHTMLParser, base: str, fetched_at: datetime | None
               ) -> tuple[ListItem, ...]:
    """Return the page's list entries: dated ones, and undated ones that sit in list rows."""
    ref = fetched_at.astimezone(CHINA_TZ).date() if fetched_at else None
    items: list[ListItem] = []
    seen: set[tuple[str, str]] = set()
    for a in tree.css("a")[:MAX_ANCHORS]:
        href = (a.attributes.get("href") or "").strip()
        if not href or href.startswith("#") or href.lower().startswith("javascript:"):
            continue
        title = _squash(a.text()) or (a.attributes.get("title") or "").strip()
        if len(title) < 4 or _in_chrome(a):
            continue
        found = _item_date(a, title, ref)
        if found is None:
            if len(title) < 8 or not _in_list_row(a):
                continue
            item = ListItem(title=title[:200], url=urljoin(base, href))
        else:
            when, raw, inferred = found
            title = _squash(title.replace(raw, " ", 1)) if raw in title else title
            item = ListItem(title[:200], urljoin(base, href), when, raw, inferred)
        key = (item.title, item.url)
        if key not in seen:
            seen.add(key)
            items.append(item)
        if len(items) >= MAX_ITEMS:
            break
    return tuple(items)


def _item_date(a: LexborNode, title: str, ref: date | None
               ) -> tuple[datetime | None, str, bool] | None:
    """Return (date, text as shown, year inferred) for the entry the anchor belongs to."""
    node: LexborNode | None = a
    for depth in range(4):
        if depth:
            node = node.parent if node is not None else None
            if node is None or node.tag in ("body", "html", "ul", "ol", "table", "tbody"):
                return None
            if _item_links(node) > 1:
                return None
        for el in node.css(_DATE_TAGS):
            if el.tag == "time" and (stamp := el.attributes.get("datetime")):
                if m := _FULL.search(stamp):
                    return _found(m.group(1), m.group(2), m.group(3), _squash(el.text()), ref)
            text = _squash(el.text())
            if len(text) <= 32 and (m := _DATE_ONLY.fullmatch(text)):
                return _found(m.group("y"), m.group("m"), m.group("d"), text, ref)
        if depth == 0:
            continue
        rest = _squash(node.text()).replace(title, " ", 1)
        if m := _FULL.search(rest):
            return _found(m.group(1), m.group(2), m.group(3), m.group(0).strip(), ref)
        if m := _BRACKETED_SHORT.search(rest):
            return _found(None, m.group(1), m.group(2), m.group(0).strip(), ref)
    return None


def _found(year: str | None, month: str, day: str, raw: str, ref: date | None
           ) -> tuple[datetime | None, str, bool] | None:
    when = parse_day(year, int(month), int(day), ref)
    if when is None and year is not None:
        return None  # not a real date (2024-13-45): not an entry date either
    return when, raw, year is None


def parse_day(year: str | None, month: int, day: int, ref: date | None) -> datetime | None:
    """Return 00:00 CHINA_TZ of the day, inferring a missing year as the latest not after ref."""
    if year is None:
        if ref is None:
            return None
        for y in (ref.year, ref.year - 1):
            try:
                cand = date(y, month, day)
            except ValueError:
                continue
            if cand <= ref + timedelta(days=1):
                return datetime(cand.year, cand.month, cand.day, tzinfo=CHINA_TZ)
        return None
    try:
        cand = date(int(year), month, day)
    except ValueError:
        return None
    if cand.year < 1990 or (ref is not None and cand > ref + timedelta(days=366)):
        return None
    return datetime(cand.year, cand.month, cand.day, tzinfo=CHINA_TZ)


def _item_links(node: LexborNode) -> int:
    return sum(1 for x in node.css("a") if len(_squash(x.text())) >= 4)


def _in_chrome(node: LexborNode) -> bool:
    """Return True when the node sits in navigation, a header or a footer."""
    parent, depth = node.parent, 0
    while parent is not None and depth < 12:
        if parent.tag in _CHROME_TAGS:
            return True
        attrs = parent.attributes
        if _CHROME.search(f"{attrs.get('class') or ''} {attrs.get('id') or ''}"):
            return True
        parent, depth = parent.parent, depth + 1
    return False


def _in_list_row(node: LexborNode) -> bool:
    parent = node.parent
    for _ in range(3):
        if parent is None:
            return False
        if parent.tag in _LIST_TAGS:
            return True
        parent = parent.parent
    return False


def _squash(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()
