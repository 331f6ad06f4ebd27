"""EvaluationResult: the one serialisable result that every report renders.

Built from stored rows only (never by re-running checks), so a stored run renders the same
way tomorrow as today. The explanation of each score is derived again from the stored check
results and artifacts by the same pure engine; rankings, pass rates per group and the
表现较好 lists come from report/aggregate.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from govmedia.artifacts import AccountArtifacts, from_jsonable
from govmedia.checks.freshness import timeline
from govmedia.findings import CheckResult, Finding
from govmedia.indicators.engine import FAIL, PASS, UNKNOWN, IndicatorSystem, score_account
from govmedia.indicators.metrics import safe_metrics
from govmedia.report.aggregate import aggregate, reach_row
from govmedia.store.models import AccountRow


def _freshness_facts(art: AccountArtifacts | None, as_of: datetime) -> dict[str, Any]:
    if art is None:
        return {"last_published": None, "sources": []}
    tl = timeline(art, as_of)
    last = tl.latest.published_at.isoformat() if tl.latest else None
    return {"last_published": last, "sources": list(tl.consulted)}


def stored_check_results(results: Sequence[dict[str, Any]],
                         findings: Sequence[dict[str, Any]]) -> list[CheckResult]:
    """Return CheckResults rebuilt from stored rows; findings a reviewer dismissed are dropped."""
    by_check: dict[str, list[Finding]] = {}
    for f in findings:
        if f.get("review") != "dismissed":
            by_check.setdefault(f["check"], []).append(Finding.from_dict(f))
    out = []
    for r in results:
        found = tuple(by_check.get(r["check"], ()))
        status = r["status"]
        if status == "fail" and not found:
            status = "ok"  # every finding was dismissed in review
        out.append(CheckResult(r["check"], status, found, r.get("reason") or ""))
    return out


def _explained(system: IndicatorSystem, data: dict[str, Any],
               art: AccountArtifacts | None) -> dict[str, Any]:
    metrics = safe_metrics(art) if system.mode == "areas" else None
    again = score_account(system, stored_check_results(data["results"], data["findings"]),
                          metrics)
    return {"explanations": list(again.explanation), "areas": list(again.areas),
            "coverage": None if again.coverage is None else round(again.coverage, 4)}


def build_result(system: IndicatorSystem, as_of: datetime, run_id: int,
                 rows: Sequence[AccountRow], stored: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Return the evaluation result of a run as a JSON-ready dict."""
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
            "reasons": data["reasons"],
            **_freshness_facts(art, as_of),
            "not_checked": [{"check": r["check"], "reason": r["reason"]}
                            for r in data["results"] if r["status"] == "not_checked"],
            "findings": [{**f, "account": row.name} for f in data["findings"]],
            "highlights": [f["message"] for f in data["findings"]
                           if f["check"].startswith("practice.") and f["severity"] == "info"
                           and f.get("review") != "dismissed"],
            **_explained(system, data, art),
        }
        accounts.append(entry)
        if art is not None and (row_reach := reach_row(row.name, art.extra.get("reach"))):
            reach.append(row_reach)
    counts = Counter(a["verdict"] for a in accounts)
    judged = counts[PASS] + counts[FAIL]
    extra = aggregate(accounts, system.excellent)
    ranks = {(e["name"], e["owner"]): e["rank"]
             for r in extra["rankings"].values() for e in r["ranked"]}
    best = {(e["name"], e["owner"]) for lst in extra["excellent"].values() for e in lst}
    for a in accounts:
        a["rank"] = ranks.get((a["name"], a["owner"]))
        a["excellent"] = (a["name"], a["owner"]) in best
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
