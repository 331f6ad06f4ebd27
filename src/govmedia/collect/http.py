"""The one shared async downloader every gatherer uses (httpx underneath).

Per request, in this order: the run cache (the same method + URL + user agent is fetched once
per run; concurrent callers share the request; past `cache_bytes` the oldest bodies leave
memory and are read back from the WARC archive when asked for again), the global and per-host
concurrency limits, the connect/read/total timeouts, retries with back-off (timeouts, 5xx and
429 only; Retry-After honoured up to the total timeout), redirects followed one hop at a time
(the chain recorded, a loop or an over-long chain stopped), the body size cap, charset decoding
(collect/charset.py) and WARC archiving (store/archive.py). Every failure becomes a FetchResult
with an error code and a Chinese sentence (collect/neterrors.py); fetch() never raises for
network problems.

Bounds: each attempt has the total timeout; a whole fetch (every redirect hop, retry and
back-off) has a budget of (retries + 2) x the total timeout, counted from the moment its first
attempt gets a connection slot (time queued behind other requests to a busy host is not
counted, so a long queue never turns into false timeouts).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime

import httpx

from govmedia.artifacts import CHINA_TZ
from govmedia.collect import neterrors
from govmedia.collect.charset import decode_body
from govmedia.collect.fetched import FetchResult, Hop, make_result, retry_after, valid_url
from govmedia.collect.gate import Gate, HostGate
from govmedia.collect.transport import HostPoolTransport
from govmedia.settings import Settings
from govmedia.store.archive import Archive, read_record

DEFAULT_UA = "Mozilla/5.0 (compatible; govmedia/0.1; government new-media inspection)"
WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) "
    "NetType/WIFI Language/zh_CN"
)
_REDIRECTS = {301, 302, 303, 307, 308}
_ACCEPT = {
    "accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "accept-language": "zh-CN,zh;q=0.9,en;q=0.5",
    "accept-encoding": "gzip, deflate",
}


_Key = tuple[str, str, str]  # method, URL, user agent


@dataclass(slots=True)
class _Budget:
    """The deadline of one fetch (loop time), fixed when its first attempt starts."""

    seconds: float
    deadline: float | None = None

    def left(self) -> float:
        if self.deadline is None:
            self.deadline = asyncio.get_running_loop().time() + self.seconds
        return self.deadline - asyncio.get_running_loop().time()


class _SharedTransport(httpx.AsyncBaseTransport):
    """The downloader's transport lent to an httpx client: closing the client leaves it open."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        return None


