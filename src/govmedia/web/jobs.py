"""Inspections started from the workbench: one at a time, in a background thread, with progress.

The thread calls the same job as `govmedia inspect` (run/inspect.py inspect_accounts), which
saves account by account (with review_required, veto candidates count only once a person
confirmed them). The progress lives in memory (per app); the runs
themselves, and so the history, are in the database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import count
from typing import Any

from sqlalchemy import Engine

from govmedia.artifacts import CHINA_TZ
from govmedia.indicators.engine import ProfileError
from govmedia.run.inspect import RunBusy, inspect_accounts
from govmedia.settings import Settings
from govmedia.store.models import AccountRow

log = logging.getLogger(__name__)


class JobBusy(RuntimeError):
    """An inspection is already running."""


@dataclass
class Job:
    """One inspection started from the workbench and how far it got."""

    id: int
    user: str
    scope: str  # a Chinese description: 全部账号, 类别：部委, 账号：微言教育
    system: str
    as_of: datetime
    total: int
    started_at: datetime
    done: int = 0
    status: str = "running"  # running | complete | failed
    error: str = ""
    run_id: int | None = None
    finished_at: datetime | None = None
    recent: list[str] = field(default_factory=list)  # the last accounts done, newest first

    def as_dict(self) -> dict[str, Any]:
        """Return the job as JSON-ready data (for the progress endpoint)."""
        return {"id": self.id, "user": self.user, "scope": self.scope, "system": self.system,
                "as_of": self.as_of.isoformat(), "total": self.total, "done": self.done,
                "status": self.status, "error": self.error, "run_id": self.run_id,
                "started_at": self.started_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None,
                "recent": list(self.recent)}


class JobRunner:
    """Runs one inspection at a time for an app; keeps the jobs it ran since it started."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings
        self._lock = threading.Lock()
        self._ids = count(1)
        self._jobs: list[Job] = []
        self._threads: dict[int, threading.Thread] = {}

    def start(self, rows: Sequence[AccountRow], system: str, as_of: datetime, user: str,
              scope: str) -> Job:
        """Return the started job; raise JobBusy while another one runs."""
        with self._lock:
            if any(j.status == "running" for j in self._jobs):
                raise JobBusy()
            job = Job(next(self._ids), user, scope, system, as_of, len(rows),
                      datetime.now(CHINA_TZ))
            self._jobs.insert(0, job)
            thread = threading.Thread(target=self._work, args=(job, list(rows)),
                                      name=f"govmedia-job-{job.id}", daemon=True)
            self._threads[job.id] = thread
        thread.start()
        return job

    def _work(self, job: Job, rows: list[AccountRow]) -> None:
        def tick(name: str, verdict: str) -> None:
            with self._lock:
                job.done += 1
                job.recent = [f"{name}：{verdict}", *job.recent[:9]]

        try:
            result = inspect_accounts(self.engine, self.settings, rows, job.system, job.as_of,
                                      progress=tick)
            job.run_id = result["run_id"]
            status, error = "complete", ""
        except (ProfileError, RunBusy) as exc:  # the user's to mend: their own sentence
            status, error = "failed", str(exc)
        except Exception as exc:  # the thread must report, never die silently
            log.exception("inspection job %s failed", job.id)
            status, error = "failed", f"{type(exc).__name__}: {exc}"
        with self._lock:
            job.status, job.error = status, error
            job.finished_at = datetime.now(CHINA_TZ)

    def jobs(self) -> list[Job]:
        """Return the jobs of this app, newest first."""
        with self._lock:
            return list(self._jobs)

    def get(self, job_id: int) -> Job | None:
        """Return one job, or None."""
        with self._lock:
            return next((j for j in self._jobs if j.id == job_id), None)

    def join(self, job_id: int, timeout: float) -> bool:
        """Wait for a job's thread; return True when it has ended (for tests and shutdown)."""
        thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)
        return thread is None or not thread.is_alive()
