"""Opening the database: engine creation, schema migration to head, clear connection errors."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config


MIGRATION_LOCK = 0x676F766D65646961  # "govmedia": the advisory lock held while upgrading


class DatabaseError(RuntimeError):
    """The database cannot be opened or upgraded (a user error: bad URL, server down)."""


def _alembic_config() -> Config:
    from alembic.config import Config  # imported here: alembic is slow to load for `--help`

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("govmedia.store") / "migrations"))
    return cfg


def _normalise(url: str) -> str:
    # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def open_db(url: str) -> Engine:
    """Return an engine for url with the schema upgraded to the latest migration."""
    try:
        parsed = make_url(_normalise(url))
    except ArgumentError:
        raise DatabaseError(f"not a database URL: {url!r} (e.g. sqlite:///govmedia.db)") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, future=True)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.begin() as conn:
            if parsed.get_backend_name() == "postgresql":
                # Workers and `inspect` may open a fresh database at the same moment: one
                # upgrades, the others wait here (until commit) and then find it at head.
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            cfg = _alembic_config()
            cfg.attributes["connection"] = conn
            from alembic import command

            command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise DatabaseError(f"cannot open database {parsed.render_as_string()}: "
                            f"{exc.orig}".strip()) from None
    return engine


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL keeps readers working while a run writes; foreign keys make cascades real.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def sessions(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to engine."""
    return sessionmaker(engine, expire_on_commit=False)


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
