"""Shared fixtures: a small sandbox world at a fixed time, served on 127.0.0.1:0.

`world` is a fresh World loaded from tests/fixtures/scenarios/api.yaml (not served); `sandbox`
serves that same world's WeChat API routes (only those, so the fixture does not depend on the
other sandbox modules) and sets world.base_url. Both are per test: a test may change an
account's extra (faults, menus) and read world.calls without seeing another test's calls.
`pg_url` is a fresh PostgreSQL database, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from govmedia.artifacts import CHINA_TZ
from govmedia.sandbox import wechat_api
from govmedia.sandbox.server import serve
from govmedia.sandbox.world import World, load_world

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)
SCENARIOS = Path(__file__).parent / "fixtures" / "scenarios"
PG_ADMIN = os.environ.get("GOVMEDIA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def world() -> World:
    """Return the api.yaml world at NOW, not yet served."""
    return load_world(NOW, SCENARIOS / "api.yaml")


@pytest.fixture
def sandbox(world: World) -> Iterator[World]:
    """Serve the world's WeChat API on 127.0.0.1 (any free port); yield the world."""
    with serve(wechat_api.routes(world)) as base_url:
        world.base_url = base_url
        yield world


@pytest.fixture
def pg_url():
    """Return the URL of a fresh PostgreSQL database, dropped afterwards.

    Skips only outside CI when no server listens; in CI (CI set) an unreachable server fails.
    """
    name = f"govmedia_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
