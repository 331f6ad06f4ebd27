"""Indicator systems: loading, validation and the verdict rules."""

import pytest

from govmedia.checks.registry import check_table
from govmedia.findings import CheckResult, Finding
from govmedia.indicators.engine import (
    FAIL,
    PASS,
    UNKNOWN,
    ProfileError,
    builtin_systems,
    load_system,
    score_account,
)

KNOWN = frozenset(check_table())


def veto(check="freshness.no_update_2w"):
    return CheckResult(check, "fail", (Finding(check, "veto", "监测时间点前14天内无更新"),))


def test_builtin_systems_load():
    assert {"gb-2019-19", "js-2023"} <= set(builtin_systems())
    for name in builtin_systems():
        assert load_system(name, KNOWN).vetoes


def test_pass_fail_verdicts():
    gb = load_system("gb-2019-19", KNOWN)
    ok = [CheckResult(c, "ok") for c in gb.check_ids]
    assert score_account(gb, ok).verdict == PASS
    s = score_account(gb, [veto(), *ok[1:]])
    assert (s.verdict, s.vetoed, s.score) == (FAIL, True, None)
    assert "内容不更新" in s.reasons[0]
    unknown = score_account(gb, [CheckResult("freshness.no_update_2w", "not_checked",
                                             reason="所有数据源均未能读取")])
    assert unknown.verdict == UNKNOWN and "所有数据源均未能读取" in unknown.reasons[0]


def test_veto_judged_by_some_of_its_checks_names_the_others():
    gb = load_system("gb-2019-19", KNOWN)
    wording = CheckResult("wording.serious_error", "not_checked", reason="未采集到文章正文")
    hacked = CheckResult("security.hacked_content", "not_checked", reason="无链接页面")
    ok = [CheckResult(c, "ok") for c in gb.check_ids if c not in (wording.check, hacked.check)]
    partial = score_account(gb, [*ok, wording, CheckResult(hacked.check, "ok")])
    assert partial.verdict == PASS
    assert any("部分未能检查" in r and "未采集到文章正文" in r for r in partial.reasons)
    none_ran = score_account(gb, [*ok, wording, hacked])
    assert none_ran.verdict == UNKNOWN
    assert "未采集到文章正文" in none_ran.reasons[0] and "无链接页面" in none_ran.reasons[0]


def test_missing_veto_result_is_never_a_pass():
    gb = load_system("gb-2019-19", KNOWN)
    assert score_account(gb, []).verdict == UNKNOWN


def test_points_profile_inherits_vetoes_and_deducts():
    js = load_system("js-2023", KNOWN)
    assert js.params["freshness.no_update_2w"] == {"stale_days": 14}
    late = CheckResult("freshness.no_update_1w", "fail",
                       (Finding("freshness.no_update_1w", "deduct", "7天内无更新"),))
    s = score_account(js, [CheckResult(c, "ok") for c in js.check_ids if "1w" not in c] + [late])
    assert (s.verdict, s.score) == (PASS, 95.0)


@pytest.mark.parametrize(("text", "message"), [
    ("id: x\nname: x\nmode: pass_fail\nvetoes:\n- {id: a, checks: [no.such_check]}\n",
     "unknown check 'no.such_check'"),
    ("id: x\nname: x\nmode: sometimes\nvetoes: []\n", "mode must be"),
    ("id: x\nmode: pass_fail\nvetoes: []\n", "missing 'name'"),
    ("id: x\nname: x\nmode: points\nvetoes: []\ndeductions:\n- {check: freshness.warning}\n",
     "needs 'check' and 'points'"),
    ("- just a list\n", "expected a mapping"),
    ("id: [unclosed\n", "not valid YAML"),
])
def test_invalid_profiles_are_rejected_with_the_file_named(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError, match="bad.yaml") as exc:
        load_system(str(path), KNOWN)
    assert message in str(exc.value)


def test_unknown_system_lists_the_builtins():
    with pytest.raises(ProfileError, match="gb-2019-19"):
        load_system("gb-2099", KNOWN)
