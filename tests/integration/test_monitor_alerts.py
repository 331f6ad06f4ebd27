"""Monitor cycles end to end: the sandbox world on 127.0.0.1, alerts to a local webhook
receiver (WeCom, DingTalk, Feishu, generic) and a local SMTP server (aiosmtpd).

Time moves by moving the world's clock and the as-of together (world.now), never by waiting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from govmedia.artifacts import CHINA_TZ
from govmedia.monitor.channels import Channel, channels_from_settings
from govmedia.monitor.cycle import run_cycle
from govmedia.sandbox import registry_rows, run_world
from govmedia.settings import Settings
from govmedia.store.accounts import upsert_accounts
from govmedia.store.db import open_db
from govmedia.store.models import AlertDeliveryRow, AlertRow
from tests.integration.monitor_helpers import (
    HEALTHY,
    NO_BROWSER,
    SILENT_11,
    SILENT_20,
    account,
    load_monitor_world,
    publish,
    smtp_receiver,
    webhook_receiver,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)
HOOKS = ("/wecom", "/dingtalk", "/feishu", "/hook")


@pytest.fixture
def world(tmp_path):
    w = load_monitor_world(tmp_path, NOW)
    with run_world(w):
        yield w


@pytest.fixture
def rx():
    with webhook_receiver() as receiver:
        yield receiver


@pytest.fixture
def mail():
    with smtp_receiver() as receiver:
        yield receiver


def settings_for(tmp_path, world, rx, mail, **changes) -> Settings:
    hooks = "\n".join([rx.url("/wecom") + "#kind=wecom",
                       rx.url("/dingtalk") + "#kind=dingtalk&secret=SECtest",
                       rx.url("/feishu") + "#kind=feishu&secret=fs-secret",
                       rx.url("/hook") + "#secret=generic-key&name=运维平台"])
    base = {"db": f"sqlite:///{tmp_path}/monitor.db", "wechat_api_base": world.base_url,
            "data_dir": str(tmp_path / "data"), "browser": NO_BROWSER, "alert_webhooks": hooks,
            "alert_email_to": "xinmeiti@qinghe.gov.cn, duty@qinghe.gov.cn",
            "smtp_host": "127.0.0.1", "smtp_port": mail.port, "smtp_security": "none"}
    return Settings(**{**base, **changes})


def cycle(cfg, world, name, as_of, sleeps=None, **kwargs):
    """Run one cycle with the world's clock at as_of; sleeps records back-off waits."""
    world.now = as_of
    eng = open_db(cfg.db)
    upsert_accounts(eng, registry_rows(world))  # idempotent
    waits = sleeps if sleeps is not None else []
    return run_cycle(eng, cfg, name, as_of, system="gb-2019-19",
                     channels=channels_from_settings(cfg), sleep=waits.append, **kwargs)


def texts(rx, path="/hook"):
    """Return the generic webhook's alerts as (account, kind, change)."""
    return [(a["account"], a["kind"], a["change"]) for p in rx.posts_to(path)
            for a in p.json["alerts"]]


def test_daily_cycle_sends_each_format_then_nothing_again(tmp_path, world, rx, mail):
    cfg = settings_for(tmp_path, world, rx, mail)
    report = cycle(cfg, world, "daily", NOW)
    assert report.actions == {"new": 2}
    assert set(texts(rx)) == {(SILENT_11, "freshness_warning", "new"),
                              (SILENT_20, "veto_candidate", "new")}
    for path in HOOKS:
        assert len(rx.posts_to(path)) == 2, path

    wecom = [p.json for p in rx.posts_to("/wecom")]
    assert all(set(b) == {"msgtype", "markdown"} for b in wecom)
    assert any(b["markdown"]["content"].startswith(f"### 即将触发内容不更新：{SILENT_11}")
               for b in wecom)

    for post in rx.posts_to("/dingtalk"):  # 加签: checked as DingTalk's server checks it
        ts, sign = post.query["timestamp"], post.query["sign"]
        mac = hmac.new(b"SECtest", f"{ts}\nSECtest".encode(), hashlib.sha256).digest()
        assert sign == base64.b64encode(mac).decode()
        assert abs(int(ts) / 1000 - time.time()) < 3600  # the robot's one-hour window
        assert post.json["msgtype"] == "markdown" and post.json["markdown"]["title"]

    for post in rx.posts_to("/feishu"):  # 签名校验
        body = post.json
        key = f"{body['timestamp']}\nfs-secret".encode()
        assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()
                                                ).decode()
        assert body["msg_type"] == "post" and body["content"]["post"]["zh_cn"]["title"]

    for post in rx.posts_to("/hook"):
        mac = hmac.new(b"generic-key", post.body, hashlib.sha256).hexdigest()
        assert post.headers["x-govmedia-signature"] == f"sha256={mac}"
        assert post.json["source"] == "govmedia" and post.json["cycle"] == "daily"

    assert len(mail.messages) == 2
    assert mail.envelopes[0][1] == ["xinmeiti@qinghe.gov.cn", "duty@qinghe.gov.cn"]
    subjects = sorted(m["Subject"] for m in mail.messages)
    assert subjects == [f"【即将触发内容不更新】{SILENT_11}", f"【疑似单项否决】{SILENT_20}"]
    veto = next(m for m in mail.messages if SILENT_20 in m["Subject"])
    assert "政务新媒体监测" in str(veto["From"])
    assert "监测时间点前14天内无更新" in veto.get_content()

    # The next day: the same two problems, no new alert anywhere (no alert storm).
    again = cycle(cfg, world, "daily", NOW + timedelta(days=1))
    assert again.actions == {"seen": 2} and again.due == 0
    assert all(len(rx.posts_to(p)) == 2 for p in HOOKS) and len(mail.messages) == 2