class Downloader:
    """One per run: fetches URLs politely, caches them for the run, archives what it got."""

    def __init__(
        self,
        settings: Settings,
        *,
        archive: Archive | None = None,
        user_agent: str = DEFAULT_UA,
        transport: httpx.AsyncBaseTransport | None = None,
        max_bytes: int = 5_000_000,
        max_redirects: int = 10,
        retry_backoff: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        cache_bytes: int = 64_000_000,
        cache_entries: int = 20_000,
        gates: Callable[[str], HostGate] | None = None,
    ) -> None:
        self._archive = archive
        self._ua = user_agent
        self._own_transport = transport is None
        self._transport = transport or HostPoolTransport(settings.per_host_concurrency)
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects
        self._retries = settings.http_retries
        self._backoff = retry_backoff
        self._sleep = sleep  # tests pass a recorder to see the back-off waits
        self._total = settings.http_timeout
        self._connect = min(10.0, self._total)
        self._timeouts = {
            "connect": self._connect,
            "read": self._total,
            "write": self._total,
            "pool": self._total,
        }
        self._fetch_budget = self._total * (self._retries + 2)
        self._per_host = settings.per_host_concurrency
        self._global = asyncio.Semaphore(settings.http_concurrency)
        self._client: httpx.AsyncClient | None = None
        self._hosts: dict[str, HostGate] = {}
        # The per-host limit: a Gate of this downloader's own, or (distributed runs) one shared
        # by every worker, from `gates` (host -> gate; collect/redis_gate.py).
        self._new_gate = gates or (lambda _host: Gate(self._per_host))
        self._cache: dict[_Key, asyncio.Future[FetchResult]] = {}
        # Bodies kept in memory, oldest first; past cache_bytes the oldest are slimmed to their
        # fetch facts and read back from the WARC archive on a later hit (_from_archive). The
        # fetch facts of at most cache_entries URLs are kept (least recently used dropped, to
        # be fetched again if asked): a run over thousands of accounts stays flat in memory.
        self._cache_budget = cache_bytes
        self._cached_bytes = 0
        self._kept: OrderedDict[_Key, int] = OrderedDict()
        self._slim: OrderedDict[_Key, tuple[FetchResult, int]] = OrderedDict()
        self._slim_max = max(1, cache_entries)

    async def __aenter__(self) -> Downloader:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    @property
    def archive(self) -> Archive | None:
        """Return the archive every response is written to (None when not archiving)."""
        return self._archive

    def api_client(self) -> httpx.AsyncClient:
        """Return an httpx client on this downloader's connection pools, for JSON APIs.

        It shares the keep-alive pools (so the per-host connection cap covers API calls too)
        but not the cache, retries or archive: API calls are POSTs and token requests.
        Closed with the downloader.
        """
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=_SharedTransport(self._transport),
                timeout=httpx.Timeout(self._total, connect=self._connect),
                headers={"user-agent": self._ua},
                follow_redirects=True,
            )
        return self._client

    async def aclose(self) -> None:
        """Close the connection pools this downloader opened (an injected transport stays)."""
        for fut in self._cache.values():
            fut.cancel()
        if self._client is not None:
            await self._client.aclose()
        if self._own_transport:
            await self._transport.aclose()

    async def fetch(self, url: str, *, method: str = "GET", wechat_ua: bool = False) -> FetchResult:
        """Return the result of fetching url (from the run cache when already fetched)."""
        ua = WECHAT_UA if wechat_ua else self._ua
        key = (method.upper(), url, ua)
        if key in self._slim:
            self._slim.move_to_end(key)
            if (found := self._from_archive(key)) is not None:
                return found
        fut = self._cache.get(key)
        if fut is None:
            fut = asyncio.ensure_future(self._fetch(url, key[0], ua))
            self._cache[key] = fut
            fut.add_done_callback(lambda f, k=key: self._keep(k, f))
        elif key in self._kept:
            self._kept.move_to_end(key)
        return await asyncio.shield(fut)

    def _keep(self, key: _Key, fut: asyncio.Future[FetchResult]) -> None:
        """Count a finished fetch against the cache budget; slim the oldest past it."""
        if fut.cancelled() or fut.exception() is not None:
            self._cache.pop(key, None)
            return
        result = fut.result()
        size = len(result.body) + 2 * len(result.text)  # bytes + str, roughly
        self._kept[key] = size
        self._cached_bytes += size
        while self._cached_bytes > self._cache_budget and len(self._kept) > 1:
            old, old_size = self._kept.popitem(last=False)
            self._cached_bytes -= old_size
            full = self._cache.pop(old).result()
            self._slim[old] = (replace(full, body=b"", text=""), len(full.body))
            if len(self._slim) > self._slim_max:
                self._slim.popitem(last=False)

    def _from_archive(self, key: _Key) -> FetchResult | None:
        """Return a slimmed result with its body read back from the archive, or None."""
        slim, length = self._slim[key]
        if length == 0:
            return slim
        offset = self._archive.offset_of(slim.warc_record_id) if self._archive else None
        record = None
        if offset is not None and self._archive is not None:
            record = read_record(self._archive.path, slim.warc_record_id, offset)
        if record is None or len(record.body) != length:
            del self._slim[key]  # not archived: fetch it again
            return None
        text, encoding = decode_body(record.body, slim.headers.get("content-type", ""))
        return replace(slim, body=record.body, text=text, encoding=encoding or slim.encoding)

    async def _fetch(self, url: str, method: str, ua: str) -> FetchResult:
        started, fetched_at = time.perf_counter(), datetime.now(CHINA_TZ)
        chain: list[str] = []
        try:
            current = valid_url(url)
        except (ValueError, httpx.InvalidURL):
            return make_result(
                url,
                url,
                Hop(error="invalid_url", detail=neterrors.invalid_url_detail(url)),
                chain,
                started,
                fetched_at,
            )
        cookies = httpx.Cookies()
        budget = _Budget(self._fetch_budget)
        while True:
            if budget.deadline is not None and budget.left() <= 0:
                detail = neterrors.timeout_detail("total", budget.seconds)
                hop = Hop(error="timeout", detail=detail)
                return make_result(url, str(current), hop, chain, started, fetched_at)
            hop = await self._exchange(method, current, ua, cookies, budget)
            location = hop.headers.get("location") if hop.headers is not None else None
            if hop.error or hop.status not in _REDIRECTS or not location:
                return make_result(url, str(current), hop, chain, started, fetched_at)
            try:
                target = valid_url(str(current.join(location.strip())))
            except (ValueError, httpx.InvalidURL):
                hop.error, hop.detail = "invalid_url", neterrors.invalid_url_detail(location)
                return make_result(url, str(current), hop, chain, started, fetched_at)
            chain.append(str(current))
            if len(chain) > self._max_redirects:
                hop.error = "too_many_redirects"
                hop.detail = neterrors.too_many_redirects_detail(self._max_redirects)
                return make_result(url, str(current), hop, chain[:-1], started, fetched_at)
            # A URL may come back once after setting a cookie (a common WAF bounce).
            seen = chain.count(str(target))
            if seen >= 2 or (seen == 1 and "set-cookie" not in hop.headers):
                hop.error, hop.detail = "redirect_loop", neterrors.redirect_loop_detail(str(target))
                return make_result(url, str(current), hop, chain[:-1], started, fetched_at)
            if hop.status == 303 or (hop.status in (301, 302) and method == "POST"):
                method = "GET"
            current = target

    async def _exchange(
        self, method: str, url: httpx.URL, ua: str, cookies: httpx.Cookies, budget: _Budget
    ) -> Hop:
        host = url.netloc.decode("ascii", "replace")
        gate = self._hosts.get(host)
        if gate is None:
            gate = self._hosts[host] = self._new_gate(host)
        attempt = 0
        while True:
            # Host first: a request queued for a busy host holds no global slot. A retry or a
            # later redirect hop goes to the front of the host's queue (collect/gate.py).
            urgent = attempt > 0 or budget.deadline is not None
            async with gate.slot(urgent=urgent), self._global:
                limit = min(self._total, budget.left())
                hop = await self._once(method, url, ua, cookies, limit)
            wait = self._retry_wait(hop, attempt)
            if wait is None or wait >= budget.left():
                return hop
            attempt += 1
            await self._sleep(wait)

    def _retry_wait(self, hop: Hop, attempt: int) -> float | None:
        if attempt >= self._retries:
            return None
        status = hop.status or 0
        if not (hop.error == "timeout" or status >= 500 or status == 429):
            return None
        backoff = self._backoff * 2**attempt
        after = retry_after(hop.headers.get("retry-after", "") if hop.headers else "")
        return min(self._total, after) if after is not None else backoff

    async def _once(
        self, method: str, url: httpx.URL, ua: str, cookies: httpx.Cookies, limit: float
    ) -> Hop:
        request = httpx.Request(
            method,
            url,
            headers={"user-agent": ua, **_ACCEPT},
            extensions={"timeout": self._timeouts},
        )
        cookies.set_cookie_header(request)
        hop, chunks, size = Hop(), [], 0
        try:
            async with asyncio.timeout(max(limit, 0.001)):
                response = await self._transport.handle_async_request(request)
                response.request = request
                hop.status, hop.headers = response.status_code, response.headers
                hop.reason = response.reason_phrase
                try:
                    if method != "HEAD":
                        async for chunk in response.aiter_bytes():
                            chunks.append(chunk)
                            size += len(chunk)
                            if size > self._max_bytes:
                                hop.truncated, hop.error = True, "too_large"
                                hop.detail = neterrors.too_large_detail(self._max_bytes)
                                break
                finally:
                    await response.aclose()
                cookies.extract_cookies(response)
        except Exception as exc:  # every failure becomes a result, never an exception
            hop.error, hop.detail = neterrors.classify(exc, connect=self._connect, total=limit)
            hop.truncated = hop.status is not None  # the body broke off part way
        hop.body = b"".join(chunks)[: self._max_bytes]
        if hop.status is not None and self._archive is not None:
            hop.record_id = self._archive.write_exchange(
                url=str(url),
                method=method,
                request_headers=request.headers.multi_items(),
                status=hop.status,
                reason=hop.reason,
                response_headers=hop.headers.multi_items() if hop.headers else [],
                body=hop.body,
                fetched_at=datetime.now(CHINA_TZ),
                truncated=hop.truncated,
            )
        return hop
