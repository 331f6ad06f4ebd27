"""Runs and their results: start or resume a run, save one account atomically, read back.

Each account's artifacts, check results, findings and score are written in one transaction,
so a crash or Ctrl-C leaves whole accounts or nothing; a re-run resumes the unfinished run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from govmedia.findings import CheckResult
from govmedia.store.models import ArtifactRow, CheckResultRow, FindingRow, RunRow, ScoreRow


def to_db_time(t: datetime) -> datetime:
    """Return t in UTC (SQLite keeps no zone; we always store UTC)."""
    return t.astimezone(UTC)


def from_db_time(t: datetime | None) -> datetime | None:
    """Return a stored time as an aware UTC datetime."""
    if t is None:
        return None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t


def start_or_resume_run(engine: Engine, as_of: datetime, system: str, account_ids: list[int],
                        now: datetime) -> tuple[int, set[int]]:
    """Return (run id, ids of accounts already done), resuming an unfinished identical run."""
    wanted = sorted(account_ids)
    with Session(engine) as s, s.begin():
        for run in s.scalars(select(RunRow).where(RunRow.status == "running",
                                                  RunRow.indicator_system == system)):
            if from_db_time(run.as_of) == as_of.astimezone(UTC) and run.account_ids == wanted:
                done = set(s.scalars(select(ScoreRow.account_id).where(
                    ScoreRow.run_id == run.id, ScoreRow.system == system)))
                return run.id, done
        run = RunRow(started_at=to_db_time(now), finished_at=None, as_of=to_db_time(as_of),
                     indicator_system=system, status="running", account_ids=wanted)
        s.add(run)
        s.flush()
        return run.id, set()


def save_account(engine: Engine, run_id: int, account_id: int, system: str,
                 artifacts: dict[str, Any], fetched_at: datetime, results: list[CheckResult],
                 verdict: str, vetoed: bool, score: float | None, reasons: list[str]) -> None:
    """Write one account's artifacts, check results, findings and score in one transaction."""
    with Session(engine) as s, s.begin():
        for model in (ArtifactRow, CheckResultRow, FindingRow, ScoreRow):
            s.execute(delete(model).where(model.run_id == run_id,
                                          model.account_id == account_id))
        s.add(ArtifactRow(run_id=run_id, account_id=account_id, kind="account",
                          source="collect", fetched_at=to_db_time(fetched_at),
                          payload=artifacts))
        for res in results:
            s.add(CheckResultRow(run_id=run_id, account_id=account_id, check=res.check,
                                 status=res.status, reason=res.reason))
            for f in res.findings:
                s.add(FindingRow(run_id=run_id, account_id=account_id, check=f.check,
                                 severity=f.severity, target=f.target, message=f.message,
                                 evidence=f.evidence, suggestion=f.suggestion))
        s.add(ScoreRow(run_id=run_id, account_id=account_id, system=system, verdict=verdict,
                       vetoed=vetoed, score=score, reasons=reasons))


def finish_run(engine: Engine, run_id: int, now: datetime) -> None:
    with Session(engine) as s, s.begin():
        run = s.get(RunRow, run_id)
        run.status, run.finished_at = "complete", to_db_time(now)


def run_rows(engine: Engine, run_id: int, system: str) -> dict[int, dict[str, Any]]:
    """Return, per account id, the stored score, check results, findings and artifacts."""
    out: dict[int, dict[str, Any]] = {}
    with Session(engine) as s:
        for sc in s.scalars(select(ScoreRow).where(ScoreRow.run_id == run_id,
                                                   ScoreRow.system == system)):
            out[sc.account_id] = {"verdict": sc.verdict, "vetoed": sc.vetoed, "score": sc.score,
                                  "reasons": sc.reasons, "results": [], "findings": [],
                                  "artifacts": None}
        for cr in s.scalars(select(CheckResultRow).where(CheckResultRow.run_id == run_id)
                            .order_by(CheckResultRow.id)):
            if cr.account_id in out:
                out[cr.account_id]["results"].append(
                    {"check": cr.check, "status": cr.status, "reason": cr.reason})
        for f in s.scalars(select(FindingRow).where(FindingRow.run_id == run_id)
                           .order_by(FindingRow.id)):
            if f.account_id in out:
                out[f.account_id]["findings"].append({
                    "check": f.check, "severity": f.severity, "target": f.target,
                    "message": f.message, "evidence": f.evidence, "suggestion": f.suggestion,
                    "review": f.review})
        for a in s.scalars(select(ArtifactRow).where(ArtifactRow.run_id == run_id,
                                                     ArtifactRow.kind == "account")):
            if a.account_id in out:
                out[a.account_id]["artifacts"] = a.payload
    return out
