"""The areas mode (ccid-2024), provincial deductions, and the aggregation of a run."""

import math

import pytest

from govmedia.checks.registry import check_table
from govmedia.findings import CheckResult, Finding
from govmedia.indicators.engine import FAIL, PASS, UNKNOWN, ProfileError, load_system, score_account
from govmedia.indicators.metrics import METRICS as METRIC_NAMES
from govmedia.indicators.metrics import metrics_from_facts
from govmedia.menus.assess import ContentFacts
from govmedia.report.aggregate import aggregate, group_stats, rank, rankings, wci
from govmedia.report.result import stored_check_results

KNOWN = frozenset(check_table())

SYSTEM = """\
id: t-areas
name: 测试评估
mode: areas
vetoes:
  - {id: content_not_updated, name: 内容不更新, checks: [freshness.no_update_2w]}
excellent: {min_score: 90, top_share: 0.25}
min_coverage: 0.5
pending_checks: [mobile.not_yet]
areas:
  - id: ops
    name: 日常运维
    weight: 20
    indicators:
      - id: links
        name: 功能链接可用
        max: 50
        deduct:
          - {check: link.dead, points: 10, cap: 30}
      - id: timely
        name: 内容更新及时
        max: 50
        deduct:
          - {check: freshness.no_update_1w, points: 20}
  - id: interp
    name: 解读回应
    weight: 30
    indicators:
      - id: share
        name: 解读类文章占比
        max: 60
        credit:
          - {metric: interpretation_share, full_at: 0.2, points: 60}
      - id: original
        name: 原创比例
        max: 40
        credit:
          - {metric: original_share, at_least: 0.5, points: 40}
  - id: mobile
    name: 移动端适配
    weight: 50
    indicators:
      - id: pages
        name: 页面适配
        max: 100
        deduct:
          - {check: mobile.not_yet, points: 10}
"""


