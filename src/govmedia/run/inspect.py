"""The inspect job: collect → check → score for a set of accounts, saved account by account.

A run is planned first (plan_run: a new run, or the unfinished identical run it resumes;
plan_resume: an unfinished run named by its id), then executed by one of two executors, then
finished (the run-wide result: rankings, summary).

- local (default): collection is asynchronous in this process (settings.concurrency accounts
  at a time) through one Downloader per run, which archives every fetched page in the run's
  WARC file (<data_dir>/runs/<run id>/); the archive index is written to the database before
  each account's findings. Checking and scoring are pure and run as each account arrives.
- celery: one task per account on `govmedia worker` processes (run/distributed.py,
  run/worker.py), which save each account the same way; this process shows the progress by
  reading the database and then builds the result.

Each account is saved in its own transaction, so an interrupted run loses at most the
accounts in flight, and resuming it collects only the accounts not yet saved.

One process at a time executes a run locally: it holds the run's lock (store/locks.py) while
it appends to the run's WARC file, which a second process would cut back to its last complete
record under the first one's writes. A second process on the same run (`--resume`, or a plain
re-run that resumes it) gets RunBusy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from govmedia.artifacts import CHINA_TZ, AccountArtifacts, AccountInfo, SourceRead, to_jsonable
from govmedia.checks.registry import CheckContext, CheckSpec, check_table, run_check
from govmedia.collect.browser import PhoneBrowser, mobile_urls, run_shots_dir
from govmedia.collect.http import Downloader
from govmedia.collect.runner import AccountSource, collect_account
from govmedia.collect.wechat_api import TokenCache
from govmedia.findings import CheckResult
from govmedia.indicators.engine import (
    AccountScore,
    IndicatorSystem,
    ProfileError,
    load_system,
    score_account,
)
from govmedia.indicators.metrics import safe_metrics
from govmedia.report.result import build_result, counted_results
from govmedia.settings import Settings
from govmedia.store import runs
from govmedia.store.archive import Archive, index_records
from govmedia.store.locks import LockHeld, exclusive, run_lock
from govmedia.store.models import AccountRow

Progress = Callable[[str, str], None]  # (account name, verdict)
USER_AGENT = "govmedia/0.1 (+government new-media inspection)"
ACCOUNT_TIMEOUTS = 10  # one account's collection is bounded by this many http_timeouts
RESUMED = "已完成（续跑）"  # the progress verdict of an account a resumed run already has


class RunBusy(RuntimeError):
    """Another process is executing the run (a user error: one clear Chinese sentence)."""


@dataclass(frozen=True)
class RunPlan:
    """A run ready to execute: its id, system, time, accounts and those already done."""

    run_id: int
    system: IndicatorSystem
    system_ref: str  # how the system was named (built-in id or YAML path), for workers
    as_of: datetime
    rows: tuple[AccountRow, ...]
    done: frozenset[int]
    resumed: bool

    @property
    def todo(self) -> list[AccountRow]:
        """Return the accounts still to collect."""
        return [r for r in self.rows if r.id not in self.done]


def account_source(row: AccountRow) -> AccountSource:
    """Return what the collector needs to know about a registry row."""
    info = AccountInfo(name=row.name, owner=row.owner, category=row.category,
                       province=row.province, field=row.field, platform=row.platform)
    return AccountSource(info, row.wechat_appid, row.wechat_secret, row.feed_url, row.website)


def evaluate(artifacts: AccountArtifacts, system: IndicatorSystem,
             table: dict[str, CheckSpec], *,
             review_required: bool = False) -> tuple[list[CheckResult], AccountScore]:
    """Return the check results and the score of one account (pure: no I/O, no clock).

    review_required: veto candidates are stored but not counted until a person confirms them.
    """
    results = []
    for check_id in system.check_ids:
        ctx = CheckContext(as_of=artifacts.as_of, params=system.params.get(check_id, {}))
        results.append(run_check(table[check_id], artifacts, ctx))
    metrics = safe_metrics(artifacts) if system.mode == "areas" else None
    counted = counted_results(results, review_required=review_required)
    return results, score_account(system, counted, metrics)


def _timed_out(account: AccountSource, as_of: datetime, seconds: float) -> AccountArtifacts:
    now = datetime.now(CHINA_TZ)
    reason = f"采集超时（超过{seconds:g}秒）"
    return AccountArtifacts(account=account.info, as_of=as_of, menu_error=reason,
                            sources=(SourceRead("collect", False, now, error=reason),))


async def collect_one(downloader: Downloader, phone: PhoneBrowser, settings: Settings,
                      row: AccountRow, as_of: datetime, tokens: TokenCache) -> AccountArtifacts:
    """Return one account's artifacts, its linked pages also rendered as a phone shows them."""
    src = account_source(row)
    # One account makes a few API calls, a feed, a few article pages and its linked pages
    # (fetched concurrently, each fetch bounded by the downloader); bound the whole so that
    # nothing can hang.
    account_limit = settings.http_timeout * ACCOUNT_TIMEOUTS
    try:
        art = await asyncio.wait_for(collect_account(downloader, settings, src, as_of, tokens),
                                     account_limit)
    except TimeoutError:
        art = _timed_out(src, as_of, account_limit)
    # The linked pages once more, as a phone in WeChat shows them (each page is bounded by the
    # browser's own time limits).
    if art.pages:
        art = replace(art, mobile=await phone.measure_many(mobile_urls(art.pages)))
    return art


