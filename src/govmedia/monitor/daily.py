"""The light daily cycle: collect only what the freshness checks need and run those checks.

Per account, the sources the full inspection reads for publish times (collect/), in two steps:
first the WeChat API published list (freepublish), the feed and the public pages of the newest
articles (whose send time corrects the API's update_time); only when these show no post in
the `warn_days` before the as-of does it read the datacube summaries too (one API call per day
over 14 days, the costliest source, and one with a daily quota). A post younger than
warn_days settles both freshness checks whatever the datacube says, so the verdict is the one
the weekly inspection reaches for the same as-of (no alert flapping between the two). No menu,
no linked pages, no phone rendering, no archive.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from govmedia.artifacts import CHINA_TZ, AccountArtifacts, Article, SourceRead
from govmedia.checks.freshness import timeline
from govmedia.checks.registry import CheckContext, check_table, run_check
from govmedia.collect.feeds import gather_feed
from govmedia.collect.http import Downloader
from govmedia.collect.runner import ARTICLE_PAGES, AccountSource, newest_articles
from govmedia.collect.wechat_api import (
    DATACUBE_PATH,
    FREEPUBLISH_PATH,
    TokenCache,
    WeChatApi,
    WeChatError,
    read_datacube,
    read_published,
)
from govmedia.collect.wechat_page import gather_article_pages
from govmedia.indicators.engine import IndicatorSystem
from govmedia.monitor.warnings import Observation
from govmedia.run.inspect import ACCOUNT_TIMEOUTS, USER_AGENT, account_source
from govmedia.settings import Settings
from govmedia.store.models import AccountRow

FRESHNESS_CHECKS = ("freshness.warning", "freshness.no_update_2w")
DATACUBE_DAYS = 14  # as the full inspection reads it (gather_wechat's default)
T = TypeVar("T")


def _read(name: str, covers: str, url: str, fetched_at: datetime,
          got: list[Article] | WeChatError) -> SourceRead:
    if isinstance(got, WeChatError):
        return SourceRead(name, False, fetched_at, (covers,), error=got.message, url=url)
    return SourceRead(name, True, fetched_at, (covers,), tuple(got), url=url)


async def _attempt(work: Awaitable[T]) -> T | WeChatError:
    try:
        return await work
    except WeChatError as exc:
        return exc


def _recent(art: AccountArtifacts, days: float) -> bool:
    """Return True when the sources read show a post younger than `days` at the as-of."""
    latest = timeline(art, art.as_of).latest
    return latest is not None and (art.as_of - latest.published_at) / timedelta(days=1) < days


async def publish_times(downloader: Downloader, settings: Settings, account: AccountSource,
                        as_of: datetime, tokens: TokenCache, *,
                        settled_days: float) -> AccountArtifacts:
    """Return an account's artifacts with only its publish-time sources; the datacube is read
    only when no post younger than settled_days was found otherwise."""
    fetched_at = datetime.now(CHINA_TZ)
    api: WeChatApi | None = None
    published: SourceRead | None = None
    cube: SourceRead | None = None
    if account.wechat_appid and account.wechat_secret:
        api = WeChatApi(downloader.api_client(), settings.wechat_api_base.rstrip("/"),
                        account.wechat_appid, account.wechat_secret, tokens)
        token = await _attempt(api.token())
        got = token if isinstance(token, WeChatError) else await _attempt(read_published(api))
        published = _read("wechat_api.freepublish", "publish", api.base + FREEPUBLISH_PATH,
                          fetched_at, got)
        if isinstance(token, WeChatError):  # nothing else can work: as gather_wechat does
            cube = _read("wechat_api.datacube", "masssend", api.base + DATACUBE_PATH,
                         fetched_at, token)
            api = None
    others: list[SourceRead] = []
    if account.feed_url:
        others.append(await gather_feed(downloader, account.feed_url))
    # The same newest articles the full inspection reads, so both see the same send times.
    if newest := newest_articles([s for s in (published, *others) if s is not None], ARTICLE_PAGES):
        others.append(await gather_article_pages(downloader, [a.url for a in newest]))

    def artifacts() -> AccountArtifacts:
        found = tuple(s for s in (published, cube, *others) if s is not None)
        return AccountArtifacts(account=account.info, as_of=as_of, sources=found)

    if api is not None and not _recent(artifacts(), settled_days):
        cube = _read("wechat_api.datacube", "masssend", api.base + DATACUBE_PATH, fetched_at,
                     await _attempt(read_datacube(api, as_of, DATACUBE_DAYS)))
    return artifacts()


async def _collect(rows: Sequence[AccountRow], settings: Settings, as_of: datetime,
                   settled_days: float) -> list[AccountArtifacts]:
    limit = asyncio.Semaphore(settings.concurrency)
    tokens = TokenCache()
    bound = settings.http_timeout * ACCOUNT_TIMEOUTS
    async with Downloader(settings, user_agent=USER_AGENT) as downloader:

        async def one(row: AccountRow) -> AccountArtifacts:
            src = account_source(row)
            async with limit:
                try:
                    return await asyncio.wait_for(
                        publish_times(downloader, settings, src, as_of, tokens,
                                      settled_days=settled_days), bound)
                except TimeoutError:
                    reason = f"采集超时（超过{bound:g}秒）"
                    read = SourceRead("collect", False, datetime.now(CHINA_TZ), error=reason)
                    return AccountArtifacts(account=src.info, as_of=as_of, sources=(read,))

        return list(await asyncio.gather(*(one(r) for r in rows)))


def observe_daily(rows: Sequence[AccountRow], settings: Settings, as_of: datetime,
                  system: IndicatorSystem) -> list[Observation]:
    """Return one observation per account: the freshness checks on fresh publish times."""
    table = check_table()
    warn = system.params.get("freshness.warning", {})
    stale = system.params.get("freshness.no_update_2w", {})
    # A post younger than this settles both checks (no warning yet, no veto).
    settled = min(float(warn.get("warn_days", 10)), float(stale.get("stale_days", 14)))
    arts = asyncio.run(_collect(rows, settings, as_of, settled))
    out = []
    for row, art in zip(rows, arts, strict=True):
        results = [run_check(table[c], art, CheckContext(as_of, system.params.get(c, {})))
                   for c in FRESHNESS_CHECKS]
        out.append(Observation(
            row.id, row.name, row.owner,
            checked=frozenset(r.check for r in results if r.status != "not_checked"),
            findings=tuple(f for r in results for f in r.findings),
            not_checked={r.check: r.reason for r in results if r.status == "not_checked"}))
    return out
