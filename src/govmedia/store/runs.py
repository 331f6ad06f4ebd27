"""Runs and their results: start, find or resume a run, save one account atomically, read back.

Each account's artifacts, check results, findings and score (and, for a distributed run, the
evidence index of its own WARC file and its task state) are written in one transaction, so a
crash, a Ctrl-C or a killed worker leaves whole accounts or nothing. Saving is idempotent: an
account already saved for the run and indicator system is not written again (the first save
wins; a task given to a second worker after the first one died, or run twice, writes nothing
more), so artifacts, results and findings are never duplicated.

Resuming: an unfinished run with the same inspection time, indicator system and accounts is
resumed by a plain re-run (start_or_resume_run), or any unfinished run by its id (resume_run).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from govmedia.artifacts import CHINA_TZ
from govmedia.findings import CheckResult
from govmedia.store import tasks
from govmedia.store.archive import ArchiveEntry
from govmedia.store.locks import LockHeld, exclusive, run_lock
from govmedia.store.models import (
    AccountRow,
    ArtifactRow,
    CheckResultRow,
    EvidenceRow,
    FindingRow,
    RunRow,
    ScoreRow,
)


class RunNotResumable(LookupError):
    """The run asked for cannot be resumed: unknown, or already complete (a user error)."""


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What a run was started with, and where it stands."""

    id: int
    as_of: datetime  # UTC
    system: str  # the indicator system's id
    account_ids: tuple[int, ...]
    status: str  # running | complete | abandoned


def to_db_time(t: datetime) -> datetime:
    """Return t in UTC (SQLite keeps no zone; we always store UTC)."""
    return t.astimezone(UTC)


def from_db_time(t: datetime | None) -> datetime | None:
    """Return a stored time as an aware UTC datetime."""
    if t is None:
        return None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t


def _info(run: RunRow) -> RunInfo:
    return RunInfo(run.id, from_db_time(run.as_of), run.indicator_system,
                   tuple(run.account_ids), run.status)


def done_accounts(s: Session, run_id: int, system: str) -> set[int]:
    """Return the ids of the accounts already saved for the run and system."""
    return set(s.scalars(select(ScoreRow.account_id).where(ScoreRow.run_id == run_id,
                                                           ScoreRow.system == system)))


def start_or_resume_run(engine: Engine, as_of: datetime, system: str, account_ids: list[int],
                        now: datetime) -> tuple[int, set[int]]:
    """Return (run id, ids of accounts already done), resuming an unfinished identical run."""
    wanted = sorted(account_ids)
    with Session(engine) as s, s.begin():
        for run in s.scalars(select(RunRow).where(RunRow.status == "running",
                                                  RunRow.indicator_system == system)
                             .order_by(RunRow.id.desc())):
            if from_db_time(run.as_of) == as_of.astimezone(UTC) and run.account_ids == wanted:
                return run.id, done_accounts(s, run.id, system)
        run = RunRow(started_at=to_db_time(now), finished_at=None, as_of=to_db_time(as_of),
                     indicator_system=system, status="running", account_ids=wanted)
        s.add(run)
        s.flush()
        return run.id, set()


def find_run(engine: Engine, run_id: int) -> RunInfo | None:
    """Return what run run_id was started with, or None when there is no such run."""
    with Session(engine) as s:
        run = s.get(RunRow, run_id)
        return None if run is None else _info(run)


def resume_run(engine: Engine, run_id: int) -> tuple[RunInfo, set[int]]:
    """Return an unfinished run and the ids of its accounts already done.

    Raises RunNotResumable (with a Chinese message) for an unknown or a complete run.
    """
    with Session(engine) as s:
        run = s.get(RunRow, run_id)
        if run is None:
            raise RunNotResumable(f"数据库中没有编号为 {run_id} 的检查运行，无法续跑")
        if run.status == "complete":
            raise RunNotResumable(f"运行 {run_id} 已完成，无需续跑（重新评分请用 govmedia score "
                                  f"{run_id}）")
        if run.status == "abandoned":
            raise RunNotResumable(f"运行 {run_id} 是中断后被之后的每周全面检查放弃的监测运行，"
                                  "不能续跑（请重新检查）")
        return _info(run), done_accounts(s, run.id, run.indicator_system)


def run_accounts(engine: Engine, account_ids: Sequence[int]) -> list[AccountRow]:
    """Return the registry rows of a run's accounts, by id (accounts deleted since are gone)."""
    with Session(engine, expire_on_commit=False) as s:
        return list(s.scalars(select(AccountRow).where(AccountRow.id.in_(list(account_ids)))
                              .order_by(AccountRow.id)))


