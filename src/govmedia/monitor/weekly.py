"""The weekly cycle: a full inspection (run/inspect.py), read back as per-account observations.

The run is an ordinary stored run (it shows in reports and can be re-scored); the observations
add, for the link checks, the link findings of each account's previous run, which is what
"newly broken" is measured against.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from govmedia.findings import Finding
from govmedia.indicators.engine import IndicatorSystem
from govmedia.monitor.warnings import Observation, rules
from govmedia.run.inspect import inspect_accounts
from govmedia.settings import Settings
from govmedia.store.alerts import previous_findings
from govmedia.store.models import AccountRow

Progress = Callable[[str, str], None]


def observations_of(result: dict[str, Any], rows: Sequence[AccountRow],
                    system: IndicatorSystem,
                    previous: dict[int, frozenset[tuple[str, str]]]) -> list[Observation]:
    """Return one observation per account of an evaluation result (build_result's dict)."""
    # An account is unique by (platform, name, owner): one office may run a 青禾发布 on
    # WeChat and another on Weibo, and each must get its own problems and alerts.
    ids = {(r.platform, r.name, r.owner): r.id for r in rows}
    out = []
    for acc in result["accounts"]:
        account_id = ids[(acc["platform"], acc["name"], acc["owner"])]
        skipped = {n["check"]: n["reason"] for n in acc["not_checked"]}
        findings = tuple(Finding.from_dict(f) for f in acc["findings"]
                         if f.get("review") != "dismissed")
        checked = {c for c in system.check_ids if c not in skipped} | {f.check for f in findings}
        out.append(Observation(account_id, acc["name"], acc["owner"], frozenset(checked),
                               findings, skipped, previous.get(account_id)))
    return out


def observe_weekly(engine: Engine, settings: Settings, rows: Sequence[AccountRow],
                   system_ref: str, system: IndicatorSystem, as_of: datetime, *,
                   executor: str = "local",
                   progress: Progress | None = None) -> tuple[int, list[Observation]]:
    """Run the full inspection against system_ref (id or YAML path, loaded as `system`) with
    the executor (local or celery); return its run id and one observation per account."""
    result = inspect_accounts(engine, settings, rows, system_ref, as_of, executor=executor,
                              progress=progress)
    run_id = int(result["run_id"])
    prefix = rules()["kinds"]["link_broken"]["check_prefix"]
    previous = previous_findings(engine, run_id, [r.id for r in rows], prefix)
    return run_id, observations_of(result, rows, system, previous)