def test_resolved_then_back_alerts_again(tmp_path, world, rx, mail):
    cfg = settings_for(tmp_path, world, rx, mail, alert_email_to="")
    cycle(cfg, world, "daily", NOW)
    assert (SILENT_11, "freshness_warning", "new") in texts(rx)

    day2 = NOW + timedelta(days=1)
    publish(world, SILENT_11, "青禾省启动重污染天气应急响应", day2 - timedelta(hours=3))
    resolved = cycle(cfg, world, "daily", day2)
    assert resolved.actions["resolved"] == 1 and not resolved.alerting
    assert len(rx.posts_to("/hook")) == 2  # a resolution sends nothing

    later = day2 + timedelta(days=11)  # silent again since that post, 10+ days
    back = cycle(cfg, world, "daily", later)
    assert (SILENT_11, "freshness_warning", "back") in texts(rx)
    eng = open_db(cfg.db)
    with Session(eng) as s:
        row = s.scalars(select(AlertRow).where(AlertRow.check == "freshness.warning",
                                               AlertRow.status == "open")).all()
        revisions = {r.account_id: r.revision for r in row}
    assert sorted(revisions.values()) == [1, 2]  # 青禾发布 now silent too: its first alert
    assert (HEALTHY, "freshness_warning", "new") in texts(rx)
    assert back.actions["back"] == 1


def test_weekly_links_new_resolved_back_and_baseline_not_a_changed_reason(tmp_path, world,
                                                                          rx, mail):
    cfg = settings_for(tmp_path, world, rx, mail, alert_email_to="")
    site = account(world, HEALTHY).extra
    baseline = account(world, SILENT_11).extra
    # Already broken in the first inspection: the baseline, never a "newly broken" alert.
    baseline["site"] = {"hdjl/ldxx/": "404"}

    def links():
        return [(a, c) for a, k, c in texts(rx) if k == "link_broken"]

    first = cycle(cfg, world, "weekly", NOW)
    assert first.run_id is not None and first.actions["baseline"] == 1 and links() == []

    site["site"] = {"hdjl/zxft/": "404"}
    cycle(cfg, world, "weekly", NOW + timedelta(days=7))
    assert links() == [(HEALTHY, "new")]
    (message,) = [a["message"] for p in rx.posts_to("/hook") for a in p.json["alerts"]
                  if a["kind"] == "link_broken"]
    assert "互动交流/在线访谈" in message and "404" in message

    still = cycle(cfg, world, "weekly", NOW + timedelta(days=14))
    assert links() == [(HEALTHY, "new")] and still.actions["seen"] >= 2

    # The same links still broken, with another error: no alert (not newly broken).
    site["site"] = {"hdjl/zxft/": "500"}
    baseline["site"] = {"hdjl/ldxx/": "500"}
    flipped = cycle(cfg, world, "weekly", NOW + timedelta(days=21))
    assert links() == [(HEALTHY, "new")]
    assert not [d for d in flipped.alerting if d.warning.kind == "link_broken"]
    assert {d.action for d in flipped.decisions if d.warning is not None
            and d.warning.kind == "link_broken"} == {"seen"}
    baseline["site"] = {"hdjl/ldxx/": "404"}  # and back again
    cycle(cfg, world, "weekly", NOW + timedelta(days=24))
    assert links() == [(HEALTHY, "new")]

    site["site"] = {}
    fixed = cycle(cfg, world, "weekly", NOW + timedelta(days=28))
    assert fixed.actions["resolved"] >= 1 and links() == [(HEALTHY, "new")]

    site["site"] = {"hdjl/zxft/": "404"}
    cycle(cfg, world, "weekly", NOW + timedelta(days=35))
    assert links() == [(HEALTHY, "new"), (HEALTHY, "back")]

    # A daily cycle does not look at links, so it neither resolves nor repeats them.
    site["site"] = {}
    daily = cycle(cfg, world, "daily", NOW + timedelta(days=36))
    assert "resolved" not in {d.action for d in daily.decisions
                              if d.warning is None and "link" in d.key}
    with Session(open_db(cfg.db)) as s:
        link_rows = s.scalars(select(AlertRow).where(AlertRow.check == "link.dead")).all()
    assert {(r.target, r.status, r.revision) for r in link_rows} == {
        ("互动交流/领导信箱", "open", 0), ("互动交流/在线访谈", "open", 2)}


