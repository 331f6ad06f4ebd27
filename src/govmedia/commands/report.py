"""`govmedia report RUN --kind … --format … -o PATH`: write a report of a stored run."""

from __future__ import annotations

from pathlib import Path

import typer

from govmedia.commands.common import console, engine, err_console, fail, settings
from govmedia.report.charts import cjk_font
from govmedia.report.documents import FORMATS, KINDS, ReportError, resolve_account, write_report


def report(
    run: int = typer.Argument(..., help="Run id (as printed in the JSON result, run_id)."),
    kind: str = typer.Option("national", "--kind",
                             help=f"{' | '.join(KINDS)}: national report, one account's "
                             "rectification list (整改清单), pass rates (合格率)."),
    fmt: str = typer.Option("docx", "--format", help=" | ".join(FORMATS) + "."),
    account: str | None = typer.Option(None, "--account",
                                       help="Account id or name (for --kind account)."),
    system: str | None = typer.Option(None, "--system", help="Indicator system id or YAML "
                                      "file; default: the one the run was inspected with."),
    output: Path | None = typer.Option(None, "-o", "--output", help="File to write."),
) -> None:
    """Write a report of a stored run (Word, HTML, PDF, Excel or JSON) from its stored results."""
    if output is None:
        fail("请用 -o 指定输出文件，例如 -o report.docx")
    eng = engine(settings())
    cfg = settings()
    try:
        account_id = resolve_account(eng, run, account) if account is not None else None
        if account_id is not None and kind != "account":
            err_console.print("[yellow]注意：--account 只用于 --kind account，已忽略[/]")
        path = write_report(eng, cfg, run, kind, fmt, output, system=system,
                            account_id=account_id)
    except ReportError as exc:
        fail(str(exc))
    family, reason = cjk_font()
    if family is None and fmt != "json":
        err_console.print(f"[yellow]注意：{reason}[/]")
    console.print(f"已写入 {path}", highlight=False)
