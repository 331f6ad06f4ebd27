"""Freshness checks: is anything new in the days before the inspection time (监测时间点)?

The verdict combines every source the account has (API published list, datacube summaries,
feeds, article pages). An account is stale only when every kind of publishing (发布 and 群发)
was seen by some source that was read, and none of them shows a post in the window; if no
source could be read, or the sources read are blind to one kind, the check is not_checked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from govmedia.artifacts import AccountArtifacts, Article
from govmedia.findings import Finding, NotChecked

if TYPE_CHECKING:
    from govmedia.checks.registry import CheckContext

ALL_KINDS = ("publish", "masssend")
_KIND_NAMES = {"publish": "发布", "masssend": "群发"}
SOURCE_NAMES = {
    "wechat_api.freepublish": "微信接口·已发布列表",
    "wechat_api.datacube": "微信接口·图文群发统计",
    "feed": "订阅源（RSS/Atom/JSON Feed）",
    "article_page": "文章页面",
}


@dataclass(frozen=True, slots=True)
class Timeline:
    """The latest publication seen before as-of, and what each source said."""

    latest: Article | None
    consulted: tuple[dict[str, Any], ...]
    covered: frozenset[str]
    readable: bool


def article_key(url: str) -> str:
    """Return a key that is equal for two URLs of the same article (query order, &amp;)."""
    url = url.replace("&amp;", "&").split("#", 1)[0]
    if "?" not in url:
        return url.rstrip("/")
    base, query = url.split("?", 1)
    parts = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
    keep = [k for k in ("__biz", "mid", "idx", "sn") if k in parts]
    if keep:
        return base + "?" + "&".join(f"{k}={parts[k]}" for k in keep)
    return url


def timeline(artifacts: AccountArtifacts, as_of: datetime) -> Timeline:
    """Return the latest publication before as_of over all readable sources.

    An article page's own send time (var ct) replaces the API's update_time for the same
    article, since update_time may be much later than the send (collection.md §1.3).
    """
    page_times = {
        article_key(a.url): a
        for s in artifacts.sources if s.ok and s.source == "article_page"
        for a in s.articles if a.url and a.published_at is not None
    }
    latest: Article | None = None
    consulted = []
    covered: set[str] = set()
    for src in artifacts.sources:
        best: Article | None = None
        for art in src.articles if src.ok else ():
            page = page_times.get(article_key(art.url)) if art.url else None
            if page is not None and art.time_kind != "send":
                art = replace(art, published_at=page.published_at, time_kind="send")
            if art.status == "deleted" or art.published_at is None or art.published_at > as_of:
                continue
            if best is None or art.published_at > best.published_at:
                best = art
        if src.ok:
            covered.update(src.covers)
        consulted.append({
            "source": src.source,
            "name": SOURCE_NAMES.get(src.source, src.source),
            "ok": src.ok,
            "fetched_at": src.fetched_at.isoformat(),
            "articles": len(src.articles),
            "latest": best.published_at.isoformat() if best else None,
            "error": src.error,
        })
        if best is not None and (latest is None or best.published_at > latest.published_at):
            latest = best
    readable = any(s.ok for s in artifacts.sources)
    return Timeline(latest, tuple(consulted), frozenset(covered), readable)


def _evidence(tl: Timeline, as_of: datetime) -> dict[str, Any]:
    latest = None
    if tl.latest is not None:
        latest = {
            "title": tl.latest.title,
            "url": tl.latest.url,
            "published_at": tl.latest.published_at.isoformat(),
            "source": tl.latest.source,
            "time_kind": tl.latest.time_kind,
        }
    return {"as_of": as_of.isoformat(), "latest": latest, "sources": list(tl.consulted)}


def _age_days(tl: Timeline, as_of: datetime) -> float | None:
    if tl.latest is None:
        return None
    return (as_of - tl.latest.published_at) / timedelta(days=1)


def _unreadable_reason(tl: Timeline) -> str:
    errors = "；".join(f"{c['name']}：{c['error']}" for c in tl.consulted if not c["ok"])
    if not tl.consulted:
        return "该账号未配置任何数据源（接口凭证、订阅源或文章链接），无法判断是否更新"
    return f"所有数据源均未能读取（{errors}）"


def _stale_findings(a: AccountArtifacts, ctx: CheckContext, days: int, check: str,
                    severity: str) -> list[Finding]:
    tl = timeline(a, ctx.as_of)
    age = _age_days(tl, ctx.as_of)
    if age is not None and age <= days:
        return []
    if not tl.readable:
        raise NotChecked(_unreadable_reason(tl))
    blind = [k for k in ALL_KINDS if k not in tl.covered]
    if blind:
        kinds = "、".join(_KIND_NAMES[k] for k in blind)
        raise NotChecked(
            f"已读取的数据源看不到以“{kinds}”方式推送的文章，其中也没有近{days}天的文章，"
            f"无法断定未更新（请补充订阅源或开通图文统计接口）"
        )
    if tl.latest is None:
        message = f"监测时间点前{days}天内无更新：所有数据源均未发现任何发布记录"
    else:
        when = tl.latest.published_at.strftime("%Y-%m-%d %H:%M")
        message = (f"监测时间点前{days}天内无更新：最近一次发布为{when}"
                   f"（距监测时间点{int(age)}天）")
    return [Finding(
        check=check,
        severity=severity,
        message=message,
        target="已发布文章",
        evidence=_evidence(tl, ctx.as_of),
        suggestion="及时发布信息；确已停止运维的账号应发布停更公告并按程序注销",
    )]


def no_update_2w(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return a veto finding when nothing was published in the stale_days before as-of."""
    # 监测时间点前2周内无更新 — 国办秘函〔2019〕19号
    return _stale_findings(a, ctx, int(ctx.param("stale_days", 14)),
                           "freshness.no_update_2w", "veto")


def no_update_1w(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return a deduction finding when nothing was published in the days before as-of."""
    return _stale_findings(a, ctx, int(ctx.param("days", 7)), "freshness.no_update_1w", "deduct")


def warning(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return a warning when the last post is warn_days old but the veto has not hit yet."""
    warn_days = int(ctx.param("warn_days", 10))
    stale_days = int(ctx.param("stale_days", 14))
    tl = timeline(a, ctx.as_of)
    age = _age_days(tl, ctx.as_of)
    if age is None:
        if not tl.readable:
            raise NotChecked(_unreadable_reason(tl))
        return []  # no post at all: the veto check reports it
    if age < warn_days or age > stale_days:
        return []
    left = stale_days - age
    return [Finding(
        check="freshness.warning",
        severity="warn",
        message=(f"已{int(age)}天未更新，再过{max(int(left), 0)}天将触发"
                 f"“内容不更新”单项否决"),
        target="已发布文章",
        evidence=_evidence(tl, ctx.as_of),
        suggestion=f"请在{stale_days}天期限内发布新内容",
    )]
