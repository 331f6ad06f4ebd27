"""Opening a fresh PostgreSQL database from several processes at once (workers and `inspect`
started together): every one of them gets the upgraded schema, none fails on the race."""

from __future__ import annotations

import multiprocessing

from sqlalchemy import text

from govmedia.store.db import open_db

OPENERS = 6


def _open(url: str, barrier, results) -> None:
    barrier.wait(timeout=30)
    try:
        open_db(url).dispose()
        results.put("ok")
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results.put(f"{type(exc).__name__}: {exc}"[:300])


def test_concurrent_first_open_upgrades_once(pg_url):
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(OPENERS), ctx.Queue()
    procs = [ctx.Process(target=_open, args=(pg_url, barrier, results)) for _ in range(OPENERS)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert outcomes == ["ok"] * OPENERS
    engine = open_db(pg_url)
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    engine.dispose()
    assert len(versions) == 1
