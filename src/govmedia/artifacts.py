"""Artifacts: frozen, typed, JSON-serialisable snapshots that gatherers produce and checks read.

Every artifact keeps where it came from (source, url) and when it was taken (fetched_at), so
that it can serve as evidence and a stored run can be checked again without collecting.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

# China has had no daylight saving since 1991: a fixed +08:00 needs no tz database.
CHINA_TZ = timezone(timedelta(hours=8))

# Where an article's publish time comes from, strongest first (collection.md §6).
TIME_KINDS = ("send", "feed", "update", "day")


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """The registry facts about one account that checks and reports need."""

    name: str
    owner: str
    category: str = ""
    province: str = ""
    field: str = ""
    platform: str = "wechat"


@dataclass(frozen=True, slots=True)
class Article:
    """One published article as one source saw it (the normalised record of collection.md §6)."""

    title: str
    url: str = ""
    published_at: datetime | None = None
    time_kind: str = "send"  # send (page ct), feed, update (API update_time), day (datacube date)
    source: str = ""
    author: str = ""
    digest: str = ""
    account_name: str = ""
    copyright: str = "unknown"  # original | reprint | none | unknown
    status: str = "ok"  # ok | deleted | violation | blocked | unavailable | ...
    show_type: int | None = None
    read_original_url: str = ""
    body_text: str = ""
    images: int = 0
    videos: int = 0
    audios: int = 0
    links: tuple[str, ...] = ()
    comment_id: str = ""


@dataclass(frozen=True, slots=True)
class SourceRead:
    """What one data source returned for one account, or why it could not be read.

    `covers` says which kinds of publishing the source can see at all: "publish" (发布, seen
    by freepublish/batchget) and "masssend" (群发, seen by datacube and by feeds). A source that
    read fine but covers only one kind cannot prove that nothing was published.
    """

    source: str
    ok: bool
    fetched_at: datetime
    covers: tuple[str, ...] = ()
    articles: tuple[Article, ...] = ()
    error: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class MenuItem:
    """One custom-menu button, with its children for a top-level button."""

    name: str
    type: str = ""
    url: str = ""
    key: str = ""
    value: str = ""
    appid: str = ""
    pagepath: str = ""
    article_urls: tuple[str, ...] = ()
    children: tuple[MenuItem, ...] = ()


@dataclass(frozen=True, slots=True)
class Menu:
    """The account's custom menu as the API returned it."""

    is_open: bool
    items: tuple[MenuItem, ...]
    source: str
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """A link to follow: where it points and where it was found (a menu button or an article)."""

    url: str
    label: str = ""  # the menu button's name or the link's text
    menu_path: str = ""  # e.g. "带你办事/社保查询"; "" for article links
    origin: str = "menu"  # menu | article


@dataclass(frozen=True, slots=True)
class PageLink:
    """One <a href> on a page (absolute URL), with whether it sits in a hidden element."""

    href: str
    text: str = ""
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class FormInfo:
    """One form (or the loose inputs of a page): what it asks the visitor for."""

    action: str = ""
    method: str = "get"
    fields: tuple[str, ...] = ()  # input names / placeholders, for evidence
    password: bool = False
    captcha: bool = False
    id_card: bool = False  # asks for an ID number (实名认证)
    textareas: int = 0


@dataclass(frozen=True, slots=True)
class ListItem:
    """One entry of a column (栏目) list: a title, its link and its date if it shows one."""

    title: str
    url: str = ""
    date: datetime | None = None  # 00:00 CHINA_TZ of the day shown
    date_text: str = ""  # as written on the page, e.g. "[01-02]"
    year_inferred: bool = False  # the page showed no year; it was inferred from fetched_at


