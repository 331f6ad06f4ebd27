"""`govmedia monitor` through the command line: --once cycles, bad input, and a clean stop of
the scheduler on SIGTERM and Ctrl-C (a real process; it is stopped, never waited out)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from typer.testing import CliRunner

from govmedia.artifacts import CHINA_TZ
from govmedia.cli import app
from govmedia.sandbox import registry_rows, run_world
from govmedia.store.accounts import upsert_accounts
from govmedia.store.db import open_db
from govmedia.store.locks import exclusive
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
