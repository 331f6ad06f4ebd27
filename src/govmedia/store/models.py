"""SQLAlchemy models: accounts, runs, artifacts, check results, findings, scores.

The schema is created and upgraded by the Alembic migrations in store/migrations; a model
change needs a new migration (tests compare the two).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ACCOUNT_FIELDS = ("name", "owner", "category", "province", "field", "platform",
                  "wechat_appid", "wechat_secret", "feed_url", "website")


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON,
                           datetime: DateTime(timezone=True)}


class AccountRow(Base):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("platform", "name", "owner", name="uq_account_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32), default="wechat")
    name: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40))
    province: Mapped[str] = mapped_column(String(40), default="")
    field: Mapped[str] = mapped_column(String(40), default="")
    wechat_appid: Mapped[str] = mapped_column(String(64), default="")
    wechat_secret: Mapped[str] = mapped_column(String(128), default="")
    feed_url: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(Text, default="")


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    as_of: Mapped[datetime]
    indicator_system: Mapped[str] = mapped_column(String(80))
    # running | complete | abandoned (an interrupted monitor run given up by a later
    # weekly cycle: never resumed, never a "previous run", removed by prune like a complete one)
    status: Mapped[str] = mapped_column(String(20), default="running")
    account_ids: Mapped[list[Any]]


class ArtifactRow(Base):
    __tablename__ = "artifacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))  # account | source:<name> | menu | page
    source: Mapped[str] = mapped_column(String(80))
    fetched_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]]
    archive_ref: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")


class CheckResultRow(Base):
    __tablename__ = "check_results"
    __table_args__ = (UniqueConstraint("run_id", "account_id", "check", name="uq_check_result"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    check: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")


class FindingRow(Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    check: Mapped[str] = mapped_column(String(80))
    severity: Mapped[str] = mapped_column(String(10))
    target: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]]
    suggestion: Mapped[str] = mapped_column(Text, default="")
    # machine | confirmed | dismissed
    review: Mapped[str] = mapped_column(String(20), default="machine")


class ScoreRow(Base):
    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("run_id", "account_id", "system", name="uq_score"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    system: Mapped[str] = mapped_column(String(80))
    verdict: Mapped[str] = mapped_column(String(10))
    vetoed: Mapped[bool]
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    reasons: Mapped[list[Any]]


class EvidenceRow(Base):
    """Index of the WARC evidence archive: where each fetched page of a run is stored."""

    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("run_id", "record_id", name="uq_evidence_record"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    warc_file: Mapped[str] = mapped_column(Text)
    record_id: Mapped[str] = mapped_column(String(100))
    offset: Mapped[int] = mapped_column(BigInteger)
    length: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fetched_at: Mapped[datetime]
    sha256: Mapped[str] = mapped_column(String(64), default="")


# --- web workbench (issue 8): users, sessions, API tokens, login attempts, review audit ------


class UserRow(Base):
    """A person who signs in to the workbench; role owner sees only accounts of owner_unit."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # admin | reviewer | viewer | owner
    owner_unit: Mapped[str] = mapped_column(String(200), default="")  # = AccountRow.owner
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class WebSessionRow(Base):
    """A signed-in browser: the SHA-256 of its cookie token and its CSRF token."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class ApiTokenRow(Base):
    """A bearer token for the JSON API (only its SHA-256 is kept)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]


class LoginAttemptRow(Base):
    """One login try, for rate limiting by user name and by client address."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)
    ok: Mapped[bool]


class ReviewRow(Base):
    """The audit trail of review: who confirmed or dismissed which finding, when and why.

    finding_id has no foreign key on purpose: the trail outlives a finding that a resumed run
    replaces; check and message keep what was reviewed.
    """

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    finding_id: Mapped[int] = mapped_column(Integer, index=True)
    check: Mapped[str] = mapped_column(String(80))
    message: Mapped[str] = mapped_column(Text)
    user_name: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(20))  # confirm | dismiss | reopen
    reason: Mapped[str] = mapped_column(Text)
    before: Mapped[str] = mapped_column(String(20))  # review state before: machine | ...
    after: Mapped[str] = mapped_column(String(20))
    verdicts: Mapped[dict[str, Any]]  # system -> [verdict before, verdict after]


class AlertRow(Base):
    """A problem the monitor watches (account + check + target) and its alert state.

    `revision` grows each time the problem needs a new alert (first seen, changed, back after
    it was resolved); 0 means recorded without an alert (a link already broken in the first
    inspection). `key` is the SHA-256 of account id, check and target (targets can be long).
    """

    __tablename__ = "monitor_alerts"
    __table_args__ = (UniqueConstraint("key", name="uq_monitor_alert_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            index=True)
    check: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(30))  # freshness_warning | link_broken | veto_...
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))  # open | resolved
    fingerprint: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text)
    suggestion: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[dict[str, Any]]
    cycle: Mapped[str] = mapped_column(String(10))  # daily | weekly: the last that saw it
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"),
                                               nullable=True)
    first_seen: Mapped[datetime]  # as-of of the cycle that opened this revision
    last_seen: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class AlertDeliveryRow(Base):
    """One alert revision sent (or still failing) on one channel."""

    __tablename__ = "monitor_deliveries"
    __table_args__ = (UniqueConstraint("alert_id", "channel", "revision",
                                       name="uq_monitor_delivery"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("monitor_alerts.id", ondelete="CASCADE"),
                                          index=True)
    channel: Mapped[str] = mapped_column(String(80))
    revision: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime]


# --- distributed runs (issue 9): the task of each account of a run ----------------------------


class RunTaskRow(Base):
    """The task of one account in a distributed run: queued, running, done or failed.

    `attempts` counts the starts: a task given again to a worker after its first worker died
    starts a second time. The account's results live in the usual tables; this row only says
    where its task stands (progress, retries, the last error).
    """

    __tablename__ = "run_tasks"
    __table_args__ = (UniqueConstraint("run_id", "account_id", name="uq_run_task"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10))  # queued | running | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime]


class MonitorRunRow(Base):
    """A weekly full inspection the monitor started: its as-of and indicator system.

    Its run is the unfinished run with this as-of and system (the run's id is known only once
    the inspection has planned it); the next weekly cycle resumes that run or gives it up,
    and leaves alone an unfinished run that `govmedia inspect` started.
    """

    __tablename__ = "monitor_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[datetime]
    system: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime]
