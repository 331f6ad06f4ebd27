"""The celery executor's side in `inspect`: queue one task per account, follow the database.

The tasks go to Redis (settings.broker) for `govmedia worker` processes, which save each
account in the shared PostgreSQL database (run/worker.py). Progress is read from that
database, not from Celery: the accounts saved (their score rows, in the order saved, shown as
the local executor shows them) and the task rows (queued, running, failed, restarted, on
which workers). When every account is saved the caller finishes the run (run/inspect.py:
the run-wide step, rankings and summary, from the stored rows).

A task can be lost without a trace in the database: rejected by a worker of another database,
gone with a Redis that restarted, or failed for good when its failure could not be recorded.
So when none of the run's tasks has moved for longer than any task can legitimately stay
silent (stale_after), and no worker is busy with another run's tasks either, the accounts not
yet saved are queued again (saving is idempotent, so a task that was not lost after all
writes nothing twice), at most REQUEUES times each; then the run stops with a DistributedError
that says how many accounts were lost and how to resume.
"""

from __future__ import annotations

import time
from collections import Counter
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
REQUEUES = 2  # times an account whose task was lost is queued again before the run stops


class DistributedError(RuntimeError):
    """A distributed run cannot start (no PostgreSQL, no broker), or accounts failed or were
    lost."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def stale_after(settings: Settings) -> float:
    """Return the seconds after which a run none of whose tasks moved has lost its tasks."""
    from govmedia.run.celery_app import MAX_RETRIES, RETRY_DELAY, celery_config
    from govmedia.run.inspect import ACCOUNT_TIMEOUTS

    # A task under way is cut at task_lease by its worker (its collection also at the account
    # limit); the task of a worker that died comes back after task_lease and Redis's restore
    # interval; a retry waits at most its last back-off. Silence beyond all of these together
    # (and as much again, for a save or a start on a busy machine) is no longer a wait.
    restore = celery_config(settings)["broker_transport_options"]["unacked_restore_interval"]
    longest = max(settings.task_lease, settings.http_timeout * ACCOUNT_TIMEOUTS)
    return 2 * (longest + restore + RETRY_DELAY * 2 ** (MAX_RETRIES - 1))


def run_distributed(engine: Engine, settings: Settings, plan: RunPlan, *,
                    progress: Callable[[str, str], None] | None = None,
                    note: Callable[[str], None] | None = None, poll: float = POLL,
                    stale: float | None = None, clock: Callable[[], float] = time.monotonic,
                    sleep: Callable[[float], None] = time.sleep) -> None:
    """Queue the plan's accounts not yet done as tasks and return once all are saved.

    stale: seconds without any task moving before the tasks not done are taken as lost
    (default stale_after(settings)); clock and sleep are the follower's, for tests.
    Raises DistributedError (with a Chinese message) when the database is SQLite, the broker
    cannot be reached, tasks failed for good, or tasks were lost again after REQUEUES tries.
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
    follow = _Follow(engine, settings, plan, stale_after(settings) if stale is None else stale,
                     clock)
    follow.run({r.id: r.name for r in todo}, progress or (lambda *_: None),
               note or (lambda _: None), poll, sleep)


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


class _Follow:
    """Follows a run's tasks in the database until every account is saved; see the module."""

    def __init__(self, engine: Engine, settings: Settings, plan: RunPlan, stale: float,
                 clock: Callable[[], float]) -> None:
        self.engine, self.settings, self.plan, self.stale = engine, settings, plan, stale
        self.clock = clock
        self.requeued: Counter[int] = Counter()  # account id -> times queued again
        self.seen: tuple[object, ...] | None = None  # the tasks' signature when last moved
        # The workers' activity on other runs (this run's own moves are in its signature).
        self.elsewhere = tasks.activity(engine, besides=plan.run_id)
        self.quiet_since = clock()

    def run(self, names: dict[int, str], progress: Callable[[str, str], None],
            note: Callable[[str], None], poll: float, sleep: Callable[[float], None]) -> None:
        plan, remaining, last_id, started = self.plan, set(names), 0, self.clock()
        while True:
            for row_id, account_id, verdict in runs.scores_since(self.engine, plan.run_id,
                                                                 plan.system.id, last_id):
                last_id = row_id
                if account_id in remaining:
                    remaining.discard(account_id)
                    progress(names[account_id], verdict)
            if not remaining:
                return
            state = tasks.counts(self.engine, plan.run_id)
            failed = [(name, error) for account_id, name, error in state.failures
                      if account_id in remaining]
            if len(failed) == len(remaining):
                name, error = failed[0]
                raise DistributedError(
                    f"{len(failed)} 个账号的任务失败（如 {name}：{error}）；运行 {plan.run_id} "
                    f"未完成，排除问题后可用 govmedia inspect --resume {plan.run_id} --executor "
                    "celery 续跑", code=1)
            self._check_lost(state, remaining, failed)
            note(_status(state, self.clock() - started, len(self.requeued)))
            sleep(poll)

    def _check_lost(self, state: tasks.TaskCounts, remaining: set[int],
                    failed: list[tuple[str, str]]) -> None:
        """Queue the tasks not done again once nothing has moved for too long (or stop)."""
        now = self.clock()
        if state.signature != self.seen:
            self.seen, self.quiet_since = state.signature, now
            return
        if now - self.quiet_since <= self.stale:
            return
        self.quiet_since = now
        elsewhere = tasks.activity(self.engine, besides=self.plan.run_id)
        if elsewhere != self.elsewhere:  # the workers are busy with other runs' tasks
            self.elsewhere = elsewhere
            return
        gone = {account_id for account_id, _, _ in state.failures}
        lost = sorted(remaining - gone)
        if any(self.requeued[a] >= REQUEUES for a in lost):
            raise DistributedError(_lost_message(self.plan.run_id, len(lost), self.stale,
                                                 failed), code=1)
        plan = self.plan
        tasks.queue(self.engine, plan.run_id, lost, datetime.now(CHINA_TZ))
        send_tasks(self.settings, plan.run_id, lost, plan.as_of.isoformat(), plan.system_ref)
        self.requeued.update(lost)


def _lost_message(run_id: int, lost: int, stale: float, failed: list[tuple[str, str]]) -> str:
    """Return the one sentence that says a run stopped because its tasks were lost."""
    also = ""
    if failed:
        name, error = failed[0]
        also = f"；另有 {len(failed)} 个账号的任务失败（如 {name}：{error}）"
    return (f"{lost} 个账号的任务已丢失：超过 {stale:.0f} 秒没有任何进展，重新排队 {REQUEUES} 次后"
            "仍未完成（可能 Redis 重启丢失了任务、任务被 db 设置不同的 worker 拒收，或没有 worker "
            f"在运行）{also}；运行 {run_id} 未完成，排除问题后可用 govmedia inspect --resume "
            f"{run_id} --executor celery 续跑")


def _status(state: tasks.TaskCounts, waited: float, requeued: int = 0) -> str:
    """Return one line on where the tasks stand, for the progress bar."""
    if not state.workers and waited > IDLE_HINT:
        return ("尚无 worker 领取任务：请运行 govmedia worker（其 db、broker、broker_prefix "
                "设置须与本机相同）")
    parts = [f"{state.states.get('running', 0)} 个进行中",
             f"{state.states.get('queued', 0)} 个排队", f"{len(state.workers)} 个 worker"]
    if state.restarted:
        parts.append(f"{state.restarted} 个任务重新执行")
    if requeued:
        parts.append(f"{requeued} 个任务无进展后重新排队")
    if state.failures:
        parts.append(f"{len(state.failures)} 个失败")
    return " · ".join(parts)
