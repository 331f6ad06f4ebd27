"""Jinja2 templates with autoescape everywhere, and the filters the pages use.

Scraped text (titles, excerpts, URLs, menu labels) is untrusted: templates never mark it safe,
and a scraped URL becomes a link only when it is http(s) (no javascript: or data: links).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from govmedia.artifacts import CHINA_TZ
from govmedia.indicators.engine import FAIL, PASS

NAV = (("overview", "/", "总览"), ("accounts", "/accounts", "账号"),
       ("review", "/review", "复核"), ("jobs", "/jobs", "检查任务"),
       ("reports", "/reports", "报告"), ("pretext", "/pretext", "稿件预审"))


def beijing(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Return a time (datetime or ISO text) in Beijing time, or — when there is none."""
    if value in (None, ""):
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is None:
        return value.strftime(fmt)
    return value.astimezone(CHINA_TZ).strftime(fmt)


def percent(value: float | None) -> str:
    """Return a share as a percentage with one decimal, or — when there is none."""
    return "—" if value is None else f"{value * 100:.1f}%"


def verdict_class(verdict: str | None) -> str:
    """Return the CSS class of a verdict."""
    return {PASS: "ok", FAIL: "bad"}.get(verdict or "", "unknown")


def web_url(url: Any) -> str:
    """Return url when it is an http(s) URL, else "" (so it is never made a link)."""
    if not isinstance(url, str):
        return ""
    try:
        return url if urlsplit(url.strip()).scheme in ("http", "https") else ""
    except ValueError:
        return ""


def make_templates() -> Jinja2Templates:
    """Return the template renderer (autoescape on for every template)."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("govmedia.web", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(bj=beijing, pct=percent, vclass=verdict_class, web_url=web_url)
    env.globals["NAV"] = NAV
    return Jinja2Templates(env=env)


def render(request: Request, name: str, context: dict[str, Any] | None = None, *,
           status: int = 200, active: str = "") -> HTMLResponse:
    """Return a rendered page with the signed-in user and CSRF token in its context."""
    principal = getattr(request.state, "principal", None)
    ctx = {"p": principal, "csrf": principal.csrf if principal else "", "active": active,
           "review_required": request.app.state.settings.review_required, **(context or {})}
    return request.app.state.templates.TemplateResponse(request, name, ctx, status_code=status)
