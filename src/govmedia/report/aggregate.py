"""Aggregation of a run's accounts: rankings, pass rates per group, 表现较好 lists, reach.

Rankings are within a category (部委 / 省级政府 / 省级政府部门, seed 001 二): only accounts
with a score and no veto are ranked, best first; equal scores share a rank (1, 2, 2, 4).
Vetoed accounts are listed separately and accounts that could not be checked are listed as
unranked, never ranked last. The pass rate (合格率) is 合格 / (合格 + 不合格): 未能检查 counts
neither way. Reach figures (reads, likes, WCI) are information only (INDICATORS.md §6): they
never enter a score, a rank or an excellent list.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from govmedia.indicators.engine import FAIL, PASS, UNKNOWN

GROUP_KEYS = ("category", "province", "field")


def account_key(a: Mapping[str, Any]) -> tuple[str, str, str]:
    """Return what tells accounts apart in a result: platform, name and owner (the registry's
    unique key: one unit may have a WeChat and a Weibo account of the same name)."""
    return a.get("platform", ""), a["name"], a.get("owner", "")


def _rank_key(score: float) -> float:
    return round(score, 2)  # scores equal to the hundredth are a tie


def rank(entries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Return entries with a score, best first, each with its competition rank (ties share)."""
    scored = sorted((e for e in entries if e.get("score") is not None),
                    key=lambda e: (-_rank_key(e["score"]), e["name"]))
    out, previous, current = [], None, 0
    for i, e in enumerate(scored, start=1):
        key = _rank_key(e["score"])
        if key != previous:
            current, previous = i, key
        out.append({"rank": current, "name": e["name"], "owner": e.get("owner", ""),
                    "platform": e.get("platform", ""), "score": e["score"],
                    "province": e.get("province", ""), "field": e.get("field", "")})
    return out


def rankings(accounts: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Return per category: ranked accounts, vetoed accounts and unranked accounts."""
    by_cat: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for a in accounts:
        by_cat[a.get("category", "")].append(a)
    out = {}
    for cat, items in by_cat.items():
        rankable = [a for a in items if not a["vetoed"] and a["verdict"] != UNKNOWN
                    and a.get("score") is not None]
        ranked_ids = {id(a) for a in rankable}
        out[cat] = {
            "count": len(items),
            "ranked": rank(rankable),
            "vetoed": [a["name"] for a in items if a["vetoed"]],
            "unranked": [{"name": a["name"], "reason": _unranked_reason(a)}
                         for a in items if not a["vetoed"] and id(a) not in ranked_ids],
        }
    return out


def _unranked_reason(a: Mapping[str, Any]) -> str:
    if a["verdict"] == UNKNOWN:
        return "未能检查"
    return "可评估的指标不足，无总分"


def excellent(ranks: Mapping[str, Mapping[str, Any]],
              rule: Mapping[str, float]) -> dict[str, list[dict[str, Any]]]:
    """Return the 表现较好 accounts per category under a profile rule (empty without a rule).

    An account qualifies with no veto and a score of at least min_score, or a rank within the
    top top_share of its category (rank <= floor(count × top_share), counting every account
    of the category).
    """
    if not rule:
        return {}
    min_score, share = rule.get("min_score"), rule.get("top_share")
    out = {}
    for cat, r in ranks.items():
        top_n = math.floor(r["count"] * share + 1e-9) if share else 0
        out[cat] = [e for e in r["ranked"]
                    if (min_score is not None and e["score"] >= min_score) or e["rank"] <= top_n]
    return out


def group_stats(accounts: Iterable[Mapping[str, Any]], key: str,
                excellent_keys: Iterable[tuple[str, str, str]] = ()) -> list[dict[str, Any]]:
    """Return per value of key: counts, pass rate, mean score and excellent count, best first.

    Accounts without a value for key (e.g. ministries have no province) are left out.
    """
    best = set(excellent_keys)
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for a in accounts:
        if a.get(key):
            groups[a[key]].append(a)
    out = []
    for value, items in groups.items():
        counts = Counter(a["verdict"] for a in items)
        judged = counts[PASS] + counts[FAIL]
        scores = [a["score"] for a in items if a.get("score") is not None and not a["vetoed"]
                  and a["verdict"] != UNKNOWN]
        out.append({
            key: value, "count": len(items), PASS: counts[PASS], FAIL: counts[FAIL],
            UNKNOWN: counts[UNKNOWN],
            "pass_rate": round(counts[PASS] / judged, 4) if judged else None,
            "mean_score": round(sum(scores) / len(scores), 2) if scores else None,
            "excellent": sum(account_key(a) in best for a in items),
        })
    out.sort(key=lambda g: (-(g["mean_score"] if g["mean_score"] is not None else -1),
                            -(g["pass_rate"] if g["pass_rate"] is not None else -1), g[key]))
    return out


# --- reach (information only) -----------------------------------------------------------------


def _wci_part(r: float, z: float, likes: float, re: float) -> float:
    return (0.70 * math.log(r + 1) + 0.09 * math.log(10 * z + 1)
            + 0.06 * math.log(10 * likes + 1) + 0.15 * math.log(10 * re + 1))


def wci(articles: Sequence[Mapping[str, Any]], days: int) -> float | None:
    """Return the WCI (清博指数 V14.2, INDICATORS.md §6) of d days of articles, or None.

    Each article: reads, zai_kan (在看), likes, shares, headline (头条, bool).
    """
    if not articles or days <= 0:
        return None
    keys = ("reads", "zai_kan", "likes", "shares")
    totals = [sum(float(a.get(k) or 0) for a in articles) for k in keys]
    heads = [sum(float(a.get(k) or 0) for a in articles if a.get("headline")) for k in keys]
    maxima = [max(float(a.get(k) or 0) for a in articles) for k in keys]
    o = _wci_part(*(t / days for t in totals))
    a = _wci_part(*(t / len(articles) for t in totals))
    h = _wci_part(*(t / days for t in heads))
    p = _wci_part(*maxima)
    return round((0.6 * o + 0.2 * a + 0.1 * h + 0.1 * p) ** 2 * 1.2 * 10, 2)


def reach_row(name: str, reach: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Return one row of the reach table from artifacts.extra["reach"], or None without data.

    reach: {"days": d, "articles": [{reads, zai_kan, likes, shares, headline}, ...]}.
    """
    if not reach or not reach.get("articles"):
        return None
    arts = reach["articles"]
    days = int(reach.get("days") or 0)
    return {"name": name, "days": days, "articles": len(arts),
            "reads": sum(int(a.get("reads") or 0) for a in arts),
            "likes": sum(int(a.get("likes") or 0) for a in arts),
            "wci": wci(arts, days), "note": "仅供参考，不计入评分和排名"}


def aggregate(accounts: Sequence[Mapping[str, Any]],
              rule: Mapping[str, float]) -> dict[str, Any]:
    """Return the additive result keys: rankings, excellent lists and group comparisons."""
    ranks = rankings(accounts)
    best = excellent(ranks, rule)
    keys = {account_key(e) for lst in best.values() for e in lst}
    return {
        "rankings": ranks,
        "excellent": best,
        "groups": {key: group_stats(accounts, key, keys) for key in GROUP_KEYS},
    }
