"""Review semantics and the pure helpers of the workbench (no server, no database)."""

from __future__ import annotations

import pytest

from govmedia.checks.registry import check_table
from govmedia.indicators.engine import FAIL, PASS, load_system, score_account
from govmedia.report.result import provisional, stored_check_results, veto_candidate
from govmedia.web.pretext import check_draft, segments
from govmedia.web.templating import beijing, percent, web_url
from govmedia.web.views import excerpt, highlight, pass_rate

SYSTEM = load_system("gb-2019-19", frozenset(check_table()))
FRESH = {"check": "freshness.no_update_2w", "status": "ok", "reason": ""}


def finding(check: str, review: str = "machine", candidate: bool = True,
            severity: str = "veto") -> dict:
    evidence = {"provisional": True} if candidate else {}
    return {"check": check, "severity": severity, "message": f"{check} 发现", "target": "",
            "evidence": evidence, "suggestion": "", "review": review}


def verdict(findings: list[dict], review_required: bool = False) -> str:
    results = [FRESH, {"check": "interaction.no_channel", "status": "fail", "reason": ""},
               {"check": "security.hacked_content", "status": "fail", "reason": ""},
               {"check": "wording.serious_error", "status": "ok", "reason": ""}]
    return score_account(SYSTEM, stored_check_results(results, findings,
                                                      review_required=review_required)).verdict


@pytest.mark.parametrize("f, expected", [
    (finding("interaction.no_channel"), True),
    (finding("interaction.no_channel", review="confirmed"), False),
    (finding("interaction.no_channel", review="dismissed"), False),
    (finding("interaction.no_channel", candidate=False), False),  # a data veto is no candidate
    (finding("link.dead", severity="warn"), False),
])
def test_veto_candidate(f, expected):
    assert veto_candidate(f) is expected


def test_unreviewed_candidate_vetoes_provisionally():
    found = [finding("interaction.no_channel")]
    assert verdict(found) == FAIL
    assert provisional(SYSTEM, found)


def test_confirmation_makes_the_veto_final():
    found = [finding("interaction.no_channel", review="confirmed")]
    assert verdict(found) == FAIL
    assert not provisional(SYSTEM, found)


def test_dismissal_lifts_the_veto():
    found = [finding("interaction.no_channel", review="dismissed")]
    assert verdict(found) == PASS
    assert not provisional(SYSTEM, found)


def test_a_firm_veto_beside_a_candidate_is_final():
    found = [finding("interaction.no_channel"),
             finding("security.hacked_content", candidate=False)]
    assert verdict(found) == FAIL
    assert not provisional(SYSTEM, found)


def test_one_dismissed_of_two_candidates_keeps_the_veto():
    found = [finding("interaction.no_channel", review="dismissed"),
             finding("security.hacked_content")]
    assert verdict(found) == FAIL
    assert provisional(SYSTEM, found)


def test_review_required_counts_candidates_only_once_confirmed():
    found = [finding("interaction.no_channel")]
    assert verdict(found, review_required=True) == PASS
    assert provisional(SYSTEM, found)  # 合格 for now, but it rests on an unreviewed candidate
    confirmed = [finding("interaction.no_channel", review="confirmed")]
    assert verdict(confirmed, review_required=True) == FAIL
    assert not provisional(SYSTEM, confirmed)


def test_review_required_leaves_data_vetoes_alone():
    assert verdict([finding("security.hacked_content", candidate=False)],
                   review_required=True) == FAIL


def test_highlight_marks_every_occurrence_longest_first():
    assert highlight("博彩网站和博彩", ["博彩", "博彩网站"]) == [
        ("博彩网站", True), ("和", False), ("博彩", True)]
    assert highlight("没有命中", ["博彩"]) == [("没有命中", False)]
    assert highlight("", ["x"]) == []


def test_excerpt_of_a_wording_finding_marks_the_hit_without_brackets():
    ev = {"text": "中华人民共合国", "context": "…今年是【中华人民共合国】成立75周年…"}
    assert excerpt(ev) == [("…今年是", False), ("中华人民共合国", True), ("成立75周年…", False)]


def test_excerpt_of_injected_content_marks_the_quoted_signal_words():
    ev = {"hidden_excerpt": "澳门金沙 娱乐城 注册送彩金",
          "signals": ["隐藏元素中含“澳门金沙、娱乐城”"], "excerpt": "正文"}
    assert excerpt(ev) == [("澳门金沙", True), (" ", False), ("娱乐城", True),
                           (" 注册送彩金", False)]


def test_excerpt_keeps_markup_as_plain_text():
    assert excerpt({"excerpt": "<img src=x onerror=alert(1)>"}) == [
        ("<img src=x onerror=alert(1)>", False)]


def test_pretext_segments_cover_the_text_and_mark_the_hits():
    found = check_draft("今年是中华人民共合国成立75周年。".encode(), "draft.txt", "2024-06-01")
    assert "".join(s["text"] for s in found["segments"]) == found["text"]
    marked = [s for s in found["segments"] if s["hits"]]
    assert [s["text"] for s in marked] == ["中华人民共合国"]
    assert marked[0]["severity"] == "veto"
    assert found["findings"][0]["line"] == 1 and found["findings"][0]["col"] == 4


def test_overlapping_hits_are_cut_at_every_boundary():
    from govmedia.wording.hits import Hit
    text = "abcdef"
    hits = [Hit("wording.sensitive", 1, 4, "bcd", "", "m1"),
            Hit("wording.serious_error", 3, 5, "de", "", "m2")]
    parts = segments(text, hits)
    assert [(p["text"], p["hits"]) for p in parts] == [
        ("a", []), ("bc", [0]), ("d", [0, 1]), ("e", [1]), ("f", [])]
    assert parts[2]["severity"] == "veto"


@pytest.mark.parametrize("url, shown", [
    ("https://www.gov.cn/a", "https://www.gov.cn/a"), ("http://x/", "http://x/"),
    ("javascript:alert(1)", ""), ("JAVASCRIPT:alert(1)", ""), ("data:text/html,x", ""),
    ("//evil.example/", ""), (None, ""), ("http://[bad", ""),
])
def test_only_http_urls_become_links(url, shown):
    assert web_url(url) == shown


def test_formatting_helpers():
    assert percent(None) == "—" and percent(0.8571) == "85.7%"
    assert pass_rate({PASS: 3, FAIL: 1, "未能检查": 5}) == 0.75
    assert pass_rate({"未能检查": 2}) is None
    assert beijing("2026-11-20T04:00:00+00:00") == "2026-11-20 12:00"
    assert beijing(None) == "—"


def test_settings_page_never_shows_a_password():
    from govmedia.web.admin import _shown
    assert _shown("db", "postgresql://u:pw@h/db") == "postgresql://u:***@h/db"
    assert _shown("broker", "redis://:pw@h:6379/0") == "redis://:***@h:6379/0"
    assert _shown("db", "sqlite:///x.db") == "sqlite:///x.db"
    assert _shown("smtp_password", "pw") == "（已设置，不显示）"


@pytest.mark.parametrize("target, kept", [
    ("/accounts/3?run=2", True), ("//evil.example/", False), ("/\\evil.example", False),
    ("https://evil.example/", False), ("", False), ("/a\nSet-Cookie: x", False),
])
def test_redirects_stay_on_this_site(target, kept):
    from govmedia.web.auth import local_path
    assert local_path(target) == (target if kept else "/")
