"""The inspect job: collect → check → score for a set of accounts, saved account by account.

Collection is asynchronous (settings.concurrency accounts at a time) through one Downloader per
run, which archives every fetched page in the run's WARC file (<data_dir>/runs/<run id>/); the
archive index is written to the database before each account's findings. Checking and scoring
are pure and run as each account arrives; each account is saved in its own transaction, so an
interrupted run loses at most the accounts in flight and the next run resumes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import replace
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
from govmedia.indicators.engine import AccountScore, IndicatorSystem, load_system, score_account
from govmedia.indicators.metrics import safe_metrics
from govmedia.report.result import build_result
from govmedia.settings import Settings
from govmedia.store import runs
from govmedia.store.archive import Archive, index_records
from govmedia.store.models import AccountRow

Progress = Callable[[str, str], None]  # (account name, verdict)
USER_AGENT = "govmedia/0.1 (+government new-media inspection)"
ACCOUNT_TIMEOUTS = 10  # one account's collection is bounded by this many http_timeouts


def account_source(row: AccountRow) -> AccountSource:
    """Return what the collector needs to know about a registry row."""
    info = AccountInfo(name=row.name, owner=row.owner, category=row.category,
                       province=row.province, field=row.field, platform=row.platform)
    return AccountSource(info, row.wechat_appid, row.wechat_secret, row.feed_url, row.website)


def evaluate(artifacts: AccountArtifacts, system: IndicatorSystem,
             table: dict[str, CheckSpec]) -> tuple[list[CheckResult], AccountScore]:
    """Return the check results and the score of one account (pure: no I/O, no clock)."""
    results = []
    for check_id in system.check_ids:
        ctx = CheckContext(as_of=artifacts.as_of, params=system.params.get(check_id, {}))
        results.append(run_check(table[check_id], artifacts, ctx))
    metrics = safe_metrics(artifacts) if system.mode == "areas" else None
    return results, score_account(system, results, metrics)


def _timed_out(account: AccountSource, as_of: datetime, seconds: float) -> AccountArtifacts:
    now = datetime.now(CHINA_TZ)
    reason = f"采集超时（超过{seconds:g}秒）"
    return AccountArtifacts(account=account.info, as_of=as_of, menu_error=reason,
                            sources=(SourceRead("collect", False, now, error=reason),))


async def _collect_all(rows: Sequence[AccountRow], settings: Settings, as_of: datetime,
                       archive: Archive, shots_dir: Path,
                       on_done: Callable[[AccountRow, AccountArtifacts], None]) -> None:
    limit = asyncio.Semaphore(settings.concurrency)
    tokens = TokenCache()
    # One account makes a few API calls, a feed, a few article pages and its linked pages
    # (fetched concurrently, each fetch bounded by the downloader); bound the whole so that
    # nothing can hang.
    account_limit = settings.http_timeout * ACCOUNT_TIMEOUTS
    async with (Downloader(settings, archive=archive, user_agent=USER_AGENT) as downloader,
                PhoneBrowser(settings, shots_dir=shots_dir) as phone):

        async def one(row: AccountRow) -> None:
            src = account_source(row)
            async with limit:
                try:
                    art = await asyncio.wait_for(
                        collect_account(downloader, settings, src, as_of, tokens),
                        account_limit)
                except TimeoutError:
                    art = _timed_out(src, as_of, account_limit)
                # The linked pages once more, as a phone in WeChat shows them (each page is
                # bounded by the browser's own time limits).
                if art.pages:
                    art = replace(art, mobile=await phone.measure_many(mobile_urls(art.pages)))
            on_done(row, art)

        await asyncio.gather(*(one(r) for r in rows))


def inspect_accounts(engine: Engine, settings: Settings, rows: Sequence[AccountRow],
                     system_id: str, as_of: datetime, *,
                     progress: Progress | None = None) -> dict[str, Any]:
    """Run collect → check → score over rows and return the evaluation result (JSON-ready)."""
    table = check_table()
    system = load_system(system_id, frozenset(table))
    run_id, done = runs.start_or_resume_run(engine, as_of, system.id, [r.id for r in rows],
                                            datetime.now(CHINA_TZ))

    archive = Archive.for_run(settings.data_dir, run_id)

    def save(row: AccountRow, art: AccountArtifacts) -> None:
        index_records(engine, run_id, archive.drain())  # before the findings that cite them
        results, score = evaluate(art, system, table)
        fetched = max((s.fetched_at for s in art.sources), default=datetime.now(CHINA_TZ))
        runs.save_account(engine, run_id, row.id, system.id, to_jsonable(art), fetched, results,
                          score.verdict, score.vetoed, score.score, list(score.reasons))
        if progress is not None:
            progress(row.name, score.verdict)

    for row in rows:
        if row.id in done and progress is not None:
            progress(row.name, "已完成（续跑）")
    todo = [r for r in rows if r.id not in done]
    try:
        if todo:
            asyncio.run(_collect_all(todo, settings, as_of, archive,
                                     run_shots_dir(settings.data_dir, run_id), save))
        index_records(engine, run_id, archive.drain())
    finally:
        archive.close()
    runs.finish_run(engine, run_id, datetime.now(CHINA_TZ))
    return build_result(system, as_of, run_id, rows, runs.run_rows(engine, run_id, system.id))
