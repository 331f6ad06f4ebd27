"""`govmedia demo`: evaluate the bundled sandbox accounts end to end and write a report."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from govmedia.commands.common import console, engine, err_console, fail, settings
from govmedia.commands.inspect import parse_as_of, run_with_progress
from govmedia.report.table import render_rankings, render_table
from govmedia.run.score import score_run
from govmedia.sandbox import load_world, registry_rows, run_world
from govmedia.store.accounts import list_accounts, upsert_accounts

EVALUATION = "ccid-2024"


def demo(
    out: Path = typer.Option(Path("govmedia-demo"), "--out", help="Output folder."),
    scenario: str = typer.Option("demo", "--scenario", help="Sandbox scenario name or YAML."),
    as_of: str | None = typer.Option(None, "--as-of", help="Inspection time; default now."),
) -> None:
    """Start the sandbox world on 127.0.0.1, inspect its accounts, write the result."""
    started = time.monotonic()
    when = parse_as_of(as_of)
    out.mkdir(parents=True, exist_ok=True)
    db_file = out / "demo.db"
    for stale in (db_file, out / "demo.db-wal", out / "demo.db-shm"):
        stale.unlink(missing_ok=True)
    try:
        world = load_world(when, scenario)
    except ValueError as exc:
        fail(str(exc))
    with run_world(world):
        cfg = settings().with_(db=f"sqlite:///{db_file}", wechat_api_base=world.base_url,
                               data_dir=str(out / "data"))
        eng = engine(cfg)
        upsert_accounts(eng, registry_rows(world))
        err_console.print(f"沙箱已启动：{world.base_url}（{len(world.accounts)} 个账号）")
        result = run_with_progress(eng, cfg, list_accounts(eng), "gb-2019-19", when)
    render_table(result, console)
    path = out / "result.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    # The same run scored against the 2024 evaluation (six areas), from the stored results.
    scored = score_run(eng, result["run_id"], EVALUATION)
    console.print(f"\n[bold]{scored['indicator_system_name']}[/]（同一次检查，按六个方面评分）")
    render_rankings(scored, console)
    scored_path = out / f"result-{EVALUATION}.json"
    scored_path.write_text(json.dumps(scored, ensure_ascii=False, indent=2) + "\n",
                           encoding="utf-8")
    console.print(f"结果已写入 {path}、{scored_path}（用时 {time.monotonic() - started:.1f} 秒）")
