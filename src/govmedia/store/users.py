"""Workbench users: accounts with roles, argon2 password hashes, sessions, API tokens, login limits.

Sessions and API tokens are random 256-bit tokens; the database keeps only their SHA-256, so
a copy of the database lets nobody sign in. A session carries its own random CSRF token.
Login is refused once a user name or a client address has had `limit` failures in the last
LOGIN_WINDOW, whether or not the password is right, so guessing cannot go on in the open.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from govmedia.store.models import (
    ApiTokenRow,
    LoginAttemptRow,
    UserRow,
    WebSessionRow,
)

ROLES = ("admin", "reviewer", "viewer", "owner")
ROLE_NAMES = {"admin": "管理员", "reviewer": "复核员", "viewer": "只读", "owner": "主办单位"}
LOGIN_WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 8
_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the user name is unknown, so that both paths take the same time.
_DUMMY_HASH = _HASHER.hash("govmedia-no-such-user")


class UserError(ValueError):
    """A user cannot be created or changed as asked (the message is Chinese, for the user)."""


class LoginRefused(Exception):
    """Too many failed logins for this name or address: try again later."""


@dataclass(frozen=True, slots=True)
class User:
    """A signed-in person as the web layer sees it (no password hash)."""

    id: int
    name: str
    role: str
    owner_unit: str = ""

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)


def _user(row: UserRow) -> User:
    return User(row.id, row.name, row.role, row.owner_unit)


def digest(token: str) -> str:
    """Return the SHA-256 hex digest under which a session or API token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def _utc(t: datetime) -> datetime:
    return t.astimezone(UTC)


def _aware(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t


def add_user(engine: Engine, name: str, role: str, password: str, now: datetime, *,
             owner_unit: str = "") -> User:
    """Return the new user after storing it with an argon2 hash of password."""
    name, owner_unit = name.strip(), owner_unit.strip()
    if not name or len(name) > 80 or any(c.isspace() for c in name):
        raise UserError("用户名不能为空、不能含空白字符，且不超过80个字符")
    if role not in ROLES:
        raise UserError(f"角色只能是 {'、'.join(ROLES)} 之一，而不是 {role!r}")
    if role == "owner" and not owner_unit:
        raise UserError("角色 owner（主办单位）必须用 --owner 指定主办单位名称")
    if role != "owner" and owner_unit:
        raise UserError("只有角色 owner 才能指定主办单位（--owner）")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"密码至少{MIN_PASSWORD}个字符")
    with Session(engine) as s, s.begin():
        if s.scalar(select(UserRow.id).where(UserRow.name == name)) is not None:
            raise UserError(f"用户 {name} 已存在")
        row = UserRow(name=name, role=role, owner_unit=owner_unit,
                      password_hash=_HASHER.hash(password), created_at=_utc(now))
        s.add(row)
        s.flush()
        return _user(row)


