"""Member checks of fixed formulations (四个自信, 新发展理念, 核心价值观, 指导思想, 常委排序).

A sentence that holds anchors of a formulation is cut into list items (、，；和及与). A run of
consecutive items is judged only when it names enough members (min_members) or the label
stands in the sentence: a member replaced (文明自信 for 文化自信), a member missing after the
label, members out of order. Lists that extend a formulation (…共享、安全) are left alone:
a non-member is only called wrong when it takes the place of a missing member.
"""

from __future__ import annotations

import re
from datetime import date

from govmedia.wording import context
from govmedia.wording.hits import OUTDATED, SERIOUS, Hit, make_hit
from govmedia.wording.lexicon import Enumeration

_SPLIT = re.compile(r"[、，,；;：:\s]+")
_CONJ = re.compile(r"以及|和|及|与|同")
_QUOTES = "“”\"'‘’「」《》"


def _items(text: str, s: int, e: int) -> list[tuple[int, int, str]]:
    """Return (start, end, clean item) for the list items of text[s:e]."""
    out = []
    pos = s
    for m in [*_SPLIT.finditer(text, s, e), None]:
        stop = m.start() if m else e
        if stop > pos:
            out.append((pos, stop))
        if m:
            pos = m.end()
    return [(a, b, text[a:b]) for a, b in out]


def _clean(raw: str) -> str:
    return "".join(c for c in raw if c not in _QUOTES)


def _kind(enum: Enumeration, value: str, former: set[str]) -> str:
    return "member" if value in enum.members else "former" if value in former else "ok"


def _classify(enum: Enumeration, raw: str, first: bool, last: bool) -> list[tuple[str, str]]:
    """Return the item as [(kind, value)]: member, former, ok, wrong, or other."""
    clean = _clean(raw)
    former = {k for k, _ in enum.former}
    if clean in enum.members:
        return [("member", clean)]
    if clean in former:
        return [("former", clean)]
    if clean in enum.also_ok:
        return [("ok", clean)]
    parts = [p for p in _CONJ.split(clean) if p]
    if len(parts) > 1:
        kinds = [_classify(enum, p, first and i == 0, last and i == len(parts) - 1)
                 for i, p in enumerate(parts)]
        if all(k[0][0] != "other" for k in kinds):
            return [k[0] for k in kinds]
    if first:  # 坚定道路自信 / 以马克思列宁主义
        for m in (*enum.members, *former, *enum.also_ok):
            if clean.endswith(m):
                return [(_kind(enum, m, former), m)]
    if last:  # 共享的新发展理念 / 文化自信等
        for m in sorted((*enum.members, *former, *enum.also_ok), key=len, reverse=True):
            if clean.startswith(m):
                return [(_kind(enum, m, former), m)]
        stripped = clean.removesuffix("等")
        if stripped != clean and enum.item.match(stripped):
            return _classify(enum, stripped, False, False)
    if enum.item.match(clean):
        return [("wrong", clean)]
    return [("other", clean)]


def check(enum: Enumeration, text: str, s: int, e: int, published: date | None) -> list[Hit]:
    """Return the member, order and outdated-member hits of one enumeration in text[s:e]."""
    if enum.valid_from and published and published < enum.valid_from:
        return []
    items = _items(text, s, e)
    labelled = any(label in text[s:e] for label in enum.labels)
    runs: list[list[tuple[int, int, str, str]]] = [[]]
    for a, b, raw in items:
        kinds = _classify(enum, raw, True, True)
        if any(k == "other" for k, _ in kinds):
            runs.append([])
            continue
        for kind, value in kinds:
            i = raw.find(value)  # narrow 坚定道路自信 to 道路自信
            span = (a + i, a + i + len(value)) if i >= 0 else (a, b)
            runs[-1].append((*span, kind, value))
    out: list[Hit] = []
    for run in runs:
        out += _judge(enum, text, run, labelled, published)
    return out


def _judge(enum: Enumeration, text: str, run: list[tuple[int, int, str, str]], labelled: bool,
           published: date | None) -> list[Hit]:
    members = [v for _, _, k, v in run if k == "member"]
    formers = [(a, b, v) for a, b, k, v in run if k == "former"]
    wrong = [(a, b, v) for a, b, k, v in run if k == "wrong"]
    found = len(set(members)) + len(formers)
    if found < enum.min_members and not (labelled and found >= 2):
        return []
    out: list[Hit] = []
    total = len(enum.members)
    if not enum.order_only:
        missing = [m for m in enum.members if m not in members]
        for a, b, v in formers:
            when = dict(enum.former)[v]
            if published and published >= when and missing:
                out.append(make_hit(OUTDATED, text, a, b, missing[0],
                                    f"“{v}”已不是“{enum.name}”的提法（{when}起为“{missing[0]}”）",
                                    enum.name))
                missing = missing[1:]
        if formers:
            return out
        if missing and wrong and len(wrong) <= len(missing) and found + len(wrong) == total:
            for (a, b, v), right in zip(wrong, missing, strict=False):
                out.append(make_hit(SERIOUS, text, a, b, right,
                                    f"“{enum.name}”的内容应为“{'、'.join(enum.members)}”，"
                                    f"“{v}”应为“{right}”", enum.name))
            return out
        if len(missing) == 1 and not wrong and labelled and found == total - 1:
            a, b = run[0][0], run[-1][1]
            return [make_hit(SERIOUS, text, a, b, "、".join(enum.members),
                             f"“{enum.name}”缺少“{missing[0]}”，应为“{'、'.join(enum.members)}”",
                             enum.name)]
        if wrong:
            return []
    seq = [v for _, _, k, v in run if k == "member"]
    seq = list(dict.fromkeys(seq))
    expected = [m for m in enum.members if m in seq]
    if seq != expected:
        a, b = run[0][0], run[-1][1]
        out.append(make_hit(SERIOUS, text, a, b, "、".join(expected),
                            f"“{enum.name}”的顺序应为“{'、'.join(expected)}”", enum.name))
    return out


def sentences(text: str, positions: list[int]) -> list[tuple[int, int]]:
    """Return the distinct sentences holding the given positions."""
    spans: dict[tuple[int, int], None] = {}
    for p in sorted(positions):
        spans.setdefault(context.sentence(text, p, p + 1))
    return list(spans)
