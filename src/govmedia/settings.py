"""One settings object, loaded in layers: built-in < govmedia.toml < environment < command line.

Every setting is one row of SETTINGS; docs/settings.md documents each (a test enforces it).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any


class SettingsError(ValueError):
    """A setting has an unknown name or a value of the wrong type (a user error)."""


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    env: str
    default: Any
    type: type
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "GOVMEDIA_DB", "sqlite:///govmedia.db", str,
            "SQLAlchemy database URL (SQLite by default, PostgreSQL for a server)."),
    Setting("wechat_api_base", "GOVMEDIA_WECHAT_API_BASE", "https://api.weixin.qq.com", str,
            "Base URL of the WeChat Official Account API."),
    Setting("http_timeout", "GOVMEDIA_HTTP_TIMEOUT", 20.0, float,
            "Total time limit in seconds for one HTTP request, retries excluded."),
    Setting("concurrency", "GOVMEDIA_CONCURRENCY", 8, int,
            "How many accounts are collected at the same time."),
    Setting("data_dir", "GOVMEDIA_DATA_DIR", "govmedia-data", str,
            "Folder for evidence archives (WARC files) and other run outputs."),
    Setting("per_host_concurrency", "GOVMEDIA_PER_HOST_CONCURRENCY", 4, int,
            "How many requests may be open to one host at the same time."),
    Setting("http_retries", "GOVMEDIA_HTTP_RETRIES", 2, int,
            "Retries after a timeout, HTTP 5xx or 429 (never after other errors)."),
    Setting("http_concurrency", "GOVMEDIA_HTTP_CONCURRENCY", 64, int,
            "How many HTTP requests may be open at the same time in one run, all hosts together."),
    Setting("browser", "GOVMEDIA_CHROMIUM", "", str,
            "Chromium for the phone checks; empty: /usr/bin/chromium, else Playwright's own."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True, slots=True)
class Settings:
    db: str = "sqlite:///govmedia.db"
    wechat_api_base: str = "https://api.weixin.qq.com"
    http_timeout: float = 20.0
    concurrency: int = 8
    data_dir: str = "govmedia-data"
    per_host_concurrency: int = 4
    http_retries: int = 2
    http_concurrency: int = 64
    browser: str = ""

    def with_(self, **changes: Any) -> Settings:
        """Return a copy with the given settings changed (None values are ignored)."""
        clean = {k: _coerce(k, v, "command line") for k, v in changes.items() if v is not None}
        return replace(self, **clean)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)


def _coerce(name: str, value: Any, origin: str) -> Any:
    if name not in _BY_NAME:
        raise SettingsError(f"unknown setting '{name}' in {origin}")
    kind = _BY_NAME[name].type
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    try:
        if kind is int and isinstance(value, str | int | float) and not isinstance(value, bool):
            result = int(str(value).strip())
        elif kind is float and isinstance(value, str | int | float) and not isinstance(value, bool):
            result = float(str(value).strip())
        elif kind is str:
            result = str(value)
        else:
            raise ValueError
    except ValueError:
        raise SettingsError(
            f"setting '{name}' in {origin} must be {kind.__name__}, got {value!r}"
        ) from None
    if kind in (int, float) and result <= 0:
        raise SettingsError(f"setting '{name}' in {origin} must be positive, got {value!r}")
    return result


def load_settings(cwd: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Return the settings from govmedia.toml in cwd (if any), then the environment."""
    cwd = cwd or Path.cwd()
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    toml_path = cwd / "govmedia.toml"
    if toml_path.exists():
        try:
            data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{toml_path}: not valid TOML ({exc})") from None
        table = data.get("govmedia", data)
        for key, value in table.items():
            values[key] = _coerce(key, value, str(toml_path))
    for setting in SETTINGS:
        if setting.env in environ and environ[setting.env] != "":
            values[setting.name] = _coerce(setting.name, environ[setting.env], setting.env)
    known = {f.name for f in fields(Settings)}
    assert known == set(_BY_NAME), "SETTINGS and Settings disagree"
    return Settings(**values)
