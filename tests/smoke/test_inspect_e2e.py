"""`govmedia inspect` and `govmedia demo` end to end through the CLI against the sandbox."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from govmedia.cli import app
from govmedia.settings import load_settings
from govmedia.store.db import open_db
from govmedia.store.models import FindingRow, RunRow, ScoreRow
from tests.smoke.conftest import AS_OF, write_accounts_csv

# The verdict each behaviour of the demo scenario must produce (scenarios/demo.yaml `expect`).
EXPECTED = {
    "healthy": "合格", "warning": "合格", "quota_datacube_ok": "合格", "feed_only": "合格",
    "invalid_secret_with_feed": "合格", "feed_500_api_ok": "合格",
    "silent": "不合格", "silent_long": "不合格", "update_time_trap": "不合格",
    "feed_only_silent": "不合格",
    "invalid_secret": "未能检查", "ip_not_whitelisted": "未能检查", "invalid_appid": "未能检查",
    "unauthorized": "未能检查", "datacube_blind": "未能检查", "no_sources": "未能检查",
    "hacked_site": "不合格", "link_problems": "合格",
    "no_interaction": "不合格", "menu_disorder": "合格", "website_only": "合格",
    "creative_practices": "合格", "wording_errors": "不合格",
}


def run_inspect(db_url, world, tmp_path, *extra):
    csv_path = write_accounts_csv(world, tmp_path / "accounts.csv")
    out = tmp_path / "out.json"
    env = {"GOVMEDIA_DB": db_url, "GOVMEDIA_WECHAT_API_BASE": world.base_url,
           "GOVMEDIA_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner().invoke(app, ["inspect", "--accounts", str(csv_path), "--as-of",
                                      AS_OF.isoformat(), "--format", "json", "-o", str(out),
                                      *extra], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))


def check_verdicts(data, world):
    assert data["as_of"] == AS_OF.isoformat()
    assert data["indicator_system"] == "gb-2019-19"
    by_name = {a["name"]: a for a in data["accounts"]}
    assert len(by_name) == len(world.accounts)
    for acc in world.accounts:
        got = by_name[acc.name]
        assert got["verdict"] == EXPECTED[acc.extra["expect"]], (acc.name, got)
        assert got["vetoed"] == (got["verdict"] == "不合格")
        assert got["score"] is None
        for key in ("owner", "category", "province", "field", "findings"):
            assert key in got
    return by_name


def test_inspect_sqlite_end_to_end(demo_world, tmp_path):
    data = check_verdicts(run_inspect(f"sqlite:///{tmp_path}/g.db", demo_world, tmp_path),
                          demo_world)
    silent = data["中国民政"]
    (veto,) = [f for f in silent["findings"] if f["check"] == "freshness.no_update_2w"]
    assert veto["severity"] == "veto" and veto["account"] == "中国民政"
    assert "监测时间点前14天内无更新" in veto["message"]
    assert {s["source"] for s in veto["evidence"]["sources"]} >= {
        "wechat_api.freepublish", "wechat_api.datacube"}
    trap = data["浙江发布"]  # API update_time is 2 days old, the page's send time 40 days
    assert "距监测时间点40天" in trap["findings"][0]["message"]
    warned = data["生态环境部"]
    assert [f["check"] for f in warned["findings"] if f["check"].startswith("freshness.")] == [
        "freshness.warning"]
    unknown = data["司法部"]
    assert "AppSecret" in " ".join(unknown["reasons"])
    assert data["国家医保局"]["last_published"] is not None
    worded = data["青禾卫健"]  # every wording problem in article bodies, fetched from mp pages
    found = {f["check"]: f for f in worded["findings"]}
    assert found["wording.serious_error"]["severity"] == "veto"
    assert "“名”应为“民”" in found["wording.serious_error"]["message"]
    assert "中华人名共和国" in json.dumps(found["wording.serious_error"]["evidence"],
                                           ensure_ascii=False)
    assert {"wording.outdated_name", "wording.sensitive", "wording.formalism",
            "privacy.personal_info", "mobile.render_issues"} <= set(found)


def test_inspect_postgresql_end_to_end(demo_world, tmp_path, pg_url):
    check_verdicts(run_inspect(pg_url, demo_world, tmp_path), demo_world)


def test_rerun_is_stable_and_table_format_prints(demo_world, tmp_path):
    db = f"sqlite:///{tmp_path}/g.db"
    first = run_inspect(db, demo_world, tmp_path)
    second = run_inspect(db, demo_world, tmp_path)
    assert [a["verdict"] for a in first["accounts"]] == [a["verdict"] for a in second["accounts"]]
    env = {"GOVMEDIA_DB": db, "GOVMEDIA_WECHAT_API_BASE": demo_world.base_url, "COLUMNS": "200",
           "GOVMEDIA_DATA_DIR": str(tmp_path / "data")}
    out = CliRunner().invoke(app, ["inspect", "--as-of", AS_OF.isoformat()], env=env)
    assert out.exit_code == 0, out.output
    assert "中国民政" in out.output and "不合格" in out.output and "合格率" in out.output


def test_interrupted_run_is_consistent_and_resumes(demo_world, tmp_path, monkeypatch):
    from govmedia.run import inspect as inspect_mod
    from govmedia.sandbox import registry_rows
    from govmedia.store.accounts import list_accounts, upsert_accounts

    db = f"sqlite:///{tmp_path}/g.db"
    engine = open_db(db)
    upsert_accounts(engine, registry_rows(demo_world))
    rows = list_accounts(engine)
    settings = load_settings().with_(db=db, wechat_api_base=demo_world.base_url,
                                      data_dir=str(tmp_path / "data"))
    seen = []

    def ctrl_c_after_five(name, verdict):
        seen.append(name)
        if len(seen) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        inspect_mod.inspect_accounts(engine, settings, rows, "gb-2019-19", AS_OF,
                                     progress=ctrl_c_after_five)
    with Session(engine) as s:
        (run,) = s.scalars(select(RunRow)).all()
        assert run.status == "running"
        assert s.scalar(select(func.count()).select_from(ScoreRow)) == 5
    result = inspect_mod.inspect_accounts(engine, settings, rows, "gb-2019-19", AS_OF)
    assert result["run_id"] == run.id and len(result["accounts"]) == len(rows)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(RunRow)) == 1
        assert s.scalar(select(RunRow.status)) == "complete"
        assert s.scalar(select(func.count()).select_from(ScoreRow)) == len(rows)
        stored_findings = s.scalar(select(func.count()).select_from(FindingRow))
    # Nothing written twice: the resumed run holds exactly the findings the result reports.
    assert stored_findings == sum(len(a["findings"]) for a in result["accounts"])
    assert sum(a["verdict"] == "不合格" for a in result["accounts"]) == sum(
        EXPECTED[acc.extra["expect"]] == "不合格" for acc in demo_world.accounts)


def test_demo_command_writes_result(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--as-of",
                                      AS_OF.isoformat()], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert len(data["accounts"]) >= 30
    assert {a["verdict"] for a in data["accounts"]} == {"合格", "不合格", "未能检查"}
    assert "合格率" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--as-of", "yesterday"], "--as-of"),
    (["--format", "xml"], "--format"),
    (["--system", "gb-2099"], "未知的指标体系"),
])
def test_bad_arguments_get_one_clear_line(demo_world, tmp_path, args, message):
    csv_path = write_accounts_csv(demo_world, tmp_path / "a.csv")
    env = {"GOVMEDIA_DB": f"sqlite:///{tmp_path}/g.db",
           "GOVMEDIA_WECHAT_API_BASE": demo_world.base_url}
    result = CliRunner().invoke(app, ["inspect", "--accounts", str(csv_path), *args], env=env)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_empty_database_says_what_to_do(tmp_path):
    result = CliRunner().invoke(app, ["inspect"], env={"GOVMEDIA_DB": f"sqlite:///{tmp_path}/e.db"})
    assert result.exit_code == 2 and "accounts import" in result.output


def test_bad_system_is_said_before_anything_else(tmp_path):
    # An empty database and a bad system: the system is the first problem to fix.
    result = CliRunner().invoke(app, ["inspect", "--system", "gb-2099"],
                                env={"GOVMEDIA_DB": f"sqlite:///{tmp_path}/e.db"})
    assert result.exit_code == 2 and "未知的指标体系" in result.output
    assert "accounts import" not in result.output


def test_review_required_keeps_candidates_from_counting(demo_world, tmp_path):
    # The wording account's veto is a serious-error candidate: with review_required the run
    # stores it but the account is 待复核, not 不合格, until a reviewer confirms it.
    csv_path = write_accounts_csv(demo_world, tmp_path / "all.csv")
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    one = tmp_path / "one.csv"
    one.write_text("\n".join([lines[0], *[ln for ln in lines[1:] if "青禾卫健" in ln]]) + "\n",
                   encoding="utf-8")
    out = tmp_path / "out.json"
    env = {"GOVMEDIA_DB": f"sqlite:///{tmp_path}/r.db", "GOVMEDIA_REVIEW_REQUIRED": "1",
           "GOVMEDIA_WECHAT_API_BASE": demo_world.base_url,
           "GOVMEDIA_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner().invoke(app, ["inspect", "--accounts", str(one), "--as-of",
                                      AS_OF.isoformat(), "--format", "json", "-o", str(out)],
                                env=env)
    assert result.exit_code == 0, result.output
    (acc,) = json.loads(out.read_text(encoding="utf-8"))["accounts"]
    assert acc["name"] == "青禾卫健"
    assert "wording.serious_error" in {f["check"] for f in acc["findings"]}
    assert acc["provisional"] is True and acc["vetoed"] is False
    assert acc["verdict"] != "不合格"
    engine = open_db(env["GOVMEDIA_DB"])
    with Session(engine) as s:
        assert s.scalars(select(ScoreRow.vetoed)).all() == [False]
