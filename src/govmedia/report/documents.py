"""Write a report of a stored run: the one entry point of the CLI, the demo and the web app.

    write_report(engine, settings, run_id, "national", "docx", Path("report.docx"))

The run is scored from its stored results (run/score.py score_run: no collection), the
document model is built once (national.py, rectification.py, passrate.py) and rendered to the
format asked for, so the formats cannot disagree. Kinds × formats: national, account
(整改清单) and pass-rate, each as docx, html, pdf, xlsx and json. For national, xlsx is the
run's whole workbook (scores per account, findings, pass rates by group, practices,
indicators). A user error (unknown run, kind, format, system or account) raises ReportError
with a Chinese message. The file is written next to its destination and moved into place, so
a failed write never leaves half a report.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from govmedia.checks.registry import check_table
from govmedia.collect.browser import run_shots_dir
from govmedia.indicators.engine import ProfileError, load_system
from govmedia.report.aggregate import account_key
from govmedia.report.evidence import EvidenceIndex
from govmedia.report.facts import ReportInput
from govmedia.report.model import Figure, Gallery, Report, to_jsonable
from govmedia.report.national import national_report
from govmedia.report.passrate import pass_rate_report
from govmedia.report.rectification import account_report
from govmedia.report.render_docx import render_docx
from govmedia.report.render_html import render_html
from govmedia.report.render_pdf import PdfUnavailable, render_pdf
from govmedia.report.render_xlsx import render_xlsx
from govmedia.report.sheets import workbook_sheets
from govmedia.run.score import RunNotFound, score_run
from govmedia.settings import Settings
from govmedia.store.models import AccountRow, EvidenceRow, RunRow

KINDS = {"national": "全国评估报告", "account": "账号整改清单", "pass-rate": "合格率"}
FORMATS = ("docx", "html", "pdf", "xlsx", "json")
SUPPORTED = {(k, f) for k in KINDS for f in FORMATS}


class ReportError(ValueError):
    """A report cannot be written because of the user's input; the message is Chinese."""


def _check_request(kind: str, fmt: str) -> None:
    if kind not in KINDS:
        raise ReportError(f"未知的报告类型 {kind!r}（可选：{'、'.join(KINDS)}）")
    if fmt not in FORMATS:
        raise ReportError(f"未知的报告格式 {fmt!r}（可选：{'、'.join(FORMATS)}）")
    if (kind, fmt) not in SUPPORTED:
        raise ReportError(f"{KINDS[kind]}不支持 {fmt} 格式")


def _run_facts(engine: Engine, run_id: int) -> tuple[str, dict[tuple[str, str, str], int],
                                                      dict[str, str]]:
    """Return the run's own system, its account ids by (platform, name, owner), archive ids by
    URL."""
    with Session(engine) as s:
        run = s.get(RunRow, run_id)
        if run is None:
            raise ReportError(f"数据库中没有编号为 {run_id} 的检查运行"
                              "（请先运行 govmedia inspect）")
        ids = {(a.platform, a.name, a.owner): a.id for a in s.scalars(
            select(AccountRow).where(AccountRow.id.in_(run.account_ids)))}
        archive: dict[str, str] = {}
        for url, record in s.execute(select(EvidenceRow.url, EvidenceRow.record_id)
                                     .where(EvidenceRow.run_id == run_id)
                                     .order_by(EvidenceRow.id)):
            archive.setdefault(url, record)
        return run.indicator_system, ids, archive


def load_input(engine: Engine, settings: Settings, run_id: int,
               system: str | None = None) -> tuple[ReportInput, dict[tuple[str, str, str], int]]:
    """Return what a report of the run is built from, and the run's account ids by key."""
    own, ids, archive = _run_facts(engine, run_id)
    return _scored(engine, settings, run_id, system or own, archive), ids


def _scored(engine: Engine, settings: Settings, run_id: int, ref: str,
            archive: dict[str, str]) -> ReportInput:
    try:
        result = score_run(engine, run_id, ref, review_required=settings.review_required)
        system_obj = load_system(ref, frozenset(check_table()))
    except RunNotFound:
        raise ReportError(f"数据库中没有编号为 {run_id} 的检查运行") from None
    except ProfileError as exc:
        raise ReportError(f"指标体系有误：{exc}") from None
    index = EvidenceIndex(archive, run_shots_dir(settings.data_dir, run_id))
    return ReportInput(result, system_obj, index)