def test_digest_is_one_message_per_channel_per_cycle(tmp_path, world, rx, mail):
    cfg = settings_for(tmp_path, world, rx, mail, alert_mode="digest")
    cycle(cfg, world, "daily", NOW)
    for path in HOOKS:
        assert len(rx.posts_to(path)) == 1, path
    assert len(mail.messages) == 1
    (post,) = rx.posts_to("/hook")
    assert post.json["type"] == "digest" and len(post.json["alerts"]) == 2
    content = rx.posts_to("/wecom")[0].json["markdown"]["content"]
    assert SILENT_11 in content and SILENT_20 in content and "共 **2** 条" in content
    assert "2 条" in mail.messages[0]["Subject"]
    cycle(cfg, world, "daily", NOW + timedelta(days=1))
    assert all(len(rx.posts_to(p)) == 1 for p in HOOKS) and len(mail.messages) == 1


def test_failing_channels_are_retried_and_reported_while_others_deliver(tmp_path, world, rx,
                                                                        mail):
    closed = smtp_receiver()
    with closed as down:  # a port that answered once and now refuses connections
        port = down.port
    cfg = settings_for(tmp_path, world, rx, mail, smtp_port=port, alert_attempts=3,
                       alert_retry_delay=2.0)
    rx.fail("/dingtalk", 3, 500)
    rx.fail("/feishu", 1, 200, {"code": 11232, "msg": "frequency limited"})
    sleeps: list[float] = []
    report = cycle(cfg, world, "daily", NOW, sleeps)
    by_kind = {r.channel.kind: r for r in report.channels}
    assert report.failed
    assert by_kind["wecom"].messages_sent == 2 and not by_kind["wecom"].errors
    assert by_kind["generic"].messages_sent == 2
    assert by_kind["feishu"].messages_sent == 2  # rate limited once, then sent
    ding = by_kind["dingtalk"]
    assert ding.messages_sent == 0 and ding.alerts_failed == 2 and ding.errors == ["HTTP 500"]
    assert len(rx.posts_to("/dingtalk")) == 3  # three attempts, then the channel waits
    email = by_kind["email"]
    assert email.alerts_failed == 2 and "无法连接 SMTP 服务器" in email.errors[0]
    assert sorted(sleeps) == sorted([2.0, 4.0, 2.0, 2.0, 4.0])  # dingtalk, feishu, email

    with Session(open_db(cfg.db)) as s:
        rows = s.scalars(select(AlertDeliveryRow)).all()
    failed = {(r.channel.split(":")[0], r.status, r.attempts) for r in rows if r.status != "sent"}
    assert failed == {("dingtalk", "failed", 3), ("dingtalk", "failed", 0),
                      ("email", "failed", 3), ("email", "failed", 0)}

    # Next cycle: the failed channels get the two alerts (补发); the others nothing again.
    cfg = cfg.with_(smtp_port=mail.port)
    again = cycle(cfg, world, "daily", NOW + timedelta(hours=1))
    assert not again.failed and again.due == 2
    assert len(rx.posts_to("/dingtalk")) == 5 and len(mail.messages) == 2
    assert "补发" in rx.posts_to("/dingtalk")[-1].json["markdown"]["text"]
    assert len(rx.posts_to("/wecom")) == 2 and len(rx.posts_to("/hook")) == 2


def test_an_error_that_waiting_cannot_cure_is_not_retried(tmp_path, world, rx, mail):
    cfg = settings_for(tmp_path, world, rx, mail, alert_email_to="")
    rx.fail("/wecom", 1, 200, {"errcode": 93000, "errmsg": "invalid webhook url"})
    sleeps: list[float] = []
    report = cycle(cfg, world, "daily", NOW, sleeps)
    wecom = next(r for r in report.channels if r.channel.kind == "wecom")
    assert wecom.errors == ["机器人返回错误 93000：invalid webhook url"]
    assert len(rx.posts_to("/wecom")) == 1 and sleeps == []


