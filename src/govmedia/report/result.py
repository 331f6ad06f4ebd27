"""EvaluationResult: the one serialisable result that every report renders.

Built from stored rows only (never by re-running checks), so a stored run renders the same
way tomorrow as today. The explanation of each score is derived again from the stored check
results and artifacts by the same pure engine; rankings, pass rates per group and the
表现较好 lists come from report/aggregate.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from govmedia.artifacts import AccountArtifacts, from_jsonable
from govmedia.checks.freshness import timeline
from govmedia.findings import CheckResult, Finding
from govmedia.indicators.engine import FAIL, PASS, UNKNOWN, IndicatorSystem, score_account
from govmedia.indicators.metrics import safe_metrics
from govmedia.report.aggregate import account_key, aggregate, reach_row
from govmedia.store.models import AccountRow


def _freshness_facts(art: AccountArtifacts | None, as_of: datetime) -> dict[str, Any]:
    if art is None:
        return {"last_published": None, "last_published_kind": None, "sources": []}
    tl = timeline(art, as_of)
    last = tl.latest.published_at.isoformat() if tl.latest else None
    # kind "day": the source knows the date only (datacube), the time of day is not real
    return {"last_published": last, "last_published_kind": tl.latest.time_kind if tl.latest
            else None, "sources": list(tl.consulted)}


def veto_candidate(finding: dict[str, Any]) -> bool:
    """Return True for a machine veto finding marked provisional that no person reviewed yet."""
    return (finding.get("severity") == "veto" and finding.get("review", "machine") == "machine"
            and bool((finding.get("evidence") or {}).get("provisional")))


def provisional(system: IndicatorSystem, findings: Sequence[dict[str, Any]]) -> bool:
    """Return True when the account's veto rests only on unreviewed candidates (待复核).

    With review_required a candidate does not count yet, and the verdict is 待复核 as well:
    confirming it would change the verdict.
    """
    veto_checks = {c for v in system.vetoes for c in v.checks}
    live = [f for f in findings if f["check"] in veto_checks and f.get("severity") == "veto"
            and f.get("review") != "dismissed"]
    return bool(live) and all(veto_candidate(f) for f in live)


def stored_check_results(results: Sequence[dict[str, Any]], findings: Sequence[dict[str, Any]],
                         *, review_required: bool = False) -> list[CheckResult]:
    """Return CheckResults rebuilt from stored rows; findings a reviewer dismissed are dropped,
    and with review_required so are veto candidates not yet confirmed."""
    by_check: dict[str, list[Finding]] = {}
    for f in findings:
        if f.get("review") != "dismissed" and not (review_required and veto_candidate(f)):
            by_check.setdefault(f["check"], []).append(Finding.from_dict(f))
    out = []
    for r in results:
        found = tuple(by_check.get(r["check"], ()))
        status = r["status"]
        if status == "fail" and not found:
            status = "ok"  # every finding was dismissed in review
        out.append(CheckResult(r["check"], status, found, r.get("reason") or ""))
    return out


def counted_results(results: Sequence[CheckResult], *,
                    review_required: bool = False) -> list[CheckResult]:
    """Return the check results a score counts: all of them, or with review_required all but
    the veto candidates (not yet confirmed by a person), as stored_check_results does."""
    if not review_required:
        return list(results)
    out = []
    for r in results:
        kept = tuple(f for f in r.findings if not veto_candidate(f.to_dict()))
        status = "ok" if r.status == "fail" and r.findings and not kept else r.status
        out.append(replace(r, status=status, findings=kept))
    return out


def _explained(system: IndicatorSystem, data: dict[str, Any],
               art: AccountArtifacts | None, review_required: bool) -> dict[str, Any]:
    metrics = safe_metrics(art) if system.mode == "areas" else None
    again = score_account(system, stored_check_results(data["results"], data["findings"],
                                                       review_required=review_required),
                          metrics)
    return {"explanations": list(again.explanation), "areas": list(again.areas),
            "coverage": None if again.coverage is None else round(again.coverage, 4)}


def build_result(system: IndicatorSystem, as_of: datetime, run_id: int,
                 rows: Sequence[AccountRow], stored: dict[int, dict[str, Any]], *,
                 review_required: bool = False) -> dict[str, Any]:
    """Return the evaluation result of a run as a JSON-ready dict.

    Each account says `provisional` (待复核): its verdict rests on a veto candidate that no
    person has reviewed yet.
    """
    accounts: list[dict[str, Any]] = []
    reach: list[dict[str, Any]] = []
    for row in rows:
        data = stored.get(row.id)
        if data is None:
            continue
        art = from_jsonable(AccountArtifacts, data["artifacts"]) if data["artifacts"] else None
        entry = {
            "name": row.name, "owner": row.owner, "category": row.category,
            "province": row.province, "field": row.field, "platform": row.platform,
            "verdict": data["verdict"], "vetoed": data["vetoed"], "score": data["score"],
            "provisional": provisional(system, data["findings"]),
            "reasons": data["reasons"],
            **_freshness_facts(art, as_of),
            "not_checked": [{"check": r["check"], "reason": r["reason"]}
                            for r in data["results"] if r["status"] == "not_checked"],
            "findings": [{**f, "account": row.name} for f in data["findings"]],
            "highlights": [f["message"] for f in data["findings"]
                           if f["check"].startswith("practice.") and f["severity"] == "info"
                           and f.get("review") != "dismissed"],
            **_explained(system, data, art, review_required),
        }
        accounts.append(entry)
        if art is not None and (row_reach := reach_row(row.name, art.extra.get("reach"))):
            reach.append(row_reach)
    counts = Counter(a["verdict"] for a in accounts)
    judged = counts[PASS] + counts[FAIL]
    extra = aggregate(accounts, system.excellent)
    ranks = {account_key(e): e["rank"]
             for r in extra["rankings"].values() for e in r["ranked"]}
    best = {account_key(e) for lst in extra["excellent"].values() for e in lst}
    for a in accounts:
        a["rank"] = ranks.get(account_key(a))
        a["excellent"] = account_key(a) in best
    return {
        "as_of": as_of.isoformat(),
        "indicator_system": system.id,
        "indicator_system_name": system.name,
        "run_id": run_id,
        "not_covered": [v.name for v in system.uncovered_vetoes],
        "summary": {
            PASS: counts[PASS], FAIL: counts[FAIL], UNKNOWN: counts[UNKNOWN],
            "pass_rate": round(counts[PASS] / judged, 4) if judged else None,
        },
        "weights": [{"id": a.id, "area": a.name, "weight": a.weight} for a in system.areas],
        "excellent_rule": dict(system.excellent),
        "pending_checks": sorted(system.pending),
        **extra,
        "reach": reach,  # information only (INDICATORS.md §6): never in a score or a rank
        "accounts": accounts,
    }
