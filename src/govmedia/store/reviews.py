"""Review: a person confirms or dismisses a finding, with a reason; the account is re-scored.

A machine veto (a wording error, injected content, no interaction channel) is a candidate
until reviewed: dismissal drops it from scoring (report/result.py stored_check_results),
confirmation makes it final, and with the setting review_required it counts only once
confirmed. Every decision is kept in table `reviews`: who, when, why, the review state before
and after, and each indicator system's verdict before and after.

The finding's new state and its audit row are written in one transaction; the account is then
re-scored from its stored rows by the same code as `govmedia score` (run/score.py) under every
system it has a score for, and the verdicts after are added to the audit row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from govmedia.checks.registry import check_table
from govmedia.indicators.engine import ProfileError, load_system
from govmedia.run.score import rescore_account
from govmedia.store.models import (
    AccountRow,
    ArtifactRow,
    CheckResultRow,
    FindingRow,
    ReviewRow,
    ScoreRow,
)

ACTIONS = {"confirm": "confirmed", "dismiss": "dismissed", "reopen": "machine"}
ACTION_NAMES = {"confirm": "确认", "dismiss": "驳回", "reopen": "撤销复核"}
STATE_NAMES = {"machine": "未复核", "confirmed": "已确认", "dismissed": "已驳回"}
MAX_REASON = 2000


class ReviewError(ValueError):
    """A review cannot be made as asked (the message is Chinese, for the user)."""


class FindingNotFound(ReviewError):
    """No finding with this id."""


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """What a review changed: the finding's state and each system's verdict."""

    finding_id: int
    run_id: int
    account_id: int
    before: str
    after: str
    verdicts: dict[str, tuple[str, str]]  # system -> (before, after)
    not_rescored: tuple[str, ...] = ()  # systems whose definition could not be loaded


def account_data(s: Session, run_id: int, account_id: int) -> dict[str, Any] | None:
    """Return one account's stored artifacts, check results and findings (with ids), or None."""
    art = s.scalar(select(ArtifactRow).where(ArtifactRow.run_id == run_id,
                                             ArtifactRow.account_id == account_id,
                                             ArtifactRow.kind == "account"))
    if art is None:
        return None
    results = [{"check": r.check, "status": r.status, "reason": r.reason}
               for r in s.scalars(select(CheckResultRow).where(
                   CheckResultRow.run_id == run_id, CheckResultRow.account_id == account_id)
                   .order_by(CheckResultRow.id))]
    findings = [finding_dict(f) for f in s.scalars(select(FindingRow).where(
        FindingRow.run_id == run_id, FindingRow.account_id == account_id)
        .order_by(FindingRow.id))]
    return {"artifacts": art.payload, "results": results, "findings": findings}


def finding_dict(f: FindingRow) -> dict[str, Any]:
    """Return a stored finding as the record reports read, with its id and review state."""
    return {"id": f.id, "run_id": f.run_id, "account_id": f.account_id, "check": f.check,
            "severity": f.severity, "target": f.target, "message": f.message,
            "evidence": f.evidence, "suggestion": f.suggestion, "review": f.review}


def _verdicts(s: Session, run_id: int, account_id: int) -> dict[str, str]:
    return {sc.system: sc.verdict for sc in s.scalars(select(ScoreRow).where(
        ScoreRow.run_id == run_id, ScoreRow.account_id == account_id))}


def review_finding(engine: Engine, finding_id: int, action: str, reason: str, user_name: str,
                   now: datetime, *, expect: str | None = None,
                   review_required: bool = False) -> ReviewOutcome:
    """Return what changed after confirming, dismissing or reopening a finding.

    expect: the state the reviewer saw; when another reviewer changed it meanwhile the review
    is refused (ReviewError) instead of silently overriding the other decision.
    """
    if action not in ACTIONS:
        raise ReviewError(f"未知的复核操作：{action!r}（confirm、dismiss 或 reopen）")
    reason = reason.strip()
    if not reason:
        raise ReviewError("请填写复核理由")
    if len(reason) > MAX_REASON:
        raise ReviewError(f"复核理由不能超过{MAX_REASON}个字符")
    after = ACTIONS[action]
    with Session(engine) as s, s.begin():
        row = s.get(FindingRow, finding_id, with_for_update=True)
        if row is None:
            raise FindingNotFound(f"没有编号为 {finding_id} 的问题")
        before = row.review
        if expect is not None and expect != before:
            raise ReviewError(f"该问题已被他人复核（现为“{STATE_NAMES.get(before, before)}”），"
                              "请刷新后再操作")
        if before == after:
            raise ReviewError(f"该问题已是“{STATE_NAMES.get(after, after)}”")
        row.review = after
        run_id, account_id = row.run_id, row.account_id
        verdicts_before = _verdicts(s, run_id, account_id)
        audit = ReviewRow(run_id=run_id, account_id=account_id, finding_id=finding_id,
                          check=row.check, message=row.message, user_name=user_name,
                          at=now.astimezone(UTC), action=action, reason=reason,
                          before=before, after=after,
                          verdicts={k: [v, None] for k, v in verdicts_before.items()})
        s.add(audit)
        s.flush()
        audit_id = audit.id
    verdicts, skipped = _rescore(engine, run_id, account_id, verdicts_before, review_required)
    with Session(engine) as s, s.begin():
        s.get(ReviewRow, audit_id).verdicts = {k: list(v) for k, v in verdicts.items()}
    return ReviewOutcome(finding_id, run_id, account_id, before, after, verdicts, skipped)


def _rescore(engine: Engine, run_id: int, account_id: int, before: dict[str, str],
             review_required: bool) -> tuple[dict[str, tuple[str, str]], tuple[str, ...]]:
    with Session(engine) as s:
        data = account_data(s, run_id, account_id)
    verdicts: dict[str, tuple[str, str]] = {}
    skipped = []
    known = frozenset(check_table())
    for system_id, old in sorted(before.items()):
        try:
            system = load_system(system_id, known)
        except ProfileError:
            skipped.append(system_id)  # scored from a YAML file that is not at hand
            verdicts[system_id] = (old, old)
            continue
        if data is None:
            verdicts[system_id] = (old, old)
            continue
        score = rescore_account(engine, run_id, account_id, system, data,
                                review_required=review_required)
        verdicts[system_id] = (old, score.verdict)
    return verdicts, tuple(skipped)


def review_history(engine: Engine, *, run_id: int | None = None,
                   account_ids: set[int] | None = None, finding_id: int | None = None,
                   limit: int = 200) -> list[dict[str, Any]]:
    """Return the newest review decisions first, optionally of one run, accounts or finding."""
    query = (select(ReviewRow, AccountRow.name).join(AccountRow,
                                                     AccountRow.id == ReviewRow.account_id)
             .order_by(ReviewRow.id.desc()).limit(limit))
    if run_id is not None:
        query = query.where(ReviewRow.run_id == run_id)
    if account_ids is not None:
        query = query.where(ReviewRow.account_id.in_(account_ids))
    if finding_id is not None:
        query = query.where(ReviewRow.finding_id == finding_id)
    with Session(engine) as s:
        return [{"id": r.id, "run_id": r.run_id, "account_id": r.account_id, "account": name,
                 "finding_id": r.finding_id, "check": r.check, "message": r.message,
                 "user": r.user_name, "at": r.at.replace(tzinfo=UTC) if r.at.tzinfo is None
                 else r.at, "action": r.action, "reason": r.reason, "before": r.before,
                 "after": r.after, "verdicts": r.verdicts}
                for r, name in s.execute(query)]
