"""Who is asking and may they: sessions, bearer tokens, roles, CSRF, security headers.

A request is signed in by a session cookie (browser) or an `Authorization: Bearer` token
(API clients). Every request with a mutating method passes `guard` (an app-wide dependency,
so a new endpoint cannot forget it): it must be signed in, and a cookie-signed request must
carry the session's CSRF token in the form field `csrf_token` or the header `X-CSRF-Token`.
The login form, which has no session yet, is protected by a double-submit token instead.
Bearer requests need no CSRF token: a browser never attaches them on its own.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from govmedia.artifacts import CHINA_TZ
from govmedia.store import browse
from govmedia.store.users import User, same_token, session_user, token_user

SESSION_COOKIE = "gm_session"
LOGIN_COOKIE = "gm_login"  # double-submit CSRF token of the login form
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PERMISSIONS = {
    "read": {"admin", "reviewer", "viewer", "owner"},
    "review": {"admin", "reviewer"},
    "run": {"admin", "reviewer"},
    "admin": {"admin"},
}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}


class NotSignedIn(Exception):
    """The request has no valid session or token."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user of a request, how it signed in, and which accounts it may see."""

    user: User
    via: str  # session | token
    csrf: str = ""  # the session's CSRF token ("" for bearer tokens)
    visible: frozenset[int] | None = None  # None: every account

    def can(self, permission: str) -> bool:
        return self.user.role in PERMISSIONS[permission]

    def sees(self, account_id: int) -> bool:
        return self.visible is None or account_id in self.visible


def now() -> datetime:
    """Return the current time (sessions and audit entries use the clock, not as-of)."""
    return datetime.now(CHINA_TZ)


def _bearer(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def authenticate(request: Request) -> Principal | None:
    """Return the principal of a request (bearer token first, then session cookie), or None."""
    engine = request.app.state.engine
    if token := _bearer(request):
        user, via, csrf = token_user(engine, token), "token", ""
    else:
        found = session_user(engine, request.cookies.get(SESSION_COOKIE, ""), now())
        user, via, csrf = (found[0], "session", found[1]) if found else (None, "", "")
    if user is None:
        return None
    visible = (frozenset(browse.owner_account_ids(engine, user.owner_unit))
               if user.role == "owner" else None)
    return Principal(user, via, csrf, visible)


async def _sent_token(request: Request) -> str:
    if token := request.headers.get(CSRF_HEADER, ""):
        return token
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD, "")
        return value if isinstance(value, str) else ""
    return ""


async def guard(request: Request) -> None:
    """Authenticate every request; refuse a mutating one without sign-in or CSRF token."""
    principal = authenticate(request)
    request.state.principal = principal
    if request.method not in MUTATING:
        return
    sent = await _sent_token(request)
    if request.url.path == "/login":
        if not same_token(sent, request.cookies.get(LOGIN_COOKIE, "")):
            raise HTTPException(403, "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")
        return
    if principal is None:
        raise NotSignedIn()
    if principal.via == "session" and not same_token(sent, principal.csrf):
        raise HTTPException(403, "CSRF 校验失败：请刷新页面后重试")


def signed_in(request: Request) -> Principal:
    """Return the request's principal (dependency); raise NotSignedIn without one."""
    principal = getattr(request.state, "principal", None)
    if principal is None:
        raise NotSignedIn()
    return principal


def needs(permission: str) -> Callable[[Request], Principal]:
    """Return a dependency that gives the principal if its role has the permission, else 403."""
    def dependency(request: Request) -> Principal:
        principal = signed_in(request)
        if not principal.can(permission):
            raise HTTPException(403, f"“{principal.user.role_name}”角色无权进行此操作")
        return principal
    return dependency


def new_login_token() -> str:
    """Return a fresh double-submit token for the login form."""
    return secrets.token_urlsafe(32)


class SecurityHeaders:
    """ASGI middleware: the CSP and other protective headers on every response; no caching
    of anything but static files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    if name not in headers:  # an endpoint may set a stricter one
                        headers[name] = value
                if not static and "cache-control" not in headers:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


SignedIn = Annotated[Principal, Depends(signed_in)]
Reader = Annotated[Principal, Depends(needs("read"))]
Reviewer = Annotated[Principal, Depends(needs("review"))]
Runner = Annotated[Principal, Depends(needs("run"))]
Admin = Annotated[Principal, Depends(needs("admin"))]
