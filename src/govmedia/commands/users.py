"""`govmedia users`: workbench users (add, list, remove, passwd) and API tokens."""

from __future__ import annotations

import sys
from datetime import datetime

import typer

from govmedia.artifacts import CHINA_TZ
from govmedia.commands.common import console, engine, err_console, fail, settings
from govmedia.store.users import (
    ROLE_NAMES,
    ROLES,
    UserError,
    add_user,
    list_users,
    new_api_token,
    remove_user,
    set_password,
)

users_app = typer.Typer(help="Workbench users and API tokens (工作台用户).", no_args_is_help=True)


def _now() -> datetime:
    return datetime.now(CHINA_TZ)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        text = sys.stdin.readline().rstrip("\r\n")
        if not text:
            fail("标准输入中没有密码")
        return text
    return typer.prompt("密码", hide_input=True, confirmation_prompt="再输入一次")


@users_app.command("add")
def add(
    name: str = typer.Argument(..., help="User name (登录名)."),
    role: str = typer.Option(..., "--role", help=f"One of {', '.join(ROLES)}."),
    owner: str = typer.Option("", "--owner", help="Owner unit (主办单位) for role owner: "
                              "the user sees only accounts whose owner is exactly this."),
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="Read the password from standard input."),
) -> None:
    """Add a user (password asked for, or read with --password-stdin)."""
    if role not in ROLES:
        fail(f"--role 只能是 {'、'.join(ROLES)} 之一，而不是 {role!r}")
    eng = engine(settings())
    password = _password(password_stdin)
    try:
        user = add_user(eng, name, role, password, _now(), owner_unit=owner)
    except UserError as exc:
        fail(str(exc))
    console.print(f"已添加用户 {user.name}（{user.role_name}"
                  f"{'，' + user.owner_unit if user.owner_unit else ''}）", highlight=False)
    if role == "owner":
        from govmedia.store.browse import owner_account_ids

        if not owner_account_ids(eng, owner):
            err_console.print(f"[yellow]注意：目前没有主办单位为“{owner}”的账号[/]",
                              highlight=False)


@users_app.command("list")
def list_() -> None:
    """List the users, one a line: name, role, role in Chinese, owner unit (tab-separated)."""
    for u in list_users(engine(settings())):
        print(f"{u.name}\t{u.role}\t{ROLE_NAMES[u.role]}\t{u.owner_unit}")


@users_app.command("remove")
def remove(name: str = typer.Argument(..., help="User name.")) -> None:
    """Remove a user with its sessions and tokens (the review history keeps the name)."""
    try:
        remove_user(engine(settings()), name)
    except UserError as exc:
        fail(str(exc))
    console.print(f"已删除用户 {name}", highlight=False)


@users_app.command("passwd")
def passwd(
    name: str = typer.Argument(..., help="User name."),
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="Read the password from standard input."),
) -> None:
    """Set a user's password (its sessions end)."""
    eng = engine(settings())
    try:
        set_password(eng, name, _password(password_stdin))
    except UserError as exc:
        fail(str(exc))
    console.print(f"已修改用户 {name} 的密码", highlight=False)


@users_app.command("token")
def token(name: str = typer.Argument(..., help="User name.")) -> None:
    """Create an API bearer token for a user and print it (shown only this once)."""
    try:
        value = new_api_token(engine(settings()), name, _now())
    except UserError as exc:
        fail(str(exc))
    print(value)
    err_console.print("请妥善保存：令牌只显示这一次（Authorization: Bearer <令牌>）")
