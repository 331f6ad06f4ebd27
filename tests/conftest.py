"""Shared fixtures: a small sandbox world at a fixed time, served on 127.0.0.1:0.

`world` is a fresh World loaded from tests/fixtures/scenarios/api.yaml (not served); `sandbox`
serves that same world's WeChat API routes (only those, so the fixture does not depend on the
other sandbox modules) and sets world.base_url. Both are per test: a test may change an
account's extra (faults, menus) and read world.calls without seeing another test's calls.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from govmedia.artifacts import CHINA_TZ
from govmedia.sandbox import wechat_api
from govmedia.sandbox.server import serve
from govmedia.sandbox.world import World, load_world

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)
SCENARIOS = Path(__file__).parent / "fixtures" / "scenarios"


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
