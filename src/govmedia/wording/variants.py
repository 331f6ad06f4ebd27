"""Near-miss variants of canonical strings, the way pinyin input gets them wrong.

A person typing 中华人民共和国 with a pinyin input method picks a wrong candidate of the
same sound (中华人民共合国), swaps two characters, drops one or hits one twice. Instead of
listing typos, we generate every such one-edit variant from the pinyin table (pypinyin) over
the 3,755 common characters of GB 2312 level 1 (the candidates an input method offers
first), and search them exactly. Requiring the same sound is what keeps legitimate variants
(人社局 for 人社厅) out: notes/checks.md §3.4 measured 425 false hits without it, 0 with it.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from functools import cache

# Fuzzy pinyin pairs that input-method users confuse (模糊音): initials, then finals.
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
_FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


def is_cjk(ch: str) -> bool:
    """Return True for a CJK unified ideograph."""
    return "\u4e00" <= ch <= "\u9fff"


def _toneless(reading: str) -> str:
    decomposed = unicodedata.normalize("NFD", reading)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _fuzzy(reading: str) -> str:
    for long, short in _FUZZY_INITIALS:
        if reading.startswith(long):
            reading = short + reading[len(long):]
            break
    for long, short in _FUZZY_FINALS:
        if reading.endswith(long):
            return reading[: -len(long)] + short
    return reading


@cache
def readings(ch: str) -> frozenset[str]:
    """Return the toneless pinyin readings of one character (empty if it has none)."""
    # Imported here: the table takes ~0.3 s to load, which `govmedia --help` should not pay.
    from pypinyin.pinyin_dict import pinyin_dict

    raw = pinyin_dict.get(ord(ch), "")
    return frozenset(_toneless(r) for r in raw.split(",") if r)


def same_sound(a: str, b: str, fuzzy: bool = False) -> bool:
    """Return True when two characters share a toneless (or, if fuzzy, a fuzzy) reading."""
    ra, rb = readings(a), readings(b)
    if ra & rb:
        return True
    return fuzzy and bool({_fuzzy(r) for r in ra} & {_fuzzy(r) for r in rb})


@cache
def _common_by_sound() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    exact: dict[str, list[str]] = defaultdict(list)
    fuzzy: dict[str, list[str]] = defaultdict(list)
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                ch = bytes((hi, lo)).decode("gb2312")
            except UnicodeDecodeError:
                continue
            for r in readings(ch):
                exact[r].append(ch)
                fuzzy[_fuzzy(r)].append(ch)
    return ({k: tuple(v) for k, v in exact.items()}, {k: tuple(v) for k, v in fuzzy.items()})


def homophones(ch: str, fuzzy: bool = False) -> frozenset[str]:
    """Return the common characters that sound like ch (itself excluded)."""
    exact, by_fuzzy = _common_by_sound()
    out: set[str] = set()
    for r in readings(ch):
        out.update(exact.get(r, ()))
        if fuzzy:
            out.update(by_fuzzy.get(_fuzzy(r), ()))
    out.discard(ch)
    return frozenset(out)


def one_edit_variants(canon: str, shape_pairs: frozenset[tuple[str, str]]) -> dict[str, str]:
    """Return the one-edit typos of canon, each mapped to a Chinese note on the edit.

    Substitutions by a same-sound (fuzzy for 5+ characters) or same-shape character at any
    position; adjacent swaps; for 7+ characters an interior character dropped; for 5+ an
    interior character doubled. Non-CJK positions (quotes, 、) are never edited.
    """
    m = len(canon)
    fuzzy = m >= 5
    shapes: dict[str, set[str]] = defaultdict(set)
    for a, b in shape_pairs:
        shapes[a].add(b)
    out: dict[str, str] = {}
    for i, ch in enumerate(canon):
        if not is_cjk(ch):
            continue
        for other in homophones(ch, fuzzy) | shapes.get(ch, set()):
            out.setdefault(canon[:i] + other + canon[i + 1:], f"“{other}”应为“{ch}”")
    for i in range(m - 1):
        a, b = canon[i], canon[i + 1]
        if a != b and is_cjk(a) and is_cjk(b):
            out.setdefault(canon[:i] + b + a + canon[i + 2:], f"“{b}{a}”顺序颠倒")
    if m >= 7:
        for i in range(1, m - 1):
            if is_cjk(canon[i]):
                out.setdefault(canon[:i] + canon[i + 1:], f"漏了“{canon[i]}”字")
    if m >= 5:
        for i in range(1, m - 1):
            if is_cjk(canon[i]):
                out.setdefault(canon[:i + 1] + canon[i:], f"多了一个“{canon[i]}”字")
    out.pop(canon, None)
    return out
