"""`govmedia prune --keep N`: older runs lose their rows and archives; the newest N complete
runs and any unfinished run stay. Runs are real inspections of the sandbox world (SQLite and
PostgreSQL), or bare run rows where only their states matter."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from govmedia.artifacts import CHINA_TZ
from govmedia.cli import app
from govmedia.sandbox import registry_rows, run_world
from govmedia.store import runs
from govmedia.store.accounts import list_accounts, upsert_accounts
from govmedia.store.db import open_db
from govmedia.store.locks import exclusive, run_lock
from govmedia.store.models import (
    AlertRow,
    ArtifactRow,
    EvidenceRow,
    FindingRow,
    RunRow,
    ScoreRow,
)
from govmedia.store.retention import plan_prune
from tests.integration.monitor_helpers import NO_BROWSER, load_monitor_world

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)


def _count(db, model, run_id):
    with Session(open_db(db)) as s:
        return s.scalar(select(func.count()).select_from(model).where(model.run_id == run_id))


@pytest.fixture(params=["sqlite", "postgresql"])
def four_runs(request, tmp_path):
    """Run 1 unfinished (interrupted), runs 2-4 complete; run 2 is a monitor weekly cycle."""
    db = (f"sqlite:///{tmp_path}/g.db" if request.param == "sqlite"
          else request.getfixturevalue("pg_url"))
    data = tmp_path / "data"
    world = load_monitor_world(tmp_path, NOW)
    with run_world(world):
        eng = open_db(db)
        upsert_accounts(eng, registry_rows(world))
        ids = [a.id for a in list_accounts(eng)]
        unfinished, _ = runs.start_or_resume_run(eng, NOW - timedelta(days=30), "gb-2019-19",
                                                 ids, NOW - timedelta(days=30))
        (data / "runs" / str(unfinished)).mkdir(parents=True)
        (data / "runs" / str(unfinished) / "pages.warc.gz").write_bytes(b"partial")
        env = {"GOVMEDIA_DB": db, "GOVMEDIA_WECHAT_API_BASE": world.base_url,
               "GOVMEDIA_DATA_DIR": str(data), "GOVMEDIA_CHROMIUM": NO_BROWSER,
               "GOVMEDIA_ALERT_WEBHOOKS": "", "COLUMNS": "200"}
        for n, days in enumerate((14, 7, 0)):
            when = (NOW - timedelta(days=days)).isoformat()
            args = (["monitor", "--once", "weekly", "--as-of", when] if n == 0 else
                    ["inspect", "--as-of", when, "--format", "json", "-o",
                     str(tmp_path / f"r{n}.json")])
            out = CliRunner().invoke(app, args, env=env)
            assert out.exit_code == 0, out.output
    # The phone screenshots live beside the WARC file (no browser here: one stands in).
    shots = data / "runs" / "2" / "shots"
    shots.mkdir()
    (shots / "page.png").write_bytes(b"\x89PNG" + b"0" * 1000)
    return db, data, env


def prune(env, *args):
    return CliRunner().invoke(app, ["prune", *args], env=env)


def test_prune_keeps_the_newest_n_and_unfinished_runs(four_runs):
    db, data, env = four_runs
    assert _count(db, EvidenceRow, 2) > 0 and _count(db, FindingRow, 2) > 0
    with Session(open_db(db)) as s:
        alerted = s.scalar(select(func.count()).select_from(AlertRow)
                           .where(AlertRow.run_id == 2))
    assert alerted >= 1

    dry = prune(env, "--keep", "2", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "将删除运行 #2" in dry.output and (data / "runs" / "2").is_dir()
    assert _count(db, ScoreRow, 2) == 3

    out = prune(env, "--keep", "2")
    assert out.exit_code == 0, out.output
    assert "保留最新 2 个已完成的运行：#4、#3" in out.output
    assert "未完成的运行不删除（可能正在运行，或中断后待续跑）：#1" in out.output
    assert "已删除运行 #2（监测时间点 2026-11-06 12:00，3 个账号）：数据库记录" in out.output
    assert "共删除 1 个运行" in out.output and "归档文件 2 个" in out.output
    for model in (ArtifactRow, FindingRow, ScoreRow, EvidenceRow):
        assert _count(db, model, 2) == 0, model
    with Session(open_db(db)) as s:
        assert sorted(s.scalars(select(RunRow.id))) == [1, 3, 4]
        alerts = s.scalars(select(AlertRow)).all()
    assert len(alerts) == alerted and {a.run_id for a in alerts} == {None}  # kept, unlinked
    assert not (data / "runs" / "2").exists()
    assert all((data / "runs" / str(n)).is_dir() for n in (1, 3, 4))
    assert _count(db, EvidenceRow, 3) > 0

    nothing = prune(env)  # the keep_runs setting: 10 by default
    assert nothing.exit_code == 0 and "没有需要删除的运行" in nothing.output
    last = prune({**env, "GOVMEDIA_KEEP_RUNS": "1"})
    assert last.exit_code == 0 and "已删除运行 #3" in last.output
    assert not (data / "runs" / "3").exists() and (data / "runs" / "4").is_dir()


def _bare_runs(db, statuses):
    """Store one run row per status (oldest first); return their ids."""
    eng = open_db(db)
    ids = []
    for n, status in enumerate(statuses):
        when = NOW - timedelta(days=len(statuses) - n)
        run_id, _ = runs.start_or_resume_run(eng, when, "gb-2019-19", [], when)
        if status == "complete":
            runs.finish_run(eng, run_id, when)
        elif status != "running":  # a state another feature may give (a run given up on)
            with Session(eng) as s, s.begin():
                s.get(RunRow, run_id).status = status
        ids.append(run_id)
    eng.dispose()
    return ids


def _stored(db):
    with Session(open_db(db)) as s:
        return sorted(s.scalars(select(RunRow.id)))


def test_unfinished_runs_do_not_count_toward_n(tmp_path):
    # Two complete runs (the older one the monitor's baseline), then interrupted runs: keeping
    # 2 keeps both complete ones however many interrupted runs came after.
    db = f"sqlite:///{tmp_path}/g.db"
    ids = _bare_runs(db, ["complete", "complete", "complete", "running", "running", "running"])
    env = {"GOVMEDIA_DB": db, "GOVMEDIA_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    for run_id in ids:  # as executing them left their lock files beside the database
        with exclusive(open_db(db), run_lock(run_id)):
            pass
    out = prune(env, "--keep", "2")
    assert out.exit_code == 0, out.output
    assert f"保留最新 2 个已完成的运行：#{ids[2]}、#{ids[1]}" in out.output
    assert f"已删除运行 #{ids[0]}" in out.output and "共删除 1 个运行" in out.output
    assert _stored(db) == ids[1:]
    locks = sorted(p.name for p in tmp_path.glob("g.db.run-*.lock"))
    assert locks == sorted(f"g.db.run-{n}.lock" for n in ids[1:])  # the pruned run's went too
    again = prune(env, "--keep", "2")
    assert again.exit_code == 0 and "没有需要删除的运行" in again.output
    assert _stored(db) == ids[1:]


def test_runs_given_up_go_like_old_complete_runs(tmp_path):
    db = f"sqlite:///{tmp_path}/g.db"
    old_gone, old_done, kept_1, new_gone, kept_2, running = _bare_runs(
        db, ["abandoned", "complete", "complete", "abandoned", "complete", "running"])
    plan = plan_prune(open_db(db), 2)
    assert [r.id for r in plan.kept] == [kept_2, kept_1]  # the abandoned one does not count
    assert [r.id for r in plan.running] == [running]
    # Removed once 2 newer complete runs exist; the newer abandoned run stays for now.
    assert [r.id for r in plan.remove] == [old_gone, old_done]
    assert new_gone not in [r.id for r in plan.kept + plan.running + plan.remove]


@pytest.mark.parametrize(("args", "env", "message"), [
    (["--keep", "0"], {}, "--keep 至少为 1"),
    ([], {"GOVMEDIA_KEEP_RUNS": "-2"}, "keep_runs"),
    (["--keep", "many"], {}, "Invalid value for '--keep'"),
])
def test_bad_keep_is_exit_2(tmp_path: Path, args, env, message):
    out = prune({"GOVMEDIA_DB": f"sqlite:///{tmp_path}/g.db", "COLUMNS": "200", **env}, *args)
    assert out.exit_code == 2 and message in out.output
