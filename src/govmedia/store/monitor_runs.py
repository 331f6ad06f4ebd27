"""The weekly runs the monitor started, so that its next weekly cycle finds its own
interrupted run (to resume it or give it up) and leaves alone one that `govmedia inspect`
started."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from govmedia.store.models import MonitorRunRow, RunRow
from govmedia.store.runs import RunInfo, find_run, from_db_time, to_db_time


def record_weekly_start(engine: Engine, as_of: datetime, system: str, now: datetime) -> None:
    """Remember that the monitor runs the weekly inspection as of as_of under system (the
    runs it started before are dealt with by then: forgotten)."""
    with Session(engine) as s, s.begin():
        s.execute(delete(MonitorRunRow))
        s.add(MonitorRunRow(as_of=to_db_time(as_of), system=system, started_at=to_db_time(now)))


def interrupted_weekly(engine: Engine) -> RunInfo | None:
    """Return the newest unfinished run that the monitor started, or None."""
    with Session(engine) as s:
        mine = s.scalars(select(MonitorRunRow).order_by(MonitorRunRow.id.desc())).first()
        if mine is None:
            return None
        wanted = from_db_time(mine.as_of)
        found = next((r.id for r in s.scalars(
            select(RunRow).where(RunRow.status == "running", RunRow.indicator_system == mine.system)
            .order_by(RunRow.id.desc())) if from_db_time(r.as_of) == wanted), None)
    return None if found is None else find_run(engine, found)
