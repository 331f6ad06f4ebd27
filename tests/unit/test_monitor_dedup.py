"""Early warnings and dedup: which findings become alerts, and when an alert is sent again."""

from __future__ import annotations

import pytest

from govmedia.findings import Finding
from govmedia.monitor.dedup import AlertState, plan
from govmedia.monitor.warnings import Observation, alert_key, early_warnings, fingerprint, kind_of


def _fresh_warn(days: int, latest: str = "2026-11-09T23:59:59+08:00") -> Finding:
    return Finding("freshness.warning", "warn",
                   f"已{days}天未更新，再过{14 - days}天将触发“内容不更新”单项否决", "已发布文章",
                   {"latest": {"published_at": latest, "url": ""}}, "请在14天期限内发布新内容")


def _veto_2w(days: int, latest: str = "2026-10-21T12:00:00+08:00") -> Finding:
    return Finding("freshness.no_update_2w", "veto",
                   f"监测时间点前14天内无更新：最近一次发布为2026-10-21 12:00"
                   f"（距监测时间点{days}天）",
                   "已发布文章", {"latest": {"published_at": latest, "url": "u"}})


def _dead(target: str = "互动交流/在线访谈", status: int = 404) -> Finding:
    return Finding("link.dead", "deduct", f"菜单“{target}”的链接无法访问：HTTP {status}", target,
                   {"status": status})


def _obs(*findings: Finding, checked=("freshness.warning", "freshness.no_update_2w", "link.dead"),
         previous=frozenset(), account_id: int = 1) -> Observation:
    return Observation(account_id, "青禾生态环境", "青禾省生态环境厅", frozenset(checked),
                       tuple(findings), previous=previous)


@pytest.mark.parametrize(("finding", "kind"), [
    (_fresh_warn(10), "freshness_warning"),
    (_veto_2w(20), "veto_candidate"),
    (Finding("security.hacked_content", "veto", "网页被植入赌博链接", "政务公开/政策解读"),
     "veto_candidate"),
    (_dead(), "link_broken"),
    (Finding("link.login_wall", "deduct", "须先登录", "办事服务/办事指南"), "link_broken"),
    # near misses: not an early warning
    (Finding("link.unverifiable", "info", "小程序无法核验", "便民服务/社保查询"), None),
    (Finding("freshness.no_update_1w", "deduct", "7天内无更新", "已发布文章"), None),
    (Finding("wording.sensitive", "warn", "敏感词", "文章"), None),
    (Finding("practice.smart_qa", "info", "智能问答", "菜单"), None),
])
def test_kind_of(finding, kind):
    assert kind_of(finding) == kind


def test_fingerprint_ignores_the_day_count_but_not_the_last_post():
    assert fingerprint("freshness_warning", _fresh_warn(10)) == fingerprint(
        "freshness_warning", _fresh_warn(12))
    assert fingerprint("freshness_warning", _fresh_warn(10)) != fingerprint(
        "freshness_warning", _fresh_warn(10, latest="2026-11-10T08:00:00+08:00"))
    assert fingerprint("veto_candidate", _veto_2w(20)) == fingerprint("veto_candidate",
                                                                      _veto_2w(21))
    assert fingerprint("link_broken", _dead(status=404)) != fingerprint("link_broken",
                                                                      _dead(status=500))


def test_links_alert_only_when_absent_from_the_previous_run():
    first_run = early_warnings([_obs(_dead(), previous=None)])
    assert [w.notify for w in first_run] == [False]  # the account's first run: baseline
    seen = frozenset({("link.dead", "互动交流/在线访谈")})
    again = early_warnings([_obs(_dead(), previous=seen)])
    assert [w.notify for w in again] == [False]
    fresh = early_warnings([_obs(_dead(), previous=frozenset())])
    assert [w.notify for w in fresh] == [True]
    # freshness and vetoes do not depend on a previous run
    assert [w.notify for w in early_warnings([_obs(_fresh_warn(10), _veto_2w(20),
                                                   previous=None)])] == [True, True]


def _state(w, status="open", fp=None, revision=1):
    return AlertState(w.key, w.account_id, w.finding.check, status, fp or w.fingerprint, revision)


def test_plan_new_seen_changed_back_baseline():
    (warn,) = early_warnings([_obs(_fresh_warn(10))])
    assert [(d.action, d.revision) for d in plan([], [warn], [])] == [("new", 1)]
    assert [(d.action, d.revision) for d in plan([_state(warn)], [warn], [])] == [("seen", 1)]
    changed = plan([_state(warn, fp="other", revision=2)], [warn], [])
    assert [(d.action, d.revision) for d in changed] == [("changed", 3)]
    back = plan([_state(warn, status="resolved", revision=2)], [warn], [])
    assert [(d.action, d.revision) for d in back] == [("back", 3)]
    (base,) = early_warnings([_obs(_dead(), previous=None)])
    assert [(d.action, d.revision) for d in plan([], [base], [])] == [("baseline", 0)]


def test_plan_resolves_only_what_was_checked_this_cycle():
    (warn,) = early_warnings([_obs(_fresh_warn(10))])
    (dead,) = early_warnings([_obs(_dead(), previous=frozenset())])
    states = [_state(warn), _state(dead)]
    # The daily cycle runs the freshness checks only: the link alert stays open.
    daily = _obs(checked=("freshness.warning", "freshness.no_update_2w"))
    assert [(d.key, d.action) for d in plan(states, [], [daily])] == [(warn.key, "resolved")]
    # A check that could not run resolves nothing.
    unknown = _obs(checked=())
    assert plan(states, [], [unknown]) == []
    # Another account's observation does not resolve this account's alerts.
    other = _obs(account_id=2)
    assert plan(states, [], [other]) == []
    # An alert already resolved is not resolved again.
    assert plan([_state(warn, status="resolved")], [], [daily]) == []


def test_one_warning_per_key():
    twice = early_warnings([_obs(_dead(status=404), _dead(status=500), previous=frozenset())])
    assert len(twice) == 1 and twice[0].key == alert_key(1, "link.dead", "互动交流/在线访谈")