@pytest.fixture(scope="module")
def tls():
    """A local CA and a certificate for 127.0.0.1 (trustme): server and client contexts."""
    import ssl

    import trustme

    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return server, client


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_email_over_tls_with_login(tmp_path, world, rx, tls, security):
    server_ctx, client_ctx = tls
    options = ({"tls_context": server_ctx, "require_starttls": True} if security == "starttls"
               else {"ssl_context": server_ctx})
    with smtp_receiver(login=("xinmeiti@qinghe.gov.cn", "口令-2026"), **options) as secure:
        cfg = settings_for(tmp_path, world, rx, secure, smtp_security=security,
                           smtp_user="xinmeiti@qinghe.gov.cn", smtp_password="口令-2026",
                           alert_webhooks="")
        report = cycle(cfg, world, "daily", NOW, ssl_context=client_ctx)
        (email,) = report.channels
        assert email.messages_sent == 2 and not email.errors
        assert secure.logins == ["xinmeiti@qinghe.gov.cn"] * 2
        assert {m["From"].addresses[0].addr_spec for m in secure.messages} == {
            "xinmeiti@qinghe.gov.cn"}

        wrong = cfg.with_(smtp_password="wrong", db=f"sqlite:///{tmp_path}/other.db")
        sleeps: list[float] = []
        failed = cycle(wrong, world, "daily", NOW, sleeps, ssl_context=client_ctx)
        (email,) = failed.channels
        assert "SMTP 登录失败" in email.errors[0] and sleeps == []  # not retried


def test_email_to_a_server_with_an_unknown_certificate_fails_clearly(tmp_path, world, rx, tls):
    server_ctx, _ = tls
    with smtp_receiver(ssl_context=server_ctx) as secure:
        cfg = settings_for(tmp_path, world, rx, secure, smtp_security="ssl", alert_webhooks="")
        sleeps: list[float] = []
        report = cycle(cfg, world, "daily", NOW, sleeps)  # the system's CAs: not ours
        (email,) = report.channels
        assert email.alerts_failed == 2 and "证书无法验证" in email.errors[0] and sleeps == []
        assert secure.messages == []


def test_an_unforeseen_error_on_one_channel_leaves_the_others_recorded(tmp_path, world, rx,
                                                                       mail):
    cfg = settings_for(tmp_path, world, rx, mail)
    # A URL parse_webhook refuses, as a channel made some other way could still carry one:
    # httpx raises InvalidURL, which is no DeliveryError.
    bad = Channel("generic:bad-port", "generic", "坏端口", "http://127.0.0.1:abc/hook", "json")
    channels = [*channels_from_settings(cfg), bad]
    eng = open_db(cfg.db)
    upsert_accounts(eng, registry_rows(world))
    report = run_cycle(eng, cfg, "daily", NOW, system="gb-2019-19", channels=channels,
                       sleep=lambda _s: None)
    by_id = {r.channel.id: r for r in report.channels}
    assert report.failed and by_id[bad.id].alerts_failed == 2
    assert by_id[bad.id].errors[0].startswith("发送时出现意外错误（InvalidURL")
    assert all(r.messages_sent == 2 for r in report.channels if r.channel.id != bad.id)

    # Next cycle: only the broken channel still has the two alerts due; nobody re-sends.
    world.now = NOW + timedelta(hours=1)
    again = run_cycle(eng, cfg, "daily", world.now, system="gb-2019-19", channels=channels,
                      sleep=lambda _s: None)
    assert again.due == 2
    assert {r.channel.id: r.messages_sent for r in again.channels} == {
        c.id: 0 for c in channels}
    assert all(len(rx.posts_to(p)) == 2 for p in HOOKS) and len(mail.messages) == 2


class Killed(BaseException):
    """Stands for the process being killed while it sends."""


def test_a_kill_while_sending_resends_at_most_the_message_in_flight(tmp_path, world, rx,
                                                                    mail):
    cfg = settings_for(tmp_path, world, rx, mail, alert_email_to="",
                       alert_webhooks=rx.url("/hook"))
    calls = []

    def clock() -> float:  # read once before each post: the second post never goes out
        calls.append(1)
        if len(calls) == 2:
            raise Killed
        return time.time()

    with pytest.raises(Killed):
        cycle(cfg, world, "daily", NOW, clock=clock)
    assert len(rx.posts_to("/hook")) == 1
    with Session(open_db(cfg.db)) as s:
        assert [r.status for r in s.scalars(select(AlertDeliveryRow))] == ["sent"]

    again = cycle(cfg, world, "daily", NOW + timedelta(hours=1))
    assert again.due == 1 and not again.failed
    sent = [a["id"] for p in rx.posts_to("/hook") for a in p.json["alerts"]]
    assert len(sent) == 2 and len(set(sent)) == 2  # the first alert was not sent again
