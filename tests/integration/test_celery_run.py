"""Distributed runs end to end: real `govmedia worker` processes (Celery on this machine's Redis)
and PostgreSQL against the sandbox world on 127.0.0.1.

A distributed run gives the same verdicts, scores and findings as an in-process run on SQLite;
a worker killed with SIGKILL mid-task has its task given to another worker, and nothing is
written twice. Each test has its own Redis key prefix and database; every worker a test starts
is stopped by its fixture (SIGTERM, then SIGKILL of its process group), bounded in time.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text

from govmedia.sandbox import load_world, registry_rows, run_world
from govmedia.store.db import open_db
from govmedia.store.models import ACCOUNT_FIELDS
from tests.smoke.conftest import AS_OF
from tests.smoke.test_inspect_e2e import EXPECTED

REDIS = os.environ.get("GOVMEDIA_TEST_REDIS", "redis://127.0.0.1:6379/0")
# A few accounts of the demo world with different behaviours (healthy, silent, no API access,
# broken links, hacked page, no interaction channel, an old page behind a new update_time).
PICK = ("微言教育", "中国民政", "司法部", "青禾住建", "青禾发布", "青禾交通", "浙江发布")
VOLATILE = {"warc_record_id", "fetched_at", "rendered_at", "elapsed", "screenshot"}


@pytest.fixture
def prefix():
    """Return a fresh Redis key prefix; its keys are deleted afterwards."""
    client = redis.Redis.from_url(REDIS, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis not reachable at {REDIS}: {exc}")
    name = f"govmedia-test-{uuid.uuid4().hex[:10]}"
    yield name
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)
    client.close()


class Workers:
    """Starts `govmedia worker` processes (each in its own process group) and stops them."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env, self.log_dir, self.procs = env, log_dir, []

    def start(self, **env: str) -> subprocess.Popen:
        log = open(self.log_dir / f"worker-{len(self.procs)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen([sys.executable, "-m", "govmedia", "worker", "--concurrency", "2"],
                                env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        log.close()
        self.procs.append(proc)
        return proc

    @staticmethod
    def kill(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        """Send sig to the worker's whole process group (its browser too)."""
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass

    def stop_all(self) -> None:
        for proc in self.procs:
            self.kill(proc, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill(proc)
                proc.wait(10)
            self.kill(proc)  # anything left in the group (a browser) goes too


def _env(world, db: str, prefix: str, data: Path, **extra: str) -> dict[str, str]:
    if db.startswith("postgresql"):
        open_db(db).dispose()  # the schema first: worker and inspect would race to create it
    return {**os.environ, "GOVMEDIA_DB": db, "GOVMEDIA_BROKER": REDIS,
            "GOVMEDIA_BROKER_PREFIX": prefix, "GOVMEDIA_WECHAT_API_BASE": world.base_url,
            "GOVMEDIA_DATA_DIR": str(data), **extra}


@pytest.fixture
def workers(tmp_path):
    pool = Workers({}, tmp_path)
    yield pool
    pool.stop_all()


def _accounts_csv(world, path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(ACCOUNT_FIELDS))
        writer.writeheader()
        writer.writerows(r for r in registry_rows(world) if r["name"] in PICK)
    return path


def _inspect(env: dict[str, str], csv_path: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "govmedia", "inspect", "--accounts", str(csv_path),
            "--as-of", AS_OF.isoformat(), "--format", "json", "-o", str(out), *extra]


def _stable(value):
    """Return value without what differs between two runs (record ids, times, file paths)."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _by_account(result: dict) -> dict[str, dict]:
    keys = ("verdict", "vetoed", "score", "reasons", "findings", "not_checked", "rank",
            "last_published", "explanations")
    return {a["name"]: _stable({k: a[k] for k in keys}) for a in result["accounts"]}


def test_distributed_run_equals_local_run(tmp_path, pg_url, prefix, workers):
    world = load_world(AS_OF, "demo")
    with run_world(world):
        csv_path = _accounts_csv(world, tmp_path / "accounts.csv")
        local_env = _env(world, f"sqlite:///{tmp_path}/local.db", prefix, tmp_path / "local")
        local = subprocess.run(_inspect(local_env, csv_path, tmp_path / "local.json"),
                               env=local_env, capture_output=True, text=True, timeout=300)
        assert local.returncode == 0, local.stderr[-2000:]

        env = _env(world, pg_url, prefix, tmp_path / "dist")
        workers.env = env
        workers.start()
        dist = subprocess.run(_inspect(env, csv_path, tmp_path / "dist.json",
                                       "--executor", "celery"),
                              env=env, capture_output=True, text=True, timeout=300)
    assert dist.returncode == 0, dist.stderr[-2000:]
    one = json.loads((tmp_path / "local.json").read_text(encoding="utf-8"))
    two = json.loads((tmp_path / "dist.json").read_text(encoding="utf-8"))
    assert len(two["accounts"]) == len(PICK)
    for acc in world.accounts:
        if acc.name in PICK:
            got = next(a for a in two["accounts"] if a["name"] == acc.name)
            assert got["verdict"] == EXPECTED[acc.extra["expect"]], acc.name
    assert _by_account(two) == _by_account(one)
    assert two["summary"] == one["summary"] and two["rankings"] == one["rankings"]
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        states = conn.execute(text("SELECT state, attempts FROM run_tasks")).all()
        files = [r[0] for r in conn.execute(text("SELECT DISTINCT warc_file FROM evidence"))]
    engine.dispose()
    assert Counter(states) == {("done", 1): len(PICK)}
    # The evidence index names the per-account WARC files the workers wrote.
    assert files and all((tmp_path / "dist" / f).is_file() for f in files)


def _rows(engine, sql: str) -> list:
    with engine.connect() as conn:
        return conn.execute(text(sql)).all()


def test_killed_worker_task_is_retried_without_duplicates(tmp_path, pg_url, prefix, workers):
    world = load_world(AS_OF, "demo")
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    # Slow answers, so that tasks are under way when the worker dies; a short lease, so that
    # its tasks come back soon; no browser (the phone checks are not what this is about).
    with run_world(world, latency=0.03):
        csv_path = _accounts_csv(world, tmp_path / "accounts.csv")
        env = _env(world, pg_url, prefix, tmp_path / "data", GOVMEDIA_TASK_LEASE="3",
                   GOVMEDIA_HTTP_TIMEOUT="5", GOVMEDIA_CHROMIUM="/nonexistent")
        workers.env = env
        first = workers.start()
        cli = subprocess.Popen(_inspect(env, csv_path, tmp_path / "out.json", "--executor",
                                        "celery"), env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
        try:
            deadline, running = time.monotonic() + 120, []
            while not running:
                assert cli.poll() is None, "inspect ended before the worker could be killed"
                assert time.monotonic() < deadline, "no task started"
                time.sleep(0.05)
                running = [r[0] for r in _rows(engine, "SELECT account_id FROM run_tasks "
                                                       "WHERE state = 'running'")
                           ] if _has_tasks(engine) else []
            Workers.kill(first)  # SIGKILL mid-task: its tasks are never acknowledged
            first.wait(10)
            workers.start()
            _, err = cli.communicate(timeout=240)
        finally:
            cli.kill()
    assert cli.returncode == 0, err.decode()[-2000:]
    attempts = dict(_rows(engine, "SELECT account_id, attempts FROM run_tasks"))
    assert all(attempts[a] >= 2 for a in running), (running, attempts)  # given out again
    per_account = {t: Counter(r[0] for r in _rows(engine, f"SELECT account_id FROM {t}"))
                   for t in ("artifacts", "scores", "check_results")}
    assert set(per_account["scores"]) == set(attempts) and len(attempts) == len(PICK)
    assert set(per_account["artifacts"].values()) == {1} == set(per_account["scores"].values())
    assert len(set(per_account["check_results"].values())) == 1  # same checks for each
    findings = _rows(engine, "SELECT account_id, \"check\", target, message FROM findings")
    assert len(findings) == len(set(findings))  # no finding written twice
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert len(findings) == sum(len(a["findings"]) for a in data["accounts"])
    for acc in world.accounts:
        if acc.name in PICK:
            got = next(a for a in data["accounts"] if a["name"] == acc.name)
            assert got["verdict"] == EXPECTED[acc.extra["expect"]], acc.name
    # One WARC file per account (the saved attempt's); the killed attempts' files are gone.
    files = sorted(p.name.split("-")[0] for p in (tmp_path / "data").rglob("*.warc.gz"))
    assert Counter(files) == Counter(str(a) for a in attempts)
    engine.dispose()


def _has_tasks(engine) -> bool:
    return bool(_rows(engine, "SELECT 1 FROM information_schema.tables "
                              "WHERE table_name = 'run_tasks'"))


def test_unreachable_broker_is_one_clear_error(tmp_path, pg_url):
    world = load_world(AS_OF, "demo")  # not served: nothing is collected
    world.base_url = "http://127.0.0.1:9"
    csv_path = _accounts_csv(world, tmp_path / "accounts.csv")
    env = _env(world, pg_url, "unused", tmp_path / "data", GOVMEDIA_BROKER="redis://127.0.0.1:9/0")
    done = subprocess.run(_inspect(env, csv_path, tmp_path / "out.json", "--executor", "celery"),
                          env={**env, "COLUMNS": "300"}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2, done.stderr
    assert "无法连接任务队列 redis://127.0.0.1:9/0" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_weekly_monitor_inspects_on_celery_and_alerts(tmp_path, pg_url, prefix, workers):
    # A province's weekly inspection runs on the workers; the alerts are those of a local run.
    from datetime import datetime

    from govmedia.artifacts import CHINA_TZ
    from govmedia.store.accounts import upsert_accounts
    from tests.integration.monitor_helpers import (
        NO_BROWSER,
        SILENT_11,
        SILENT_20,
        load_monitor_world,
        webhook_receiver,
    )

    now = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)
    world = load_monitor_world(tmp_path, now)
    with run_world(world), webhook_receiver() as rx:
        env = _env(world, pg_url, prefix, tmp_path / "data", GOVMEDIA_CHROMIUM=NO_BROWSER,
                   GOVMEDIA_ALERT_WEBHOOKS=rx.url("/hook"), GOVMEDIA_ALERT_EMAIL_TO="")
        upsert_accounts(open_db(pg_url), registry_rows(world))
        workers.env = env
        workers.start()
        out = subprocess.run([sys.executable, "-m", "govmedia", "monitor", "--once", "weekly",
                              "--as-of", now.isoformat(), "--executor", "celery"],
                             env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, (out.stdout + out.stderr)[-2000:]
    assert "每周全面检查 · 监测时间点 2026-11-20 12:00（运行 1）" in out.stdout
    assert {a["account"] for p in rx.posts_to("/hook") for a in p.json["alerts"]} == {
        SILENT_11, SILENT_20}
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    states = _rows(engine, "SELECT state, attempts FROM run_tasks")
    engine.dispose()
    assert Counter(states) == {("done", 1): len(world.accounts)}  # done by the workers


class FakeClock:
    """The follower's clock and sleep: time passes only when it sleeps (no test waits)."""

    def __init__(self, on_sleep=None) -> None:
        self.now, self.sleeps, self.on_sleep = 0.0, 0, on_sleep

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.sleeps += 1
        assert self.sleeps < 5000, "the follower never gave up"
        if self.on_sleep is not None:
            self.on_sleep(self.now)


def _distributed_plan(engine, world, names):
    from govmedia.run.inspect import plan_run
    from govmedia.store.accounts import list_accounts, upsert_accounts

    upsert_accounts(engine, [r for r in registry_rows(world) if r["name"] in names])
    return plan_run(engine, list_accounts(engine), "gb-2019-19", AS_OF)


def test_lost_tasks_are_queued_again_then_the_run_stops(tmp_path, pg_url, prefix):
    # No worker takes the tasks (as when they are lost): the follower queues them again a
    # bounded number of times, then stops with one clear error, not polling for ever. While a
    # worker is busy with another run's task it does not count as lost.
    from datetime import timedelta

    from govmedia.run.distributed import REQUEUES, DistributedError, run_distributed, stale_after
    from govmedia.settings import Settings
    from govmedia.store import runs, tasks

    world = load_world(AS_OF, "demo")  # not served: nothing is collected
    engine = open_db(pg_url)
    plan = _distributed_plan(engine, world, PICK[:2])
    other, _ = runs.start_or_resume_run(engine, AS_OF - timedelta(days=7), "gb-2019-19",
                                        [plan.rows[0].id], AS_OF)
    tasks.queue(engine, other, [plan.rows[0].id], AS_OF)
    settings = Settings(db=pg_url, broker=REDIS, broker_prefix=prefix)
    stale = stale_after(settings)
    assert stale > settings.task_lease
    busy_until = 3 * stale
    client = redis.Redis.from_url(REDIS)
    queue = f"{prefix}:govmedia.accounts"
    grew = []  # (time, messages queued) each time the queue grew

    def on_sleep(now: float) -> None:
        if now < busy_until:  # a worker starts another run's task now and then
            tasks.begin(engine, other, plan.rows[0].id, "w@elsewhere", AS_OF)
        length = client.llen(queue)
        if not grew or length > grew[-1][1]:
            grew.append((now, length))

    clock = FakeClock(on_sleep)
    notes = []
    with pytest.raises(DistributedError) as err:
        run_distributed(engine, settings, plan, note=notes.append, poll=stale / 20, clock=clock,
                        sleep=clock.sleep)
    client.close()
    message = str(err.value)
    assert err.value.code == 1
    assert message.startswith("2 个账号的任务已丢失") and f"重新排队 {REQUEUES} 次" in message
    assert f"govmedia inspect --resume {plan.run_id} --executor celery" in message
    # The two tasks went out once, then REQUEUES more times, none while the worker was busy.
    assert [n for _, n in grew] == [2 * (1 + k) for k in range(REQUEUES + 1)]
    assert all(t > busy_until + stale for t, _ in grew[1:])
    assert clock.now > busy_until + (REQUEUES + 1) * stale
    assert notes[-1].startswith("尚无 worker 领取任务")
    assert runs.find_run(engine, plan.run_id).status == "running"  # left to resume
    engine.dispose()


def test_a_run_that_moved_then_lost_its_tasks_is_queued_again_after_one_quiet_spell(
        tmp_path, pg_url, prefix):
    # A worker started one of this run's tasks and then died with it: this run's own move is
    # not "workers busy elsewhere", so the tasks go out again one quiet spell after it.
    from govmedia.run.distributed import DistributedError, run_distributed, stale_after
    from govmedia.settings import Settings
    from govmedia.store import tasks

    world = load_world(AS_OF, "demo")  # not served: nothing is collected
    engine = open_db(pg_url)
    plan = _distributed_plan(engine, world, PICK[:2])
    settings = Settings(db=pg_url, broker=REDIS, broker_prefix=prefix)
    stale = stale_after(settings)
    client = redis.Redis.from_url(REDIS)
    queue = f"{prefix}:govmedia.accounts"
    moved, grew = [], []

    def on_sleep(now: float) -> None:
        if not moved:
            tasks.begin(engine, plan.run_id, plan.rows[0].id, "w@dies", AS_OF)
            moved.append(now)
        length = client.llen(queue)
        if not grew or length > grew[-1][1]:
            grew.append((now, length))

    clock = FakeClock(on_sleep)
    with pytest.raises(DistributedError):
        run_distributed(engine, settings, plan, note=lambda _n: None, poll=stale / 20,
                        clock=clock, sleep=clock.sleep)
    client.close()
    assert len(grew) >= 2 and grew[1][1] == 4  # sent once, then both queued again
    assert grew[1][0] <= moved[0] + stale + stale / 10  # one quiet spell, not two
    engine.dispose()


def test_lost_tasks_are_done_once_queued_again(tmp_path, pg_url, prefix, workers,
                                               monkeypatch):
    # The first tasks never reach Redis (lost as when Redis restarts); the worker does them
    # once the follower queues them again, and each account is saved once.
    from govmedia.run import distributed
    from govmedia.settings import Settings

    world = load_world(AS_OF, "demo")
    with run_world(world):
        env = _env(world, pg_url, prefix, tmp_path / "data", GOVMEDIA_CHROMIUM="/nonexistent")
        workers.env = env
        workers.start()
        log, deadline = tmp_path / "worker-0.log", time.monotonic() + 120
        while b" ready." not in log.read_bytes():  # the worker takes tasks from now on
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-2000:]
            time.sleep(0.05)
        engine = open_db(pg_url)
        plan = _distributed_plan(engine, world, PICK[:2])
        sent, send = [], distributed.send_tasks

        def lossy(settings, run_id, account_ids, as_of, system_ref):
            sent.append(sorted(account_ids))
            if len(sent) > 1:
                send(settings, run_id, account_ids, as_of, system_ref)

        monkeypatch.setattr(distributed, "send_tasks", lossy)
        settings = Settings(db=pg_url, broker=REDIS, broker_prefix=prefix)
        notes = []
        distributed.run_distributed(engine, settings, plan, note=notes.append, poll=0.05,
                                    stale=5.0)
    ids = sorted(r.id for r in plan.rows)
    assert sent[0] == sent[1] == ids  # queued once (lost), then again
    assert "2 个任务无进展后重新排队" in notes[-1]
    scores = Counter(r[0] for r in _rows(engine, "SELECT account_id FROM scores"))
    assert scores == {a: 1 for a in ids}
    assert {r[0] for r in _rows(engine, "SELECT state FROM run_tasks")} == {"done"}
    engine.dispose()