def set_password(engine: Engine, name: str, password: str) -> None:
    """Replace a user's password and end all of its sessions."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"密码至少{MIN_PASSWORD}个字符")
    with Session(engine) as s, s.begin():
        row = s.scalar(select(UserRow).where(UserRow.name == name))
        if row is None:
            raise UserError(f"没有用户 {name}")
        row.password_hash = _HASHER.hash(password)
        s.execute(delete(WebSessionRow).where(WebSessionRow.user_id == row.id))


def remove_user(engine: Engine, name: str) -> None:
    """Delete a user with its sessions and tokens (review history keeps the name)."""
    with Session(engine) as s, s.begin():
        row = s.scalar(select(UserRow).where(UserRow.name == name))
        if row is None:
            raise UserError(f"没有用户 {name}")
        for model in (WebSessionRow, ApiTokenRow):
            s.execute(delete(model).where(model.user_id == row.id))
        s.delete(row)


def list_users(engine: Engine) -> list[User]:
    """Return every user, by name."""
    with Session(engine) as s:
        return [_user(r) for r in s.scalars(select(UserRow).order_by(UserRow.name))]


def check_login(engine: Engine, name: str, password: str, address: str, now: datetime,
                limit: int) -> User | None:
    """Return the user when name and password match, None when they do not.

    Raises LoginRefused when the name or the address already had `limit` failures within
    LOGIN_WINDOW; every try is recorded.
    """
    since = _utc(now - LOGIN_WINDOW)
    with Session(engine) as s, s.begin():
        s.execute(delete(LoginAttemptRow).where(LoginAttemptRow.at < _utc(now - 4 * LOGIN_WINDOW)))
        failed = select(func.count(LoginAttemptRow.id)).where(
            LoginAttemptRow.at >= since, LoginAttemptRow.ok.is_(False))
        by_name = s.scalar(failed.where(LoginAttemptRow.name == name))
        by_address = s.scalar(failed.where(LoginAttemptRow.address == address))
        if max(by_name, by_address) >= limit:
            s.add(LoginAttemptRow(name=name[:80], address=address[:64], at=_utc(now), ok=False))
            refused = True
        else:
            refused = False
            row = s.scalar(select(UserRow).where(UserRow.name == name))
            try:
                ok = _HASHER.verify(row.password_hash if row else _DUMMY_HASH, password)
            except (VerificationError, InvalidHashError):
                ok = False
            ok = ok and row is not None
            s.add(LoginAttemptRow(name=name[:80], address=address[:64], at=_utc(now), ok=ok))
            if ok and _HASHER.check_needs_rehash(row.password_hash):
                row.password_hash = _HASHER.hash(password)
            user = _user(row) if ok else None
    if refused:
        raise LoginRefused(name)
    return user


def start_session(engine: Engine, user: User, now: datetime, hours: int) -> tuple[str, str]:
    """Return (session token for the cookie, CSRF token) of a new session for user."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with Session(engine) as s, s.begin():
        s.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < _utc(now)))
        s.add(WebSessionRow(token_hash=digest(token), user_id=user.id, csrf_token=csrf,
                            created_at=_utc(now), expires_at=_utc(now + timedelta(hours=hours))))
    return token, csrf


def session_user(engine: Engine, token: str, now: datetime) -> tuple[User, str] | None:
    """Return (user, CSRF token) of a live session, or None for an unknown or expired one."""
    if not token:
        return None
    with Session(engine) as s:
        found = s.execute(select(WebSessionRow, UserRow)
                          .join(UserRow, UserRow.id == WebSessionRow.user_id)
                          .where(WebSessionRow.token_hash == digest(token))).first()
        if found is None or _aware(found[0].expires_at) <= _utc(now):
            return None
        return _user(found[1]), found[0].csrf_token


def end_session(engine: Engine, token: str) -> None:
    """Forget a session (logout)."""
    with Session(engine) as s, s.begin():
        s.execute(delete(WebSessionRow).where(WebSessionRow.token_hash == digest(token)))


def new_api_token(engine: Engine, name: str, now: datetime) -> str:
    """Return a new API bearer token for the user (shown once; only its hash is kept)."""
    token = "gm_" + secrets.token_urlsafe(32)
    with Session(engine) as s, s.begin():
        row = s.scalar(select(UserRow).where(UserRow.name == name))
        if row is None:
            raise UserError(f"没有用户 {name}")
        s.add(ApiTokenRow(token_hash=digest(token), user_id=row.id, created_at=_utc(now)))
    return token


def token_user(engine: Engine, token: str) -> User | None:
    """Return the user of an API bearer token, or None."""
    if not token:
        return None
    with Session(engine) as s:
        row = s.scalar(select(UserRow).join(ApiTokenRow, ApiTokenRow.user_id == UserRow.id)
                       .where(ApiTokenRow.token_hash == digest(token)))
        return _user(row) if row else None


def same_token(a: str, b: str) -> bool:
    """Return True when two tokens are equal (compared in constant time)."""
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())
