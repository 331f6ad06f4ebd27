"""The per-host gate: a size limit that serves urgent waiters (retries, redirect hops) first."""

from __future__ import annotations

import asyncio

from govmedia.collect.gate import Gate


def test_limit_and_urgent_waiters_first():
    async def main() -> list[str]:
        gate, order, holding = Gate(1), [], asyncio.Event()

        async def hold() -> None:
            async with gate.slot():
                holding.set()
                await asyncio.sleep(0.01)

        async def job(name: str, urgent: bool) -> None:
            async with gate.slot(urgent=urgent):
                order.append(name)

        first = asyncio.create_task(hold())
        await holding.wait()
        tasks = [asyncio.create_task(job("new1", False)), asyncio.create_task(job("new2", False))]
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(job("retry", True)))
        await asyncio.gather(first, *tasks)
        return order

    assert asyncio.run(main()) == ["retry", "new1", "new2"]


def test_never_more_holders_than_size_and_cancel_gives_the_place_back():
    async def main() -> tuple[int, int]:
        gate, now, most = Gate(2), 0, 0

        async def job() -> None:
            nonlocal now, most
            async with gate.slot():
                now += 1
                most = max(most, now)
                await asyncio.sleep(0.001)
                now -= 1

        waiting = [asyncio.create_task(job()) for _ in range(10)]
        await asyncio.sleep(0)
        waiting[5].cancel()  # a queued waiter leaves: its place must not be lost
        await asyncio.gather(*waiting, return_exceptions=True)
        async with gate.slot(), gate.slot():  # both places free again
            pass
        return most, sum(t.cancelled() for t in waiting)

    assert asyncio.run(main()) == (2, 1)
