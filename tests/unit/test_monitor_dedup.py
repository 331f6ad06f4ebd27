"""Early warnings and dedup: which findings become alerts, and when an alert is sent again."""

from __future__ import annotations

import pytest

from govmedia.findings import Finding
from govmedia.monitor.dedup import AlertState, plan
from govmedia.monitor.warnings import (
    Observation,
    alert_key,
    compare,
    early_warnings,
    fingerprint,
    kind_of,
)


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
    # A link is the same problem whatever its error: a timeout one week, HTTP 502 the next.
    assert fingerprint("link_broken", _dead(status=404)) == fingerprint("link_broken",
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
    changed = plan([_state(warn, fp="post 2026-11-01 -", revision=2)], [warn], [])  # older
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


def test_a_link_broken_since_the_baseline_stays_quiet_when_its_error_changes():
    seen = frozenset({("link.dead", "互动交流/在线访谈")})
    (timeout,) = early_warnings([_obs(_dead(status=504), previous=seen)])
    assert not timeout.notify  # already broken in the previous run
    # Stored as the baseline (revision 0) with another fingerprint, e.g. the message "HTTP
    # 502" under the old rules: recorded quietly, with the new fingerprint, no alert.
    (d,) = plan([_state(timeout, fp="other", revision=0)], [timeout], [])
    assert (d.action, d.revision, d.warning.fingerprint) == ("seen", 0, timeout.fingerprint)
    # Alerted once when newly broken (revision 1): the same, never "changed".
    (d,) = plan([_state(timeout, fp="other", revision=1)], [timeout], [])
    assert (d.action, d.revision) == ("seen", 1)
    # Fixed, then broken again: back.
    (again,) = early_warnings([_obs(_dead(status=502), previous=frozenset())])
    (d,) = plan([_state(again, status="resolved", revision=1)], [again], [])
    assert (d.action, d.revision) == ("back", 2)


ARTICLE_A = "https://mp.weixin.qq.com/s?__biz=MzA5NjQ2&mid=2651&idx=1&sn=7f3a"
ARTICLE_B = "https://mp.weixin.qq.com/s?__biz=MzA5NjQ2&mid=2640&idx=1&sn=1c9e"
ARTICLE_C = "https://mp.weixin.qq.com/s?__biz=MzA5NjQ2&mid=2660&idx=2&sn=d02b"


def _warn_post(latest: str, url: str) -> Finding:
    return Finding("freshness.warning", "warn", "已11天未更新，再过3天将触发“内容不更新”单项否决",
                   "已发布文章", {"latest": {"published_at": latest, "url": url}})


def _cycle(stored, finding):
    """Return (action, stored fingerprint afterwards) of one daily sighting."""
    (w,) = early_warnings([_obs(finding)])
    (d,) = plan([stored], [w], [])
    return d.action, _state(d.warning, revision=d.revision)


def test_the_same_silence_read_differently_is_not_a_change():
    (first,) = early_warnings([_obs(_warn_post("2026-11-09T09:30:00+08:00", ARTICLE_A))])
    stored = _state(first)
    # The article page could not be read: the API's update_time (two days later, an edit)
    # stands for the send time, and the URL comes with other parameters.
    edited = _warn_post("2026-11-11T16:02:00+08:00", ARTICLE_A.replace("&sn=", "&chksm=9a&sn="))
    action, stored = _cycle(stored, edited)
    assert action == "seen" and stored.fingerprint == first.fingerprint
    # The feed could not be read: an older post of another source is the newest one read.
    action, stored = _cycle(stored, _warn_post("2026-11-05T10:00:00+08:00", ARTICLE_B))
    assert action == "seen" and stored.fingerprint == first.fingerprint  # still A, 11-09
    # Everything read again: the same as the first day.
    action, stored = _cycle(stored, _warn_post("2026-11-09T09:30:00+08:00", ARTICLE_A))
    assert action == "seen"
    # A newer post (later day), itself already 10 days old: a real change, alerted.
    action, stored = _cycle(stored, _warn_post("2026-11-10T20:00:00+08:00", ARTICLE_C))
    assert action == "changed" and stored.revision == 2


@pytest.mark.parametrize(("stored", "seen", "changed", "kept"), [
    ("post 2026-11-09 aa", "post 2026-11-09 aa", False, "stored"),
    ("post 2026-11-09 aa", "post 2026-11-12 aa", False, "stored"),  # same article, edited
    ("post 2026-11-12 aa", "post 2026-11-09 aa", False, "seen"),  # its truer, earlier day
    ("post 2026-11-09 aa", "post 2026-11-08 bb", False, "stored"),  # an older post
    ("post 2026-11-09 aa", "post 2026-11-09 bb", False, "stored"),  # another post that day
    ("post 2026-11-09 aa", "post 2026-11-10 bb", True, "seen"),  # a newer post
    ("post 2026-11-09 -", "post 2026-11-10 -", True, "seen"),  # no URLs (datacube): the day
    ("post - -", "post 2026-10-01 aa", True, "seen"),  # a post where none was found
    ("post 2026-10-01 aa", "post - -", False, "stored"),
    ("0" * 64, "post 2026-11-09 aa", False, "seen"),  # stored under the old rules: taken over
    ("0" * 64, "1" * 64, True, "seen"),  # hashed fields: any difference
])
def test_compare(stored, seen, changed, kept):
    assert compare(stored, seen) == (changed, stored if kept == "stored" else seen)
