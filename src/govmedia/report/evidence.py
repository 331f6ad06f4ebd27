"""What a finding's evidence says, in the words of a report: where, what, when, which record.

Evidence records differ by check (DESIGN.md: url, text span, http, screenshot, archive record
id); these functions read all the shapes the checks write. Archive record ids of pages that a
finding names only by URL (phone renderings, articles) come from the run's archive index
(table `evidence`); screenshots are read from the path the browser wrote, else from the run's
shots folder (<data_dir>/runs/<run>/shots), so a report can be written from another folder.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govmedia.report.text import moment

SHOT_WIDTH_PX = 390  # the phone's CSS width (collect/browser.py PHONE)
SHOT_MAX_RATIO = 2.2  # crop very tall screenshots to about one phone screen


@dataclass(frozen=True)
class EvidenceIndex:
    """What a report may know beside the result: archive record ids by URL, the shots folder."""

    archive: Mapping[str, str] = field(default_factory=dict)
    shots_dir: Path | None = None


def _ev(f: Mapping[str, Any]) -> dict[str, Any]:
    return f.get("evidence") or {}


def _nested(ev: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        part, _, sub = key.partition(".")
        value = ev.get(part)
        if sub and isinstance(value, Mapping):
            value = value.get(sub)
        if value and isinstance(value, str):
            return value
    return ""


def url_of(f: Mapping[str, Any]) -> str:
    """Return the URL a finding is about, with where it led when it redirected, or ""."""
    ev = _ev(f)
    url = _nested(ev, "url", "page.url", "article.url", "latest.url")
    if not url and str(f.get("target", "")).startswith(("http://", "https://")):
        url = f["target"]
    final = _nested(ev, "final_url")
    return f"{url}（跳转至 {final}）" if url and final and final != url else url or final


def place(f: Mapping[str, Any]) -> str:
    """Return where a person finds the problem: the menu path, the article or the target."""
    ev = _ev(f)
    menu = _nested(ev, "menu_path", "page.menu_path")
    if menu:
        return f"菜单“{menu}”"
    title = _nested(ev, "article.title")
    if title:
        return f"文章《{title}》"
    target = str(f.get("target") or "")
    return "" if target.startswith(("http://", "https://")) else target


def excerpt(f: Mapping[str, Any], limit: int = 160) -> str:
    """Return the words that prove the finding (the hit in context, the hidden text, the
    masked number, the start of the page), or ""."""
    ev = _ev(f)
    text = _nested(ev, "context", "hidden_excerpt", "masked")
    if not text:
        signals = ev.get("signals")
        if isinstance(signals, list) and signals:
            text = "；".join(str(s) for s in signals[:3])
    if not text and f.get("check", "").startswith(("link.", "content.", "freshness.stale")):
        text = _nested(ev, "excerpt")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def when(f: Mapping[str, Any]) -> str:
    """Return when the evidence was taken, with what the time is (抓取/渲染/发布)."""
    ev = _ev(f)
    for key, label in (("fetched_at", "抓取"), ("rendered_at", "手机渲染"),
                       ("page.fetched_at", "抓取")):
        if value := _nested(ev, key):
            return f"{label} {moment(value)}"
    if value := _nested(ev, "article.published_at"):
        return f"文章发布 {moment(value)}"
    sources = [s for s in ev.get("sources") or () if isinstance(s, Mapping)]
    if stamps := [s["fetched_at"] for s in sources if s.get("fetched_at")]:
        return f"采集 {moment(max(stamps))}"
    return ""


def archive_id(f: Mapping[str, Any], index: EvidenceIndex) -> str:
    """Return the WARC record id that holds the page, from the finding or the run's index."""
    ev = _ev(f)
    if rid := _nested(ev, "warc_record_id"):
        return rid
    for url in (_nested(ev, "url"), _nested(ev, "final_url"), _nested(ev, "page.url"),
                _nested(ev, "article.url"), _nested(ev, "latest.url")):
        if url and url in index.archive:
            return index.archive[url]
    return ""


def screenshot_path(f: Mapping[str, Any], index: EvidenceIndex) -> Path | None:
    """Return the screenshot file of a finding when it exists on disk."""
    name = _nested(_ev(f), "screenshot")
    if not name:
        return None
    path = Path(name)
    if path.is_file():
        return path
    if index.shots_dir is not None and (index.shots_dir / path.name).is_file():
        return index.shots_dir / path.name
    return None


def screenshot_image(path: Path) -> bytes | None:
    """Return a screenshot as JPEG bytes: blank space below the content cut, at most about one
    phone screen high, scaled to the phone's width (None when the file is not an image)."""
    from PIL import Image, ImageChops, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img = img.convert("RGB")
            w, h = img.size
            # Blank space below the content says nothing: cut it (keep half a screen at least).
            box = ImageChops.difference(img, Image.new("RGB", img.size, "white")).getbbox()
            bottom = min(h, max((box[3] if box else h) + w // 20, w // 2))
            bottom = min(bottom, int(w * SHOT_MAX_RATIO))
            if bottom < h:
                img = img.crop((0, 0, w, bottom))
            if w > SHOT_WIDTH_PX:
                img = img.resize((SHOT_WIDTH_PX, round(img.height * SHOT_WIDTH_PX / w)))
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=82)
            return buf.getvalue()
    except (OSError, UnidentifiedImageError):
        return None


def evidence_line(f: Mapping[str, Any], index: EvidenceIndex) -> str:
    """Return the evidence facts in one line: time, archive record id, screenshot file."""
    parts = []
    if t := when(f):
        parts.append(t)
    if rid := archive_id(f, index):
        parts.append(f"存档编号 {rid}")
    if (shot := screenshot_path(f, index)) is not None:
        parts.append(f"截图 {shot.name}")
    ev = _ev(f)
    if (status := ev.get("status")) and isinstance(status, int) and status >= 400:
        parts.append(f"HTTP {status}")
    return "；".join(parts)
