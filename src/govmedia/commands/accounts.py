"""`govmedia accounts`: import, list and export the account registry."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from govmedia.commands.common import console, engine, fail, settings
from govmedia.registry.categories import CATEGORIES, category_label
from govmedia.registry.files import (
    HEADER_LABELS,
    AccountFileError,
    category_id,
    read_accounts_file,
    write_accounts_file,
)
from govmedia.registry.sample_2024 import BUILTINS
from govmedia.store.accounts import list_accounts, upsert_accounts
from govmedia.store.models import ACCOUNT_FIELDS, AccountRow

accounts_app = typer.Typer(help="Manage the account registry (账号台账): import, list, export.",
                           no_args_is_help=True)

PUBLIC_FIELDS = [f for f in ACCOUNT_FIELDS if f != "wechat_secret"]


def _category(value: str | None) -> str | None:
    if value is None:
        return None
    cat = category_id(value)
    if cat is None:
        allowed = "、".join(f"{labels[0]}（{k}）" for k, labels in CATEGORIES.items())
        fail(f"--category「{value}」无效，应为 {allowed}")
    return cat


@accounts_app.command("import")
def import_accounts(
    file: Annotated[Path | None, typer.Argument(
        help="CSV or XLSX account list (UTF-8 or GBK).")] = None,
    builtin: str | None = typer.Option(
        None, "--builtin", help=f"Import a built-in list instead: {', '.join(BUILTINS)}."),
) -> None:
    """Import accounts from a file; existing ones (same platform, name, owner) are updated."""
    if (file is None) == (builtin is None):
        fail("请指定一个账号文件，或用 --builtin 指定内置名单（二者选一）")
    if builtin is not None:
        if builtin not in BUILTINS:
            fail(f"没有名为「{builtin}」的内置名单；可用：{'、'.join(BUILTINS)}")
        rows = BUILTINS[builtin]()
    else:
        try:
            rows = read_accounts_file(file)
        except AccountFileError as exc:
            fail(str(exc))
    summary = upsert_accounts(engine(settings()), rows)
    console.print(f"导入完成：新增 {summary.added} 个，更新 {summary.updated} 个，"
                  f"未变 {summary.unchanged} 个（共 {summary.total} 个账号）", highlight=False)


@accounts_app.command("list")
def list_command(
    category: str | None = typer.Option(
        None, "--category", help="Only this category: ministry, provincial_gov, "
        "provincial_dept (or 部委, 省级政府, 省级政府部门)."),
    fmt: str = typer.Option("table", "--format", help="table, csv or json."),
) -> None:
    """List the accounts in the database (AppSecret is never shown)."""
    if fmt not in ("table", "csv", "json"):
        fail(f"--format 只能是 table、csv 或 json，而不是 {fmt!r}")
    accounts = list_accounts(engine(settings()), category=_category(category))
    if fmt == "json":
        data = [{"id": a.id, **{f: getattr(a, f) for f in PUBLIC_FIELDS},
                 "has_secret": bool(a.wechat_secret)} for a in accounts]
        print(json.dumps(data, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(PUBLIC_FIELDS)
        writer.writerows([getattr(a, f) for f in PUBLIC_FIELDS] for a in accounts)
    elif not accounts:
        console.print("数据库中还没有账号：请先用 govmedia accounts import FILE 导入")
    else:
        console.print(_table(accounts))


def _table(accounts: list[AccountRow]) -> Table:
    table = Table(title=f"账号台账（{len(accounts)} 个）")
    for title in ("ID", *(HEADER_LABELS[f] for f in ("name", "owner", "category", "province",
                                                      "field", "platform")), "凭据", "订阅源"):
        table.add_column(title, overflow="fold")
    for a in accounts:
        creds = "AppID+Secret" if a.wechat_appid and a.wechat_secret else (
            "仅 AppID" if a.wechat_appid else "无")
        table.add_row(str(a.id), a.name, a.owner, category_label(a.category), a.province,
                      a.field, a.platform, creds, a.feed_url)
    return table


@accounts_app.command("export")
def export_accounts(
    file: Annotated[Path, typer.Argument(help="Output file: .xlsx or .csv (UTF-8 with BOM).")],
    category: str | None = typer.Option(None, "--category", help="Only this category."),
    include_secrets: bool = typer.Option(
        False, "--include-secrets", help="Also write AppSecret (keep the file safe)."),
) -> None:
    """Export the accounts to a spreadsheet that `accounts import` reads back."""
    if file.suffix.lower() not in (".xlsx", ".csv"):
        fail(f"只能导出为 .xlsx 或 .csv 文件，而不是 {file.name}")
    accounts = list_accounts(engine(settings()), category=_category(category))
    try:
        count = write_accounts_file(file, accounts, include_secrets=include_secrets)
    except OSError as exc:
        fail(f"无法写入 {file}：{exc.strerror or exc}")
    note = "（含 AppSecret，请妥善保管）" if include_secrets else ""
    console.print(f"已导出 {count} 个账号到 {file}{note}", highlight=False)