def save(engine: Engine, plan: RunPlan, table: dict[str, CheckSpec], row: AccountRow,
         art: AccountArtifacts, *, review_required: bool = False, **kwargs: Any) -> str | None:
    """Check, score and save one account; return its verdict, None if it was saved before.

    See runs.save_account: an account already saved for the run is not written again.
    """
    results, score = evaluate(art, plan.system, table, review_required=review_required)
    fetched = max((s.fetched_at for s in art.sources), default=datetime.now(CHINA_TZ))
    saved = runs.save_account(engine, plan.run_id, row.id, plan.system.id, to_jsonable(art),
                              fetched, results, score.verdict, score.vetoed, score.score,
                              list(score.reasons), **kwargs)
    return score.verdict if saved else None


async def _collect_all(rows: Sequence[AccountRow], settings: Settings, as_of: datetime,
                       archive: Archive, shots_dir: Path,
                       on_done: Callable[[AccountRow, AccountArtifacts], None]) -> None:
    limit = asyncio.Semaphore(settings.concurrency)
    tokens = TokenCache()
    async with (Downloader(settings, archive=archive, user_agent=USER_AGENT) as downloader,
                PhoneBrowser(settings, shots_dir=shots_dir) as phone):

        async def one(row: AccountRow) -> None:
            async with limit:
                art = await collect_one(downloader, phone, settings, row, as_of, tokens)
            on_done(row, art)

        await asyncio.gather(*(one(r) for r in rows))


def _for_workers(system_ref: str) -> str:
    """Return a YAML system file as an absolute path (workers run in other folders)."""
    path = Path(system_ref)
    return str(path.resolve()) if path.suffix in (".yaml", ".yml") and path.is_file() \
        else system_ref


def plan_run(engine: Engine, rows: Sequence[AccountRow], system_ref: str,
             as_of: datetime) -> RunPlan:
    """Return the plan of a new run, or of the unfinished identical run it resumes.

    Raises ProfileError for an unknown or invalid indicator system.
    """
    system = load_system(system_ref, frozenset(check_table()))
    system_ref = _for_workers(system_ref)
    run_id, done = runs.start_or_resume_run(engine, as_of, system.id, [r.id for r in rows],
                                            datetime.now(CHINA_TZ))
    return RunPlan(run_id, system, system_ref, as_of, tuple(rows), frozenset(done), bool(done))


def plan_resume(engine: Engine, run_id: int, system_ref: str | None = None) -> RunPlan:
    """Return the plan that resumes unfinished run run_id, with its time, system and accounts.

    system_ref names the system again when the run used a YAML file (its id must match).
    Raises runs.RunNotResumable for an unknown or complete run, ProfileError for a system
    that cannot be loaded or is not the run's.
    """
    info, done = runs.resume_run(engine, run_id)
    ref = system_ref or info.system
    system = load_system(ref, frozenset(check_table()))
    if system.id != info.system:
        raise ProfileError(f"运行 {run_id} 使用的指标体系是 {info.system}，而不是 {system.id}")
    rows = runs.run_accounts(engine, info.account_ids)
    return RunPlan(info.id, system, _for_workers(ref), runs.run_as_of(engine, info), tuple(rows),
                   frozenset(done), True)


