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
