"""`govmedia inspect --resume RUN`: an interrupted run resumes by its id, with its own accounts,
inspection time and indicator system, and collects only the accounts it does not have yet.

tests/smoke/test_crash.py covers the implicit resume (the same command again after SIGKILL);
here: the explicit flag after SIGKILL, that nothing already saved is fetched again, and the
one-line errors for runs that cannot be resumed and for options that do not go together.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from typer.testing import CliRunner

from govmedia.artifacts import CHINA_TZ
from govmedia.cli import app
from govmedia.sandbox import load_world, registry_rows, run_world
from govmedia.store import runs
from govmedia.store.db import open_db
from govmedia.store.models import ACCOUNT_FIELDS
from tests.smoke.conftest import AS_OF
from tests.smoke.test_inspect_e2e import EXPECTED

PICK = ("微言教育", "健康中国", "人社部发布", "中国民政", "交通运输部", "上海发布", "青禾住建",
        "青禾交通")


def _count(db, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return con.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def _owner(world, url: str):
    """Return the sandbox account a fetched URL belongs to (site, feed or article page)."""
    parts = urlsplit(url).path.strip("/").split("/")
    if parts[0] in ("sites", "feeds"):
        return world.by_slug(parts[1].removesuffix(".xml"))
    if parts[0] == "s":
        found = world.article(parts[1])
        return found[0] if found else None
    return None


def test_resume_after_kill_collects_only_what_is_missing(tmp_path):
    world = load_world(AS_OF, "demo")
    with run_world(world, latency=0.02):
        csv_path = tmp_path / "accounts.csv"
        with csv_path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(ACCOUNT_FIELDS))
            writer.writeheader()
            writer.writerows(r for r in registry_rows(world) if r["name"] in PICK)
        db, out = tmp_path / "g.db", tmp_path / "out.json"
        env = {**os.environ, "GOVMEDIA_DB": f"sqlite:///{db}", "GOVMEDIA_CONCURRENCY": "1",
               "GOVMEDIA_WECHAT_API_BASE": world.base_url,
               "GOVMEDIA_DATA_DIR": str(tmp_path / "data")}
        first = subprocess.Popen(
            [sys.executable, "-m", "govmedia", "inspect", "--accounts", str(csv_path),
             "--as-of", AS_OF.isoformat()], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        try:
            while _count(db, "SELECT count(*) FROM scores") < 3:
                assert first.poll() is None, "inspect ended before it could be killed"
                assert time.monotonic() < deadline, "inspect made no progress"
                time.sleep(0.02)
            os.kill(first.pid, signal.SIGKILL)
        finally:
            first.kill()
            first.wait(10)
        with sqlite3.connect(db) as con:
            done = {r[0] for r in con.execute("SELECT a.name FROM scores s JOIN accounts a "
                                              "ON a.id = s.account_id")}
            seen = con.execute("SELECT max(id) FROM evidence").fetchone()[0] or 0
        assert 3 <= len(done) < len(PICK)
        resumed = subprocess.run(
            [sys.executable, "-m", "govmedia", "inspect", "--resume", "1", "--format", "json",
             "-o", str(out)], env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"续跑运行 1：已完成 {len(done)}/{len(PICK)} 个账号" in resumed.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["run_id"] == 1 and data["as_of"] == AS_OF.isoformat()  # the run's own time
    assert sorted(a["name"] for a in data["accounts"]) == sorted(PICK)
    for acc in world.accounts:
        if acc.name in PICK:
            got = next(a for a in data["accounts"] if a["name"] == acc.name)
            assert got["verdict"] == EXPECTED[acc.extra["expect"]], acc.name
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*), min(status) FROM runs").fetchone() == (1, "complete")
        assert con.execute("SELECT count(*) FROM scores").fetchone()[0] == len(PICK)
        fetched_again = [url for (url,) in con.execute("SELECT url FROM evidence WHERE id > ?",
                                                       (seen,))]
    owners = {_owner(world, u).name for u in fetched_again if _owner(world, u)}
    assert owners and not owners & done  # only the missing accounts were collected


@pytest.fixture
def cli(tmp_path):
    db = f"sqlite:///{tmp_path}/g.db"

    def invoke(*args: str, **env: str):
        return CliRunner().invoke(app, ["inspect", *args], env={"GOVMEDIA_DB": db, **env})

    invoke.db = db
    return invoke


def _one_error_line(result, text: str) -> None:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert text in result.output and "Traceback" not in result.output
    assert len(lines) <= 2  # one message (a long line may wrap once)


def test_resume_unknown_run_is_one_clear_error(cli):
    _one_error_line(cli("--resume", "7"), "没有编号为 7 的检查运行")


def test_resume_complete_run_is_one_clear_error(cli):
    engine = open_db(cli.db)
    run_id, _ = runs.start_or_resume_run(engine, AS_OF, "gb-2019-19", [], datetime.now(CHINA_TZ))
    runs.finish_run(engine, run_id, datetime.now(CHINA_TZ))
    _one_error_line(cli("--resume", str(run_id)), f"运行 {run_id} 已完成")


def test_resume_with_another_system_is_refused(cli):
    engine = open_db(cli.db)
    run_id, _ = runs.start_or_resume_run(engine, AS_OF, "gb-2019-19", [], datetime.now(CHINA_TZ))
    _one_error_line(cli("--resume", str(run_id), "--system", "ccid-2024"), "使用的指标体系是")


@pytest.mark.parametrize(("args", "text"), [
    (["--resume", "1", "--as-of", "2026-11-20T12:00:00+08:00"], "--resume"),
    (["--executor", "celery"], "PostgreSQL"),
    (["--executor", "threads"], "--executor"),
])
def test_bad_combinations_are_one_clear_error(cli, args, text):
    _one_error_line(cli(*args, COLUMNS="300"), text)
