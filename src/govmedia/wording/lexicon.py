"""Lexicons: the YAML files under govmedia/data/lexicons, read into frozen records.

Every file starts with a header (name, title, source, valid_from, valid_until, reviewed) so
that a reviewer can see which document each entry comes from and since when it holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

HEADER = ("name", "title", "source", "valid_from")
RENAME_FILES = ("renames_central", "renames_local", "services")
WORD_FILES = ("hmt", "xinhua", "sensitive")
ALL_FILES = ("canonical", "enumerations", *RENAME_FILES, *WORD_FILES, "formalism")


class LexiconError(ValueError):
    """A lexicon or word-list file is missing or malformed (a user error for user files)."""


@dataclass(frozen=True, slots=True)
class Canonical:
    text: str
    wrong: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rename:
    old: str
    new: str
    date: date
    level: str  # central | local | service
    unless_before: tuple[str, ...] = ()
    unless_after: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WordRule:
    word: str
    check: str
    category: str
    suggestion: str = ""
    note: str = ""
    unless_before: tuple[str, ...] = ()
    unless_after: tuple[str, ...] = ()
    quoted_ok: bool = False


@dataclass(frozen=True, slots=True)
class Enumeration:
    name: str
    labels: tuple[str, ...]
    members: tuple[str, ...]
    item: re.Pattern[str]
    min_members: int
    also_ok: tuple[str, ...] = ()
    former: tuple[tuple[str, date], ...] = ()
    order_only: bool = False
    valid_from: date | None = None


@dataclass(frozen=True, slots=True)
class Formalism:
    phrases: tuple[str, ...]
    actions: tuple[str, ...]
    orders: tuple[str, ...]
    proofs: tuple[str, ...]
    action_unless_after: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class Lexicon:
    """All wording knowledge: canonical forms, renames, word rules, enumerations, formalism."""

    canonicals: tuple[Canonical, ...]
    shape_pairs: frozenset[tuple[str, str]]
    renames: tuple[Rename, ...]
    words: tuple[WordRule, ...]
    enumerations: tuple[Enumeration, ...]
    formalism: Formalism
    sources: tuple[tuple[str, str, str], ...]  # (name, title, source)


def _as_date(value: Any, origin: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise LexiconError(f"{origin}: bad date {value!r}") from None


def _tup(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _read(name: str) -> dict[str, Any]:
    res = resources.files("govmedia").joinpath(f"data/lexicons/{name}.yaml")
    data = yaml.safe_load(res.read_text(encoding="utf-8"))
    missing = [k for k in HEADER if not isinstance(data, dict) or k not in data]
    if missing:
        raise LexiconError(f"{name}.yaml: header lacks {', '.join(missing)}")
    _as_date(data["valid_from"], name)
    return data


def _canonicals(data: dict[str, Any]) -> tuple[Canonical, ...]:
    return tuple(
        Canonical(str(e["canonical"]), _tup(e.get("wrong")), _tup(e.get("allow")))
        for e in data["entries"]
    )


def _renames(data: dict[str, Any]) -> tuple[Rename, ...]:
    out = []
    for e in data["entries"]:
        when = _as_date(e["date"], data["name"])
        for old in _tup(e["old"]):
            out.append(Rename(old, str(e["new"]), when, str(data.get("level", "")),
                              _tup(e.get("unless_before")), _tup(e.get("unless_after"))))
    return tuple(out)


def _words(data: dict[str, Any]) -> tuple[WordRule, ...]:
    default_check = str(data.get("check", "wording.sensitive"))
    out = []
    for e in data["entries"]:
        for word in _tup(e["words"]):
            out.append(WordRule(word, str(e.get("check", default_check)), str(data["category"]),
                                str(e.get("suggestion", "")), str(e.get("note", "")),
                                _tup(e.get("unless_before")), _tup(e.get("unless_after")),
                                bool(e.get("quoted_ok", False))))
    return tuple(out)


def _enumerations(data: dict[str, Any]) -> tuple[Enumeration, ...]:
    out = []
    for e in data["entries"]:
        former = tuple((str(k), _as_date(v, data["name"]))
                       for k, v in (e.get("former") or {}).items())
        out.append(Enumeration(
            name=str(e["name"]), labels=_tup(e.get("labels")), members=_tup(e["members"]),
            item=re.compile(e["item"]), min_members=int(e["min_members"]),
            also_ok=_tup(e.get("also_ok")), former=former,
            order_only=bool(e.get("order_only", False)),
            valid_from=_as_date(e.get("valid_from"), data["name"]),
        ))
    return tuple(out)


def _formalism(data: dict[str, Any]) -> Formalism:
    unless = tuple((str(k), _tup(v)) for k, v in (data.get("action_unless_after") or {}).items())
    return Formalism(_tup(data["phrases"]), _tup(data["actions"]), _tup(data["orders"]),
                     _tup(data["proofs"]), unless)


@cache
def builtin_lexicon() -> Lexicon:
    """Return the lexicon shipped with govmedia (read once, then cached)."""
    files = {name: _read(name) for name in ALL_FILES}
    canon = files["canonical"]
    pairs = frozenset(
        (p[0], p[1]) for pair in _tup(canon.get("shape_pairs")) for p in (pair, pair[::-1])
    )
    return Lexicon(
        canonicals=_canonicals(canon),
        shape_pairs=pairs,
        renames=tuple(r for name in RENAME_FILES for r in _renames(files[name])),
        words=tuple(w for name in WORD_FILES for w in _words(files[name])),
        enumerations=_enumerations(files["enumerations"]),
        formalism=_formalism(files["formalism"]),
        sources=tuple((d["name"], d["title"], " ".join(str(d["source"]).split()))
                      for d in files.values()),
    )


def with_words(lexicon: Lexicon, words: tuple[str, ...], category: str = "敏感词") -> Lexicon:
    """Return the lexicon with a user's sensitive words added (reported as wording.sensitive)."""
    extra = tuple(WordRule(w, "wording.sensitive", category) for w in dict.fromkeys(words) if w)
    return replace(lexicon, words=lexicon.words + extra) if extra else lexicon


def read_word_list(path: str | Path) -> tuple[str, ...]:
    """Return the words of a user's list: one per line, '#' starts a comment, UTF-8 or GB18030."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise LexiconError(f"无法读取词表 {p}：{exc.strerror} / cannot read word list") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise LexiconError(f"词表 {p} 不是 UTF-8 或 GB18030 文本 / word list is not UTF-8 text")
    words = []
    for line in text.splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.append(word)
    if not words:
        raise LexiconError(f"词表 {p} 中没有词 / word list {p} is empty")
    return tuple(words)
