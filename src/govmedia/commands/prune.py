"""`govmedia prune --keep N`: remove older runs' archives and rows, keeping the newest N
complete runs (and every unfinished one)."""

from __future__ import annotations

import typer

from govmedia.artifacts import CHINA_TZ
from govmedia.commands.common import console, engine, err_console, fail, settings
from govmedia.store.retention import PrunedRun, RunInfo, plan_prune, remove_run


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n / 1000:.1f} KB"


def _run(r: RunInfo) -> str:
    return (f"运行 #{r.id}（监测时间点 {r.as_of.astimezone(CHINA_TZ).strftime('%Y-%m-%d %H:%M')}，"
            f"{r.accounts} 个账号）")


def _line(p: PrunedRun, dry_run: bool) -> str:
    verb = "将删除" if dry_run else "已删除"
    where = "，无归档目录"
    if p.folder:
        where = f"，归档 {p.files} 个文件 {_size(p.bytes)}（{p.folder}）"
    return f"{verb}{_run(p.run)}：数据库记录 {p.rows} 行{where}"


def prune(
    keep: int | None = typer.Option(None, "--keep", help="How many of the newest complete runs "
                                    "to keep (default: the keep_runs setting); unfinished "
                                    "runs are always kept and do not count."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would be removed."),
) -> None:
    """Remove older runs (database rows, WARC archives, screenshots), keeping the newest N
    complete runs."""
    cfg = settings()
    n = cfg.keep_runs if keep is None else keep
    if n < 1:
        fail(f"--keep 至少为 1（最新的运行始终保留），而不是 {n}")
    eng = engine(cfg)
    plan = plan_prune(eng, n)
    kept = "、".join(f"#{r.id}" for r in plan.kept) or "无"
    console.print(f"保留最新 {n} 个已完成的运行：{kept}", highlight=False)
    if plan.running:
        console.print("未完成的运行不删除（可能正在运行，或中断后待续跑）："
                      + "、".join(f"#{r.id}" for r in plan.running), highlight=False)
    if not plan.remove:
        console.print("没有需要删除的运行", highlight=False)
        return
    rows = files = size = 0
    errors = removed = 0
    for run in plan.remove:
        if dry_run:
            console.print(f"将删除{_run(run)}", highlight=False)
            continue
        done = remove_run(eng, cfg.data_dir, run)
        rows, files, size = rows + done.rows, files + done.files, size + done.bytes
        removed += done.rows > 0
        console.print(_line(done, dry_run), highlight=False)
        if done.error:
            errors += 1
            err_console.print(f"[red]运行 #{run.id}：{done.error}[/]", highlight=False)
    if dry_run:
        console.print(f"共 {len(plan.remove)} 个运行将被删除（--dry-run：未删除任何内容）")
        return
    console.print(f"共删除 {removed} 个运行：数据库记录 {rows} 行，"
                  f"归档文件 {files} 个 {_size(size)}", highlight=False)
    if errors:
        raise typer.Exit(1)