@dataclass(frozen=True, slots=True)
class PageSnapshot:
    """A web page that a menu or an article links to, as fetched and parsed (collect/pages.py).

    Fetch facts (status, redirects, error) and parsed facts (title, visible text, links, forms,
    dated list items) together; `hidden_text` keeps what sits in hidden elements, for the
    security check. `note` says why parsing was partial or skipped ("" when it was not).
    """

    url: str
    final_url: str = ""
    status: int | None = None
    redirects: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""  # the downloader's error kind: dns, refused, timeout, too_large, ...
    error_detail: str = ""
    elapsed: float = 0.0
    fetched_at: datetime | None = None
    truncated: bool = False
    warc_record_id: str = ""
    size: int = 0
    encoding: str = ""
    content_type: str = ""
    label: str = ""
    menu_path: str = ""
    origin: str = "menu"
    title: str = ""
    headings: tuple[str, ...] = ()  # h1-h3 and breadcrumb texts
    text: str = ""  # visible text (scripts, styles and hidden elements removed), capped
    text_length: int = 0  # length before the cap
    hidden_text: str = ""
    meta: dict[str, str] = field(default_factory=dict)  # name -> content (description, ...)
    links: tuple[PageLink, ...] = ()
    forms: tuple[FormInfo, ...] = ()
    list_items: tuple[ListItem, ...] = ()
    scripts: int = 0  # <script> elements: an empty page with scripts may be filled by JS
    client_redirect: str = ""  # target of a meta refresh or a location.href script
    note: str = ""

    @property
    def ok(self) -> bool:
        """Return True when the fetch gave a response below 400 and no transport error."""
        return not self.error and self.status is not None and self.status < 400


@dataclass(frozen=True, slots=True)
class MobileSnapshot:
    """A linked page as a phone shows it: rendered in Chromium as WeChat (collect/browser.py).

    `error` is "" when the page was measured, else why not: no_browser (error_detail says why),
    timeout, crash, navigation (the browser could not open it). `load_timeout` means the page
    never finished loading but was measured as it stood. Widths are CSS px; the text counts
    weigh each text node by its characters times its line boxes, as Lighthouse does.
    """

    url: str
    final_url: str = ""
    status: int | None = None
    error: str = ""
    error_detail: str = ""
    fetched_at: datetime | None = None
    elapsed: float = 0.0
    load_timeout: bool = False
    dialogs: tuple[str, ...] = ()  # "alert: 文字" for each dialog the page opened
    viewport: str | None = None  # the meta viewport content; None when there is no tag
    inner_width: int = 0  # layout viewport width after load (grows when content overflows)
    outer_width: int = 0  # the phone's window width
    client_width: int = 0
    scroll_width: int = 0
    scale: float = 1.0  # visual viewport scale after load (below 1: zoomed out)
    wide_elements: tuple[str, ...] = ()  # elements reaching past the window, e.g. "table 1208px"
    text_chars: int = 0
    small_chars: int = 0  # of text_chars, rendered below 12 CSS px
    small_samples: tuple[str, ...] = ()
    tap_targets: int = 0
    tap_failing: int = 0  # too small and too close to another target (Lighthouse's rule)
    tap_samples: tuple[str, ...] = ()
    screenshot: str = ""  # path of the screenshot file (evidence), "" when none was taken

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass(frozen=True, slots=True)
class AccountArtifacts:
    """Everything collected for one account in one run: the input of every check."""

    account: AccountInfo
    as_of: datetime
    sources: tuple[SourceRead, ...] = ()
    menu: Menu | None = None
    menu_error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    pages: tuple[PageSnapshot, ...] = ()  # linked web pages (collect/pages.py)
    mobile: tuple[MobileSnapshot, ...] = ()  # pages rendered as a phone (collect/browser.py)

    def source(self, name: str) -> SourceRead | None:
        return next((s for s in self.sources if s.source == name), None)


# --- JSON codec -----------------------------------------------------------------------------


def to_jsonable(obj: Any) -> Any:
    """Return a JSON-ready structure for an artifact (datetimes as ISO 8601 strings)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, list | tuple):
        return [to_jsonable(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    return obj


def from_jsonable(cls: type, data: Any) -> Any:
    """Return an instance of cls rebuilt from to_jsonable's output."""
    return _decode(cls, data)


def _decode(tp: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _decode(args[0], data)
    if origin is tuple:
        (inner, *_rest) = typing.get_args(tp)
        return tuple(_decode(inner, x) for x in data)
    if origin is dict:
        return dict(data)
    if tp is datetime:
        return datetime.fromisoformat(data)
    if dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        kwargs = {f.name: _decode(hints[f.name], data[f.name])
                  for f in dataclasses.fields(tp) if f.name in data}
        return tp(**kwargs)
    return data


@functools.cache
def _hints(tp: type) -> dict[str, Any]:
    """Return the resolved field types of a dataclass (costly to compute: ~0.1 ms a call)."""
    return typing.get_type_hints(tp)
