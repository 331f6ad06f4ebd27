"""Data retention: remove older runs, their rows and their archives, keeping the newest N.

A run's archive is its folder <data_dir>/runs/<id>/ (the WARC file and the screenshots).
The newest `keep` complete runs (by id) are never removed, and neither is a run still marked
running (it may be in progress, or interrupted and waiting to be resumed). Only complete runs
count toward the N: however many runs are interrupted, the newest N complete ones (the
monitor's baseline among them) stay. A run in any other state (one given up on) does not
count either and goes like a complete one: once N complete runs are newer. The rows go first,
in one transaction per run, then the folder: a folder that cannot be removed is reported, and
a run whose rows cannot be removed keeps its folder.
"""

from __future__ import annotations

import shutil
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from govmedia.store.archive import run_warc_path
from govmedia.store.locks import lock_file, run_lock
from govmedia.store.models import (
    ArtifactRow,
    CheckResultRow,
    EvidenceRow,
    FindingRow,
    RunRow,
    ScoreRow,
)
from govmedia.store.runs import from_db_time

_CHILDREN = (EvidenceRow, FindingRow, CheckResultRow, ScoreRow, ArtifactRow)


@dataclass(frozen=True, slots=True)
class RunInfo:
    """A stored run as retention sees it."""

    id: int
    as_of: datetime
    status: str
    accounts: int


@dataclass(frozen=True, slots=True)
class PrunePlan:
    """Which complete runs are kept (newest first), which runs are kept because running
    (newest first), and which are removed (oldest first)."""

    kept: tuple[RunInfo, ...]
    running: tuple[RunInfo, ...]
    remove: tuple[RunInfo, ...]


@dataclass(frozen=True, slots=True)
class PrunedRun:
    """What removing one run freed: rows, archive files and bytes, and any error."""

    run: RunInfo
    rows: int
    files: int
    bytes: int
    folder: str  # "" when the run had no archive folder
    error: str = ""


def plan_prune(engine: Engine, keep: int) -> PrunePlan:
    """Return which runs a prune keeping the newest `keep` complete runs would remove."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    with Session(engine) as s:
        runs = [RunInfo(r.id, from_db_time(r.as_of), r.status, len(r.account_ids or []))
                for r in s.scalars(select(RunRow).order_by(RunRow.id.desc()))]
    kept, running, remove = [], [], []
    for r in runs:  # newest first
        if r.status == "running":
            running.append(r)
        elif r.status == "complete" and len(kept) < keep:
            kept.append(r)
        elif len(kept) == keep:  # `keep` newer complete runs exist
            remove.append(r)
    return PrunePlan(tuple(kept), tuple(running), tuple(reversed(remove)))


def _folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def _delete_rows(engine: Engine, run_id: int) -> int:
    with Session(engine) as s, s.begin():
        count = 1
        for model in _CHILDREN:
            count += s.scalar(select(func.count()).select_from(model)
                              .where(model.run_id == run_id)) or 0
            s.execute(delete(model).where(model.run_id == run_id))
        # Tables added by other features reference runs with ON DELETE CASCADE / SET NULL.
        s.execute(delete(RunRow).where(RunRow.id == run_id))
    return count


def remove_run(engine: Engine, data_dir: str | Path, run: RunInfo) -> PrunedRun:
    """Remove one run's rows and then its archive folder; return what was freed."""
    folder = run_warc_path(data_dir, run.id).parent
    files, size = _folder_size(folder) if folder.is_dir() else (0, 0)
    shown = str(folder) if folder.is_dir() else ""
    try:
        rows = _delete_rows(engine, run.id)
    except IntegrityError as exc:
        return PrunedRun(run, 0, 0, 0, shown, f"数据库记录无法删除（{exc.orig}），归档已保留")
    lock = lock_file(engine, run_lock(run.id))  # SQLite: the run's lock file goes with it
    if lock is not None:
        with suppress(OSError):  # an empty file left behind is harmless
            lock.unlink(missing_ok=True)
    if not shown:
        return PrunedRun(run, rows, 0, 0, "")
    try:
        shutil.rmtree(folder)
    except OSError as exc:
        return PrunedRun(run, rows, 0, 0, shown, f"归档目录未能删除：{exc.strerror or exc}")
    return PrunedRun(run, rows, files, size, shown)
