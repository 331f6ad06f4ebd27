"""The weekly cycle's reading of an evaluation result into per-account observations."""

from __future__ import annotations

from govmedia.checks.registry import check_table
from govmedia.indicators.engine import load_system
from govmedia.monitor.weekly import observations_of
from govmedia.store.models import AccountRow


def _entry(platform: str, findings: list[dict]) -> dict:
    # The shape of report/result.py's build_result entries, as far as the monitor reads them.
    return {"name": "青禾发布", "owner": "青禾省人民政府办公厅", "platform": platform,
            "not_checked": [], "findings": findings}


def test_same_name_and_owner_on_two_platforms_stay_two_accounts():
    rows = [AccountRow(id=7, platform="wechat", name="青禾发布", owner="青禾省人民政府办公厅"),
            AccountRow(id=8, platform="weibo", name="青禾发布", owner="青禾省人民政府办公厅")]
    dead = {"check": "link.dead", "severity": "deduct", "target": "互动交流/在线访谈",
            "message": "菜单“互动交流/在线访谈”指向的网页无法打开（HTTP 404）"}
    result = {"accounts": [_entry("weibo", [dead]), _entry("wechat", [])]}
    system = load_system("gb-2019-19", frozenset(check_table()))
    previous = {7: frozenset(), 8: frozenset({("link.dead", "互动交流/在线访谈")})}
    weibo, wechat = observations_of(result, rows, system, previous)
    assert (weibo.account_id, [f.check for f in weibo.findings]) == (8, ["link.dead"])
    assert weibo.previous == previous[8]
    assert (wechat.account_id, wechat.findings) == (7, ())
    assert "link.dead" in wechat.checked  # checked and clean: the WeChat alert can resolve
