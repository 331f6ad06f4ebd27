"""The light daily cycle against the sandbox: what it reads, and that its freshness verdicts
are the full inspection's (the demo world, every behaviour of its 40-odd accounts)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from govmedia.artifacts import CHINA_TZ
from govmedia.checks.registry import check_table
from govmedia.indicators.engine import load_system
from govmedia.monitor.daily import FRESHNESS_CHECKS, observe_daily
from govmedia.run.inspect import inspect_accounts
from govmedia.sandbox import load_world, registry_rows, run_world
from govmedia.settings import Settings
from govmedia.store.accounts import list_accounts, upsert_accounts
from govmedia.store.db import open_db
from tests.integration.monitor_helpers import NO_BROWSER, SILENT_11, SILENT_20, load_monitor_world

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)
DATACUBE = "/datacube/getarticlesummary"


def _setup(tmp_path, world):
    cfg = Settings(db=f"sqlite:///{tmp_path}/d.db", wechat_api_base=world.base_url,
                   data_dir=str(tmp_path / "data"), browser=NO_BROWSER)
    eng = open_db(cfg.db)
    upsert_accounts(eng, registry_rows(world))
    return cfg, eng, load_system("gb-2019-19", frozenset(check_table()))


def test_daily_reads_the_datacube_only_when_the_other_sources_show_no_recent_post(tmp_path):
    world = load_monitor_world(tmp_path, NOW)
    with run_world(world):
        cfg, eng, system = _setup(tmp_path, world)
        obs = observe_daily(list_accounts(eng), cfg, NOW, system)
    calls = Counter(world.calls)
    assert calls[DATACUBE] == 2 * 14  # the two silent accounts, one call per day each
    assert "/cgi-bin/get_current_selfmenu_info" not in calls  # no menu, no linked pages
    found = {(o.account, f.check) for o in obs for f in o.findings}
    assert found == {(SILENT_11, "freshness.warning"), (SILENT_20, "freshness.no_update_2w")}
    assert all(o.checked == frozenset(FRESHNESS_CHECKS) for o in obs)
    assert not (tmp_path / "data").exists()  # nothing archived


def test_daily_verdicts_equal_the_full_inspection_on_the_demo_world(tmp_path):
    world = load_world(NOW, "demo")
    with run_world(world):
        cfg, eng, system = _setup(tmp_path, world)
        rows = list_accounts(eng)
        daily = {o.account: o for o in observe_daily(rows, cfg, NOW, system)}
        full = inspect_accounts(eng, cfg, rows, "gb-2019-19", NOW)
    assert len(daily) == len(full["accounts"]) == len(world.accounts)
    for acc in full["accounts"]:
        o = daily[acc["name"]]
        weekly = sorted((f["check"], f["message"]) for f in acc["findings"]
                        if f["check"] in FRESHNESS_CHECKS)
        assert sorted((f.check, f.message) for f in o.findings) == weekly, acc["name"]
        skipped = {n["check"] for n in acc["not_checked"]} & set(FRESHNESS_CHECKS)
        assert set(o.not_checked) == skipped, acc["name"]
    kinds = Counter(f.check for o in daily.values() for f in o.findings)
    assert kinds["freshness.warning"] >= 2 and kinds["freshness.no_update_2w"] >= 4
