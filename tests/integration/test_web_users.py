"""Workbench users in the database: argon2 hashes, login limits, sessions, tokens; the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from govmedia.artifacts import CHINA_TZ
from govmedia.cli import app
from govmedia.store.db import open_db
from govmedia.store.models import ApiTokenRow, UserRow, WebSessionRow
from govmedia.store.users import (
    LOGIN_WINDOW,
    LoginRefused,
    UserError,
    add_user,
    check_login,
    end_session,
    new_api_token,
    session_user,
    start_session,
    token_user,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def engine(tmp_path):
    return open_db(f"sqlite:///{tmp_path}/u.db")


def test_passwords_are_argon2_hashes(engine):
    add_user(engine, "li", "reviewer", "correct horse", NOW)
    with Session(engine) as s:
        stored = s.scalar(select(UserRow.password_hash))
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert check_login(engine, "li", "correct horse", "10.0.0.1", NOW, 5).name == "li"
    assert check_login(engine, "li", "wrong horse", "10.0.0.1", NOW, 5) is None
    assert check_login(engine, "nobody", "correct horse", "10.0.0.1", NOW, 5) is None


@pytest.mark.parametrize("name, role, password, owner, message", [
    ("", "viewer", "long enough", "", "用户名"),
    ("a b", "viewer", "long enough", "", "用户名"),
    ("x", "boss", "long enough", "", "角色"),
    ("x", "owner", "long enough", "", "--owner"),
    ("x", "viewer", "long enough", "某单位", "只有角色 owner"),
    ("x", "viewer", "short", "", "至少8"),
])
def test_bad_users_are_refused(engine, name, role, password, owner, message):
    with pytest.raises(UserError, match=message):
        add_user(engine, name, role, password, NOW, owner_unit=owner)


def test_duplicate_user_is_refused(engine):
    add_user(engine, "li", "viewer", "long enough", NOW)
    with pytest.raises(UserError, match="已存在"):
        add_user(engine, "li", "admin", "long enough", NOW)


def test_login_is_refused_after_the_limit_by_name_and_by_address(engine):
    add_user(engine, "li", "viewer", "right password", NOW)
    add_user(engine, "wang", "viewer", "right password", NOW)
    for _ in range(3):
        assert check_login(engine, "li", "guess", "10.0.0.1", NOW, 3) is None
    with pytest.raises(LoginRefused):  # even the right password, from anywhere
        check_login(engine, "li", "right password", "10.0.0.9", NOW, 3)
    with pytest.raises(LoginRefused):  # the same address trying another name
        check_login(engine, "wang", "right password", "10.0.0.1", NOW, 3)
    assert check_login(engine, "wang", "right password", "10.0.0.2", NOW, 3).name == "wang"
    later = NOW + LOGIN_WINDOW + timedelta(seconds=1)
    assert check_login(engine, "li", "right password", "10.0.0.1", later, 3).name == "li"


def test_sessions_keep_only_hashes_and_expire(engine):
    user = add_user(engine, "li", "viewer", "right password", NOW)
    token, csrf = start_session(engine, user, NOW, hours=2)
    with Session(engine) as s:
        row = s.scalar(select(WebSessionRow))
    assert row.token_hash != token and len(row.token_hash) == 64 and row.csrf_token == csrf
    found, found_csrf = session_user(engine, token, NOW + timedelta(hours=1))
    assert found.name == "li" and found_csrf == csrf
    assert session_user(engine, token, NOW + timedelta(hours=2, seconds=1)) is None
    assert session_user(engine, token + "x", NOW) is None
    end_session(engine, token)
    assert session_user(engine, token, NOW) is None


def test_api_tokens(engine):
    add_user(engine, "li", "reviewer", "right password", NOW)
    token = new_api_token(engine, "li", NOW)
    assert token_user(engine, token).role == "reviewer"
    assert token_user(engine, token[:-1]) is None and token_user(engine, "") is None
    with Session(engine) as s:
        assert s.scalar(select(ApiTokenRow.token_hash)) != token
    with pytest.raises(UserError):
        new_api_token(engine, "nobody", NOW)


def test_users_cli(tmp_path):
    env = {"GOVMEDIA_DB": f"sqlite:///{tmp_path}/c.db"}
    runner = CliRunner()
    added = runner.invoke(app, ["users", "add", "zhao", "--role", "owner", "--owner",
                                "青禾省交通运输厅", "--password-stdin"],
                          input="a fine password\n", env=env)
    assert added.exit_code == 0, added.output
    assert "已添加用户 zhao" in added.output and "没有主办单位为" in added.output
    listed = runner.invoke(app, ["users", "list"], env=env)
    assert "zhao\towner" in listed.output
    token = runner.invoke(app, ["users", "token", "zhao"], env=env)
    assert token.exit_code == 0
    assert token_user(open_db(env["GOVMEDIA_DB"]), token.stdout.strip()).name == "zhao"
    for args, message in ((["add", "x", "--role", "boss", "--password-stdin"], "--role"),
                          (["add", "x", "--role", "owner", "--password-stdin"], "--owner"),
                          (["add", "zhao", "--role", "viewer", "--password-stdin"], "已存在"),
                          (["token", "nobody"], "没有用户"), (["remove", "nobody"], "没有用户")):
        bad = runner.invoke(app, ["users", *args], input="a fine password\n", env=env)
        assert bad.exit_code == 2, (args, bad.output)
        assert message in bad.output and "Traceback" not in bad.output
    assert runner.invoke(app, ["users", "remove", "zhao"], env=env).exit_code == 0
    assert "zhao" not in runner.invoke(app, ["users", "list"], env=env).output


def test_serve_rejects_a_bad_port(tmp_path):
    out = CliRunner().invoke(app, ["serve", "--port", "70000"],
                             env={"GOVMEDIA_DB": f"sqlite:///{tmp_path}/s.db"})
    assert out.exit_code == 2 and "--port" in out.output