def system(tmp_path, text=SYSTEM, name="sys.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_system(str(path), KNOWN)


def fail(check, *messages, severity="deduct"):
    return CheckResult(check, "fail", tuple(Finding(check, severity, m) for m in messages))


def ok(*checks):
    return [CheckResult(c, "ok") for c in checks]


def clean():
    return ok("freshness.no_update_2w", "link.dead", "freshness.no_update_1w")


METRICS = {"interpretation_share": 0.1, "original_share": 0.6}


def test_areas_score_is_the_weighted_mean_of_the_judged_areas(tmp_path):
    sys = system(tmp_path)
    assert sys.pending == {"mobile.not_yet"} and "mobile.not_yet" not in sys.check_ids
    s = score_account(sys, [*ok("freshness.no_update_2w", "freshness.no_update_1w"),
                            fail("link.dead", "断链1", "断链2")], METRICS)
    # ops: (50 - 20 + 50) / 100 = 0.8; interp: (30 + 40) / 100 = 0.7; mobile unjudged.
    assert s.verdict == PASS and s.score == round(100 * (20 * 0.8 + 30 * 0.7) / 50, 2)
    assert s.coverage == 0.5
    areas = {a["area"]: a for a in s.areas}
    assert areas["日常运维"]["score"] == 80 and areas["移动端适配"]["judged"] is False
    (dead,) = [e for e in s.explanation if e["source"] == "link.dead"]
    assert dead["area"] == "日常运维" and dead["indicator"] == "功能链接可用"
    assert dead["points"] == -20 and dead["messages"] == ["断链1", "断链2"]
    assert dead["effect"] == round(100 * 20 * -20 / 100 / 50, 2)
    (mobile,) = [e for e in s.explanation if e["area"] == "移动端适配"]
    assert mobile["status"] == "not_checked" and mobile["effect"] == 0


@pytest.mark.parametrize(("results", "metrics", "verdict", "vetoed", "score"), [
    # veto beats a full score
    ([fail("freshness.no_update_2w", "14天内无更新", severity="veto"),
      *ok("link.dead", "freshness.no_update_1w")],
     {"interpretation_share": 1, "original_share": 1}, FAIL, True, 100.0),
    # a veto that could not be checked: neither 合格 nor 不合格, the score is still shown
    ([CheckResult("freshness.no_update_2w", "not_checked", reason="所有数据源均未能读取"),
      *ok("link.dead", "freshness.no_update_1w")],
     {"interpretation_share": 1, "original_share": 1}, UNKNOWN, False, 100.0),
    # metrics missing: interp unjudged, coverage 20 of 100 weights < 0.5 → no total
    (clean(), None, PASS, False, None),
    # deductions floor at 0 and respect the cap: 5 dead links cap 30, 1w fails 20 → 50 - 30 + 30
    ([*ok("freshness.no_update_2w"), fail("link.dead", *"abcde"),
      fail("freshness.no_update_1w", "7天")],
     {"interpretation_share": 0, "original_share": 0.49}, PASS, False,
     round(100 * (20 * 0.5 + 0) / 50, 2)),
])
def test_verdict_and_score_edge_cases(tmp_path, results, metrics, verdict, vetoed, score):
    s = score_account(system(tmp_path), results, metrics)
    assert (s.verdict, s.vetoed, s.score) == (verdict, vetoed, score)
    if verdict == FAIL:
        assert any(e["status"] == "veto" for e in s.explanation)
    if score is None:
        assert any("可评估的指标不足" in r for r in s.reasons)


def test_unjudged_indicator_is_left_out_not_zero(tmp_path):
    sys = system(tmp_path)
    results = [*ok("freshness.no_update_2w", "link.dead"),
               CheckResult("freshness.no_update_1w", "not_checked", reason="无数据源")]
    s = score_account(sys, results, METRICS)
    ops = next(a for a in s.areas if a["area"] == "日常运维")
    assert ops["score"] == 100  # links judged (50/50); timely left out, not 0/50
    assert any(e["indicator"] == "内容更新及时" and "无数据源" in e["messages"][0]
               for e in s.explanation)


def test_changed_weights_change_the_score_not_the_explained_findings(tmp_path):
    base = system(tmp_path)
    heavier = system(tmp_path, "extends: " + str(tmp_path / "sys.yaml") +
                     "\nid: t-heavy\nweights: {ops: 80}\n", "heavy.yaml")
    assert [a.weight for a in heavier.areas] == [80, 30, 50]
    assert heavier.vetoes == base.vetoes and heavier.excellent == base.excellent
    results = [*ok("freshness.no_update_2w", "freshness.no_update_1w"), fail("link.dead", "x")]
    a, b = score_account(base, results, METRICS), score_account(heavier, results, METRICS)
    assert a.score != b.score
    assert b.score == round(100 * (80 * 0.9 + 30 * 0.7) / 110, 2)
    strip = [(e["source"], e["points"], e["messages"]) for e in a.explanation]
    assert strip == [(e["source"], e["points"], e["messages"]) for e in b.explanation]


def test_deduction_only_effects_add_up_to_the_total(tmp_path):
    # Only the deductions area weighs: the total is 100 plus the effects of the lines.
    sys = system(tmp_path, SYSTEM.replace("min_coverage: 0.5", "min_coverage: 0.1")
                 + "weights: {interp: 0}\n")
    results = [*ok("freshness.no_update_2w"), fail("link.dead", "a", "b"),
               fail("freshness.no_update_1w", "7天")]
    s = score_account(sys, results, METRICS)
    assert s.score == 60.0
    assert math.isclose(100 + sum(e["effect"] for e in s.explanation), s.score, abs_tol=0.02)


def test_bonus_is_bounded_and_zero_unless_the_profile_gives_points(tmp_path):
    text = SYSTEM + "bonus:\n  max: {max}\n  credit:\n" + "".join(
        f"    - {{check: {c}, points: 2}}\n" for c in ("link.unverifiable", "wording.sensitive"))
    results = [*clean(), fail("link.unverifiable", "亮点一", severity="info"),
               fail("wording.sensitive", "亮点二", severity="info")]
    none = score_account(system(tmp_path, text.replace("{max}", "0"), "b0.yaml"), results,
                         METRICS)
    some = score_account(system(tmp_path, text.replace("{max}", "3"), "b3.yaml"), results,
                         METRICS)
    assert some.score == round(none.score + 3, 2)
    listed = [e for e in none.explanation if e["area"] == "亮点"]
    assert [e["messages"] for e in listed] == [["亮点一"], ["亮点二"]]
    assert all(e["points"] == 0 for e in listed)


def test_credit_is_capped_at_the_indicator_max(tmp_path):
    text = SYSTEM.replace("- {metric: original_share, at_least: 0.5, points: 40}",
                          "- {metric: original_share, at_least: 0.5, points: 40}\n"
                          "          - {metric: interpretation_share, at_least: 0, points: 40}")
    s = score_account(system(tmp_path, text), clean(), METRICS)
    assert next(a for a in s.areas if a["area"] == "解读回应")["score"] == 70  # 30 + min(80, 40)


@pytest.mark.parametrize(("change", "broken", "message"), [
    ("metric: original_share,", "metric: no_such,", "unknown metric 'no_such'"),
    ("check: link.dead,", "check: link.deaf,", "unknown check 'link.deaf'"),
    ("{metric: original_share, ", "{", "a rule needs"),
    ("at_least: 0.5, ", "", "needs one of 'at_least' or 'full_at'"),
    ("full_at: 0.2", "full_at: 0", "'full_at' must be above 0"),
    ("credit:\n          - {metric: original_share", "deduct:\n          - {metric: original_share",
     "deductions take checks"),
    ("max: 100\n", "maxi: 100\n", "needs 'id', 'max'"),
    ("mode: areas", "mode: ranks", "mode must be"),
    ("excellent: {min_score: 90, top_share: 0.25}", "excellent: {best: 1}", "'excellent' takes"),
])
def test_invalid_area_profiles_are_rejected(tmp_path, change, broken, message):
    assert change in SYSTEM
    with pytest.raises(ProfileError, match="bad.yaml") as exc:
        system(tmp_path, SYSTEM.replace(change, broken, 1), "bad.yaml")
    assert message in str(exc.value)


def test_weights_override_must_name_an_area(tmp_path):
    with pytest.raises(ProfileError, match="unknown area 'nope'"):
        system(tmp_path, SYSTEM + "weights: {nope: 5}\n", "w.yaml")


def test_ccid_2024_has_six_areas_with_the_documented_weights():
    ccid = load_system("ccid-2024", KNOWN)
    assert [(a.name, a.weight) for a in ccid.areas] == [
        ("日常运维", 20), ("信息公开", 15), ("解读回应", 15), ("办事服务", 20), ("政民互动", 15),
        ("移动端适配", 15)]
    assert {v.name for v in ccid.vetoes} == {"内容不更新", "安全、泄密事故等严重问题", "互动回应差"}
    assert ccid.excellent == {"min_score": 85, "top_share": 0.1}
    assert set(ccid.check_ids) <= KNOWN


def test_provincial_profile_inherits_and_adds_deductions(tmp_path):
    js = load_system("js-2023", KNOWN)
    assert {d.check for d in js.deductions} >= {"freshness.no_update_1w", "link.dead"}
    city = system(tmp_path, "extends: js-2023\nid: city\nname: 市级\ndeductions:\n"
                  "  - {check: link.login_wall, points: 3}\n  - {check: link.dead, points: 4}\n",
                  "city.yaml")
    by = {d.check: d for d in city.deductions}
    assert by["freshness.no_update_1w"].points == 5 and by["link.dead"].points == 4
    assert by["link.login_wall"].points == 3 and city.pass_score == 60
    results = [*ok(*city.check_ids)]
    results = [r for r in results if r.check not in ("link.dead", "link.login_wall")]
    s = score_account(city, [*results, fail("link.dead", "断链"), fail("link.login_wall", "登录")])
    assert (s.verdict, s.score) == (PASS, 93.0)
    assert [(e["source"], e["points"]) for e in s.explanation] == [
        ("link.dead", -4.0), ("link.login_wall", -3.0)]


# --- aggregation ------------------------------------------------------------------------------


def acc(name, score, verdict=PASS, category="ministry", province="", field="", vetoed=False):
    return {"name": name, "owner": name + "单位", "score": score, "verdict": verdict,
            "vetoed": vetoed, "category": category, "province": province, "field": field}


@pytest.mark.parametrize(("scores", "ranks"), [
    ([90, 80, 80, 70], [1, 2, 2, 4]),
    ([80, 80, 80], [1, 1, 1]),
    ([85.004, 85.001, 60], [1, 1, 3]),  # equal to the hundredth
    ([50, 95.5], [1, 2]),
])
def test_ranking_ties_share_a_rank(scores, ranks):
    got = rank([acc(f"号{i}", s) for i, s in enumerate(scores)])
    assert [e["rank"] for e in got] == ranks
    assert [e["score"] for e in got] == sorted(scores, reverse=True)


def test_vetoed_and_unknown_accounts_are_not_ranked_and_pass_rate_ignores_unknown():
    accounts = [acc("甲", 70), acc("乙", 99, FAIL, vetoed=True), acc("丙", 80, UNKNOWN),
                acc("丁", None), acc("戊", 88, category="provincial_gov", province="福建省")]
    r = rankings(accounts)
    assert [e["name"] for e in r["ministry"]["ranked"]] == ["甲"]
    assert r["ministry"]["vetoed"] == ["乙"]
    assert [u["name"] for u in r["ministry"]["unranked"]] == ["丙", "丁"]
    (ministry,) = [g for g in group_stats(accounts, "category") if g["category"] == "ministry"]
    assert (ministry[PASS], ministry[FAIL], ministry[UNKNOWN]) == (2, 1, 1)
    assert ministry["pass_rate"] == round(2 / 3, 4) and ministry["mean_score"] == 70


def test_excellent_by_score_or_top_share_and_groups_by_field():
    accounts = [acc(f"部{i}", 60 + i) for i in range(10)] + [
        acc("省A", 86, category="provincial_dept", province="福建省", field="人社"),
        acc("省B", 70, category="provincial_dept", province="福建省", field="人社"),
        acc("省C", 50, category="provincial_dept", province="甘肃省", field="教育")]
    out = aggregate(accounts, {"min_score": 85, "top_share": 0.2})
    assert [e["name"] for e in out["excellent"]["ministry"]] == ["部9", "部8"]  # top 20% of 10
    assert [e["name"] for e in out["excellent"]["provincial_dept"]] == ["省A"]  # 86 >= 85
    fields = out["groups"]["field"]
    assert [g["field"] for g in fields] == ["人社", "教育"] and fields[0]["excellent"] == 1
    assert [g["province"] for g in out["groups"]["province"]] == ["福建省", "甘肃省"]
    assert aggregate(accounts, {})["excellent"] == {}  # no rule, no list


def test_one_units_accounts_on_two_platforms_are_told_apart():
    wechat = {**acc("甲", 90), "platform": "wechat"}
    weibo = {**acc("甲", 60), "platform": "weibo"}  # same name and owner, another platform
    out = aggregate([wechat, weibo, acc("乙", 70), acc("丙", 65)],
                    {"top_share": 0.25})  # the best one of four
    (best,) = out["excellent"]["ministry"]
    assert (best["platform"], best["name"], best["score"]) == ("wechat", "甲", 90)
    (ministry,) = out["groups"]["category"]
    assert ministry["excellent"] == 1  # not the Weibo account as well


def test_wci_follows_the_v14_2_formula():
    arts = [{"reads": 1000, "zai_kan": 10, "likes": 20, "shares": 5, "headline": True},
            {"reads": 200, "zai_kan": 0, "likes": 2, "shares": 0}]

    def part(r, z, lk, re):
        return (0.7 * math.log(r + 1) + 0.09 * math.log(10 * z + 1)
                + 0.06 * math.log(10 * lk + 1) + 0.15 * math.log(10 * re + 1))

    o, a = part(600, 5, 11, 2.5), part(600, 5, 11, 2.5)  # 2 days, 2 articles
    h, p = part(500, 5, 10, 2.5), part(1000, 10, 20, 5)
    assert wci(arts, 2) == round((0.6 * o + 0.2 * a + 0.1 * h + 0.1 * p) ** 2 * 12, 2)
    assert wci([], 7) is None


def test_dismissed_findings_do_not_count():
    results = [{"check": "link.dead", "status": "fail", "reason": ""}]
    findings = [{"check": "link.dead", "severity": "deduct", "message": "误报",
                 "review": "dismissed"}]
    (res,) = stored_check_results(results, findings)
    assert (res.status, res.findings) == ("ok", ())


def test_content_facts_become_metrics_and_unknown_menus_stay_unknown():
    facts = ContentFacts(articles=10, interpretation=2, interpretation_share=0.2, form_kinds=2,
                         original=3, copyright_known=6, original_share=0.5, menu_read=True,
                         public_entrances=3, service_entrances=2,
                         online_services={"办理": 2, "查询": 1, "预约": 0, "缴费": 0},
                         interaction_entrances=2, working_channels=1, comments="open")
    got = metrics_from_facts(facts)
    assert set(got) == METRIC_NAMES
    assert got == {"disclosure_entrances": 3, "interpretation_share": 0.2,
                   "interpretation_forms": 2, "original_share": 0.5, "service_entrances": 2,
                   "online_services": 2, "interaction_channels": 2}
    blind = metrics_from_facts(ContentFacts())  # no article, no menu, comments unknown
    assert all(v is None for v in blind.values())
    closed = metrics_from_facts(ContentFacts(menu_read=True, comments="closed"))
    assert closed["interaction_channels"] == 0 and closed["service_entrances"] == 0