def run_as_of(engine: Engine, info: RunInfo) -> datetime:
    """Return the run's inspection time in the zone it was given (stored artifacts keep it),
    else in Beijing time (the database keeps UTC only)."""
    with Session(engine) as s:
        payload = s.scalar(select(ArtifactRow.payload).where(ArtifactRow.run_id == info.id,
                                                             ArtifactRow.kind == "account")
                           .limit(1))
    if payload and payload.get("as_of"):
        given = datetime.fromisoformat(payload["as_of"])
        if given == info.as_of:
            return given
    return info.as_of.astimezone(CHINA_TZ)


def _evidence_rows(run_id: int, entries: Sequence[ArchiveEntry]) -> list[dict[str, Any]]:
    return [{"run_id": run_id, "url": e.url, "warc_file": e.warc_file, "record_id": e.record_id,
             "offset": e.offset, "length": e.length, "status": e.status,
             "fetched_at": to_db_time(e.fetched_at), "sha256": e.sha256} for e in entries]


def save_account(engine: Engine, run_id: int, account_id: int, system: str,
                 artifacts: dict[str, Any], fetched_at: datetime, results: list[CheckResult],
                 verdict: str, vetoed: bool, score: float | None, reasons: list[str], *,
                 evidence: Sequence[ArchiveEntry] = ()) -> bool:
    """Write one account's results in one transaction; return False if it was already saved.

    Already saved (for this run and system): nothing is written, so two attempts of one
    account never duplicate anything. The account's task row, when the run has one, is
    locked first (two attempts save one after the other) and marked done. `evidence` is the
    index of the account's own WARC file (distributed runs), written with the results.
    """
    now = datetime.now(UTC)
    try:
        with Session(engine) as s, s.begin():
            tasks.lock(s, run_id, account_id)
            if _saved(s, run_id, account_id, system):
                tasks.mark(s, run_id, account_id, "done", now)
                return False
            for model in (ArtifactRow, CheckResultRow, FindingRow):
                s.execute(delete(model).where(model.run_id == run_id,
                                              model.account_id == account_id))
            s.add(ArtifactRow(run_id=run_id, account_id=account_id, kind="account",
                              source="collect", fetched_at=to_db_time(fetched_at),
                              payload=artifacts))
            _add_results(s, run_id, account_id, results)
            s.add(ScoreRow(run_id=run_id, account_id=account_id, system=system,
                           verdict=verdict, vetoed=vetoed, score=score, reasons=reasons))
            if evidence:
                s.execute(insert(EvidenceRow), _evidence_rows(run_id, evidence))
            tasks.mark(s, run_id, account_id, "done", now)
    except IntegrityError:
        # Two attempts raced without a task row to lock: the other one's save stands.
        with Session(engine) as s:
            if _saved(s, run_id, account_id, system):
                return False
        raise
    return True


def _add_results(s: Session, run_id: int, account_id: int,
                 results: Sequence[CheckResult]) -> None:
    for res in results:
        s.add(CheckResultRow(run_id=run_id, account_id=account_id, check=res.check,
                             status=res.status, reason=res.reason))
        for f in res.findings:
            s.add(FindingRow(run_id=run_id, account_id=account_id, check=f.check,
                             severity=f.severity, target=f.target, message=f.message,
                             evidence=f.evidence, suggestion=f.suggestion))


def save_rescore(engine: Engine, run_id: int, account_id: int, system: str,
                 added: Sequence[CheckResult], verdict: str, vetoed: bool, score: float | None,
                 reasons: list[str]) -> None:
    """Store a stored account's new score under `system` (replacing that system's score),
    with the check results the system needed and the run lacked (`added`)."""
    with Session(engine) as s, s.begin():
        _add_results(s, run_id, account_id, added)
        s.execute(delete(ScoreRow).where(ScoreRow.run_id == run_id,
                                         ScoreRow.account_id == account_id,
                                         ScoreRow.system == system))
        s.add(ScoreRow(run_id=run_id, account_id=account_id, system=system, verdict=verdict,
                       vetoed=vetoed, score=score, reasons=reasons))


def _saved(s: Session, run_id: int, account_id: int, system: str) -> bool:
    return s.scalar(select(ScoreRow.id).where(ScoreRow.run_id == run_id,
                                              ScoreRow.account_id == account_id,
                                              ScoreRow.system == system)) is not None


