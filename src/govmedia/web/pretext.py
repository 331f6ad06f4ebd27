"""稿件预审: a draft (pasted text or an uploaded .docx/.txt/.html) with its wording findings marked.

The checking is `govmedia check text`'s own (commands/check_text.py review → wording/ and
checks/privacy.py); this module only cuts the text into marked and unmarked pieces.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from govmedia.commands.check_text import CHECK_NAMES, line_col, review
from govmedia.wording.extract import ExtractError, extract
from govmedia.wording.hits import Hit

MAX_UPLOAD = 5 * 1024 * 1024  # a draft, not a book
MAX_CHARS = 500_000
_RANK = {"veto": 0, "deduct": 1, "warn": 2, "info": 3}


class PretextError(ValueError):
    """The draft cannot be checked (the message is Chinese, for the user)."""


def segments(text: str, hits: list[Hit]) -> list[dict[str, Any]]:
    """Return text cut at every hit boundary: each piece with the hits covering it (indexes)."""
    cuts = sorted({0, len(text), *(h.start for h in hits), *(h.end for h in hits)})
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        covering = [i for i, h in enumerate(hits) if h.start <= a and b <= h.end]
        severity = min((hits[i].severity for i in covering), key=lambda s: _RANK.get(s, 9),
                       default="")
        out.append({"text": text[a:b], "hits": covering, "severity": severity,
                    "title": "；".join(hits[i].message for i in covering)})
    return out


def check_draft(raw: bytes, name: str, published: str) -> dict[str, Any]:
    """Return the draft's text, its findings (with line and column) and the marked pieces."""
    if len(raw) > MAX_UPLOAD:
        raise PretextError(f"文件过大（超过{MAX_UPLOAD // (1024 * 1024)} MB）")
    try:
        day = date.fromisoformat(published) if published.strip() else date.today()
    except ValueError:
        raise PretextError(f"发布日期格式错误：{published}（应为 YYYY-MM-DD）") from None
    try:
        text = extract(raw, name)
    except ExtractError as exc:
        raise PretextError(str(exc)) from None
    if len(text) > MAX_CHARS:
        raise PretextError(f"文稿过长（超过{MAX_CHARS}字）")
    hits = review(text, day)
    rows = []
    for i, h in enumerate(hits):
        line, col = line_col(text, h.start)
        rows.append({"index": i, "line": line, "col": col, **h.to_dict(),
                     "check_name": CHECK_NAMES.get(h.check, h.check)})
    return {"text": text, "findings": rows, "segments": segments(text, hits),
            "published": day.isoformat(), "chars": len(text)}
