"""Read-only queries for the workbench: runs, scores, findings, accounts, evidence.

Every query that lists accounts' data takes `account_ids`: None for every account, or the
set a user may see (an owner user sees only its own unit's accounts). Results are plain
dicts, usable after the session closes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Select, func, select
from sqlalchemy.orm import Session

from govmedia.store.models import (
    ACCOUNT_FIELDS,
    AccountRow,
    EvidenceRow,
    FindingRow,
    RunRow,
    ScoreRow,
)
from govmedia.store.reviews import finding_dict

PUBLIC_ACCOUNT_FIELDS = tuple(f for f in ACCOUNT_FIELDS if f != "wechat_secret")


def _aware(t: datetime | None) -> datetime | None:
    return None if t is None else (t.replace(tzinfo=UTC) if t.tzinfo is None else t)


def _limit(query: Select, column: Any, account_ids: Collection[int] | None) -> Select:
    return query if account_ids is None else query.where(column.in_(list(account_ids)))


def account_dict(a: AccountRow) -> dict[str, Any]:
    """Return a registry row without its secret."""
    return {"id": a.id, **{f: getattr(a, f) for f in PUBLIC_ACCOUNT_FIELDS}}


def owner_account_ids(engine: Engine, owner_unit: str) -> set[int]:
    """Return the ids of the accounts run by one owner unit (主办单位)."""
    with Session(engine) as s:
        return set(s.scalars(select(AccountRow.id).where(AccountRow.owner == owner_unit)))


def accounts(engine: Engine, account_ids: Collection[int] | None = None) -> list[dict[str, Any]]:
    """Return the registry (or the visible part of it), by id."""
    with Session(engine) as s:
        rows = s.scalars(_limit(select(AccountRow).order_by(AccountRow.id), AccountRow.id,
                                account_ids))
        return [account_dict(a) for a in rows]


def account(engine: Engine, account_id: int) -> dict[str, Any] | None:
    """Return one account without its secret, or None."""
    with Session(engine) as s:
        a = s.get(AccountRow, account_id)
        return account_dict(a) if a else None


def _run_dict(r: RunRow) -> dict[str, Any]:
    return {"id": r.id, "started_at": _aware(r.started_at), "finished_at": _aware(r.finished_at),
            "as_of": _aware(r.as_of), "system": r.indicator_system, "status": r.status,
            "accounts": len(r.account_ids)}


def runs(engine: Engine, account_ids: Collection[int] | None = None) -> list[dict[str, Any]]:
    """Return the runs, newest first, each with its verdict counts under its own system.

    With account_ids, only runs that scored one of them, counted over them only.
    """
    with Session(engine) as s:
        counts: dict[int, Counter[str]] = defaultdict(Counter)
        query = (select(ScoreRow.run_id, ScoreRow.verdict, func.count(ScoreRow.id))
                 .join(RunRow, RunRow.id == ScoreRow.run_id)
                 .where(ScoreRow.system == RunRow.indicator_system)
                 .group_by(ScoreRow.run_id, ScoreRow.verdict))
        for run_id, verdict, n in s.execute(_limit(query, ScoreRow.account_id, account_ids)):
            counts[run_id][verdict] += n
        out = []
        for r in s.scalars(select(RunRow).order_by(RunRow.id.desc())):
            if account_ids is not None and r.id not in counts:
                continue
            out.append({**_run_dict(r), "counts": dict(counts[r.id]),
                        "scored": sum(counts[r.id].values())})
        return out


def run(engine: Engine, run_id: int) -> dict[str, Any] | None:
    """Return one run, or None."""
    with Session(engine) as s:
        r = s.get(RunRow, run_id)
        return _run_dict(r) if r else None


def scores(engine: Engine, run_id: int, system: str,
           account_ids: Collection[int] | None = None) -> list[dict[str, Any]]:
    """Return the scored accounts of a run under one system, with their registry facts."""
    query = (select(ScoreRow, AccountRow).join(AccountRow, AccountRow.id == ScoreRow.account_id)
             .where(ScoreRow.run_id == run_id, ScoreRow.system == system)
             .order_by(AccountRow.id))
    with Session(engine) as s:
        return [{**account_dict(a), "verdict": sc.verdict, "vetoed": sc.vetoed,
                 "score": sc.score, "reasons": list(sc.reasons), "system": sc.system}
                for sc, a in s.execute(_limit(query, ScoreRow.account_id, account_ids))]


def account_scores(engine: Engine, run_id: int, account_id: int) -> list[dict[str, Any]]:
    """Return one account's scores in a run, one per indicator system."""
    with Session(engine) as s:
        return [{"system": sc.system, "verdict": sc.verdict, "vetoed": sc.vetoed,
                 "score": sc.score, "reasons": list(sc.reasons)}
                for sc in s.scalars(select(ScoreRow).where(
                    ScoreRow.run_id == run_id, ScoreRow.account_id == account_id)
                    .order_by(ScoreRow.system))]


def account_runs(engine: Engine, account_id: int) -> list[dict[str, Any]]:
    """Return the runs that scored an account under their own system, newest first."""
    query = (select(RunRow, ScoreRow.verdict).join(ScoreRow, ScoreRow.run_id == RunRow.id)
             .where(ScoreRow.account_id == account_id,
                    ScoreRow.system == RunRow.indicator_system)
             .order_by(RunRow.id.desc()))
    with Session(engine) as s:
        return [{**_run_dict(r), "verdict": v} for r, v in s.execute(query)]


def findings(engine: Engine, *, run_id: int | None = None,
             account_ids: Collection[int] | None = None, severity: str | None = None,
             review: str | None = None, check: str | None = None,
             limit: int = 500) -> list[dict[str, Any]]:
    """Return stored findings with their account's name, veto findings first."""
    query = (select(FindingRow, AccountRow.name).join(AccountRow,
                                                      AccountRow.id == FindingRow.account_id)
             .order_by((FindingRow.severity != "veto"), FindingRow.id).limit(limit))
    if run_id is not None:
        query = query.where(FindingRow.run_id == run_id)
    if severity is not None:
        query = query.where(FindingRow.severity == severity)
    if review is not None:
        query = query.where(FindingRow.review == review)
    if check is not None:
        query = query.where(FindingRow.check == check)
    with Session(engine) as s:
        return [{**finding_dict(f), "account": name}
                for f, name in s.execute(_limit(query, FindingRow.account_id, account_ids))]


def finding(engine: Engine, finding_id: int) -> dict[str, Any] | None:
    """Return one stored finding, or None."""
    with Session(engine) as s:
        f = s.get(FindingRow, finding_id)
        return finding_dict(f) if f else None


def veto_findings(engine: Engine, run_id: int,
                  account_ids: Collection[int] | None = None) -> dict[int, list[dict[str, Any]]]:
    """Return a run's veto findings per account id."""
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for f in findings(engine, run_id=run_id, account_ids=account_ids, severity="veto",
                      limit=100_000):
        out[f["account_id"]].append(f)
    return out


def evidence_record(engine: Engine, run_id: int, record_id: str) -> dict[str, Any] | None:
    """Return where an archived response of a run is stored, or None."""
    with Session(engine) as s:
        e = s.scalar(select(EvidenceRow).where(EvidenceRow.run_id == run_id,
                                               EvidenceRow.record_id == record_id))
        if e is None:
            return None
        return {"url": e.url, "warc_file": e.warc_file, "record_id": e.record_id,
                "offset": e.offset, "status": e.status, "fetched_at": _aware(e.fetched_at)}
