"""Two-edit near misses of long canonical strings (9+ characters), found through anchors.

Pigeonhole: cut the canonical string into three pieces; two edits leave at least one piece
whole, so an exact search for the pieces finds every candidate. Each candidate window is then
aligned with the canonical string (rapidfuzz edit operations) and kept only if every
replaced character sounds like (or looks like) the right one and at most one interior
character was added or dropped; anything else is a different phrase, not a typo.
"""

from __future__ import annotations

from rapidfuzz.distance import Levenshtein

from govmedia.wording.variants import is_cjk, same_sound

MIN_LENGTH = 9
MAX_EDITS = 2


def pieces(canon: str) -> tuple[tuple[str, int], ...]:
    """Return three (piece, offset) cuts of canon; two edits leave one of them whole."""
    m = len(canon)
    a, b = m // 3, 2 * m // 3
    return ((canon[:a], 0), (canon[a:b], a), (canon[b:], b))


def _acceptable(canon: str, window: str, shape_pairs: frozenset[tuple[str, str]]) -> str | None:
    allowed_other = {c for c in canon if not is_cjk(c)}
    if any(not is_cjk(c) and c not in allowed_other for c in window):
        return None
    notes, indels = [], 0
    for op, i, j in Levenshtein.editops(canon, window):
        if op == "replace":
            right, typed = canon[i], window[j]
            if not is_cjk(typed) or not (same_sound(right, typed, fuzzy=True)
                                         or (typed, right) in shape_pairs):
                return None
            notes.append(f"“{typed}”应为“{right}”")
        else:
            indels += 1
            pos = i if op == "delete" else j
            limit = len(canon) if op == "delete" else len(window)
            if indels > 1 or pos == 0 or pos >= limit - 1:
                return None
            notes.append(f"漏了“{canon[i]}”字" if op == "delete" else f"多了“{window[j]}”字")
    return "，".join(notes) if notes else None


def verify(text: str, piece_start: int, offset: int, canon: str,
           shape_pairs: frozenset[tuple[str, str]]) -> tuple[int, int, str] | None:
    """Return (start, end, note) of a near miss of canon around a piece hit, or None."""
    m = len(canon)
    base = piece_start - offset
    if text.startswith(canon, base):
        return None
    best: tuple[int, int, int, str] | None = None
    for shift in (0, -1, 1, -2, 2):
        s = base + shift
        if s < 0:
            continue
        for length in (m, m - 1, m + 1, m - 2, m + 2):
            e = s + length
            if e > len(text):
                continue
            window = text[s:e]
            dist = Levenshtein.distance(canon, window, score_cutoff=MAX_EDITS)
            if dist > MAX_EDITS or (best is not None and dist >= best[0]):
                continue
            note = _acceptable(canon, window, shape_pairs)
            if note is not None:
                best = (dist, s, e, note)
    if best is None:
        return None
    return best[1], best[2], best[3]
