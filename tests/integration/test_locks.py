"""store/locks.py: one holder at a time per database and name, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from govmedia.store.db import open_db
from govmedia.store.locks import LockHeld, exclusive


def _held_once(url: str) -> None:
    first, second = open_db(url), open_db(url)  # two engines: two processes' connections
    with exclusive(first, "monitor"):
        with pytest.raises(LockHeld):
            with exclusive(second, "monitor"):
                pass
        with exclusive(second, "other-name"):  # another name is another lock
            pass
    with exclusive(second, "monitor"):  # released when the block ends
        pass
    first.dispose()
    second.dispose()


def test_sqlite_lock(tmp_path):
    _held_once(f"sqlite:///{tmp_path}/l.db")


def test_postgresql_lock(pg_url):
    _held_once(pg_url)


def test_a_lost_connection_does_not_fail_the_work_done_under_the_lock(pg_url):
    from sqlalchemy import text

    first, second = open_db(pg_url), open_db(pg_url)
    with exclusive(first, "monitor"):
        with second.connect() as admin:  # the lock's session ends (server restart, DBA)
            admin.execute(text("SELECT pg_terminate_backend(pid) FROM pg_locks "
                               "WHERE locktype = 'advisory' AND pid <> pg_backend_pid() "
                               "AND database = (SELECT oid FROM pg_database "
                               "WHERE datname = current_database())"))
            admin.commit()
    with exclusive(second, "monitor"):  # the lock went with its session
        pass
    first.dispose()
    second.dispose()


def test_released_when_the_block_raises(tmp_path):
    engine = open_db(f"sqlite:///{tmp_path}/l.db")
    with pytest.raises(RuntimeError, match="inside"), exclusive(engine, "monitor"):
        raise RuntimeError("inside")
    with exclusive(engine, "monitor"):
        pass


def test_a_run_another_process_executes_is_not_abandoned(tmp_path):
    from datetime import datetime

    from govmedia.artifacts import CHINA_TZ
    from govmedia.store import runs
    from govmedia.store.locks import run_lock

    engine = open_db(f"sqlite:///{tmp_path}/l.db")
    now = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)
    run_id, _ = runs.start_or_resume_run(engine, now, "gb-2019-19", [], now)
    with exclusive(engine, run_lock(run_id)):  # `govmedia inspect --resume` executing it
        assert runs.abandon_run(engine, run_id, now) is False
    assert runs.find_run(engine, run_id).status == "running"
    assert runs.abandon_run(engine, run_id, now) is True
    assert runs.find_run(engine, run_id).status == "abandoned"
    assert runs.abandon_run(engine, run_id, now) is False  # not unfinished any more
