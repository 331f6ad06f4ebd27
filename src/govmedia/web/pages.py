"""The workbench pages: 总览, 账号, 账号详情, 复核, 检查任务, 稿件预审 (server-rendered)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from govmedia.artifacts import CHINA_TZ
from govmedia.indicators.engine import builtin_systems
from govmedia.registry.categories import CATEGORIES
from govmedia.store import browse
from govmedia.store.accounts import list_accounts
from govmedia.store.reviews import ACTION_NAMES, STATE_NAMES, ReviewError, review_finding
from govmedia.web import views
from govmedia.web.auth import local_path
from govmedia.web.jobs import JobBusy
from govmedia.web.pretext import MAX_UPLOAD, PretextError, check_draft
from govmedia.web.security import Principal, Reader, Reviewer, Runner, now
from govmedia.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def overview(request: Request, p: Reader, run: int | None = None) -> Response:
    """Return the 总览 page."""
    data = views.overview(request.app.state.engine, p, run)
    return render(request, "overview.html", data, active="overview")


@router.get("/accounts")
def accounts(request: Request, p: Reader, run: int | None = None, category: str = "",
             province: str = "", field: str = "", verdict: str = "", q: str = "") -> Response:
    """Return the 账号 list with filters and search."""
    data = views.account_list(request.app.state.engine, p, run_id=run, category=category,
                              province=province, field=field, verdict=verdict, q=q)
    return render(request, "accounts.html", {**data, "verdicts": [*views.VERDICTS,
                                                                  views.PENDING, "未检查"]},
                  active="accounts")


@router.get("/accounts/{account_id}")
def account(request: Request, p: Reader, account_id: int, run: int | None = None) -> Response:
    """Return the 账号详情 page (404 for an account the user may not see)."""
    data = views.account_detail(request.app.state.engine, request.app.state.settings, p,
                                account_id, run)
    if data is None:
        raise HTTPException(404, "账号不存在或无权查看")
    return render(request, "account.html", {**data, "states": STATE_NAMES,
                                            "actions": ACTION_NAMES,
                                            "status_names": views.EXPLAIN_STATUS},
                  active="accounts")


@router.get("/review")
def review_page(request: Request, p: Reader, run: int | None = None, state: str = "machine",
                scope: str = "veto") -> Response:
    """Return the 复核 queue: veto candidates first, with the recent audit trail."""
    data = views.review_queue(request.app.state.engine, p, run_id=run, state=state, scope=scope)
    return render(request, "review.html", {**data, "states": STATE_NAMES,
                                           "actions": ACTION_NAMES}, active="review")


@router.post("/findings/{finding_id}/review")
def review(request: Request, p: Reviewer, finding_id: int, action: str = Form(...),
           reason: str = Form(""), expect: str = Form(""), back: str = Form("/review")) -> Response:
    """Confirm, dismiss or reopen a finding, then go back to the page the form was on."""
    engine = request.app.state.engine
    found = browse.finding(engine, finding_id)
    if found is None or not p.sees(found["account_id"]):
        raise HTTPException(404, "问题不存在或无权查看")
    try:
        review_finding(engine, finding_id, action, reason, p.user.name, now(),
                       expect=expect or None,
                       review_required=request.app.state.settings.review_required)
    except ReviewError as exc:
        raise HTTPException(409, str(exc)) from None
    return RedirectResponse(local_path(back) + f"#f{finding_id}", status_code=303)


def _jobs_context(request: Request, p: Principal, message: str = "") -> dict:
    engine = request.app.state.engine
    # An owner user sees neither who inspects what nor other units' account names.
    jobs = request.app.state.jobs.jobs() if p.visible is None else []
    return {"jobs": jobs, "current": next((j for j in jobs if j.status == "running"), None),
            "runs": browse.runs(engine, p.visible)[:30], "message": message,
            "systems": builtin_systems(), "categories": [(c, v[0]) for c, v in CATEGORIES.items()],
            "accounts": browse.accounts(engine, p.visible)}


@router.get("/jobs")
def jobs_page(request: Request, p: Reader) -> Response:
    """Return the 检查任务 page: start an inspection, its progress, the history of runs."""
    return render(request, "jobs.html", _jobs_context(request, p), active="jobs")


def parse_as_of(text: str) -> datetime:
    """Return the inspection time from a form: ISO 8601, Beijing time without a zone; now."""
    if not text.strip():
        return datetime.now(CHINA_TZ).replace(microsecond=0)
    try:
        t = datetime.fromisoformat(text.strip())
    except ValueError:
        raise HTTPException(400, f"监测时间点格式有误：{text}（例如 2026-11-20T12:00）") from None
    return t if t.tzinfo else t.replace(tzinfo=CHINA_TZ)


def select_rows(request: Request, scope: str, category: str, account_id: int | None) -> tuple:
    """Return (registry rows, Chinese description) of an inspection's scope."""
    rows = list_accounts(request.app.state.engine)
    if scope == "all":
        return rows, "全部账号"
    if scope == "category":
        if category not in CATEGORIES:
            raise HTTPException(400, "请选择账号类别")
        return [r for r in rows if r.category == category], f"类别：{CATEGORIES[category][0]}"
    if scope == "account":
        chosen = [r for r in rows if r.id == account_id]
        if not chosen:
            raise HTTPException(400, "请选择要检查的账号")
        return chosen, f"账号：{chosen[0].name}"
    raise HTTPException(400, f"未知的检查范围：{scope}")


@router.post("/jobs")
def start_job(request: Request, p: Runner, scope: str = Form("all"), category: str = Form(""),
              account_id: int | None = Form(None), as_of: str = Form(""),
              system: str = Form("gb-2019-19")) -> Response:
    """Start an inspection in the background and show its progress."""
    if system not in builtin_systems():
        raise HTTPException(400, f"未知的指标体系：{system}")
    rows, label = select_rows(request, scope, category, account_id)
    if not rows:
        raise HTTPException(400, "所选范围内没有账号：请先导入账号")
    try:
        request.app.state.jobs.start(rows, system, parse_as_of(as_of), p.user.name, label)
    except JobBusy:
        return render(request, "jobs.html", _jobs_context(
            request, p, "已有检查任务正在运行，请等待其完成"), status=409, active="jobs")
    return RedirectResponse("/jobs", status_code=303)


@router.get("/pretext")
def pretext_form(request: Request, p: Reader) -> Response:
    """Return the 稿件预审 form."""
    return render(request, "pretext.html", {"result": None, "text": "", "message": "",
                                            "published": date.today().isoformat(),
                                            "max_upload": MAX_UPLOAD}, active="pretext")


@router.post("/pretext")
async def pretext(request: Request, p: Reader, text: str = Form(""), published: str = Form(""),
                  upload: Annotated[UploadFile | None, File()] = None) -> Response:
    """Return the draft with its wording findings highlighted."""
    raw, name = text.encode("utf-8"), "draft.txt"
    if upload is not None and upload.filename:
        raw, name = await upload.read(MAX_UPLOAD + 1), upload.filename
    context = {"text": text, "published": published, "max_upload": MAX_UPLOAD,
               "result": None, "message": ""}
    try:
        context["result"] = check_draft(raw, name, published)
    except PretextError as exc:
        context["message"] = str(exc)
        return render(request, "pretext.html", context, status=400, active="pretext")
    return render(request, "pretext.html", context, active="pretext")