def run_local(engine: Engine, settings: Settings, plan: RunPlan, *,
              progress: Progress | None = None) -> None:
    """Collect, check and save every account of the plan not yet done, in this process.

    The caller holds the run's lock (see execute).
    """
    table = check_table()
    archive = Archive.for_run(settings.data_dir, plan.run_id)

    def on_done(row: AccountRow, art: AccountArtifacts) -> None:
        index_records(engine, plan.run_id, archive.drain())  # before the findings citing them
        verdict = save(engine, plan, table, row, art,
                       review_required=settings.review_required)
        if progress is not None:
            progress(row.name, verdict or RESUMED)

    try:
        if plan.todo:
            asyncio.run(_collect_all(plan.todo, settings, plan.as_of, archive,
                                     run_shots_dir(settings.data_dir, plan.run_id), on_done))
        index_records(engine, plan.run_id, archive.drain())
    finally:
        archive.close()


def finish(engine: Engine, plan: RunPlan, *, review_required: bool = False) -> dict[str, Any]:
    """Mark the run complete and return its evaluation result (rankings over all accounts)."""
    runs.finish_run(engine, plan.run_id, datetime.now(CHINA_TZ))
    return build_result(plan.system, plan.as_of, plan.run_id, plan.rows,
                        runs.run_rows(engine, plan.run_id, plan.system.id),
                        review_required=review_required)


def execute(engine: Engine, settings: Settings, plan: RunPlan, *, executor: str = "local",
            progress: Progress | None = None, note: Callable[[str], None] | None = None,
            started: Callable[[RunPlan], None] | None = None) -> dict[str, Any]:
    """Run the plan with the executor (local or celery) and return the evaluation result.

    started is told the plan once the run is under way (a local run holds its lock; the
    accounts done are those saved by then), before any progress.

    Raises run.distributed.DistributedError for a celery run that cannot start or finish,
    RunBusy for a local run that another process is executing.
    """
    if executor == "celery":
        from govmedia.run.distributed import run_distributed  # Celery loads only when used

        _started(plan, started, progress)
        run_distributed(engine, settings, plan, progress=progress, note=note)
        return finish(engine, plan, review_required=settings.review_required)
    with ExitStack() as held:
        try:  # only taking the lock means "busy", not a LockHeld from further down
            held.enter_context(exclusive(engine, run_lock(plan.run_id)))
        except LockHeld:
            raise RunBusy(f"运行 {plan.run_id} 正由另一个进程执行（govmedia inspect、监测或"
                          "工作台），同一运行不能同时执行两次：请等它结束后再续跑") from None
        # What another process saved between planning and now is not collected again.
        saved = runs.scores_since(engine, plan.run_id, plan.system.id, 0)
        done = plan.done | {account_id for _, account_id, _ in saved}
        plan = replace(plan, done=done, resumed=plan.resumed or bool(done))
        _started(plan, started, progress)
        run_local(engine, settings, plan, progress=progress)
        return finish(engine, plan, review_required=settings.review_required)


def _started(plan: RunPlan, started: Callable[[RunPlan], None] | None,
             progress: Progress | None) -> None:
    """Say that the run is under way, and report the accounts it already has as done."""
    if started is not None:
        started(plan)
    if progress is not None:
        for row in plan.rows:
            if row.id in plan.done:
                progress(row.name, RESUMED)


def inspect_accounts(engine: Engine, settings: Settings, rows: Sequence[AccountRow],
                     system_id: str, as_of: datetime, *, executor: str = "local",
                     progress: Progress | None = None) -> dict[str, Any]:
    """Run collect → check → score over rows with the executor (local: in this process);
    return the result (JSON-ready). See execute for the errors."""
    return execute(engine, settings, plan_run(engine, rows, system_id, as_of),
                   executor=executor, progress=progress)
