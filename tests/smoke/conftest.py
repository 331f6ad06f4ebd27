"""Fixtures for end-to-end runs: the demo world on 127.0.0.1 (pg_url is in tests/conftest.py)."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest

from govmedia.artifacts import CHINA_TZ
from govmedia.sandbox import load_world, registry_rows, run_world
from govmedia.store.models import ACCOUNT_FIELDS

AS_OF = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)


@pytest.fixture(scope="module")
def demo_world():
    world = load_world(AS_OF, "demo")
    with run_world(world):
        yield world


def write_accounts_csv(world, path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(ACCOUNT_FIELDS))
        writer.writeheader()
        writer.writerows(registry_rows(world))
    return path
