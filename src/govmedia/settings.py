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
            "Chromium for the phone checks and PDFs; empty: /usr/bin/chromium-headless-shell, "
            "else /usr/bin/chromium, else Playwright's own."),
    Setting("review_required", "GOVMEDIA_REVIEW_REQUIRED", False, bool,
            "Veto candidates (machine findings marked provisional) count only once confirmed."),
    Setting("web_cookie_secure", "GOVMEDIA_WEB_COOKIE_SECURE", True, bool,
            "Workbench cookies carry the Secure flag (browsers send them over HTTPS and to "
            "localhost only)."),
    Setting("web_login_limit", "GOVMEDIA_WEB_LOGIN_LIMIT", 5, int,
            "Failed workbench logins allowed per user name and per client address in 15 minutes."),
    Setting("web_session_hours", "GOVMEDIA_WEB_SESSION_HOURS", 12, int,
            "Hours a workbench sign-in lasts."),
    Setting("monitor_daily", "GOVMEDIA_MONITOR_DAILY", "30 8 * * *", str,
            "Cron expression (Beijing time) of the monitor's light daily check of publish times."),
    Setting("monitor_weekly", "GOVMEDIA_MONITOR_WEEKLY", "0 2 * * 1", str,
            "Cron expression (Beijing time) of the monitor's weekly full inspection."),
    Setting("alert_webhooks", "GOVMEDIA_ALERT_WEBHOOKS", "", str,
            "Webhook URLs for alerts (WeCom, DingTalk, Feishu or generic JSON), one per line."),
    Setting("alert_mode", "GOVMEDIA_ALERT_MODE", "each", str,
            "each: one message per alert; digest: one message per cycle and channel."),
    Setting("alert_attempts", "GOVMEDIA_ALERT_ATTEMPTS", 3, int,
            "Attempts per alert message and channel in one cycle (back-off doubles each time)."),
    Setting("alert_retry_delay", "GOVMEDIA_ALERT_RETRY_DELAY", 2.0, float,
            "Seconds before the first retry of a failed alert delivery."),
    Setting("alert_email_to", "GOVMEDIA_ALERT_EMAIL_TO", "", str,
            "E-mail addresses for alerts, separated by commas or spaces; empty: no e-mail."),
    Setting("smtp_host", "GOVMEDIA_SMTP_HOST", "", str, "SMTP server for alert e-mail."),
    Setting("smtp_port", "GOVMEDIA_SMTP_PORT", 587, int, "SMTP server port."),
    Setting("smtp_security", "GOVMEDIA_SMTP_SECURITY", "starttls", str,
            "SMTP connection security: starttls, ssl (implicit TLS) or none."),
    Setting("smtp_user", "GOVMEDIA_SMTP_USER", "", str, "SMTP login; empty: no login."),
    Setting("smtp_password", "GOVMEDIA_SMTP_PASSWORD", "", str, "SMTP password."),
    Setting("smtp_from", "GOVMEDIA_SMTP_FROM", "", str,
            "Sender address of alert e-mail; empty: smtp_user, else govmedia@localhost."),
    Setting("keep_runs", "GOVMEDIA_KEEP_RUNS", 10, int,
            "How many of the newest complete runs `govmedia prune` keeps with their archives."),
    Setting("broker", "GOVMEDIA_BROKER", "redis://127.0.0.1:6379/0", str,
            "Redis URL of the task queue of distributed runs (and of the per-host slots)."),
    Setting("broker_prefix", "GOVMEDIA_BROKER_PREFIX", "govmedia", str,
            "Prefix of every Redis key of distributed runs; workers and inspect must agree."),
    Setting("task_lease", "GOVMEDIA_TASK_LEASE", 900.0, float,
            "Seconds before the task of a worker that died is given to another worker."),
)

_BY_NAME = {s.name: s for s in SETTINGS}
_BOOLS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


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
    review_required: bool = False
    web_cookie_secure: bool = True
    web_login_limit: int = 5
    web_session_hours: int = 12
    monitor_daily: str = "30 8 * * *"
    monitor_weekly: str = "0 2 * * 1"
    alert_webhooks: str = ""
    alert_mode: str = "each"
    alert_attempts: int = 3
    alert_retry_delay: float = 2.0
    alert_email_to: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    keep_runs: int = 10
    broker: str = "redis://127.0.0.1:6379/0"
    broker_prefix: str = "govmedia"
    task_lease: float = 900.0

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
        if kind is bool and isinstance(value, str) and value.strip().lower() in _BOOLS:
            result = _BOOLS[value.strip().lower()]
        elif kind is int and isinstance(value, str | int | float) and not isinstance(value, bool):
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
