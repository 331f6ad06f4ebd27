"""The celery executor's side in `inspect`: queue one task per account, follow the database.

The tasks go to Redis (settings.broker) for `govmedia worker` processes, which save each
account in the shared PostgreSQL database (run/worker.py). Progress is read from that
database, not from Celery: the accounts saved (their score rows, in the order saved, shown as
the local executor shows them) and the task rows (queued, running, failed, restarted, on
which workers). When every account is saved the caller finishes the run (run/inspect.py:
the run-wide step, rankings and summary, from the stored rows).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from govmedia.artifacts import CHINA_TZ
from govmedia.settings import Settings
from govmedia.store import runs, tasks

if TYPE_CHECKING:
    from govmedia.run.inspect import RunPlan

POLL = 0.5  # seconds between two looks at the database
IDLE_HINT = 20.0  # seconds without any task started before saying that no worker is there


class DistributedError(RuntimeError):
    """A distributed run cannot start (no PostgreSQL, no broker) or some accounts failed."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def run_distributed(engine: Engine, settings: Settings, plan: RunPlan, *,
                    progress: Callable[[str, str], None] | None = None,
                    note: Callable[[str], None] | None = None, poll: float = POLL) -> None:
    """Queue the plan's accounts not yet done as tasks and return once all are saved.

    Raises DistributedError (with a Chinese message) when the
    database is SQLite, the broker cannot be reached, or tasks failed for good.
    """
    if engine.dialect.name == "sqlite":
        raise DistributedError("--executor celery 需要 PostgreSQL 数据库（db 设置）：SQLite 不能"
                               "被多个 worker 共享")
    todo = plan.todo
    if not todo:
        return
    tasks.queue(engine, plan.run_id, [r.id for r in todo], datetime.now(CHINA_TZ))
    send_tasks(settings, plan.run_id, [r.id for r in todo], plan.as_of.isoformat(),
               plan.system_ref)
    _follow(engine, plan, {r.id: r.name for r in todo}, progress or (lambda *_: None),
            note or (lambda _: None), poll)


def send_tasks(settings: Settings, run_id: int, account_ids: list[int], as_of: str,
               system_ref: str) -> None:
    """Put one account task per id on the queue (raises DistributedError without a broker)."""
    from kombu.exceptions import OperationalError

    from govmedia.run.celery_app import ACCOUNT_TASK, QUEUE, make_app

    app = make_app(settings)
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=5)
            with app.producer_or_acquire() as producer:
                for account_id in account_ids:
                    app.send_task(ACCOUNT_TASK, args=[run_id, account_id, as_of, system_ref],
                                  queue=QUEUE, producer=producer)
    except (OperationalError, OSError) as exc:
        raise DistributedError(f"无法连接任务队列 {settings.broker}（broker 设置）：{exc}"
                               ) from None


def _follow(engine: Engine, plan: RunPlan, names: dict[int, str],
            progress: Callable[[str, str], None], note: Callable[[str], None],
            poll: float) -> None:
    remaining, last_id, started = set(names), 0, time.monotonic()
    while True:
        for row_id, account_id, verdict in runs.scores_since(engine, plan.run_id,
                                                             plan.system.id, last_id):
            last_id = row_id
            if account_id in remaining:
                remaining.discard(account_id)
                progress(names[account_id], verdict)
        if not remaining:
            return
        state = tasks.counts(engine, plan.run_id)
        failed = [(name, error) for account_id, name, error in state.failures
                  if account_id in remaining]
        if len(failed) == len(remaining):
            name, error = failed[0]
            raise DistributedError(
                f"{len(failed)} 个账号的任务失败（如 {name}：{error}）；运行 {plan.run_id} "
                f"未完成，排除问题后可用 govmedia inspect --resume {plan.run_id} --executor "
                "celery 续跑", code=1)
        note(_status(state, time.monotonic() - started))
        time.sleep(poll)


def _status(state: tasks.TaskCounts, waited: float) -> str:
    """Return one line on where the tasks stand, for the progress bar."""
    if not state.workers and waited > IDLE_HINT:
        return ("尚无 worker 领取任务：请运行 govmedia worker（其 db、broker、broker_prefix "
                "设置须与本机相同）")
    parts = [f"{state.states.get('running', 0)} 个进行中",
             f"{state.states.get('queued', 0)} 个排队", f"{len(state.workers)} 个 worker"]
    if state.restarted:
        parts.append(f"{state.restarted} 个任务重新执行")
    if state.failures:
        parts.append(f"{len(state.failures)} 个失败")
    return " · ".join(parts)
