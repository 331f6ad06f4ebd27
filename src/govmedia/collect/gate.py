"""A per-host request limit that lets work already under way go first.

Like asyncio.Semaphore, but a waiter may be urgent: a retry after back-off or the next hop of a
redirect chain goes to the front of the host's queue instead of the back. With hundreds of
links queued for one host, a FIFO semaphore would make every retry wait for the whole queue
again, so one flaky page would finish last in the run.

HostGate is what the Downloader needs from a per-host limit: Gate in one process, or
collect/redis_gate.py when the workers of a distributed run share the limit.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol


class HostGate(Protocol):
    """A per-host request limit: `async with gate.slot(urgent=...)` holds one place."""

    def slot(self, *, urgent: bool = False) -> AbstractAsyncContextManager[None]: ...


class Gate:
    """At most `size` holders at once; urgent waiters are served before the others."""

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiters: deque[asyncio.Future[None]] = deque()

    @asynccontextmanager
    async def slot(self, *, urgent: bool = False) -> AsyncIterator[None]:
        """Hold one place for the duration of the block."""
        await self._acquire(urgent)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, urgent: bool) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if urgent:
            self._waiters.appendleft(fut)
        else:
            self._waiters.append(fut)
        try:
            await fut  # _release hands its place over by resolving fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self._release()  # the place was handed over just before the cancel
            elif fut in self._waiters:
                self._waiters.remove(fut)
            raise

    def _release(self) -> None:
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_result(None)
                return
        self._free += 1
