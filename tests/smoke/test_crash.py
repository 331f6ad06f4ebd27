"""A `govmedia inspect` process killed with SIGKILL mid-run leaves whole accounts only, and
running the same command again completes the run without redoing those accounts."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

from govmedia.sandbox import load_world, run_world
from tests.smoke.conftest import AS_OF, write_accounts_csv
from tests.smoke.test_inspect_e2e import EXPECTED


def _count(db, table: str) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def _per_account(db, table: str) -> set[int]:
    with sqlite3.connect(db) as con:
        return {r[0] for r in con.execute(f"SELECT DISTINCT account_id FROM {table}")}


def test_killed_inspect_is_consistent_and_resumes(tmp_path):
    world = load_world(AS_OF, "demo")
    # Slow answers and one account at a time, so the kill lands mid-run.
    with run_world(world, latency=0.02):
        csv_path = write_accounts_csv(world, tmp_path / "accounts.csv")
        db, out = tmp_path / "g.db", tmp_path / "out.json"
        env = {**os.environ, "GOVMEDIA_DB": f"sqlite:///{db}",
               "GOVMEDIA_WECHAT_API_BASE": world.base_url,
               "GOVMEDIA_DATA_DIR": str(tmp_path / "data")}
        cmd = [sys.executable, "-m", "govmedia", "inspect", "--accounts", str(csv_path),
               "--as-of", AS_OF.isoformat(), "--format", "json", "-o", str(out)]
        proc = subprocess.Popen(cmd, env={**env, "GOVMEDIA_CONCURRENCY": "1"},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        try:
            while _count(db, "scores") < 3:
                assert proc.poll() is None, "inspect ended before it could be killed"
                assert time.monotonic() < deadline, "inspect made no progress"
                time.sleep(0.02)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(10)
        done = _count(db, "scores")
        assert 3 <= done < len(world.accounts)
        # Whole accounts only: every scored account has its artifacts and check results.
        scored = _per_account(db, "scores")
        assert _per_account(db, "artifacts") == scored
        assert _per_account(db, "check_results") == scored
        assert not out.exists()

        rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["accounts"]) == len(world.accounts)
    for acc in world.accounts:
        got = next(a for a in data["accounts"] if a["name"] == acc.name)
        assert got["verdict"] == EXPECTED[acc.extra["expect"]], acc.name
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*), min(status) FROM runs").fetchone() == (1, "complete")
        assert con.execute("SELECT count(*) FROM scores").fetchone()[0] == len(world.accounts)