def is_saved(engine: Engine, run_id: int, account_id: int, system: str) -> bool:
    """Return whether the account is already saved for the run and system."""
    with Session(engine) as s:
        return _saved(s, run_id, account_id, system)


def scores_since(engine: Engine, run_id: int, system: str,
                 after: int) -> list[tuple[int, int, str]]:
    """Return (score row id, account id, verdict) of the accounts saved after row id `after`."""
    with Session(engine) as s:
        return list(s.execute(select(ScoreRow.id, ScoreRow.account_id, ScoreRow.verdict)
                              .where(ScoreRow.run_id == run_id, ScoreRow.system == system,
                                     ScoreRow.id > after)
                              .order_by(ScoreRow.id)).tuples())


def finish_run(engine: Engine, run_id: int, now: datetime) -> None:
    """Mark the run complete."""
    with Session(engine) as s, s.begin():
        run = s.get(RunRow, run_id)
        run.status, run.finished_at = "complete", to_db_time(now)


def abandon_run(engine: Engine, run_id: int, now: datetime) -> bool:
    """Mark an unfinished run abandoned: never resumed, not a previous run, pruned as usual.

    Return False, changing nothing, when the run is not unfinished or another process is
    executing it now (it holds the run's lock: `govmedia inspect --resume`)."""
    try:
        with exclusive(engine, run_lock(run_id)), Session(engine) as s, s.begin():
            run = s.get(RunRow, run_id)
            if run is None or run.status != "running":
                return False
            run.status, run.finished_at = "abandoned", to_db_time(now)
            return True
    except LockHeld:
        return False


def stored_accounts(s: Session, run_id: int,
                    account_ids: Sequence[int] | None = None) -> dict[int, dict[str, Any]]:
    """Return, per account id with stored artifacts, its artifacts, check results, findings
    (of every account of the run, or of account_ids only)."""
    def only(model: Any) -> Any:
        query = select(model).where(model.run_id == run_id)
        return query if account_ids is None else query.where(
            model.account_id.in_(list(account_ids)))

    out: dict[int, dict[str, Any]] = {}
    for a in s.scalars(only(ArtifactRow).where(ArtifactRow.kind == "account")):
        out[a.account_id] = {"artifacts": a.payload, "results": [], "findings": []}
    for cr in s.scalars(only(CheckResultRow).order_by(CheckResultRow.id)):
        if cr.account_id in out:
            out[cr.account_id]["results"].append(
                {"check": cr.check, "status": cr.status, "reason": cr.reason})
    for f in s.scalars(only(FindingRow).order_by(FindingRow.id)):
        if f.account_id in out:
            out[f.account_id]["findings"].append({
                "check": f.check, "severity": f.severity, "target": f.target,
                "message": f.message, "evidence": f.evidence, "suggestion": f.suggestion,
                "review": f.review})
    return out


_NOTHING: dict[str, Any] = {"artifacts": None, "results": [], "findings": []}


class RunRows(Mapping[int, dict[str, Any]]):
    """Per scored account id of a run: its score, check results, findings and artifacts.

    The scores are read at once; the rest is read from the database as it is asked for, a
    chunk of accounts (in id order) at a time, and only the current chunk is kept: a national
    run's artifacts (about 100 kB of JSON per account) do not fit in memory all together.
    """

    def __init__(self, engine: Engine, run_id: int, system: str, *, chunk: int = 100) -> None:
        self._engine, self._run_id, self._chunk = engine, run_id, chunk
        with Session(engine) as s:
            self._scores = {sc.account_id: {"verdict": sc.verdict, "vetoed": sc.vetoed,
                                            "score": sc.score, "reasons": sc.reasons}
                            for sc in s.scalars(select(ScoreRow).where(
                                ScoreRow.run_id == run_id, ScoreRow.system == system))}
        self._order = sorted(self._scores)
        self._loaded: dict[int, dict[str, Any]] = {}

    def __getitem__(self, account_id: int) -> dict[str, Any]:
        score = self._scores[account_id]
        if account_id not in self._loaded:
            at = bisect.bisect_left(self._order, account_id)
            with Session(self._engine) as s:
                self._loaded = stored_accounts(s, self._run_id,
                                               self._order[at:at + self._chunk])
        return {**score, **self._loaded.get(account_id, _NOTHING)}

    def __iter__(self) -> Iterator[int]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)


def run_rows(engine: Engine, run_id: int, system: str) -> RunRows:
    """Return, per scored account id, the stored score, check results, findings, artifacts
    (read lazily: see RunRows)."""
    return RunRows(engine, run_id, system)
