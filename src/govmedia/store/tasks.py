"""The task state of distributed runs: one row per account of a run (table `run_tasks`).

The account's results are in the usual tables and say on their own whether it is done; these
rows add what a distributed run needs besides: which accounts are queued or running and on
which worker, how many times a task started (a worker that died makes it start again), and
the error of a task that failed for good.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from govmedia.store.models import AccountRow, RunTaskRow


def _utc(t: datetime) -> datetime:
    return t.astimezone(UTC)  # every stored time is UTC (store/runs.py)


@dataclass(frozen=True, slots=True)
class TaskCounts:
    """Where the tasks of a run stand."""

    states: dict[str, int]
    restarted: int  # tasks that started more than once
    workers: tuple[str, ...]  # workers that started a task of this run
    failures: tuple[tuple[int, str, str], ...]  # (account id, name, error): failed for good
    attempts: int = 0  # task starts, all tasks together
    latest: datetime | None = None  # the last change of any task row (UTC)

    @property
    def signature(self) -> tuple[object, ...]:
        """Return what changes whenever any task of the run moves (started, saved, failed,
        queued again)."""
        return (tuple(sorted(self.states.items())), self.attempts, self.latest)


def queue(engine: Engine, run_id: int, account_ids: Iterable[int], now: datetime) -> None:
    """Mark the accounts' tasks queued (rows created where missing; done ones stay done)."""
    ids = set(account_ids)
    with Session(engine) as s, s.begin():
        have = {r.account_id: r for r in s.scalars(
            select(RunTaskRow).where(RunTaskRow.run_id == run_id))}
        for account_id in sorted(ids):
            row = have.get(account_id)
            if row is None:
                s.add(RunTaskRow(run_id=run_id, account_id=account_id, state="queued",
                                 attempts=0, worker="", error="", updated_at=_utc(now)))
            elif row.state != "done":
                row.state, row.error, row.updated_at = "queued", "", _utc(now)


def begin(engine: Engine, run_id: int, account_id: int, worker: str, now: datetime) -> int:
    """Mark a task running on worker; return how many times it has started (this one too)."""
    with Session(engine) as s, s.begin():
        row = s.scalar(select(RunTaskRow).where(RunTaskRow.run_id == run_id,
                                                RunTaskRow.account_id == account_id)
                       .with_for_update())
        if row is None:
            row = RunTaskRow(run_id=run_id, account_id=account_id, state="queued", attempts=0,
                             worker="", error="", updated_at=_utc(now))
            s.add(row)
        row.attempts += 1
        if row.state != "done":
            row.state = "running"
        row.worker, row.updated_at = worker, _utc(now)
        return row.attempts


def lock(s: Session, run_id: int, account_id: int) -> None:
    """Lock the account's task row until s commits (PostgreSQL; SQLite locks on write)."""
    s.execute(select(RunTaskRow.id).where(RunTaskRow.run_id == run_id,
                                          RunTaskRow.account_id == account_id)
              .with_for_update())


def mark(s: Session, run_id: int, account_id: int, state: str, now: datetime,
         error: str = "") -> None:
    """Set the state of the account's task, if the run has task rows (distributed runs)."""
    s.execute(update(RunTaskRow).where(RunTaskRow.run_id == run_id,
                                       RunTaskRow.account_id == account_id)
              .values(state=state, error=error[:2000], updated_at=_utc(now)))


def done(engine: Engine, run_id: int, account_id: int, now: datetime) -> None:
    """Mark the account's task done (its account was saved by an earlier attempt)."""
    with Session(engine) as s, s.begin():
        mark(s, run_id, account_id, "done", now)


def fail(engine: Engine, run_id: int, account_id: int, error: str, now: datetime, *,
         final: bool) -> None:
    """Record a task's error: failed for good when final, else queued for its retry."""
    with Session(engine) as s, s.begin():
        row = s.scalar(select(RunTaskRow).where(RunTaskRow.run_id == run_id,
                                                RunTaskRow.account_id == account_id)
                       .with_for_update())
        if row is not None and row.state != "done":
            row.state = "failed" if final else "queued"
            row.error, row.updated_at = error[:2000], _utc(now)


def counts(engine: Engine, run_id: int) -> TaskCounts:
    """Return where the tasks of a run stand."""
    with Session(engine) as s:
        rows = s.execute(select(RunTaskRow.account_id, RunTaskRow.state, RunTaskRow.attempts,
                                RunTaskRow.worker, RunTaskRow.error, RunTaskRow.updated_at,
                                AccountRow.name)
                         .join(AccountRow, AccountRow.id == RunTaskRow.account_id)
                         .where(RunTaskRow.run_id == run_id)).all()
    return TaskCounts(
        states=dict(Counter(r.state for r in rows)),
        restarted=sum(1 for r in rows if r.attempts > 1),
        workers=tuple(sorted({r.worker for r in rows if r.worker})),
        failures=tuple((r.account_id, r.name, r.error) for r in rows if r.state == "failed"),
        attempts=sum(r.attempts for r in rows),
        latest=max((r.updated_at for r in rows), default=None),
    )


def activity(engine: Engine, *, besides: int | None = None) -> tuple[int, int]:
    """Return (task starts, tasks done) over every run of the database but run `besides`: it
    changes whenever a worker starts or saves a task of another run (and not when a task is
    only queued again)."""
    query = select(func.coalesce(func.sum(RunTaskRow.attempts), 0),
                   func.count().filter(RunTaskRow.state == "done"))
    if besides is not None:
        query = query.where(RunTaskRow.run_id != besides)
    with Session(engine) as s:
        started, done = s.execute(query).one()
    return int(started), int(done)


def attempts(engine: Engine, run_id: int) -> dict[int, int]:
    """Return, per account id, how many times its task started."""
    with Session(engine) as s:
        return dict(s.execute(select(RunTaskRow.account_id, RunTaskRow.attempts)
                              .where(RunTaskRow.run_id == run_id)).tuples().all())
