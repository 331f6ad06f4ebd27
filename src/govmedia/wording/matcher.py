"""One Aho-Corasick automaton over everything the wording rules search for.

Every pattern (wrong forms, generated near-miss variants, anchors of long canonical strings,
old names, word rules, enumeration members, formalism phrases, context anchors) goes into
one automaton, so the text is read once; each match carries the payloads of all the rules
that share its string.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import ahocorasick

from govmedia.wording import nearmiss
from govmedia.wording.lexicon import Lexicon
from govmedia.wording.variants import one_edit_variants

(VARIANT, WRONG, ALLOW, PIECE, RENAME, WORD, ENUM, FORM_PHRASE, FORM_ACTION, ANCHOR) = range(10)
KINDS = 10
HMT_ANCHORS = ("香港", "澳门", "台湾", "来华", "台独", "三权分立")


@dataclass(frozen=True, slots=True)
class Matcher:
    """The compiled automaton and the lexicon its payloads point into."""

    lexicon: Lexicon
    automaton: Any
    patterns: int


def _enum_anchors(lexicon: Lexicon, add: Any) -> None:
    for idx, enum in enumerate(lexicon.enumerations):
        for label in enum.labels:
            add(label, (ENUM, idx, label))
        for member in enum.members + tuple(k for k, _ in enum.former):
            if len(member) >= 4:
                add(member, (ENUM, idx, member))
            else:  # short members are only interesting inside a list
                add(member + "、", (ENUM, idx, member))
                add("、" + member, (ENUM, idx, member))


def _canonical_patterns(lexicon: Lexicon, add: Any) -> None:
    allowed = {a for c in lexicon.canonicals for a in c.allow}
    allowed |= {c.text for c in lexicon.canonicals}
    for idx, canon in enumerate(lexicon.canonicals):
        add(canon.text, (ALLOW, idx, ""))
        for a in canon.allow:
            add(a, (ALLOW, idx, ""))
        for wrong in canon.wrong:
            add(wrong, (WRONG, idx, ""))
        for variant, note in one_edit_variants(canon.text, lexicon.shape_pairs).items():
            if variant not in allowed:
                add(variant, (VARIANT, idx, note))
        if len(canon.text) >= nearmiss.MIN_LENGTH:
            for piece, offset in nearmiss.pieces(canon.text):
                add(piece, (PIECE, idx, offset))


@lru_cache(maxsize=8)
def build_matcher(lexicon: Lexicon) -> Matcher:
    """Return the automaton for a lexicon (built once per lexicon and cached)."""
    table: dict[str, list[tuple[int, int, Any]]] = defaultdict(list)

    def add(pattern: str, payload: tuple[int, int, Any]) -> None:
        if pattern and payload not in table[pattern]:
            table[pattern].append(payload)

    _canonical_patterns(lexicon, add)
    for idx, rename in enumerate(lexicon.renames):
        add(rename.old, (RENAME, idx, ""))
        add(rename.new, (ALLOW, -1, ""))
    for idx, rule in enumerate(lexicon.words):
        add(rule.word, (WORD, idx, ""))
    _enum_anchors(lexicon, add)
    for phrase in lexicon.formalism.phrases:
        add(phrase, (FORM_PHRASE, 0, phrase))
    for action in lexicon.formalism.actions:
        add(action, (FORM_ACTION, 0, action))
    for word in HMT_ANCHORS:
        add(word, (ANCHOR, 0, word))
    automaton = ahocorasick.Automaton()
    for pattern, payloads in table.items():
        automaton.add_word(pattern, (len(pattern), tuple(payloads)))
    automaton.make_automaton()
    return Matcher(lexicon, automaton, len(table))


def collect(matcher: Matcher, text: str) -> list[list[tuple[int, int, int, Any]]]:
    """Return the matches in text, bucketed by kind: (start, end, index, extra) each."""
    buckets: list[list[tuple[int, int, int, Any]]] = [[] for _ in range(KINDS)]
    for last, (length, payloads) in matcher.automaton.iter(text):
        start = last - length + 1
        for kind, idx, extra in payloads:
            buckets[kind].append((start, last + 1, idx, extra))
    return buckets