def resolve_account(engine: Engine, run_id: int, text: str) -> int:
    """Return the id of the run's account given by id or by name (or owner); ReportError when
    there is none or the name is ambiguous."""
    _own, ids, _archive = _run_facts(engine, run_id)
    if text.strip().isdigit():
        return int(text)
    hits = sorted({i for (_platform, name, owner), i in ids.items()
                   if text.strip() in (name, owner)})
    if not hits:
        raise ReportError(f"检查运行 {run_id} 中没有名为 {text!r} 的账号")
    if len(hits) > 1:
        raise ReportError(f"名称 {text!r} 对应多个账号（编号 {'、'.join(map(str, hits))}），"
                          "请改用账号编号")
    return hits[0]


def _account(inp: ReportInput, ids: dict[tuple[str, str, str], int], account_id: int | None,
             run_id: int) -> dict[str, Any]:
    for acc in inp.accounts:
        if ids.get(account_key(acc)) == account_id:
            return acc
    raise ReportError(f"账号 {account_id} 在检查运行 {run_id} 中尚未检查完成，无法生成整改清单")


def build_report(inp: ReportInput, kind: str,
                 account: dict[str, Any] | None = None) -> Report:
    """Return the document model of a report kind (national, account, pass-rate); the same
    model renders every format (Word and HTML show the blocks, Excel the sheets)."""
    if kind == "account":
        if account is None:
            raise ValueError("a rectification list needs its account")
        report = account_report(inp, account)
    elif kind == "pass-rate":
        report = pass_rate_report(inp)
    else:
        report = national_report(inp)
        report.sheets = workbook_sheets(inp)
    missing = {f.missing for b in report.blocks
               for f in (b.figures if isinstance(b, Gallery) else [b])
               if isinstance(f, Figure) and f.missing}
    report.warnings += sorted(missing)
    return report


def _atomic(out: Path, write: Callable[[Path], None]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=out.suffix, dir=out.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # a document to share, not a secret (mkstemp makes it 0600)
        os.replace(tmp, out)
    finally:
        Path(tmp).unlink(missing_ok=True)


def render(report: Report, fmt: str, out: Path, settings: Settings) -> None:
    """Write a document model in one format to out."""
    if fmt == "docx":
        _atomic(out, lambda p: render_docx(report, p))
    elif fmt == "html":
        _atomic(out, lambda p: p.write_text(render_html(report), encoding="utf-8"))
    elif fmt == "pdf":
        html = render_html(report)
        try:
            _atomic(out, lambda p: render_pdf(html, p, settings))
        except PdfUnavailable as exc:
            raise ReportError(str(exc)) from None
    elif fmt == "xlsx":
        _atomic(out, lambda p: render_xlsx(report, p))
    else:
        text = json.dumps(to_jsonable(report), ensure_ascii=False, indent=2) + "\n"
        _atomic(out, lambda p: p.write_text(text, encoding="utf-8"))


def write_report(engine: Engine, settings: Settings, run_id: int, kind: str, fmt: str,
                 out: Path, *, system: str | None = None,
                 account_id: int | None = None) -> Path:
    """Return the path of the report written: kind × fmt of run run_id, scored against system
    (None: the run's own indicator system); account_id names the account of a 整改清单."""
    return write_reports(engine, settings, run_id, [(kind, fmt, out, account_id)],
                         system=system)[0]


def write_reports(engine: Engine, settings: Settings, run_id: int,
                  requests: Sequence[tuple[str, str, Path, int | None]], *,
                  system: str | None = None) -> list[Path]:
    """Return the paths written for several (kind, fmt, out, account_id) reports of one run,
    scored once. Every request is checked before anything is scored or written."""
    for kind, fmt, _out, account_id in requests:
        _check_request(kind, fmt)
        if kind == "account" and account_id is None:
            raise ReportError("整改清单需要指定账号（--account 账号编号或名称）")
    if not requests:
        return []
    own, ids, archive = _run_facts(engine, run_id)
    for kind, _fmt, _out, account_id in requests:
        if kind == "account" and account_id not in ids.values():
            raise ReportError(f"编号为 {account_id} 的账号不在检查运行 {run_id} 中")
    inp = _scored(engine, settings, run_id, system or own, archive)
    written = []
    models: dict[tuple[str, int | None], Report] = {}  # one model, however many formats
    for kind, fmt, out, account_id in requests:
        key = (kind, account_id if kind == "account" else None)
        if key not in models:
            account = _account(inp, ids, account_id, run_id) if kind == "account" else None
            models[key] = build_report(inp, kind, account)
        report = models[key]
        try:
            render(report, fmt, Path(out), settings)
        except OSError as exc:
            raise ReportError(f"无法写入 {out}：{exc.strerror or exc}") from None
        written.append(Path(out))
    return written
