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
    status: Mapped[str] = mapped_column(String(20), default="running")  # running | complete
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
