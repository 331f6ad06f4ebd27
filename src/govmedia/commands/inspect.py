"""`govmedia inspect`: collect, check and score accounts; print a table or write JSON."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from govmedia.artifacts import CHINA_TZ
from govmedia.commands.common import console, engine, err_console, fail, settings
from govmedia.indicators.engine import ProfileError, builtin_systems
from govmedia.registry.files import AccountFileError, read_accounts_file
from govmedia.report.table import render_table
from govmedia.run.inspect import inspect_accounts
from govmedia.store.accounts import list_accounts, upsert_accounts


def parse_as_of(text: str | None) -> datetime:
    """Return the inspection time: ISO 8601, Beijing time when no zone is given; now if None."""
    if not text:
        return datetime.now(CHINA_TZ).replace(microsecond=0)
    try:
        t = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"--as-of 不是有效的 ISO 8601 时间：{text!r}（例如 2026-11-20T12:00:00+08:00）")
    return t if t.tzinfo else t.replace(tzinfo=CHINA_TZ)


def run_with_progress(eng, cfg, rows, system: str, as_of: datetime) -> dict[str, Any]:
    """Run inspect_accounts with a progress bar on stderr; return the result."""
    columns = (TextColumn("[bold]检查中"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("{task.description}"))
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("", total=len(rows))

        def tick(name: str, verdict: str) -> None:
            bar.update(task, advance=1, description=f"{name}：{verdict}")

        try:
            return inspect_accounts(eng, cfg, rows, system, as_of, progress=tick)
        except ProfileError as exc:
            fail(str(exc))


def write_result(result: dict[str, Any], fmt: str, output: Path | None) -> None:
    """Write the result as JSON (to a file or stdout) or print it as a table."""
    if fmt == "json":
        text = json.dumps(result, ensure_ascii=False, indent=2)
        if output is None:
            print(text)
        else:
            output.parent.mkdir(parents=True, exist_ok=True)
            tmp = output.with_suffix(output.suffix + ".tmp")
            tmp.write_text(text + "\n", encoding="utf-8")
            tmp.replace(output)
            err_console.print(f"已写入 {output}")
    else:
        render_table(result, console)


def inspect(
    accounts: Path | None = typer.Option(
        None, "--accounts", help="CSV/XLSX account list to import and inspect; "
        "default: every account already in the database."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Inspection time (监测时间点), ISO 8601; default now. "
        "A time without zone is Beijing time."),
    system: str = typer.Option("gb-2019-19", "--system", help="Indicator system id or YAML "
                               f"file (built-in: {', '.join(builtin_systems())})."),
    fmt: str = typer.Option("table", "--format", help="table or json."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write JSON here."),
) -> None:
    """Collect, check and score accounts against an indicator system."""
    if fmt not in ("table", "json"):
        fail(f"--format 只能是 table 或 json，而不是 {fmt!r}")
    when = parse_as_of(as_of)
    cfg = settings()
    eng = engine(cfg)
    if accounts is not None:
        try:
            rows = read_accounts_file(accounts)
        except AccountFileError as exc:
            fail(str(exc))
        upsert_accounts(eng, rows)
        keys = {(r["platform"], r["name"], r["owner"]) for r in rows}
        selected = [a for a in list_accounts(eng) if (a.platform, a.name, a.owner) in keys]
    else:
        selected = list_accounts(eng)
    if not selected:
        fail("没有可检查的账号：请先用 govmedia accounts import FILE 导入，或用 --accounts 指定")
    result = run_with_progress(eng, cfg, selected, system, when)
    write_result(result, fmt, output)
