"""EvaluationResult: the one serialisable result that every report renders.

Built from stored rows only (never by re-running checks), so a stored run renders the same
way tomorrow as today.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from govmedia.artifacts import AccountArtifacts, from_jsonable
from govmedia.checks.freshness import timeline
from govmedia.indicators.engine import FAIL, PASS, UNKNOWN, IndicatorSystem
from govmedia.store.models import AccountRow


def _freshness_facts(payload: dict[str, Any] | None, as_of: datetime) -> dict[str, Any]:
    if not payload:
        return {"last_published": None, "sources": []}
    tl = timeline(from_jsonable(AccountArtifacts, payload), as_of)
    last = tl.latest.published_at.isoformat() if tl.latest else None
    return {"last_published": last, "sources": list(tl.consulted)}


def build_result(system: IndicatorSystem, as_of: datetime, run_id: int,
                 rows: Sequence[AccountRow], stored: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Return the evaluation result of a run as a JSON-ready dict."""
    accounts = []
    for row in rows:
        data = stored.get(row.id)
        if data is None:
            continue
        entry = {
            "name": row.name, "owner": row.owner, "category": row.category,
            "province": row.province, "field": row.field, "platform": row.platform,
            "verdict": data["verdict"], "vetoed": data["vetoed"], "score": data["score"],
            "reasons": data["reasons"],
            **_freshness_facts(data["artifacts"], as_of),
            "not_checked": [{"check": r["check"], "reason": r["reason"]}
                            for r in data["results"] if r["status"] == "not_checked"],
            "findings": [{**f, "account": row.name} for f in data["findings"]],
        }
        accounts.append(entry)
    counts = Counter(a["verdict"] for a in accounts)
    judged = counts[PASS] + counts[FAIL]
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
        "accounts": accounts,
    }
