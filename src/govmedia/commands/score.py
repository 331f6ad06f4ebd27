"""`govmedia score RUN --system NAME`: re-score a stored run without collecting again."""

from __future__ import annotations

from pathlib import Path

import typer

from govmedia.commands.common import engine, err_console, fail, settings
from govmedia.commands.inspect import write_result
from govmedia.indicators.engine import ProfileError, builtin_systems
from govmedia.run.score import RunNotFound, score_run


def score(
    run: int = typer.Argument(..., help="Run id (as printed in the JSON result, run_id)."),
    system: str = typer.Option("ccid-2024", "--system", help="Indicator system id or YAML "
                               f"file (built-in: {', '.join(builtin_systems())})."),
    fmt: str = typer.Option("table", "--format", help="table or json."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write JSON here."),
) -> None:
    """Score a stored run against an indicator system from its stored results (no collection)."""
    if fmt not in ("table", "json"):
        fail(f"--format 只能是 table 或 json，而不是 {fmt!r}")
    cfg = settings()
    eng = engine(cfg)
    try:
        result = score_run(eng, run, system, review_required=cfg.review_required)
    except RunNotFound:
        fail(f"数据库中没有编号为 {run} 的检查运行（请先运行 govmedia inspect）")
    except ProfileError as exc:
        fail(str(exc))
    if result.get("run_status") != "complete":
        err_console.print(f"[yellow]注意：运行 {run} 尚未完成，仅对已保存的 "
                          f"{len(result['accounts'])} 个账号评分[/]")
    write_result(result, fmt, output)
