"""Artifacts: frozen, typed, JSON-serialisable snapshots that gatherers produce and checks read.

Every artifact keeps where it came from (source, url) and when it was taken (fetched_at), so
that it can serve as evidence and a stored run can be checked again without collecting.
"""

from __future__ import annotations

import dataclasses
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
class AccountArtifacts:
    """Everything collected for one account in one run: the input of every check."""

    account: AccountInfo
    as_of: datetime
    sources: tuple[SourceRead, ...] = ()
    menu: Menu | None = None
    menu_error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

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
        hints = typing.get_type_hints(tp)
        kwargs = {f.name: _decode(hints[f.name], data[f.name])
                  for f in dataclasses.fields(tp) if f.name in data}
        return tp(**kwargs)
    return data
