"""The Alembic migrations build exactly the schema the models describe (SQLite)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from govmedia.store.db import open_db
from govmedia.store.models import Base


def test_models_and_migrations_agree(tmp_path):
    engine = open_db(f"sqlite:///{tmp_path}/m.db")  # upgrades to head
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], diff


def test_evidence_index_table_exists(tmp_path):
    engine = open_db(f"sqlite:///{tmp_path}/m.db")
    insp = inspect(engine)
    cols = {c["name"] for c in insp.get_columns("evidence")}
    assert cols >= {"run_id", "url", "warc_file", "record_id", "offset", "length", "sha256"}
    assert "ix_evidence_run_id" in {i["name"] for i in insp.get_indexes("evidence")}
