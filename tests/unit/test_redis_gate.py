"""Per-host slots shared through Redis (collect/redis_gate.py), as two workers would use them.

Each test uses a fresh key prefix on the Redis at GOVMEDIA_TEST_REDIS (default the local one)
and deletes its keys afterwards. Outside CI the tests skip when no Redis answers.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid

import pytest
import redis

from govmedia.collect.http import Downloader
from govmedia.collect.redis_gate import RedisGates
from govmedia.sandbox.server import Request, Response, route, serve
from govmedia.settings import Settings

REDIS = os.environ.get("GOVMEDIA_TEST_REDIS", "redis://127.0.0.1:6379/0")
HOST = "site.example.gov.cn"


@pytest.fixture
def prefix():
    """Return a fresh key prefix; its keys are deleted afterwards."""
    client = redis.Redis.from_url(REDIS, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis not reachable at {REDIS}: {exc}")
    name = f"govmedia-test-{uuid.uuid4().hex[:10]}"
    yield name
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)
    client.close()


def _gates(prefix: str, limit: int, lease: float = 30.0, poll: float = 30.0) -> RedisGates:
    # poll 30 s: a waiter must be woken by a release, not by polling, within the test's bounds.
    return RedisGates.from_url(REDIS, prefix=prefix, limit=limit, lease=lease, poll=poll)


def test_two_workers_share_the_host_limit_and_a_release_wakes_a_waiter(prefix):
    async def main() -> tuple[list[int], int]:
        workers = [_gates(prefix, limit=2), _gates(prefix, limit=2)]
        inside, seen, go, full = [], [], asyncio.Event(), asyncio.Event()

        async def job(n: int) -> None:
            async with workers[n % 2].for_host(HOST).slot():
                inside.append(n)
                seen.append(len(inside))
                if len(inside) == 2:
                    full.set()
                await go.wait()
                inside.remove(n)

        tasks = [asyncio.create_task(job(n)) for n in range(6)]
        await asyncio.wait_for(full.wait(), 10)  # two get in at once, from either worker
        assert await workers[0].take(HOST) is None  # full: a third holder is refused
        holders = await workers[0]._redis.zcard(workers[0].keys(HOST)[0])
        go.set()  # each release wakes a waiter of either worker
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
        for w in workers:
            await w.aclose()
        return seen, holders

    seen, holders = asyncio.run(main())
    assert len(seen) == 6 and max(seen) == 2
    assert holders == 2


def test_a_dead_holders_slot_comes_back_when_its_lease_ends(prefix):
    async def main() -> tuple[str | None, str | None, bool]:
        dead, alive = _gates(prefix, limit=1, lease=0.5), _gates(prefix, limit=1, poll=0.05)
        held = await dead.take(HOST)  # taken and never given back: its worker was killed
        refused = await alive.take(HOST)

        async def wait_for_slot() -> bool:
            async with alive.for_host(HOST).slot():  # waits for the dead lease to end
                return True

        got = await asyncio.wait_for(wait_for_slot(), 10)
        for g in (dead, alive):
            await g.aclose()
        return held, refused, got

    held, refused, got = asyncio.run(main())
    assert held is not None and refused is None and got


def test_downloaders_of_two_workers_never_exceed_the_per_host_limit(prefix):
    lock, now, most = threading.Lock(), [0], [0]
    release = threading.Event()

    def slow(_req: Request) -> Response:
        with lock:
            now[0] += 1
            most[0] = max(most[0], now[0])
        release.wait(0.05)  # hold the request a moment so that others pile up
        with lock:
            now[0] -= 1
        return Response(200, "<html><body>ok</body></html>")

    settings = Settings(per_host_concurrency=2, http_timeout=10.0)

    async def main(base: str) -> list[int]:
        workers = [_gates(prefix, limit=2, poll=0.05), _gates(prefix, limit=2, poll=0.05)]
        results = []
        async with (Downloader(settings, gates=workers[0].for_host) as one,
                    Downloader(settings, gates=workers[1].for_host) as two):
            fetched = await asyncio.gather(*(
                (one if n % 2 else two).fetch(f"{base}/p/{n}") for n in range(16)))
            results = [r.status for r in fetched]
        for w in workers:
            await w.aclose()
        return results

    with serve([route("GET", r"/p/\d+", slow)]) as base:
        statuses = asyncio.run(main(base))
    assert statuses == [200] * 16
    assert most[0] <= 2  # each downloader alone would allow 2: together still 2
