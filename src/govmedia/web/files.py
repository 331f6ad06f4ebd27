"""Downloads: evidence (screenshots, archived pages) and reports.

An archived page is what an inspected site served: untrusted HTML. It is never rendered in our
origin: it is shown as text/plain, or downloaded as an attachment, both under a sandbox CSP
with nosniff. Screenshots are served as image/jpeg from the run's own screenshot folder only.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from govmedia.artifacts import CHINA_TZ
from govmedia.collect.browser import run_shots_dir
from govmedia.collect.charset import decode_body
from govmedia.report.result import build_result
from govmedia.store import browse, runs
from govmedia.store.accounts import list_accounts
from govmedia.store.archive import read_record
from govmedia.web import views
from govmedia.web.security import Principal, Reader
from govmedia.web.templating import beijing, render

router = APIRouter(include_in_schema=False)
SANDBOX = {"content-security-policy": "sandbox; default-src 'none'",
           "x-content-type-options": "nosniff"}
_SHOT_NAME = re.compile(r"^[0-9a-f]{8,64}\.(?:jpg|png)$")
KINDS = {"national": "全国评估报告", "account": "账号整改清单", "pass-rate": "合格率统计"}
FORMATS = ("docx", "html", "pdf", "xlsx", "json")
MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "pdf": "application/pdf", "html": "application/octet-stream",
         "json": "application/json"}


def _finding(request: Request, p: Principal, finding_id: int) -> dict[str, Any]:
    f = browse.finding(request.app.state.engine, finding_id)
    if f is None or not p.sees(f["account_id"]):
        raise HTTPException(404, "问题不存在或无权查看")
    return f


@router.get("/findings/{finding_id}/screenshot")
def screenshot(request: Request, p: Reader, finding_id: int) -> Response:
    """Return a finding's screenshot (image/jpeg from the run's screenshot folder)."""
    f = _finding(request, p, finding_id)
    name = Path(str((f["evidence"] or {}).get("screenshot") or "")).name
    path = run_shots_dir(request.app.state.settings.data_dir, f["run_id"]) / name
    if not _SHOT_NAME.match(name) or not path.is_file():
        raise HTTPException(404, "截图不存在")
    media = "image/png" if name.endswith(".png") else "image/jpeg"
    return FileResponse(path, media_type=media, headers=SANDBOX)


@router.get("/findings/{finding_id}/archive")
def archive(request: Request, p: Reader, finding_id: int, download: bool = False) -> Response:
    """Return a finding's archived page as plain text, or the stored bytes as an attachment."""
    f = _finding(request, p, finding_id)
    record_id = str((f["evidence"] or {}).get("warc_record_id") or "")
    entry = browse.evidence_record(request.app.state.engine, f["run_id"], record_id)
    if entry is None:
        raise HTTPException(404, "存档记录不存在")
    root = request.app.state.settings.data_path.resolve()
    path = (root / entry["warc_file"]).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise HTTPException(404, "存档文件不存在")
    record = read_record(path, record_id, entry["offset"])
    if record is None:
        raise HTTPException(404, "存档记录不存在")
    if download:
        return Response(record.body, media_type="application/octet-stream", headers={
            **SANDBOX, "content-disposition": f'attachment; filename="archive-{finding_id}.html"'})
    text, encoding = decode_body(record.body, record.headers.get("content-type", ""))
    head = (f"存档网址：{record.url}\n抓取时间：{beijing(entry['fetched_at'])}\n"
            f"HTTP 状态：{record.status}\n字符编码：{encoding}\nWARC 记录：{record_id}\n"
            "（以下为被检查网站返回的原始内容，仅作为文本显示）\n\n")
    return Response(head + text, media_type="text/plain; charset=utf-8", headers={
        **SANDBOX, "content-disposition": f'inline; filename="archive-{finding_id}.txt"'})


def _run_or_404(request: Request, p: Principal, run_id: int) -> dict[str, Any]:
    run = views.choose_run(request.app.state.engine, p, run_id)
    if run is None:
        raise HTTPException(404, "检查运行不存在或无权查看")
    return run


@router.get("/reports")
def reports_page(request: Request, p: Reader, run: int | None = None) -> Response:
    """Return the 报告 page: the runs and, for the chosen one, every report to download."""
    engine = request.app.state.engine
    chosen = views.choose_run(engine, p, run)
    accounts = []
    if chosen is not None:
        accounts = browse.scores(engine, chosen["id"], chosen["system"], p.visible)
    return render(request, "reports.html", {
        "runs": browse.runs(engine, p.visible)[:50], "run": chosen, "accounts": accounts,
        "kinds": KINDS if p.visible is None else {"account": KINDS["account"]},
        "formats": FORMATS, "available": _documents() is not None}, active="reports")


def _documents() -> Any:
    try:
        from govmedia.report import documents
    except ImportError:
        return None
    return documents


@router.get("/reports/{run_id}/download")
def download(request: Request, p: Reader, run_id: int, kind: str, fmt: str,
             account: int | None = None) -> Response:
    """Return one report of a run as an attachment (written by report/documents.py)."""
    run = _run_or_404(request, p, run_id)
    if kind not in KINDS or fmt not in FORMATS:
        raise HTTPException(400, "未知的报告类型或格式")
    if p.visible is not None and (kind != "account" or account is None or not p.sees(account)):
        raise HTTPException(403, "主办单位用户只能下载本单位账号的整改清单")
    if kind == "account" and account is None:
        raise HTTPException(400, "请选择账号")
    documents = _documents()
    if documents is None:
        raise HTTPException(503, "报告模块尚未安装（govmedia.report.documents）")
    folder = Path(tempfile.mkdtemp(prefix="govmedia-report-"))
    out = folder / f"{kind}-run{run_id}{'-' + str(account) if account else ''}.{fmt}"
    try:
        path = documents.write_report(request.app.state.engine, request.app.state.settings,
                                      run["id"], kind, fmt, out, system=run["system"],
                                      account_id=account)
    except documents.ReportError as exc:
        _remove(folder)
        raise HTTPException(400, str(exc)) from None
    return FileResponse(path, media_type=MEDIA[fmt], filename=Path(path).name,
                        headers=SANDBOX, background=BackgroundTask(_remove, folder))


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def run_result(request: Request, p: Principal, run: dict[str, Any]) -> dict[str, Any]:
    """Return the evaluation result of a run, limited to the accounts the user may see."""
    engine = request.app.state.engine
    system = views.system_of(run["system"])
    if system is None:
        raise HTTPException(404, f"指标体系 {run['system']} 的定义不可用")
    rows = [r for r in list_accounts(engine) if p.sees(r.id)]
    stored = runs.run_rows(engine, run["id"], system.id)
    return build_result(system, run["as_of"].astimezone(CHINA_TZ), run["id"],
                        [r for r in rows if r.id in stored], stored,
                        review_required=request.app.state.settings.review_required)


@router.get("/reports/{run_id}/result.json")
def result_json(request: Request, p: Reader, run_id: int) -> Response:
    """Return the run's evaluation result (the JSON every report renders) as an attachment."""
    data = run_result(request, p, _run_or_404(request, p, run_id))
    return Response(json.dumps(data, ensure_ascii=False, indent=2), media_type=MEDIA["json"],
                    headers={**SANDBOX, "content-disposition":
                             f'attachment; filename="result-run{run_id}.json"'})
