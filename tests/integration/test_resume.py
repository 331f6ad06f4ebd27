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


@pytest.fixture(params=["sqlite", "postgresql"])
def interrupted(request, tmp_path):
    """Yield (env, engine, run id, WARC path) of an interrupted run of the served monitor world:
    nothing saved yet, a WARC file left with a half-written record at its end."""
    from govmedia.sandbox import registry_rows as rows_of
    from govmedia.store.accounts import list_accounts, upsert_accounts
    from tests.integration.monitor_helpers import NO_BROWSER, load_monitor_world

    db = (f"sqlite:///{tmp_path}/g.db" if request.param == "sqlite"
          else request.getfixturevalue("pg_url"))
    world = load_monitor_world(tmp_path, AS_OF)
    with run_world(world):
        engine = open_db(db)
        upsert_accounts(engine, rows_of(world))
        ids = [a.id for a in list_accounts(engine)]
        run_id, _ = runs.start_or_resume_run(engine, AS_OF, "gb-2019-19", ids, AS_OF)
        warc = tmp_path / "data" / "runs" / str(run_id) / "pages.warc.gz"
        warc.parent.mkdir(parents=True)
        warc.write_bytes(b"\x1f\x8b half a record")
        env = {"GOVMEDIA_DB": db, "GOVMEDIA_WECHAT_API_BASE": world.base_url,
               "GOVMEDIA_DATA_DIR": str(tmp_path / "data"), "GOVMEDIA_CHROMIUM": NO_BROWSER,
               "COLUMNS": "300"}
        yield env, engine, run_id, warc
        engine.dispose()


def test_a_run_executing_elsewhere_is_not_executed_twice(interrupted):
    from govmedia.store.locks import exclusive, run_lock

    env, engine, run_id, warc = interrupted
    before = warc.read_bytes()
    other = open_db(env["GOVMEDIA_DB"])  # another process's connection
    with exclusive(other, run_lock(run_id)):  # as a process executing the run holds it
        for args in (["--resume", str(run_id)],  # by its id, or by a plain identical re-run
                     ["--as-of", AS_OF.isoformat()]):
            out = CliRunner().invoke(app, ["inspect", *args], env=env)
            _one_error_line(out, f"运行 {run_id} 正由另一个进程执行")
        # The running process's WARC file is neither cut back nor appended to.
        assert warc.read_bytes() == before
        assert runs.find_run(engine, run_id).status == "running"
        assert runs.scores_since(engine, run_id, "gb-2019-19", 0) == []
    other.dispose()
    done = CliRunner().invoke(app, ["inspect", "--resume", str(run_id)], env=env)
    assert done.exit_code == 0, done.output
    assert runs.find_run(engine, run_id).status == "complete"


def test_the_lock_is_held_while_the_local_run_executes(interrupted):
    from govmedia.run.inspect import execute, plan_resume
    from govmedia.settings import load_settings
    from govmedia.store.locks import LockHeld, exclusive, run_lock

    env, engine, run_id, _ = interrupted
    other, saved, taken = open_db(env["GOVMEDIA_DB"]), [], []

    def progress(name: str, verdict: str) -> None:  # called as each account is saved
        saved.append(name)
        try:
            with exclusive(other, run_lock(run_id)):
                taken.append(name)
        except LockHeld:
            pass

    cfg = load_settings(environ={**os.environ, **env})
    result = execute(engine, cfg, plan_resume(engine, run_id), progress=progress)
    assert len(result["accounts"]) == len(saved) == 3 and taken == []
    with exclusive(other, run_lock(run_id)):  # released once the run is done
        pass
    other.dispose()
