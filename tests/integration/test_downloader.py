"""The shared downloader against the sandbox's misbehaving routes (/fault/...) on 127.0.0.1.

Every request the server sees is counted per path by a wrapper around the routes, so retry
counts, the run cache and the per-host concurrency are observed on the server side.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from warcio.archiveiterator import ArchiveIterator

from govmedia.collect.http import WECHAT_UA, Downloader, FetchResult
from govmedia.sandbox import faults
from govmedia.sandbox.server import Request, Response, Route, route, serve
from govmedia.settings import Settings
from govmedia.store.archive import Archive

pytestmark = pytest.mark.timeout(60)


@dataclass
class Gauge:
    """Requests in the handler right now, and the most there ever were (thread-safe)."""

    now: int = 0
    most: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(self) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def leave(self) -> None:
        with self.lock:
            self.now -= 1


@dataclass
class Site:
    base: str
    hits: Counter[str] = field(default_factory=Counter)
    agents: list[str] = field(default_factory=list)
    host: Gauge = field(default_factory=Gauge)  # this server only
    both: Gauge = field(default_factory=Gauge)  # shared by the servers of one test
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return self.base + path


def _counted(site: Site, r: Route) -> Route:
    def handler(req: Request) -> Response:
        with site.lock:
            site.hits[req.path] += 1
            site.agents.append({k.lower(): v for k, v in req.headers.items()}["user-agent"])
        return r.handler(req)

    return Route(r.method, r.pattern, handler)


def _slow(site: Site):
    def handler(req: Request) -> Response:
        site.host.enter()
        site.both.enter()
        time.sleep(0.05)
        site.both.leave()
        site.host.leave()
        return Response(200, f"<html><body>第{req.match.group(1)}页</body></html>")

    return handler


def _serve_site(both: Gauge) -> Iterator[Site]:
    site = Site("", both=both)
    routes = [route("GET", r"/slow/(\d+)", _slow(site)), *faults.routes()]
    with serve([_counted(site, r) for r in routes]) as base:
        site.base = base
        yield site


@pytest.fixture
def both() -> Gauge:
    return Gauge()


@pytest.fixture
def site(both) -> Iterator[Site]:
    yield from _serve_site(both)


@pytest.fixture
def other_site(both) -> Iterator[Site]:
    yield from _serve_site(both)


def fetch_all(urls: list[str], *, archive: Archive | None = None, waits: list[float] | None = None,
              wechat_ua: bool = False, **settings) -> list[FetchResult]:
    """Fetch urls concurrently through one fresh Downloader; return the results in order."""
    cfg = Settings(**{"http_timeout": 5.0, "http_retries": 2, **settings})

    async def record(seconds: float) -> None:
        if waits is not None:
            waits.append(seconds)

    async def main() -> list[FetchResult]:
        async with Downloader(cfg, archive=archive, retry_backoff=0.01, max_bytes=200_000,
                              max_redirects=5, sleep=record) as dl:
            return list(await asyncio.gather(*(dl.fetch(u, wechat_ua=wechat_ua)
                                                for u in urls)))

    return asyncio.run(main())


def fetch_one(url: str, **kw) -> FetchResult:
    return fetch_all([url], **kw)[0]


def test_http_error_status_is_a_response_not_a_transport_error(site):
    got = fetch_one(site.url("/fault/status/404"))
    assert (got.status, got.error, got.ok) == (404, "", False)
    assert "状态码 404" in got.text
    assert site.hits["/fault/status/404"] == 1  # 4xx is never retried


def test_5xx_is_retried_with_backoff_then_reported(site):
    waits: list[float] = []
    got = fetch_one(site.url("/fault/status/500"), waits=waits)
    assert got.status == 500 and not got.ok
    assert site.hits["/fault/status/500"] == 3  # first try + http_retries (2)
    assert waits == [0.01, 0.02]  # exponential back-off


def test_flaky_503_succeeds_on_the_third_try(site):
    got = fetch_one(site.url("/fault/flaky-503"))
    assert got.status == 200 and got.ok and "成功（第3次请求）" in got.text
    assert site.hits["/fault/flaky-503"] == 3


def test_429_waits_as_retry_after_says(site):
    waits: list[float] = []
    got = fetch_one(site.url("/fault/retry-after-429"), waits=waits)
    assert got.status == 200 and site.hits["/fault/retry-after-429"] == 2
    assert waits == [1.0]


def test_no_retry_when_retries_are_off(site):
    got = fetch_one(site.url("/fault/flaky-503"), http_retries=1)
    assert got.status == 503 and site.hits["/fault/flaky-503"] == 2


@pytest.mark.parametrize(("path", "kind"), [
    ("/fault/drop", "reset"),
    ("/fault/reset", "reset"),
    ("/fault/truncate", "protocol"),
])
def test_socket_faults_become_error_kinds_without_retry(site, path, kind):
    got = fetch_one(site.url(path))
    assert got.error == kind, got
    assert got.error_detail and not got.ok
    assert site.hits[path] == 1  # only timeouts, 5xx and 429 are retried


def test_slow_body_is_cut_by_the_total_timeout_and_retried(site):
    got = fetch_one(site.url("/fault/slow-body?interval_ms=100"), http_timeout=0.3)
    assert got.error == "timeout" and "超时" in got.error_detail
    assert site.hits["/fault/slow-body"] == 3


def test_slow_answer_times_out(site):
    got = fetch_one(site.url("/fault/delay/3000"), http_timeout=0.3, http_retries=1)
    assert got.error == "timeout" and got.status is None
    assert site.hits["/fault/delay/3000"] == 2


def test_huge_body_is_cut_at_the_cap(site):
    got = fetch_one(site.url("/fault/huge?mb=50"))
    assert got.error == "too_large" and got.truncated and got.status == 200
    assert len(got.body) == 200_000
    assert "很长的页面内容" in got.text  # a body cut inside a character still decodes
    assert "\ufffd" not in got.text[:-1]


def test_redirect_chain_is_recorded(site):
    got = fetch_one(site.url("/fault/redirect/3"))
    assert got.ok and got.final_url == site.url("/fault/redirect/0")
    assert got.redirects == tuple(site.url(f"/fault/redirect/{n}") for n in (3, 2, 1))
    assert "重定向终点页面" in got.text


def test_redirect_loop_is_stopped(site):
    got = fetch_one(site.url("/fault/redirect-loop"))
    assert got.error == "redirect_loop" and not got.ok
    assert "循环" in got.error_detail
    assert site.hits["/fault/redirect-loop"] == 1 and site.hits["/fault/redirect-loop/b"] == 1


def test_too_many_redirects(site):
    got = fetch_one(site.url("/fault/redirect/9"))  # max_redirects=5 in fetch_all
    assert got.error == "too_many_redirects"
    assert len(got.redirects) == 5


@pytest.mark.parametrize("path", ["/fault/gbk-page", "/fault/gbk-page/no-charset",
                                  "/fault/gb2312-header"])
def test_gb_family_pages_decode(site, path):
    got = fetch_one(site.url(path))
    assert got.encoding == "gb18030"
    assert "关于开展2024年度政务新媒体检查工作的通知" in got.text
    assert "\ufffd" not in got.text


def test_dns_failure():
    got = fetch_one("http://no-such-host.invalid/page", http_retries=0)
    assert got.error == "dns" and "DNS" in got.error_detail


def test_connection_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    got = fetch_one(f"http://127.0.0.1:{port}/", http_retries=0)
    assert got.error == "refused" and "拒绝" in got.error_detail


def test_invalid_url():
    got = fetch_one("ftp://example.org/file")
    assert got.error == "invalid_url" and got.status is None


def test_per_host_concurrency_is_never_exceeded(site):
    results = fetch_all([site.url(f"/slow/{i}") for i in range(24)], per_host_concurrency=3)
    assert all(r.ok for r in results)
    assert 1 < site.host.most <= 3


def test_global_concurrency_holds_across_hosts(site, other_site, both):
    urls = [s.url(f"/slow/{i}") for i in range(12) for s in (site, other_site)]
    results = fetch_all(urls, per_host_concurrency=4, http_concurrency=3)
    assert all(r.ok for r in results)
    assert 1 < both.most <= 3
    assert site.host.most <= 3 and other_site.host.most <= 3


def test_same_url_is_fetched_once_per_run(site):
    url = site.url("/slow/7")
    results = fetch_all([url] * 6 + [site.url("/slow/8")])
    assert site.hits["/slow/7"] == 1 and site.hits["/slow/8"] == 1
    assert len({id(r) for r in results[:6]}) == 1


def test_wechat_user_agent(site):
    fetch_one(site.url("/slow/1"), wechat_ua=True)
    assert "MicroMessenger" in site.agents[0] and site.agents[0] == WECHAT_UA


def test_every_response_is_archived(site, tmp_path):
    archive = Archive(tmp_path / "a.warc.gz")
    with archive:
        got = fetch_one(site.url("/fault/redirect/1"), archive=archive)
    assert got.warc_record_id
    with open(tmp_path / "a.warc.gz", "rb") as fh:
        kinds = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"))
                 for r in ArchiveIterator(fh)]
    assert kinds[1:] == [
        ("response", site.url("/fault/redirect/1")), ("request", site.url("/fault/redirect/1")),
        ("response", site.url("/fault/redirect/0")), ("request", site.url("/fault/redirect/0")),
    ]


def test_cache_over_budget_reads_bodies_back_from_the_archive(site, tmp_path):
    cfg = Settings(http_timeout=5.0, http_retries=0)

    async def main(archive: Archive | None) -> tuple[FetchResult, FetchResult]:
        async with Downloader(cfg, archive=archive, cache_bytes=1) as dl:
            first = await dl.fetch(site.url("/fault/gbk-page"))
            await dl.fetch(site.url("/slow/1"))  # pushes the GBK page out of memory
            return first, await dl.fetch(site.url("/fault/gbk-page"))

    with Archive(tmp_path / "c.warc.gz") as archive:
        first, again = asyncio.run(main(archive))
    assert site.hits["/fault/gbk-page"] == 1  # once per run, even past the memory budget
    assert again.body == first.body and again.text == first.text
    assert again.encoding == "gb18030" and again.warc_record_id == first.warc_record_id

    asyncio.run(main(None))  # without an archive the body can only be fetched again
    assert site.hits["/fault/gbk-page"] == 3


def test_cache_keeps_at_most_cache_entries_urls(site, tmp_path):
    # A run over thousands of accounts: the oldest URL's fetch facts are dropped past the
    # bound (fetched again if asked), the recently used ones are still served from the run.
    cfg = Settings(http_timeout=5.0, http_retries=0)
    urls = [site.url(p) for p in ("/fault/gbk-page", "/slow/1", "/fault/redirect/0")]

    async def main() -> None:
        async with Downloader(cfg, archive=archive, cache_bytes=1, cache_entries=1) as dl:
            for url in urls:
                await dl.fetch(url)
            await dl.fetch(urls[1])  # slimmed and still kept: read back from the archive
            await dl.fetch(urls[0])  # dropped from the bound: fetched again

    with Archive(tmp_path / "e.warc.gz") as archive:
        asyncio.run(main())
    assert site.hits["/slow/1"] == 1
    assert site.hits["/fault/gbk-page"] == 2
