"""The monitor's alert state: watched problems, their revisions, and deliveries per channel.

An alert is due on a channel while it is open, has a revision ≥ 1, and that revision has not
been sent there: a delivery that failed stays due and is tried again the next cycle, and a
channel added later receives the problems still open.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from govmedia.artifacts import CHINA_TZ
from govmedia.monitor.dedup import RESOLVED, AlertState, Decision
from govmedia.store.models import (
    AccountRow,
    AlertDeliveryRow,
    AlertRow,
    FindingRow,
    RunRow,
    ScoreRow,
)
from govmedia.store.runs import from_db_time, to_db_time

_CHUNK = 500  # ids per IN (...) query


@dataclass(frozen=True, slots=True)
class DueAlert:
    """One alert revision that a channel has not received yet, with its account."""

    alert_id: int
    key: str
    revision: int
    account: str
    owner: str
    kind: str
    check: str
    severity: str
    target: str
    message: str
    suggestion: str
    evidence: dict[str, Any]
    first_seen: datetime
    cycle: str
    run_id: int | None


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """What happened to one alert revision on one channel in this cycle."""

    alert_id: int
    revision: int
    channel: str
    sent: bool
    attempts: int
    error: str = ""


def _chunks(ids: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]


def load_states(engine: Engine, account_ids: Iterable[int]) -> list[AlertState]:
    """Return the stored alert state of every problem of these accounts."""
    ids = sorted(set(account_ids))
    out: list[AlertState] = []
    with Session(engine) as s:
        for part in _chunks(ids):
            for a in s.scalars(select(AlertRow).where(AlertRow.account_id.in_(part))):
                out.append(AlertState(a.key, a.account_id, a.check, a.status, a.fingerprint,
                                      a.revision))
    return out


def apply_decisions(engine: Engine, decisions: Sequence[Decision], *, cycle: str,
                    as_of: datetime, run_id: int | None) -> None:
    """Write the decisions of one cycle to the alert state, in one transaction."""
    when = to_db_time(as_of)
    with Session(engine) as s, s.begin():
        rows: dict[str, AlertRow] = {}
        keys = [d.key for d in decisions]
        for part in _chunks(keys):
            rows.update({r.key: r for r in s.scalars(select(AlertRow)
                                                      .where(AlertRow.key.in_(part)))})
        for d in decisions:
            row = rows.get(d.key)
            if d.action == RESOLVED:
                row.status, row.resolved_at = "resolved", when
                continue
            w = d.warning
            f = w.finding
            if row is None:
                row = AlertRow(key=d.key, account_id=w.account_id, check=f.check,
                               target=f.target, first_seen=when)
                s.add(row)
            if row.revision != d.revision or row.status != "open":
                row.first_seen = when  # this revision starts now
            row.kind, row.severity, row.status = w.kind, f.severity, "open"
            row.fingerprint, row.revision = w.fingerprint, d.revision
            row.message, row.suggestion, row.evidence = f.message, f.suggestion, f.evidence
            row.cycle, row.last_seen, row.resolved_at = cycle, when, None
            row.run_id = run_id  # the weekly run that saw it; None for a daily sighting


def due_alerts(engine: Engine, channels: Sequence[str]) -> dict[str, list[DueAlert]]:
    """Return, per channel id, the open alert revisions it has not received, oldest first."""
    with Session(engine) as s:
        rows = s.execute(
            select(AlertRow, AccountRow.name, AccountRow.owner)
            .join(AccountRow, AccountRow.id == AlertRow.account_id)
            .where(AlertRow.status == "open", AlertRow.revision >= 1)
            .order_by(AlertRow.first_seen, AlertRow.id)).all()
        ids = [r.AlertRow.id for r in rows]
        sent: set[tuple[int, str, int]] = set()
        for part in _chunks(ids):
            sent.update(s.execute(
                select(AlertDeliveryRow.alert_id, AlertDeliveryRow.channel,
                       AlertDeliveryRow.revision)
                .where(AlertDeliveryRow.alert_id.in_(part),
                       AlertDeliveryRow.status == "sent")).all())
    due: dict[str, list[DueAlert]] = {c: [] for c in channels}
    for a, name, owner in rows:
        alert = DueAlert(a.id, a.key, a.revision, name, owner, a.kind, a.check, a.severity,
                         a.target, a.message, a.suggestion, a.evidence,
                         from_db_time(a.first_seen).astimezone(CHINA_TZ), a.cycle, a.run_id)
        for c in channels:
            if (a.id, c, a.revision) not in sent:
                due[c].append(alert)
    return due


def record_deliveries(engine: Engine, outcomes: Sequence[DeliveryOutcome],
                      now: datetime) -> None:
    """Store each outcome: sent, or failed with its error (attempts add up across cycles)."""
    when = to_db_time(now)
    with Session(engine) as s, s.begin():
        for o in outcomes:
            row = s.scalars(select(AlertDeliveryRow).where(
                AlertDeliveryRow.alert_id == o.alert_id, AlertDeliveryRow.channel == o.channel,
                AlertDeliveryRow.revision == o.revision)).first()
            if row is None:
                row = AlertDeliveryRow(alert_id=o.alert_id, channel=o.channel,
                                       revision=o.revision, attempts=0)
                s.add(row)
            row.status = "sent" if o.sent else "failed"
            row.attempts = (row.attempts or 0) + o.attempts
            row.error, row.updated_at = o.error, when


def previous_findings(engine: Engine, run_id: int, account_ids: Iterable[int],
                      prefix: str) -> dict[int, frozenset[tuple[str, str]]]:
    """Return, per account with an earlier complete run, the (check, target) pairs of that
    run's findings whose check starts with prefix (accounts without one are left out)."""
    with Session(engine) as s:
        earlier = set(s.scalars(select(RunRow.id).where(RunRow.id < run_id,
                                                          RunRow.status == "complete")))
        latest: dict[int, int] = {}
        for part in _chunks(sorted(set(account_ids))):
            for rid, aid in s.execute(select(ScoreRow.run_id, ScoreRow.account_id)
                                      .where(ScoreRow.account_id.in_(part))):
                if rid in earlier and rid > latest.get(aid, 0):
                    latest[aid] = rid
        out: dict[int, set[tuple[str, str]]] = {aid: set() for aid in latest}
        for rid in set(latest.values()):
            for aid, check, target in s.execute(
                    select(FindingRow.account_id, FindingRow.check, FindingRow.target)
                    .where(FindingRow.run_id == rid, FindingRow.check.startswith(prefix),
                           FindingRow.review != "dismissed")):
                if latest.get(aid) == rid:
                    out[aid].add((check, target))
    return {aid: frozenset(pairs) for aid, pairs in out.items()}
