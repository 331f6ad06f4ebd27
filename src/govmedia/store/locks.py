"""Named locks that one process holds at a time for a database (e.g. the monitor's).

PostgreSQL: a session advisory lock on a connection held for as long as the lock, so it holds
across machines and goes away with a process that dies. SQLite: an flock on a file beside the
database file (the database is on this machine), released by the kernel when the process
dies. An in-memory SQLite database belongs to one process and needs no lock.

    with exclusive(engine, "monitor"):   # raises LockHeld if another process holds it
        ...
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError


class LockHeld(RuntimeError):
    """Another process holds the lock."""


def _key(name: str) -> int:
    """Return a stable signed 64-bit advisory-lock key for name."""
    return int.from_bytes(hashlib.sha256(f"govmedia:{name}".encode()).digest()[:8], "big",
                          signed=True)


def run_lock(run_id: int) -> str:
    """Return the name of the lock held while a process executes run run_id locally."""
    return f"run-{run_id}"


def lock_file(engine: Engine, name: str) -> Path | None:
    """Return the file beside an SQLite database that the lock `name` is taken on; None for
    another database (PostgreSQL locks in the server) or an in-memory one."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        return None
    return Path(f"{database}.{name}.lock")


def _unlock(conn: Connection, name: str) -> None:
    """Release an advisory lock; a connection that fails meanwhile (server restarted, session
    terminated) is discarded instead, which ends its session and so the lock: the work done
    under the lock is never reported as failed because of its release."""
    try:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _key(name)})
        conn.commit()
    except DBAPIError:
        conn.invalidate()


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[None]:
    """Hold the lock `name` for this database while the block runs; raise LockHeld if taken."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _key(name)})
            held = bool(got.scalar())
            conn.commit()  # the lock belongs to the session, not to a transaction left open
            if not held:
                raise LockHeld(name)
            try:
                yield
            finally:
                _unlock(conn, name)
        return
    path = lock_file(engine, name)
    if path is None:
        yield
        return
    with path.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(name) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
