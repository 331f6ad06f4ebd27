"""Column checks: are the columns (栏目) behind the menu updated, and not in one batch?

Seed 001 六、（四）内容长期不更新 ("栏目存在内容长期不更新或集中某个时间点批量更新"). Limits follow
国办秘函〔2019〕19号 for websites: news columns within 2 weeks, notices and policies within
6 months, and a list whose entries show no date counts as not updated.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from govmedia.artifacts import AccountArtifacts, ListItem, PageSnapshot
from govmedia.checks.page_state import http_evidence, load_data, pages_or_raise, readable, target_of
from govmedia.findings import Finding

if TYPE_CHECKING:
    from govmedia.checks.registry import CheckContext

_KIND_NAMES = {"news": "动态类", "notice": "通知公告/政策文件类", "": "列表类"}


def column_kind(page: PageSnapshot) -> str:
    """Return news or notice by the menu label, then the page title; "" when neither says."""
    columns = load_data("label_taxonomy")["columns"]
    for text in (page.label, page.title, *page.headings[:2]):
        for kind in ("news", "notice"):
            if any(w in text for w in columns[kind]):
                return kind
    return ""


def _columns(a: AccountArtifacts, min_dated: int) -> list[tuple[PageSnapshot, list[ListItem]]]:
    """Return the menu pages that are column lists, with their dated entries."""
    out = []
    for p in pages_or_raise(a, origin="menu"):
        if not readable(p):
            continue
        dated = [i for i in p.list_items if i.date is not None]
        undated = [i for i in p.list_items if i.date is None]
        if len(dated) >= min_dated or (not dated and len(undated) >= 5 and column_kind(p)):
            out.append((p, dated))
    return out


def _items_evidence(items: list[ListItem], limit: int = 5) -> list[dict[str, Any]]:
    return [{"title": i.title, "url": i.url, "date": i.date.date().isoformat() if i.date else None,
             "shown": i.date_text} for i in items[:limit]]


def stale_column(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return one finding per column whose newest entry is older than its kind's limit."""
    limits = {"news": int(ctx.param("news_stale_days", 14)),
              "notice": int(ctx.param("notice_stale_days", 183))}
    limits[""] = limits["notice"]
    out = []
    for p, dated in _columns(a, int(ctx.param("min_items", 3))):
        kind = column_kind(p)
        limit = limits[kind]
        evidence = {**http_evidence(p), "kind": kind or "list", "limit_days": limit,
                    "entries": len(p.list_items), "dated_entries": len(dated)}
        if not dated:
            out.append(Finding(
                "freshness.stale_column", "deduct",
                f"栏目“{_name(p)}”的{len(p.list_items)}条内容均未标注日期，按未更新处理",
                target_of(p),
                {**evidence, "sample": _items_evidence(list(p.list_items))},
                "栏目条目应标注发布日期，并按要求及时更新"))
            continue
        past = [i for i in dated if i.date <= ctx.as_of + timedelta(days=1)]
        newest = max(past, key=_day, default=None)
        age = (ctx.as_of - newest.date) / timedelta(days=1) if newest else None
        if age is not None and age <= limit:
            continue
        when = newest.date.date().isoformat() if newest else "（无不晚于监测时间点的日期）"
        message = (f"{_KIND_NAMES[kind]}栏目“{_name(p)}”超过{limit}天未更新：最新一条为{when}"
                   + (f"（距监测时间点{int(age)}天）" if age is not None else ""))
        out.append(Finding(
            "freshness.stale_column", "deduct", message, target_of(p),
            {**evidence, "newest": _items_evidence([newest])[0] if newest else None,
             "as_of": ctx.as_of.isoformat()},
            "及时更新栏目内容；确已不再更新的栏目应从菜单中撤下或合并"))
    return out


def batch_update(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return one finding per column whose entries mostly share one date (批量集中更新)."""
    min_items = int(ctx.param("min_items", 6))
    share = float(ctx.param("share", 0.6))
    out = []
    for p, dated in _columns(a, min_items):
        if len(dated) < min_items:
            continue
        day, count = Counter(_day(i) for i in dated).most_common(1)[0]
        if count < 5 or count / len(dated) < share:
            continue
        same = [i for i in dated if _day(i) == day]
        out.append(Finding(
            "freshness.batch_update", "warn",
            f"栏目“{_name(p)}”的{len(dated)}条内容中有{count}条发布于同一天（{day}），"
            f"疑似集中批量更新", target_of(p),
            {**http_evidence(p), "date": day, "same_day": count, "dated_entries": len(dated),
             "sample": _items_evidence(same)},
            "栏目内容应随工作进展及时、持续发布，避免集中补发"))
    return out


def _day(item: ListItem) -> str:
    return item.date.date().isoformat() if isinstance(item.date, datetime) else ""


def _name(p: PageSnapshot) -> str:
    return p.label or p.title or p.url
