"""The JSON API: the workbench's data for other systems (OpenAPI at /api/openapi.json).

Authenticate with `Authorization: Bearer <token>` (`govmedia users token NAME`); a browser
session works too, and then a mutating call needs the `X-CSRF-Token` header.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field

from govmedia.indicators.engine import builtin_systems
from govmedia.store import browse
from govmedia.store.reviews import ReviewError, review_finding, review_history
from govmedia.web import views
from govmedia.web.files import run_result
from govmedia.web.jobs import JobBusy
from govmedia.web.pages import parse_as_of, select_rows
from govmedia.web.pretext import PretextError, check_draft
from govmedia.web.security import Reader, Reviewer, Runner, now

router = APIRouter(prefix="/api", tags=["api"])


class ReviewIn(BaseModel):
    action: Literal["confirm", "dismiss", "reopen"]
    reason: str = Field(min_length=1, max_length=2000, description="复核理由")
    expect: Literal["machine", "confirmed", "dismissed"] | None = Field(
        None, description="the state the reviewer saw; refused (409) if it changed meanwhile")


class JobIn(BaseModel):
    scope: Literal["all", "category", "account"] = "all"
    category: str = ""
    account_id: int | None = None
    as_of: str = Field("", description="监测时间点, ISO 8601; Beijing time without a zone; "
                                        "empty: now")
    system: str = "gb-2019-19"


class PretextIn(BaseModel):
    text: str = Field(min_length=1)
    published: str = Field("", description="发布日期 YYYY-MM-DD; empty: today")


def _json(data: Any) -> Any:
    return jsonable_encoder(data)


@router.get("/me")
def me(p: Reader) -> dict[str, Any]:
    """The signed-in user and its role."""
    return {"name": p.user.name, "role": p.user.role, "owner_unit": p.user.owner_unit}


@router.get("/runs")
def list_runs(request: Request, p: Reader) -> Any:
    """Every run (newest first) with its verdict counts."""
    return _json(browse.runs(request.app.state.engine, p.visible))


@router.get("/overview")
def overview(request: Request, p: Reader, run: int | None = None) -> Any:
    """The 总览 of a run (default: the latest): pass rates, vetoes, warnings, trend."""
    return _json(views.overview(request.app.state.engine, p, run))


@router.get("/runs/{run_id}/result")
def result(request: Request, p: Reader, run_id: int) -> Any:
    """The evaluation result of a run (what every report renders)."""
    run = views.choose_run(request.app.state.engine, p, run_id)
    if run is None:
        raise HTTPException(404, "检查运行不存在或无权查看")
    return _json(run_result(request, p, run))


@router.get("/accounts")
def accounts(request: Request, p: Reader, run: int | None = None, category: str = "",
             province: str = "", field: str = "", verdict: str = "", q: str = "") -> Any:
    """The accounts with a run's verdicts, filtered by category, province, field, verdict, q."""
    return _json(views.account_list(request.app.state.engine, p, run_id=run, category=category,
                                    province=province, field=field, verdict=verdict, q=q))


@router.get("/accounts/{account_id}")
def account(request: Request, p: Reader, account_id: int, run: int | None = None) -> Any:
    """One account in a run: menu, article timeline, findings with evidence, explanation."""
    data = views.account_detail(request.app.state.engine, request.app.state.settings, p,
                                account_id, run)
    if data is None:
        raise HTTPException(404, "账号不存在或无权查看")
    return _json(data)


@router.get("/findings")
def findings(request: Request, p: Reader, run: int | None = None, state: str = "machine",
             scope: Literal["veto", "all"] = "veto") -> Any:
    """The review queue of a run: findings in a review state (veto candidates first)."""
    return _json(views.review_queue(request.app.state.engine, p, run_id=run, state=state,
                                    scope=scope))


@router.post("/findings/{finding_id}/review")
def review(request: Request, p: Reviewer, finding_id: int, body: ReviewIn) -> Any:
    """Confirm, dismiss or reopen a finding; the account is re-scored. Returns what changed."""
    engine = request.app.state.engine
    found = browse.finding(engine, finding_id)
    if found is None or not p.sees(found["account_id"]):
        raise HTTPException(404, "问题不存在或无权查看")
    try:
        outcome = review_finding(engine, finding_id, body.action, body.reason, p.user.name,
                                 now(), expect=body.expect,
                                 review_required=request.app.state.settings.review_required)
    except ReviewError as exc:
        raise HTTPException(409, str(exc)) from None
    return {"finding_id": outcome.finding_id, "before": outcome.before, "after": outcome.after,
            "verdicts": {k: {"before": a, "after": b} for k, (a, b) in outcome.verdicts.items()},
            "not_rescored": list(outcome.not_rescored)}


@router.get("/reviews")
def reviews(request: Request, p: Reader, run: int | None = None) -> Any:
    """The audit trail of review decisions, newest first."""
    return _json(review_history(request.app.state.engine, run_id=run, account_ids=p.visible))


@router.post("/jobs", status_code=202)
def start_job(request: Request, p: Runner, body: JobIn) -> Any:
    """Start an inspection (all accounts, a category or one account) in the background."""
    if body.system not in builtin_systems():
        raise HTTPException(400, f"未知的指标体系：{body.system}")
    rows, label = select_rows(request, body.scope, body.category, body.account_id)
    if not rows:
        raise HTTPException(400, "所选范围内没有账号")
    try:
        job = request.app.state.jobs.start(rows, body.system, parse_as_of(body.as_of),
                                           p.user.name, label)
    except JobBusy:
        raise HTTPException(409, "已有检查任务正在运行") from None
    return job.as_dict()


@router.get("/jobs")
def jobs(request: Request, p: Reader) -> Any:
    """The inspections started from this workbench since it started, newest first."""
    return [j.as_dict() for j in request.app.state.jobs.jobs()] if p.visible is None else []


@router.get("/jobs/{job_id}")
def job(request: Request, p: Reader, job_id: int) -> Any:
    """One inspection's progress."""
    found = request.app.state.jobs.get(job_id)
    if found is None or p.visible is not None:
        raise HTTPException(404, "检查任务不存在")
    return found.as_dict()


@router.post("/pretext")
def pretext(body: PretextIn, p: Reader) -> Any:
    """The wording findings of a draft (稿件预审), with offsets into the text."""
    try:
        found = check_draft(body.text.encode("utf-8"), "draft.txt", body.published)
    except PretextError as exc:
        raise HTTPException(400, str(exc)) from None
    return {"chars": found["chars"], "published": found["published"],
            "findings": found["findings"]}
