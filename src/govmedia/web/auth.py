"""Sign in and out. Cookies are HttpOnly, SameSite=Strict and (by default) Secure."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from govmedia.store.users import LoginRefused, check_login, end_session, start_session
from govmedia.web.security import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    SignedIn,
    new_login_token,
    now,
)
from govmedia.web.templating import render

router = APIRouter()


def _cookie(request: Request, response: Response, name: str, value: str,
            max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True,
                        samesite="strict", secure=request.app.state.settings.web_cookie_secure)


def local_path(target: str) -> str:
    """Return target when it is a path on this site (never another host), else "/"."""
    if target.startswith("/") and not target.startswith(("//", "/\\")) and "\n" not in target:
        return target
    return "/"


def _login_page(request: Request, message: str = "", status: int = 200,
                next_url: str = "/") -> Response:
    token = request.cookies.get(LOGIN_COOKIE) or new_login_token()
    response = render(request, "login.html", {"login_token": token, "message": message,
                                              "next": local_path(next_url)}, status=status)
    _cookie(request, response, LOGIN_COOKIE, token, max_age=3600)
    return response


@router.get("/login", include_in_schema=False)
def login_form(request: Request, next: str = "/") -> Response:  # noqa: A002 - the query name
    """Return the login page (or go on when already signed in)."""
    if getattr(request.state, "principal", None) is not None:
        return RedirectResponse(local_path(next), status_code=303)
    return _login_page(request, next_url=next)


@router.post("/login", include_in_schema=False)
def login(request: Request, name: str = Form(""), password: str = Form(""),
          next: str = Form("/")) -> Response:  # noqa: A002
    """Sign in: a new session on success; a refusal after too many failures."""
    settings = request.app.state.settings
    engine = request.app.state.engine
    address = request.client.host if request.client else "unknown"
    try:
        user = check_login(engine, name.strip(), password, address, now(),
                           settings.web_login_limit)
    except LoginRefused:
        return _login_page(request, "登录失败次数过多，请15分钟后再试", 429, next)
    if user is None:
        return _login_page(request, "用户名或密码错误", 401, next)
    token, _csrf = start_session(engine, user, now(), settings.web_session_hours)
    response = RedirectResponse(local_path(next), status_code=303)
    _cookie(request, response, SESSION_COOKIE, token,
            max_age=settings.web_session_hours * 3600)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, p: SignedIn) -> Response:
    """Sign out: the session is forgotten on the server, the cookie removed."""
    if p.via == "session":
        end_session(request.app.state.engine, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
