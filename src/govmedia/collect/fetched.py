"""What one fetch produced (FetchResult), and the pure helpers the downloader builds it with."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

import httpx

from govmedia.collect.charset import decode_body


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one fetch produced: the final response, or an error with a Chinese reason."""

    url: str  # as requested
    final_url: str  # after redirects
    status: int | None  # final HTTP status, None when no response
    headers: dict[str, str]  # final response headers (lower-case keys)
    body: bytes  # possibly truncated at the size cap
    text: str  # decoded with the detected charset ("" for non-text)
    encoding: str  # the charset used, e.g. "gb18030", "utf-8"
    redirects: tuple[str, ...]  # the chain of URLs before final_url
    # "" or one of: dns, refused, reset, timeout, tls, too_large, redirect_loop,
    # too_many_redirects, protocol, invalid_url
    error: str
    error_detail: str  # Chinese sentence for people, e.g. "连接超时（20秒）"
    elapsed: float  # seconds
    fetched_at: datetime  # aware, CHINA_TZ
    truncated: bool = False
    warc_record_id: str = ""  # the WARC response record id when archived

    @property
    def ok(self) -> bool:
        """Return True when there was no error and the final status is below 400."""
        return not self.error and self.status is not None and self.status < 400


@dataclass(slots=True)
class Hop:
    """One HTTP exchange (after retries): a response, or an error without one."""

    status: int | None = None
    reason: str = ""
    headers: httpx.Headers | None = None
    body: bytes = b""
    truncated: bool = False
    error: str = ""
    detail: str = ""
    record_id: str = ""


def valid_url(url: str) -> httpx.URL:
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(url)
    return parsed


def retry_after(value: str) -> float | None:
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds()) if when.tzinfo else None


def make_result(
    url: str, final_url: str, hop: Hop, chain: list[str], started: float, fetched_at: datetime
) -> FetchResult:
    headers = {k.lower(): v for k, v in hop.headers.items()} if hop.headers is not None else {}
    text, encoding = ("", "")
    if hop.body:
        text, encoding = decode_body(hop.body, headers.get("content-type", ""))
    return FetchResult(
        url=url,
        final_url=final_url,
        status=hop.status,
        headers=headers,
        body=hop.body,
        text=text,
        encoding=encoding,
        redirects=tuple(chain),
        error=hop.error,
        error_detail=hop.detail,
        elapsed=time.perf_counter() - started,
        fetched_at=fetched_at,
        truncated=hop.truncated,
        warc_record_id=hop.record_id,
    )
