"""Collecting one account: run every gatherer the account has a source for, never crash.

A gatherer failure becomes a SourceRead with ok=False and a Chinese reason; checks then say
"未能检查" with that reason instead of guessing. Every web request of the run goes through one
Downloader (collect/http.py): feeds, article pages and linked pages are fetched, cached and
archived by it; the WeChat API client shares its connection pools (Downloader.api_client).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from govmedia.artifacts import AccountArtifacts, AccountInfo, Article, SourceRead
from govmedia.collect.feeds import gather_feed
from govmedia.collect.http import Downloader
from govmedia.collect.pages import gather_linked_pages, link_targets
from govmedia.collect.wechat_api import TokenCache, gather_wechat
from govmedia.collect.wechat_page import gather_article_pages
from govmedia.settings import Settings

# How many of the newest articles have their public page read: the page gives the true send
# time (var ct) where the API only has update_time, and the body text for wording checks.
ARTICLE_PAGES = 8


@dataclass(frozen=True, slots=True)
class AccountSource:
    """What the registry knows about where an account's data comes from."""

    info: AccountInfo
    wechat_appid: str = ""
    wechat_secret: str = ""
    feed_url: str = ""
    website: str = ""


def newest_articles(sources: list[SourceRead], limit: int) -> list[Article]:
    seen: dict[str, Article] = {}
    for src in sources:
        for art in src.articles if src.ok else ():
            if art.url and art.status != "deleted" and art.published_at is not None:
                if art.url not in seen or art.published_at > seen[art.url].published_at:
                    seen[art.url] = art
    newest = sorted(seen.values(), key=lambda a: a.published_at, reverse=True)
    return newest[:limit]


def _linking_articles(sources: list[SourceRead], newest: list[Article]) -> list[Article]:
    """Return the newest articles as their own page shows them (links, 阅读原文) when read."""
    pages = {a.url: a for s in sources if s.source == "article_page" and s.ok for a in s.articles}
    return [pages.get(a.url, a) for a in newest]


async def collect_account(downloader: Downloader, settings: Settings, account: AccountSource,
                          as_of: datetime, tokens: TokenCache) -> AccountArtifacts:
    """Return the artifacts of one account: API, feed, article pages, then linked pages."""
    sources: list[SourceRead] = []
    menu, menu_error = None, ""
    if account.wechat_appid and account.wechat_secret:
        harvest = await gather_wechat(downloader.api_client(), settings.wechat_api_base,
                                      account.wechat_appid, account.wechat_secret, as_of,
                                      tokens=tokens)
        sources.extend(harvest.sources)
        menu, menu_error = harvest.menu, harvest.menu_error
    else:
        menu_error = "未登记接口凭证（AppID/AppSecret），无法读取自定义菜单"
    if account.feed_url:
        sources.append(await gather_feed(downloader, account.feed_url))
    newest = newest_articles(sources, ARTICLE_PAGES)
    if newest:
        sources.append(await gather_article_pages(downloader, [a.url for a in newest]))
    targets = link_targets(menu, _linking_articles(sources, newest))
    # No extra gate around the downloader: its per-host and global limits are the politeness,
    # and a small gate here would queue one slow host's links ahead of every other host's.
    pages = (await gather_linked_pages(downloader, targets, concurrency=len(targets))
             if targets else ())
    return AccountArtifacts(account=account.info, as_of=as_of, sources=tuple(sources),
                            menu=menu, menu_error=menu_error, pages=pages)
