"""Helpers shared by the commands: user-facing errors, settings and the database."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from sqlalchemy import Engine

from govmedia.settings import Settings, SettingsError, load_settings
from govmedia.store.db import DatabaseError, open_db

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one clear error line to stderr and exit with code (never a traceback)."""
    err_console.print(f"[bold red]错误 / error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def settings(**overrides: object) -> Settings:
    """Return the settings (govmedia.toml, environment), with command-line overrides."""
    try:
        return load_settings().with_(**overrides)
    except SettingsError as exc:
        fail(str(exc))


def engine(cfg: Settings) -> Engine:
    """Return the database engine for cfg, upgraded to the current schema."""
    try:
        return open_db(cfg.db)
    except DatabaseError as exc:
        fail(str(exc))


EXECUTOR_HELP = ("local: collect in this process; celery: one task per account on `govmedia "
                 "worker` processes (needs PostgreSQL and Redis).")


def check_executor(executor: str, cfg: Settings | None = None) -> None:
    """Exit with one clear line unless executor is local, or celery on a shared database
    (the database is checked when cfg is given)."""
    if executor not in ("local", "celery"):
        fail(f"--executor 只能是 local 或 celery，而不是 {executor!r}")
    if executor == "celery" and cfg is not None and cfg.db.startswith("sqlite"):
        fail("--executor celery 需要 PostgreSQL 数据库（db 设置，如 GOVMEDIA_DB=postgresql://"
             "user@host/db）：SQLite 不能被多个 worker 共享")
