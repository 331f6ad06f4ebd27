"""One monitoring cycle: observe the accounts, decide which alerts are due, send them, record.

The order keeps alerts exactly-once-ish without a lock: the alert state is written before
anything is sent, and each message's delivery is recorded as soon as that message is done, so
a cycle that dies halfway leaves its unsent alerts due for the next cycle (at worst the
message in flight on each channel, an alert or a digest part, is sent twice; never none).
"""

from __future__ import annotations

import ssl
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from govmedia.artifacts import CHINA_TZ
from govmedia.checks.registry import check_table
from govmedia.indicators.engine import load_system
from govmedia.monitor.channels import Channel
from govmedia.monitor.daily import observe_daily
from govmedia.monitor.dedup import ALERTING, Decision, plan
from govmedia.monitor.delivery import ChannelReport, Sleep, deliver
from govmedia.monitor.warnings import EarlyWarning, Observation, early_warnings
from govmedia.monitor.weekly import Progress, observe_weekly
from govmedia.settings import Settings
from govmedia.store.accounts import list_accounts
from govmedia.store.alerts import (
    DeliveryOutcome,
    apply_decisions,
    due_alerts,
    load_states,
    record_deliveries,
)

CYCLES = ("daily", "weekly")


class NoAccounts(LookupError):
    """The database has no account to monitor (a user error)."""


@dataclass
class CycleReport:
    """What one cycle saw, decided and sent."""

    cycle: str
    as_of: datetime
    run_id: int | None
    observations: list[Observation]
    warnings: list[EarlyWarning]
    decisions: list[Decision]
    channels: list[ChannelReport] = field(default_factory=list)
    due: int = 0  # alert revisions due on some channel before sending

    @property
    def actions(self) -> Counter[str]:
        return Counter(d.action for d in self.decisions)

    @property
    def alerting(self) -> list[Decision]:
        """Return the decisions that call for an alert (new, changed, back)."""
        return [d for d in self.decisions if d.action in ALERTING]

    @property
    def failed(self) -> bool:
        return any(r.alerts_failed for r in self.channels)


def run_cycle(engine: Engine, settings: Settings, cycle: str, as_of: datetime, *,
              system: str, channels: Sequence[Channel], executor: str = "local",
              progress: Progress | None = None,
              sleep: Sleep = time.sleep, clock: Callable[[], float] = time.time,
              ssl_context: ssl.SSLContext | None = None) -> CycleReport:
    """Run one daily or weekly cycle as of as_of and send its alerts; return the report.

    executor: how the weekly inspection runs (local, or celery on `govmedia worker`s; raises
    run.distributed.DistributedError when that cannot start or finish).
    """
    if cycle not in CYCLES:
        raise ValueError(f"unknown cycle {cycle!r}")
    rows = list_accounts(engine)
    if not rows:
        raise NoAccounts("没有可监测的账号：请先用 govmedia accounts import FILE 导入")
    indicator = load_system(system, frozenset(check_table()))
    run_id = None
    if cycle == "daily":
        observations = observe_daily(rows, settings, as_of, indicator)
    else:
        run_id, observations = observe_weekly(engine, settings, rows, system, indicator, as_of,
                                              executor=executor, progress=progress)
    warnings = early_warnings(observations)
    decisions = plan(load_states(engine, [o.account_id for o in observations]), warnings,
                     observations)
    apply_decisions(engine, decisions, cycle=cycle, as_of=as_of, run_id=run_id)
    report = CycleReport(cycle, as_of, run_id, observations, warnings, decisions)
    changes = {d.key: d.action for d in report.alerting}
    due = due_alerts(engine, [c.id for c in channels])
    report.due = len({a.alert_id for alerts in due.values() for a in alerts})

    def record(outcomes: Sequence[DeliveryOutcome]) -> None:
        record_deliveries(engine, outcomes, datetime.now(CHINA_TZ))

    report.channels = deliver(channels, due, changes, cycle, as_of, settings, record=record,
                              sleep=sleep, clock=clock, ssl_context=ssl_context)
    return report
