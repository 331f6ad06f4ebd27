"""`govmedia score RUN --system NAME` re-scores a stored run without collecting again."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from govmedia.cli import app
from govmedia.sandbox import load_world, run_world
from govmedia.store.db import open_db
from govmedia.store.models import CheckResultRow, EvidenceRow, FindingRow, RunRow, ScoreRow
from tests.smoke.conftest import AS_OF, write_accounts_csv

HEAVY = "extends: ccid-2024\nid: ccid-2024-heavy-ops\nweights: {operations: 80, mobile: 0}\n"


@pytest.fixture(scope="module")
def stored_run(tmp_path_factory):
    """Inspect the demo world into SQLite through the CLI, then stop the sandbox."""
    tmp = tmp_path_factory.mktemp("score")
    db = f"sqlite:///{tmp}/g.db"
    world = load_world(AS_OF, "demo")
    with run_world(world):
        csv_path = write_accounts_csv(world, tmp / "accounts.csv")
        env = {"GOVMEDIA_DB": db, "GOVMEDIA_WECHAT_API_BASE": world.base_url,
               "GOVMEDIA_DATA_DIR": str(tmp / "data")}
        out = CliRunner().invoke(app, ["inspect", "--accounts", str(csv_path), "--as-of",
                                       AS_OF.isoformat(), "--format", "json", "-o",
                                       str(tmp / "inspect.json")], env=env)
        assert out.exit_code == 0, out.output
    # The sandbox is stopped: any collection from here on would fail and change findings.
    inspected = json.loads((tmp / "inspect.json").read_text(encoding="utf-8"))
    return {"db": db, "tmp": tmp, "inspected": inspected, "run": inspected["run_id"],
            "world": world}


def score(stored_run, *args):
    env = {"GOVMEDIA_DB": stored_run["db"], "COLUMNS": "200"}
    return CliRunner().invoke(app, ["score", str(stored_run["run"]), *args], env=env)


def score_json(stored_run, system, name):
    path = stored_run["tmp"] / name
    out = score(stored_run, "--system", system, "--format", "json", "-o", str(path))
    assert out.exit_code == 0, out.output
    return json.loads(path.read_text(encoding="utf-8"))


def counts(db):
    with Session(open_db(db)) as s:
        return {m.__name__: s.scalar(select(func.count()).select_from(m))
                for m in (RunRow, CheckResultRow, FindingRow, EvidenceRow)}


def findings(result):
    return {a["name"]: sorted((f["check"], f["message"]) for f in a["findings"])
            for a in result["accounts"]}


def test_rescoring_with_changed_weights_changes_scores_not_findings(stored_run):
    inspected = stored_run["inspected"]
    assert inspected["indicator_system"] == "gb-2019-19"
    ccid = score_json(stored_run, "ccid-2024", "ccid.json")
    before = counts(stored_run["db"])
    heavy_yaml = stored_run["tmp"] / "heavy.yaml"
    heavy_yaml.write_text(HEAVY, encoding="utf-8")
    heavy = score_json(stored_run, str(heavy_yaml), "heavy.json")
    assert counts(stored_run["db"]) == before  # nothing collected, no check run again
    assert before["RunRow"] == 1

    assert ccid["indicator_system"] == "ccid-2024" and ccid["run_id"] == stored_run["run"]
    assert heavy["indicator_system"] == "ccid-2024-heavy-ops"
    assert [w["weight"] for w in heavy["weights"]] == [80, 15, 15, 20, 15, 0]
    assert findings(ccid) == findings(heavy)
    # Every finding of the collect-and-check pass is still there, unchanged.
    for name, got in findings(inspected).items():
        assert set(got) <= set(findings(ccid)[name])
    a = {x["name"]: x for x in ccid["accounts"]}
    b = {x["name"]: x for x in heavy["accounts"]}
    assert {n: x["verdict"] for n, x in a.items()} == {n: x["verdict"] for n, x in b.items()}
    changed = [n for n in a if a[n]["score"] is not None and a[n]["score"] != b[n]["score"]]
    assert changed, "re-weighting changed no score"

    # The verdicts of the national vetoes carry over; a veto beats any score.
    gb = {x["name"]: x["verdict"] for x in inspected["accounts"]}
    assert {n: x["verdict"] for n, x in a.items()} == gb
    for acc in a.values():
        if acc["vetoed"]:
            assert acc["rank"] is None and not acc["excellent"]
            assert any(e["status"] == "veto" for e in acc["explanations"])
        if acc["verdict"] == "未能检查":
            assert acc["rank"] is None

    # Every score is explained, and the stored scores are those reported.
    scored = [x for x in a.values() if x["score"] is not None]
    assert scored
    for acc in scored:
        areas = {ar["area"] for ar in acc["areas"]}
        assert areas == {"日常运维", "信息公开", "解读回应", "办事服务", "政民互动", "移动端适配"}
        assert all({"area", "indicator", "source", "points", "effect", "messages"} <= e.keys()
                   for e in acc["explanations"])
    # Content metrics come from the stored artifacts (no collection): some are judged.
    assert any(e["source"].startswith("metric:") and e["status"] == "judged"
               for acc in scored for e in acc["explanations"])
    with Session(open_db(stored_run["db"])) as s:
        per_system = dict(s.execute(select(ScoreRow.system, func.count())
                                    .group_by(ScoreRow.system)).all())
        stored_scores = {r.account_id: r.score for r in s.scalars(
            select(ScoreRow).where(ScoreRow.system == "ccid-2024-heavy-ops"))}
    n = len(heavy["accounts"])
    assert per_system == {"gb-2019-19": n, "ccid-2024": n, "ccid-2024-heavy-ops": n}
    assert sorted(stored_scores.values(), key=str) == sorted(
        (x["score"] for x in heavy["accounts"]), key=str)


def test_rankings_groups_and_excellent_lists(stored_run):
    result = score_json(stored_run, "ccid-2024", "ccid2.json")
    by_name = {x["name"]: x for x in result["accounts"]}
    assert set(result["rankings"]) == {"ministry", "provincial_gov", "provincial_dept"}
    for cat, r in result["rankings"].items():
        ranked = r["ranked"]
        assert [e["score"] for e in ranked] == sorted((e["score"] for e in ranked), reverse=True)
        for e in ranked:
            acc = by_name[e["name"]]
            assert acc["category"] == cat and acc["rank"] == e["rank"]
            assert acc["verdict"] == "合格"
        for i in range(1, len(ranked)):  # ties share a rank, otherwise rank = position
            same = round(ranked[i]["score"], 2) == round(ranked[i - 1]["score"], 2)
            assert ranked[i]["rank"] == (ranked[i - 1]["rank"] if same else i + 1)
        assert set(r["vetoed"]) == {n for n, x in by_name.items()
                                    if x["category"] == cat and x["vetoed"]}
    groups = result["groups"]
    cats = {g["category"]: g for g in groups["category"]}
    for cat, g in cats.items():
        accs = [x for x in by_name.values() if x["category"] == cat]
        passed = sum(x["verdict"] == "合格" for x in accs)
        failed = sum(x["verdict"] == "不合格" for x in accs)
        assert g["pass_rate"] == round(passed / (passed + failed), 4)
    assert groups["field"] and all(g["field"] for g in groups["field"])
    for cat, best in result["excellent"].items():
        for e in best:
            assert e["score"] >= 85 or e["rank"] <= int(result["rankings"][cat]["count"] * 0.1)
            assert by_name[e["name"]]["excellent"]
    assert result["reach"] == []  # the demo world publishes no reach figures


def test_table_prints_a_ranking_per_category_and_the_pass_rate(stored_run):
    out = score(stored_run, "--system", "ccid-2024")
    assert out.exit_code == 0, out.output
    assert "排名" in out.output and "合格率" in out.output and "名次" in out.output


@pytest.mark.parametrize(("args", "message"), [
    (["--system", "ccid-2099"], "未知的指标体系"),
    (["--format", "xml"], "--format"),
])
def test_bad_system_or_format_is_one_clear_line(stored_run, args, message):
    out = score(stored_run, *args)
    assert out.exit_code == 2 and message in out.output and "Traceback" not in out.output


def test_unknown_run_is_one_clear_line(stored_run):
    env = {"GOVMEDIA_DB": stored_run["db"]}
    out = CliRunner().invoke(app, ["score", "999", "--system", "ccid-2024"], env=env)
    assert out.exit_code == 2 and "999" in out.output and "Traceback" not in out.output
