"""Every setting and every check id is documented (docs/settings.md, docs/checks.md)."""

from pathlib import Path

import pytest

from govmedia.checks.registry import check_table
from govmedia.settings import SETTINGS

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_setting_documented(setting):
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    assert f"`{setting.name}`" in text and f"`{setting.env}`" in text


@pytest.mark.parametrize("check", sorted(check_table()))
def test_check_documented(check):
    assert f"`{check}`" in (DOCS / "checks.md").read_text(encoding="utf-8")
