"""`govmedia demo`: evaluate the bundled sandbox accounts end to end and write the reports.

Writes result.json (gb-2019-19), result-ccid-2024.json (the same run scored in six areas) and
the documents of issue 7 from the ccid-2024 scoring: report-national.{docx,html,pdf,xlsx},
report-pass-rate.{docx,html} and rectification-<account id>.docx for a few accounts.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer
from sqlalchemy import Engine

from govmedia.commands.common import console, engine, err_console, fail, settings
from govmedia.commands.inspect import parse_as_of, run_with_progress
from govmedia.report.documents import ReportError, write_reports
from govmedia.report.table import render_rankings, render_table
from govmedia.run.score import score_run
from govmedia.sandbox import load_world, registry_rows, run_world
from govmedia.settings import Settings
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
    reports = _write_reports(eng, cfg, out, scored)
    console.print(f"结果已写入 {path}、{scored_path}（用时 {time.monotonic() - started:.1f} 秒）")
    if reports:
        console.print(f"报告已写入 {out}/：" + "、".join(p.name for p in reports),
                      highlight=False)


# The documents people act on (issue 7): the national report in every format, the workbook,
# the pass rates and the rectification lists of a few accounts.
DEMO_REPORTS = (("national", "docx"), ("national", "html"), ("national", "xlsx"),
                ("pass-rate", "docx"), ("pass-rate", "html"))
DEMO_LISTS = 3


def _listed_accounts(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Return a few accounts worth a rectification list: failed ones and passed ones with the
    most findings."""
    def weight(a: dict[str, Any]) -> int:
        return len([f for f in a["findings"] if f.get("review") != "dismissed"
                    and not f["check"].startswith("practice.")])

    with_findings = sorted((a for a in result["accounts"] if weight(a)), key=weight, reverse=True)
    failed = [a for a in with_findings if a["verdict"] == "不合格"][:2]
    passed = [a for a in with_findings if a["verdict"] == "合格"][:DEMO_LISTS - len(failed)]
    return failed + passed


def _write_reports(eng: Engine, cfg: Settings, out: Path, scored: dict[str, Any]) -> list[Path]:
    ids = {(r.name, r.owner): r.id for r in list_accounts(eng)}
    requests: list[tuple[str, str, Path, int | None]] = [
        (kind, fmt, out / f"report-{kind}.{fmt}", None) for kind, fmt in DEMO_REPORTS]
    for acc in _listed_accounts(scored):
        account_id = ids[(acc["name"], acc["owner"])]
        requests.append(("account", "docx", out / f"rectification-{account_id}.docx",
                         account_id))
    # Last, as it needs a browser: without one, everything else is written all the same.
    requests.append(("national", "pdf", out / "report-national.pdf", None))
    try:
        return write_reports(eng, cfg, scored["run_id"], requests, system=EVALUATION)
    except ReportError as exc:  # e.g. no browser for the PDF: the rest of the demo stands
        err_console.print(f"[yellow]未能写出全部报告：{exc}[/]")
        return [r[2] for r in requests if r[2].exists()]
