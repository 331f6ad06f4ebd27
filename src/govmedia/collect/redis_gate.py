"""Per-host request slots shared by every worker of a distributed run, kept in Redis.

The in-process Gate (collect/gate.py) bounds one process: with several workers, each would
open per_host_concurrency connections to the same government site. Here a host's slots are
one Redis sorted set of holders scored by the time their lease ends. Taking a slot is one Lua
script (atomic on the server, with the server's clock): drop the expired leases, then add the
holder if fewer than `limit` hold one. A worker killed while it holds a slot loses it when the
lease ends, so no slot is held forever. A waiter is woken by the next release (a short
wake-up list per host: BLPOP serves the longest waiter first, across processes) or tries again
after `poll` seconds, whichever comes first.

Inside a process the local Gate still queues first, so retries and redirect hops go first and
at most `limit` requests of a process per host wait on Redis. A Redis failure raises
GateUnavailable and is counted in `errors`: a task that saw one must not save its results
(they may say "not checked" for pages that were never asked for) but run again.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from govmedia.collect.gate import Gate

_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[2]))
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  redis.call('RPUSH', KEYS[2], '1')
  redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
  redis.call('PEXPIRE', KEYS[2], 60000)
end
return 1
"""


class GateUnavailable(RuntimeError):
    """Redis did not answer, so the per-host limit could not be kept."""


class RedisGates:
    """The per-host gates of one process, sharing their limits through Redis; see the module."""

    def __init__(self, client: aioredis.Redis, *, prefix: str, limit: int, lease: float,
                 poll: float = 0.5) -> None:
        self._redis = client
        self._prefix = prefix
        self._limit = limit
        self._lease_ms = max(1, int(lease * 1000))
        self._poll = poll
        self._acquire = client.register_script(_ACQUIRE)
        self._release = client.register_script(_RELEASE)
        self._gates: dict[str, RedisHostGate] = {}
        self._serial = itertools.count(1)
        # Unique per instance (two in one process must not share tokens); host and pid help
        # whoever looks at the keys.
        self._me = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.errors = 0  # Redis failures so far (tasks compare it before and after)

    @classmethod
    def from_url(cls, url: str, **kwargs: object) -> RedisGates:
        """Return gates on a new client for the Redis at url (closed by aclose)."""
        return cls(aioredis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30),
                   **kwargs)  # type: ignore[arg-type]

    def for_host(self, host: str) -> RedisHostGate:
        """Return the gate of host (one per host and process)."""
        gate = self._gates.get(host)
        if gate is None:
            gate = self._gates[host] = RedisHostGate(self, host, Gate(self._limit))
        return gate

    def keys(self, host: str) -> tuple[str, str]:
        """Return the Redis keys of host: its holders (sorted set) and its wake-up list."""
        # The braces keep both keys of a host in one Redis Cluster slot.
        return f"{self._prefix}:host:{{{host}}}", f"{self._prefix}:wake:{{{host}}}"

    async def take(self, host: str) -> str | None:
        """Return a holder token if a slot of host was free (taken now), else None."""
        holders, _ = self.keys(host)
        token = f"{self._me}:{next(self._serial)}"
        try:
            got = await self._acquire(keys=[holders], args=[self._limit, self._lease_ms, token])
        except RedisError as exc:
            self.errors += 1
            raise GateUnavailable(f"Redis 不可用，无法保持每个网站的并发上限：{exc}") from exc
        return token if got == 1 else None

    async def wait(self, host: str) -> None:
        """Return after the next release of a slot of host, or after `poll` seconds."""
        _, wake = self.keys(host)
        try:
            await self._redis.blpop([wake], timeout=self._poll)
        except RedisError as exc:
            self.errors += 1
            raise GateUnavailable(f"Redis 不可用，无法保持每个网站的并发上限：{exc}") from exc

    async def give_back(self, host: str, token: str) -> None:
        """Release the slot held under token (nothing happens if its lease already ended)."""
        holders, wake = self.keys(host)
        try:
            await self._release(keys=[holders, wake], args=[token, self._limit])
        except RedisError:
            self.errors += 1  # the lease ends the slot anyway

    async def aclose(self) -> None:
        """Close the Redis client."""
        await self._redis.aclose()


class RedisHostGate:
    """One host's slot: the process's own Gate first, then a Redis slot with a lease."""

    def __init__(self, gates: RedisGates, host: str, local: Gate) -> None:
        self._gates = gates
        self._host = host
        self._local = local

    @asynccontextmanager
    async def slot(self, *, urgent: bool = False) -> AsyncIterator[None]:
        """Hold one slot of the host, in this process and across workers, during the block."""
        async with self._local.slot(urgent=urgent):
            while (token := await self._gates.take(self._host)) is None:
                await self._gates.wait(self._host)
            try:
                yield
            finally:
                # Shielded: a cancelled request still gives its slot back at once.
                await asyncio.shield(self._gates.give_back(self._host, token))
