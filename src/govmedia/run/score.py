"""Re-score a stored run against any indicator system, without collecting again.

Reads each account's stored check results, findings and artifacts; a check the system needs
that the run did not perform (the run used another system) is computed from the stored
artifacts by the same pure function and stored with the run, so the findings of a run never
depend on the system it is scored with. Content metrics (areas mode) come from the stored
artifacts too. The new scores are stored under the system's id (ScoreRow.system); the scores
of other systems are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from govmedia.artifacts import CHINA_TZ, AccountArtifacts, from_jsonable
from govmedia.checks.registry import CheckContext, check_table, run_check
from govmedia.findings import CheckResult
from govmedia.indicators.engine import (
    AccountScore,
    IndicatorSystem,
    load_system,
    score_account,
)
from govmedia.indicators.metrics import safe_metrics
from govmedia.report.result import build_result, stored_check_results
from govmedia.store import runs
from govmedia.store.models import AccountRow, RunRow

Progress = Callable[[str, str], None]  # (account name, verdict)


class RunNotFound(LookupError):
    """No run with this id is stored (a user error)."""


def _missing_results(system: IndicatorSystem, art: AccountArtifacts,
                     have: set[str]) -> list[CheckResult]:
    table = check_table()
    return [run_check(table[c], art, CheckContext(as_of=art.as_of,
                                                  params=system.params.get(c, {})))
            for c in system.check_ids if c not in have]


def _as_of(stored_as_of: datetime, stored: dict[int, dict[str, Any]]) -> datetime:
    """Return the inspection time in the zone it was given (the database keeps UTC)."""
    for data in stored.values():
        if data["artifacts"].get("as_of"):
            return datetime.fromisoformat(data["artifacts"]["as_of"])
    return stored_as_of.astimezone(CHINA_TZ)


def rescore_account(engine: Engine, run_id: int, account_id: int, system: IndicatorSystem,
                    data: dict[str, Any], *, review_required: bool = False) -> AccountScore:
    """Return the new score of one stored account (data: as runs.stored_accounts gives it),
    after storing it with any check results the system needed and the run lacked."""
    art = from_jsonable(AccountArtifacts, data["artifacts"])
    results = stored_check_results(data["results"], data["findings"],
                                   review_required=review_required)
    added = _missing_results(system, art, {r.check for r in results})
    sc = score_account(system, results + added,
                       safe_metrics(art) if system.mode == "areas" else None)
    runs.save_rescore(engine, run_id, account_id, system.id, added, sc.verdict, sc.vetoed,
                      sc.score, list(sc.reasons))
    return sc


def score_run(engine: Engine, run_id: int, system_ref: str, *,
              progress: Progress | None = None, review_required: bool = False) -> dict[str, Any]:
    """Score stored run run_id against system_ref (id or YAML path); return the result.

    review_required: veto candidates count only once a reviewer confirmed them.
    Raises RunNotFound for an unknown run and ProfileError for an unknown or invalid system.
    """
    system = load_system(system_ref, frozenset(check_table()))
    with Session(engine) as s:
        run = s.get(RunRow, run_id)
        if run is None:
            raise RunNotFound(run_id)
        as_of = runs.from_db_time(run.as_of)
        rows = list(s.scalars(select(AccountRow).where(AccountRow.id.in_(run.account_ids))
                              .order_by(AccountRow.id)))
        stored = runs.stored_accounts(s, run_id)
    for row in rows:
        data = stored.get(row.id)
        if data is None:  # not collected yet (an unfinished run): nothing to score
            continue
        sc = rescore_account(engine, run_id, row.id, system, data,
                             review_required=review_required)
        if progress is not None:
            progress(row.name, sc.verdict)
    result = build_result(system, _as_of(as_of, stored), run_id, rows,
                          runs.run_rows(engine, run_id, system.id),
                          review_required=review_required)
    result["run_status"] = run.status
    return result
