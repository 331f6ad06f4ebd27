"""`govmedia monitor` through the command line: --once cycles, bad input, and a clean stop of
the scheduler on SIGTERM and Ctrl-C (a real process; it is stopped, never waited out)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

import govmedia.commands.monitor as monitor_command
from govmedia.artifacts import CHINA_TZ
from govmedia.cli import app
from govmedia.sandbox import registry_rows, run_world
from govmedia.store import runs
from govmedia.store.accounts import list_accounts, upsert_accounts
from govmedia.store.db import open_db
from govmedia.store.locks import exclusive
from govmedia.store.models import RunRow, ScoreRow
from tests.integration.monitor_helpers import (
    NO_BROWSER,
    SILENT_11,
    SILENT_20,
    load_monitor_world,
    webhook_receiver,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def setup(tmp_path):
    """A served monitor world with its accounts imported, and a webhook receiver."""
    world = load_monitor_world(tmp_path, NOW)
    with run_world(world), webhook_receiver() as rx:
        db = f"sqlite:///{tmp_path}/monitor.db"
        upsert_accounts(open_db(db), registry_rows(world))
        env = {"GOVMEDIA_DB": db, "GOVMEDIA_WECHAT_API_BASE": world.base_url,
               "GOVMEDIA_DATA_DIR": str(tmp_path / "data"), "GOVMEDIA_CHROMIUM": NO_BROWSER,
               "GOVMEDIA_ALERT_WEBHOOKS": f"{rx.url('/wecom')}#kind=wecom {rx.url('/hook')}",
               "GOVMEDIA_ALERT_EMAIL_TO": "", "COLUMNS": "200"}
        yield world, rx, env


def monitor(env, *args):
    return CliRunner().invoke(app, ["monitor", *args], env=env)


def test_once_daily_then_nothing_new(setup):
    world, rx, env = setup
    first = monitor(env, "--once", "daily", "--as-of", NOW.isoformat())
    assert first.exit_code == 0, first.output
    assert "每日更新巡检 · 监测时间点 2026-11-20 12:00：3 个账号" in first.output
    assert "预警 2 条（新发现 2、有变化 0、再次出现 0）" in first.output
    assert f"［疑似单项否决］{SILENT_20}：监测时间点前14天内无更新" in first.output
    assert f"［即将触发内容不更新］{SILENT_11}：" in first.output
    assert "企业微信 127.0.0.1：已送达 2 条消息" in first.output
    assert len(rx.posts_to("/wecom")) == 2

    world.now = NOW + timedelta(hours=20)
    again = monitor(env, "--once", "daily", "--as-of", world.now.isoformat())
    assert again.exit_code == 0, again.output
    assert "预警 0 条" in again.output and "持续未变 2 条（不重复提醒）" in again.output
    assert len(rx.posts_to("/wecom")) == 2


def test_once_weekly_is_a_stored_run(setup):
    _, rx, env = setup
    out = monitor(env, "--once", "weekly", "--as-of", NOW.isoformat())
    assert out.exit_code == 0, out.output
    assert "每周全面检查 · 监测时间点 2026-11-20 12:00（运行 1）" in out.output
    assert {a["account"] for p in rx.posts_to("/hook") for a in p.json["alerts"]} == {
        SILENT_11, SILENT_20}
    score = CliRunner().invoke(app, ["score", "1", "--system", "gb-2019-19", "--format",
                                     "json"], env=env)
    assert score.exit_code == 0, score.output


def test_a_failed_delivery_exits_1_and_says_so(setup):
    _, rx, env = setup
    rx.fail("/wecom", 1, 503)
    out = monitor({**env, "GOVMEDIA_ALERT_ATTEMPTS": "1"}, "--once", "daily", "--as-of",
                  NOW.isoformat())
    assert out.exit_code == 1, out.output
    assert "企业微信 127.0.0.1：已送达 0 条消息；2 条预警未送达：HTTP 503（下一轮补发）" in (
        out.output)
    assert "Webhook 127.0.0.1：已送达 2 条消息" in out.output


@pytest.mark.parametrize(("extra_env", "args", "message"), [
    ({}, ["--once", "hourly"], "--once 只能是 daily 或 weekly"),
    ({}, ["--as-of", "2026-11-20"], "--as-of 只能与 --once 一起使用"),
    ({}, ["--once", "daily", "--as-of", "yesterday"], "不是有效的 ISO 8601 时间"),
    ({"GOVMEDIA_MONITOR_DAILY": "30 25 * * *"}, ["--once", "daily"], "monitor_daily"),
    ({"GOVMEDIA_MONITOR_WEEKLY": "weekly"}, [], "monitor_weekly 应为 5 段 cron 表达式"),
    ({"GOVMEDIA_ALERT_WEBHOOKS": "qyapi.weixin.qq.com/send"}, ["--once", "daily"],
     "alert_webhooks 中的地址无效"),
    ({"GOVMEDIA_ALERT_MODE": "batch"}, ["--once", "daily"], "alert_mode 只能是"),
    ({"GOVMEDIA_ALERT_EMAIL_TO": "duty@qinghe.gov.cn"}, ["--once", "daily"], "smtp_host"),
    ({"GOVMEDIA_ALERT_ATTEMPTS": "0"}, ["--once", "daily"], "must be positive"),
    ({}, ["--once", "daily", "--system", "no-such-system"], "no-such-system"),
    ({}, ["--once", "weekly", "--executor", "threads"], "--executor 只能是 local 或 celery"),
    ({}, ["--once", "weekly", "--executor", "celery"], "--executor celery 需要 PostgreSQL"),
])
def test_bad_input_is_one_line_and_exit_2(setup, extra_env, args, message):
    _, rx, env = setup
    out = monitor({**env, **extra_env}, *args)
    assert out.exit_code == 2, out.output
    assert message in out.output and "Traceback" not in out.output
    assert rx.posts == []


def test_a_second_monitor_on_the_same_database_is_refused(setup):
    _, rx, env = setup
    with exclusive(open_db(env["GOVMEDIA_DB"]), "monitor"):  # as a running monitor holds it
        out = monitor(env, "--once", "daily")
    assert out.exit_code == 2, out.output
    assert "另一个 govmedia monitor 正在使用这个数据库" in out.output
    assert rx.posts == []
    assert monitor(env, "--once", "daily").exit_code == 0  # free again


def test_no_accounts_is_a_clear_error(tmp_path):
    env = {"GOVMEDIA_DB": f"sqlite:///{tmp_path}/empty.db", "GOVMEDIA_ALERT_WEBHOOKS": ""}
    out = monitor(env, "--once", "daily")
    assert out.exit_code == 2 and "没有可监测的账号" in out.output
    assert "未配置预警渠道" in out.output


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_scheduler_stops_cleanly_on_a_signal(tmp_path, stop):
    env = {**os.environ, "GOVMEDIA_DB": f"sqlite:///{tmp_path}/m.db",
           "GOVMEDIA_MONITOR_DAILY": "0 0 1 1 *", "GOVMEDIA_MONITOR_WEEKLY": "0 0 1 1 1",
           "GOVMEDIA_ALERT_WEBHOOKS": "", "GOVMEDIA_ALERT_EMAIL_TO": "",
           "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "govmedia", "monitor"], env=env,
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, encoding="utf-8")
    try:
        first = proc.stdout.readline()  # blocks until the scheduler has started
        assert first.startswith("监测已启动（北京时间）：每日更新巡检“0 0 1 1 *”"), first
        assert proc.stdout.readline().startswith("下次：")
        proc.send_signal(stop)
        rest, errors = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, rest + errors
    assert "监测已停止" in rest and "Traceback" not in errors
    assert "未配置预警渠道" in errors


def _stored_runs(env):
    """Return (id, status, accounts saved) of every stored run."""
    with Session(open_db(env["GOVMEDIA_DB"])) as s:
        return [(r.id, r.status, s.scalar(select(func.count()).select_from(ScoreRow)
                                          .where(ScoreRow.run_id == r.id)))
                for r in s.scalars(select(RunRow).order_by(RunRow.id))]


def _interrupted_weekly(env, monkeypatch):
    """Run `monitor --once weekly` at NOW and press Ctrl-C once the first account is saved
    (SIGINT to this process, in the middle of the cycle); return the result."""
    @contextmanager
    def progress(_cycle):
        pressed = []

        def tick(_name, _verdict):
            if not pressed:
                pressed.append(1)
                signal.raise_signal(signal.SIGINT)

        yield tick

    # Ctrl-C in a terminal raises KeyboardInterrupt even when the suite itself was started
    # with SIGINT ignored (a background job of a script, as `bash .ci/run &` is).
    interrupt = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with monkeypatch.context() as m:
            m.setattr(monitor_command, "_weekly_progress", progress)
            out = monitor(env, "--once", "weekly", "--as-of", NOW.isoformat())
    finally:
        signal.signal(signal.SIGINT, interrupt)
    assert out.exit_code == 130, out.output
    ((run_id, status, saved),) = _stored_runs(env)
    assert (run_id, status) == (1, "running") and 1 <= saved < 3
    return out


def test_a_monitor_started_again_in_the_period_resumes_its_interrupted_weekly_run(
        setup, monkeypatch):
    _, rx, env = setup
    cut = _interrupted_weekly(env, monkeypatch)
    # NOW is a Friday; the weekly schedule (Monday 02:00) fires next on 2026-11-23.
    assert ("已中止：每周全面检查未完成：2026-11-23 02:00 之前再次运行 govmedia monitor --once "
            "weekly 即续跑") in " ".join(cut.output.split())
    assert rx.posts == []

    monkeypatch.setattr(monitor_command, "_now", lambda: NOW + timedelta(hours=3))
    monkeypatch.setattr(monitor_command, "run_schedule", lambda *_a, **_k: None)  # stops
    out = monitor(env)
    assert out.exit_code == 0, out.output
    assert "运行 1 是本周期中断的每周全面检查：现在续跑" in out.output
    assert "续跑中断的每周全面检查：运行 1（监测时间点 2026-11-20 12:00）" in out.output
    assert "每周全面检查 · 监测时间点 2026-11-20 12:00（运行 1）：3 个账号" in out.output
    assert _stored_runs(env) == [(1, "complete", 3)]
    assert {a["account"] for p in rx.posts_to("/hook") for a in p.json["alerts"]} == {
        SILENT_11, SILENT_20}


def test_an_interrupted_weekly_run_of_an_earlier_period_is_abandoned(setup, monkeypatch):
    _, _, env = setup
    _interrupted_weekly(env, monkeypatch)
    # An unfinished run of `govmedia inspect`, not the monitor's: left alone throughout.
    eng = open_db(env["GOVMEDIA_DB"])
    ids = [a.id for a in list_accounts(eng)]
    runs.start_or_resume_run(eng, NOW + timedelta(days=1), "gb-2019-19", ids, NOW)

    later = NOW + timedelta(days=4)  # Tuesday: the weekly schedule fired on Monday 02:00
    out = monitor(env, "--once", "weekly", "--as-of", later.isoformat())
    assert out.exit_code == 0, out.output
    assert ("中断的每周全面检查（运行 1，监测时间点 2026-11-20 12:00）不属于本周期，已放弃："
            "本轮重新检查全部账号") in out.output
    assert "每周全面检查 · 监测时间点 2026-11-24 12:00（运行 3）：3 个账号" in out.output
    assert _stored_runs(env) == [(1, "abandoned", 1), (2, "running", 0), (3, "complete", 3)]

    resume = CliRunner().invoke(app, ["inspect", "--resume", "1"], env=env)
    assert resume.exit_code == 2 and "被之后的每周全面检查放弃" in resume.output
    pruned = CliRunner().invoke(app, ["prune", "--keep", "1"], env=env)
    assert pruned.exit_code == 0 and "已删除运行 #1" in pruned.output, pruned.output
    assert [r[0] for r in _stored_runs(env)] == [2, 3]


def test_a_failed_scheduled_cycle_is_one_line_and_the_schedule_goes_on(setup, monkeypatch):
    _, rx, env = setup
    data_dir = Path(env["GOVMEDIA_DATA_DIR"])
    real_cycle = monitor_command.run_cycle

    def connection_dropped(*_a, **_k):
        raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))

    def schedule(_schedules, run_cycle, **_kwargs):  # three fire times, then a stop
        data_dir.write_text("", encoding="utf-8")  # a file where the archives go
        run_cycle("weekly", NOW)
        data_dir.unlink()
        monitor_command.run_cycle = connection_dropped
        try:
            run_cycle("daily", NOW + timedelta(hours=1))
        finally:
            monitor_command.run_cycle = real_cycle
        run_cycle("daily", NOW + timedelta(hours=2))

    monkeypatch.setattr(monitor_command, "run_schedule", schedule)
    out = monitor(env)
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "每周全面检查未完成：" in text and str(data_dir) in text
    assert "每日更新巡检未完成：server closed the connection（下一轮再试）" in text
    assert "每日更新巡检 · 监测时间点 2026-11-20 14:00：3 个账号" in text
    assert "监测已停止" in text and "Traceback" not in text
    assert text.count("（下一轮再试）") == 2
    assert len(rx.posts_to("/wecom")) == 2  # the cycle that worked sent its alerts


def test_a_weekly_cycle_that_cannot_write_its_files_is_one_line_with_once(setup, tmp_path):
    _, rx, env = setup
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")
    out = monitor({**env, "GOVMEDIA_DATA_DIR": str(blocked)}, "--once", "weekly", "--as-of",
                  NOW.isoformat())
    assert out.exit_code == 1, out.output
    assert "每周全面检查未完成：" in out.output and "not-a-folder" in out.output
    assert "Traceback" not in out.output and rx.posts == []


def test_once_weekly_at_another_time_of_the_period_keeps_that_time_and_the_run(
        setup, monkeypatch):
    _, _, env = setup
    _interrupted_weekly(env, monkeypatch)
    other = NOW + timedelta(hours=2)  # the same period (before Monday 02:00), another time
    out = monitor(env, "--once", "weekly", "--as-of", other.isoformat())
    assert out.exit_code == 0, out.output
    assert "续跑中断" not in out.output and "已放弃" not in out.output
    assert "每周全面检查 · 监测时间点 2026-11-20 14:00（运行 2）：3 个账号" in out.output
    assert [(r[0], r[1]) for r in _stored_runs(env)] == [(1, "running"), (2, "complete")]
