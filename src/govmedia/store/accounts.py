"""The account registry in the database: idempotent import (upsert) and listing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import Engine, select

from govmedia.store.db import sessions
from govmedia.store.models import ACCOUNT_FIELDS, AccountRow

KEY_FIELDS = ("platform", "name", "owner")


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: accounts added, changed, and already up to date."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged


def _clean(row: Mapping[str, object]) -> dict[str, str]:
    values = {f: str(row.get(f) or "").strip() for f in ACCOUNT_FIELDS}
    values["platform"] = values["platform"] or "wechat"
    missing = [f for f in ("name", "owner", "category") if not values[f]]
    if missing:
        raise ValueError(f"account row without {', '.join(missing)}: {dict(row)!r}")
    return values


def upsert_accounts(engine: Engine, rows: Iterable[Mapping[str, object]]) -> ImportSummary:
    """Insert or update accounts keyed by (platform, name, owner), all in one transaction.

    Importing the same rows again changes nothing and counts them as unchanged. An empty
    wechat_secret keeps the stored one (exports leave secrets out unless asked), so
    re-importing an exported file never erases credentials.
    """
    cleaned = [_clean(r) for r in rows]
    added = updated = unchanged = 0
    with sessions(engine).begin() as session:
        existing = {(a.platform, a.name, a.owner): a
                    for a in session.scalars(select(AccountRow))}
        for values in cleaned:
            key = tuple(values[f] for f in KEY_FIELDS)
            account = existing.get(key)
            if account is None:
                account = AccountRow(**values)
                session.add(account)
                existing[key] = account
                added += 1
                continue
            if not values["wechat_secret"]:
                values["wechat_secret"] = account.wechat_secret
            changed = {f: v for f, v in values.items() if getattr(account, f) != v}
            for f, v in changed.items():
                setattr(account, f, v)
            if changed:
                updated += 1
            else:
                unchanged += 1
    return ImportSummary(added, updated, unchanged)


def list_accounts(engine: Engine, *, category: str | None = None) -> list[AccountRow]:
    """Return the accounts ordered by id (optionally one category), usable after the call."""
    query = select(AccountRow).order_by(AccountRow.id)
    if category is not None:
        query = query.where(AccountRow.category == category)
    with sessions(engine)() as session:
        accounts = list(session.scalars(query))
        session.expunge_all()
    return accounts
