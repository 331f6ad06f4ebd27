"""`govmedia inspect`: collect, check and score accounts; print a table or write JSON."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from govmedia.artifacts import CHINA_TZ
from govmedia.checks.registry import check_table
from govmedia.commands.common import (
    EXECUTOR_HELP,
    check_executor,
    console,
    engine,
    err_console,
    fail,
    settings,
)
from govmedia.indicators.engine import ProfileError, builtin_systems, load_system
from govmedia.registry.files import AccountFileError, read_accounts_file
from govmedia.report.table import render_table
from govmedia.run.distributed import DistributedError
from govmedia.run.inspect import RunBusy, RunPlan, execute, plan_resume, plan_run
from govmedia.store.accounts import list_accounts, upsert_accounts
from govmedia.store.runs import RunNotResumable

DEFAULT_SYSTEM = "gb-2019-19"


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
    """Run inspect_accounts (in this process) with a progress bar on stderr; return the result."""
    try:
        plan = plan_run(eng, rows, system, as_of)
    except ProfileError as exc:
        fail(str(exc))
    return execute_with_progress(eng, cfg, plan, "local")


def execute_with_progress(eng, cfg, plan: RunPlan, executor: str) -> dict[str, Any]:
    """Execute a planned run with a progress bar on stderr; return the result."""
    columns = (TextColumn("[bold]检查中"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("{task.description}"))

    def started(plan: RunPlan) -> None:  # once it is under way: the accounts done by then
        if plan.resumed:
            err_console.print(f"续跑运行 {plan.run_id}：已完成 {len(plan.done)}/{len(plan.rows)} "
                              "个账号，只检查其余账号", highlight=False)

    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("", total=len(plan.rows))

        shown = {"tick": "", "note": ""}  # the last account done; the tasks' state (celery)

        def show(advance: int = 0, **parts: str) -> None:
            shown.update(parts)
            text = " · ".join(p for p in (shown["tick"], shown["note"]) if p)
            bar.update(task, advance=advance, description=text)

        def tick(name: str, verdict: str) -> None:
            show(1, tick=f"{name}：{verdict}")

        def note(text: str) -> None:
            show(note=text)

        try:
            return execute(eng, cfg, plan, executor=executor, progress=tick, note=note,
                           started=started)
        except DistributedError as exc:
            fail(str(exc), code=exc.code)
        except RunBusy as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            if executor == "celery":
                fail(f"已停止等待：运行 {plan.run_id} 的任务仍在 worker 上执行，可用 govmedia "
                     f"inspect --resume {plan.run_id} --executor celery 取回结果", code=130)
            raise


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
    system: str | None = typer.Option(
        None, "--system", help="Indicator system id or YAML file; default gb-2019-19 "
        f"(built-in: {', '.join(builtin_systems())})."),
    fmt: str = typer.Option("table", "--format", help="table or json."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write JSON here."),
    executor: str = typer.Option("local", "--executor", help=EXECUTOR_HELP),
    resume: int | None = typer.Option(
        None, "--resume", metavar="RUN", help="Resume the interrupted run RUN: its accounts, "
        "time and system; only accounts not yet saved are collected."),
) -> None:
    """Collect, check and score accounts against an indicator system."""
    if fmt not in ("table", "json"):
        fail(f"--format 只能是 table 或 json，而不是 {fmt!r}")
    check_executor(executor)  # the name first, before the settings are read
    if resume is not None and (accounts is not None or as_of):
        fail("--resume 沿用原运行的账号和监测时间点，不能同时指定 --accounts 或 --as-of")
    cfg = settings()
    check_executor(executor, cfg)
    if resume is None:  # a bad system is the first thing said, before any import
        try:
            load_system(system or DEFAULT_SYSTEM, frozenset(check_table()))
        except ProfileError as exc:
            fail(str(exc))
    eng = engine(cfg)
    if resume is not None:
        try:
            plan = plan_resume(eng, resume, system)
        except (RunNotResumable, ProfileError) as exc:
            fail(str(exc))
        write_result(execute_with_progress(eng, cfg, plan, executor), fmt, output)
        return
    when = parse_as_of(as_of)
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
    try:
        plan = plan_run(eng, selected, system or DEFAULT_SYSTEM, when)
    except ProfileError as exc:
        fail(str(exc))
    write_result(execute_with_progress(eng, cfg, plan, executor), fmt, output)
