"""The Celery application of distributed runs: configuration and the per-account task.

Redis is the broker; there is no result backend: a task's result is the account's rows in the
shared PostgreSQL database, which `inspect --executor celery` reads for its progress and its
result. Delivery is at least once: a task is acknowledged only when it has finished
(acks_late), a task whose worker process is lost is given back (reject_on_worker_lost), and
one whose worker was killed outright is given to another worker after `task_lease` seconds
(the Redis visibility timeout). Saving is idempotent (store/runs.py), so a task that runs
twice writes its account once.

A task that fails (Redis or the database away, a bug) is retried MAX_RETRIES times with
back-off, then marked failed in `run_tasks` with its error, so that the waiting `inspect`
stops and says which accounts failed; a system or an account that cannot be found (LookupError,
ValueError) fails at once.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Celery, signals
from celery.exceptions import Reject

from govmedia.settings import Settings

QUEUE = "govmedia.accounts"
ACCOUNT_TASK = "govmedia.inspect_account"
MAX_RETRIES = 3
RETRY_DELAY = 5.0  # seconds before the first retry; doubled each time
log = logging.getLogger("govmedia.worker")


def celery_config(settings: Settings) -> dict[str, Any]:
    """Return the Celery configuration for these settings."""
    lease = settings.task_lease
    return {
        "broker_url": settings.broker,
        "broker_transport_options": {
            "global_keyprefix": f"{settings.broker_prefix}:",
            "visibility_timeout": lease,
            # Look for tasks of dead workers often enough for the lease to mean what it says.
            "unacked_restore_interval": max(1, min(10, int(lease / 4))),
            "unacked_restore_throttle": 1,
        },
        "broker_connection_retry_on_startup": True,
        "task_default_queue": QUEUE,
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": True,
        "worker_prefetch_multiplier": 1,
        "worker_hijack_root_logger": False,
        "worker_redirect_stdouts": False,
    }


class _Runtime:
    """The worker's WorkerRuntime, started by the first task and closed at shutdown."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._runtime: Any = None

    def get(self) -> Any:
        with self._lock:
            if self._runtime is None:
                from govmedia.run.worker import WorkerRuntime

                self._runtime = WorkerRuntime(self._settings)
            return self._runtime

    def close(self, **_kwargs: object) -> None:
        with self._lock:
            runtime, self._runtime = self._runtime, None
        if runtime is not None:
            runtime.close()


def make_app(settings: Settings) -> Celery:
    """Return a Celery app for these settings, with the account task registered."""
    app = Celery("govmedia", set_as_current=False)
    app.conf.update(celery_config(settings))
    runtime = _Runtime(settings)

    @app.task(name=ACCOUNT_TASK, bind=True, acks_late=True, reject_on_worker_lost=True,
              max_retries=MAX_RETRIES)
    def inspect_account(self: Any, run_id: int, account_id: int, as_of: str,
                        system_ref: str) -> str:
        """Collect, check, score and save one account of a run; return what happened."""
        from govmedia.run.worker import ForeignTask

        worker = self.request.hostname or ""
        try:
            return runtime.get().inspect_account(run_id, account_id, as_of, system_ref, worker)
        except ForeignTask as exc:
            log.error("%s", exc)
            raise Reject(str(exc), requeue=False) from None
        except Exception as exc:
            # A system or an account that cannot be found will not appear on a retry.
            final = self.request.retries >= self.max_retries or isinstance(exc, LookupError
                                                                           | ValueError)
            log.warning("run %s account %s: %s%s", run_id, account_id, exc,
                        "" if final else " (will retry)")
            runtime.get().record_failure(run_id, account_id, exc, final=final)
            if final:
                raise
            raise self.retry(exc=exc, countdown=RETRY_DELAY * 2 ** self.request.retries
                             ) from None

    signals.worker_shutdown.connect(runtime.close, weak=False)
    return app
