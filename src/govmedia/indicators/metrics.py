"""Content metrics for the `areas` mode: flat numbers an indicator can turn into points.

They come from the menu and article assessment (govmedia.menus.assess → ContentFacts),
computed from stored artifacts, so a stored run can be re-scored without collecting.
"""

from __future__ import annotations

import importlib
from typing import Any

from govmedia.artifacts import AccountArtifacts
from govmedia.findings import NotChecked

# name → what it measures (Chinese: shown in the explanation of a score)
METRIC_TITLES: dict[str, str] = {
    "disclosure_entrances": "政务公开/信息发布入口数",
    "interpretation_share": "解读类文章占比",
    "interpretation_forms": "解读形式种数（图解、视频、音频、动画、访谈、专家）",
    "original_share": "原创文章占比",
    "service_entrances": "办事服务入口数",
    "online_services": "在线办理/查询/预约/缴费中提供的种类数",
    "interaction_channels": "互动渠道数（咨询、投诉、信箱、留言、评论）",
}
METRICS = frozenset(METRIC_TITLES)


class MetricsUnavailable(RuntimeError):
    """The content assessment is not available in this version or failed on the artifacts."""


def metrics_from_facts(facts: Any) -> dict[str, float | None]:
    """Return the flat metrics of a ContentFacts (menus/assess.py); None where not known.

    Menu metrics are unknown when the menu could not be read; the forms are unknown when no
    article was seen; interaction channels count the working channel pages of the menu plus
    open comments on articles.
    """
    menu = facts.menu_read
    articles = facts.interpretation_share is not None
    online = sum(1 for n in (facts.online_services or {}).values() if n)
    comments_open = facts.comments == "open"
    channels_known = menu or facts.comments != "unknown"
    return {
        "disclosure_entrances": float(facts.public_entrances) if menu else None,
        "interpretation_share": facts.interpretation_share,
        "interpretation_forms": float(facts.form_kinds) if articles else None,
        "original_share": facts.original_share,
        "service_entrances": float(facts.service_entrances) if menu else None,
        "online_services": float(online) if menu else None,
        "interaction_channels": (float(facts.working_channels * menu + comments_open)
                                 if channels_known else None),
    }


def account_metrics(artifacts: AccountArtifacts) -> dict[str, float | None]:
    """Return the content metrics of one account from its artifacts (pure, no I/O).

    Raises MetricsUnavailable when the assessment module is missing or cannot judge.
    """
    try:
        assess = importlib.import_module("govmedia.menus.assess")
    except ImportError as exc:
        raise MetricsUnavailable("本版本未提供菜单与文章评估") from exc
    try:
        facts = assess.content_facts(artifacts)
    except NotChecked as exc:
        raise MetricsUnavailable(str(exc)) from exc
    return metrics_from_facts(facts)


def safe_metrics(artifacts: AccountArtifacts | None) -> dict[str, float | None] | None:
    """Return account_metrics, or None when they cannot be computed (metrics 未能检查)."""
    if artifacts is None:
        return None
    try:
        return account_metrics(artifacts)
    except MetricsUnavailable:
        return None
