"""Alert channels: settings parsing, each robot's JSON shape, signing, message size limits."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
from datetime import datetime

import pytest

from govmedia.artifacts import CHINA_TZ
from govmedia.monitor.channels import (
    ChannelError,
    channels_from_settings,
    dingtalk_sign,
    feishu_sign,
    fits,
    parse_webhook,
    webhook_request,
)
from govmedia.monitor.delivery import plan_messages
from govmedia.monitor.messages import Message, alert_message, digest_messages
from govmedia.settings import Settings
from govmedia.store.alerts import DueAlert

AS_OF = datetime(2026, 11, 20, 8, 30, tzinfo=CHINA_TZ)
NOW = 1_795_000_000.25  # the wall clock at sending (signatures use it, never the as-of)


def _alert(n: int = 1, kind: str = "freshness_warning", account: str = "青禾生态环境") -> DueAlert:
    checks = {"freshness_warning": "freshness.warning", "veto_candidate":
              "freshness.no_update_2w", "link_broken": "link.dead"}
    return DueAlert(n, f"key{n}", 1, account, "青禾省生态环境厅", kind, checks[kind],
                    "warn", "已发布文章", "已11天未更新，再过2天将触发“内容不更新”单项否决",
                    "请在14天期限内发布新内容", {"latest": None}, AS_OF, "daily", None)


def _message():
    return alert_message(_alert(), "new", "daily", AS_OF)


@pytest.mark.parametrize(("url", "kind", "msg"), [
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6", "wecom", "markdown"),
    ("https://oapi.dingtalk.com/robot/send?access_token=ab#secret=SECx", "dingtalk", "markdown"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/abc#msg=text", "feishu", "text"),
    ("https://open.larksuite.com/open-apis/bot/v2/hook/abc", "feishu", "post"),
    ("https://ops.example.gov.cn/hooks/govmedia", "generic", "json"),
    ("http://127.0.0.1:8080/robot#kind=dingtalk&msg=text", "dingtalk", "text"),
])
def test_webhook_kind_from_host_or_option(url, kind, msg):
    ch = parse_webhook(url)
    assert (ch.kind, ch.msg) == (kind, msg)
    assert "#" not in ch.url  # the fragment (options, secret) is never sent
    assert ch.id == parse_webhook(url).id and ch.id.startswith(kind + ":")


@pytest.mark.parametrize(("value", "error"), [
    ("ftp://example.gov.cn/x", "地址无效"),
    ("https://qyapi.weixin.qq.com/x?key=1#secret=abc", "不支持 secret"),
    ("https://oapi.dingtalk.com/robot/send#msg=post", "不支持 msg=post"),
    ("https://example.gov.cn/h#kind=slack", "kind=slack"),
    ("https://example.gov.cn/h#colour=red", "colour"),
    ("https://ops.example.gov.cn:abc/hooks/govmedia", "端口无效"),
    ("https://ops.example.gov.cn:70000/hooks/govmedia", "端口无效"),
    ("https://ops.example.gov.cn:0/hooks/govmedia", "端口无效"),
    ("['https://a.example.gov.cn/h', 'https://b.example.gov.cn/h']", "不能写成数组"),
    ("https://a.example.gov.cn/h\nhttps://a.example.gov.cn/h#name=again", "重复"),
])
def test_bad_webhooks_are_one_clear_error(value, error):
    with pytest.raises(ChannelError, match=error):
        channels_from_settings(Settings(alert_webhooks=value))


def test_several_webhooks_and_email_from_settings():
    chans = channels_from_settings(Settings(
        alert_webhooks="\n https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=1\n"
                       "https://ops.example.gov.cn/h#name=运维平台  https://open.feishu.cn/h/x\n",
        alert_email_to="a@example.gov.cn，b@example.gov.cn", smtp_host="smtp.example.gov.cn"))
    assert [c.kind for c in chans] == ["wecom", "generic", "feishu", "email"]
    assert chans[1].name == "运维平台"
    assert chans[3].recipients == ("a@example.gov.cn", "b@example.gov.cn")


@pytest.mark.parametrize(("settings", "error"), [
    (Settings(alert_email_to="a@example.gov.cn"), "smtp_host"),
    (Settings(alert_email_to="not-an-address", smtp_host="h"), "邮件地址无效"),
    (Settings(alert_mode="weekly"), "alert_mode"),
    (Settings(smtp_security="tls"), "smtp_security"),
    (Settings(alert_email_to="a@example.gov.cn", smtp_host="h", smtp_from="青禾省新媒体办"),
     "smtp_from"),
    (Settings(alert_email_to="a@example.gov.cn", smtp_host="h", smtp_from="办 <xmt@>"),
     "smtp_from"),
])
def test_bad_channel_settings(settings, error):
    with pytest.raises(ChannelError, match=error):
        channels_from_settings(settings)


def test_wecom_shapes():
    md = parse_webhook("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    url, data, headers = webhook_request(md, _message(), NOW)
    body = json.loads(data)
    assert url == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
    assert body["msgtype"] == "markdown" and set(body) == {"msgtype", "markdown"}
    assert "### 即将触发内容不更新：青禾生态环境" in body["markdown"]["content"]
    assert headers["content-type"].startswith("application/json")
    text = parse_webhook("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k#msg=text")
    body = json.loads(webhook_request(text, _message(), NOW)[1])
    assert body == {"msgtype": "text", "text": {"content": _message().text}}
    first_line = body["text"]["content"].split("\n")[0]
    assert first_line == "【政务新媒体监测预警·即将触发内容不更新】青禾生态环境（青禾省生态环境厅）"


def _doc_dingtalk_sign(timestamp: str, secret: str) -> str:
    # The Python example of 钉钉《自定义机器人安全设置》 (加签), transcribed.
    secret_enc = secret.encode("utf-8")
    string_to_sign_enc = f"{timestamp}\n{secret}".encode()
    hmac_code = hmac.new(secret_enc, string_to_sign_enc, digestmod=hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(hmac_code))


def _doc_feishu_sign(timestamp: str, secret: str) -> str:
    # The Python example of 飞书《自定义机器人使用指南》 (签名校验), transcribed.
    key_enc = f"{timestamp}\n{secret}".encode()
    hmac_code = hmac.new(key_enc, b"", digestmod=hashlib.sha256).digest()
    return base64.b64encode(hmac_code).decode("utf-8")


def test_sign_vectors():
    # Both values were checked with openssl (dgst -sha256 -hmac / -macopt hexkey) as well.
    secret = "SECb6f5a2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3"
    assert dingtalk_sign(secret, 1700000000000) == "I4Os+xpD3v9ErhTIm4NBNsCeTaaQ18+Z2bUKGfMQwXs="
    assert feishu_sign("qTHbNkLqJ4Ks6VXvB1mPrS", 1700000000) == (
        "biHcNyBGlp7TlLNCtgDFUWXtdusnUS3XTCDrc80I1BY=")


def test_dingtalk_shapes_and_signed_url():
    ch = parse_webhook("https://oapi.dingtalk.com/robot/send?access_token=tok#secret=SECabc")
    url, data, _ = webhook_request(ch, _message(), NOW)
    body = json.loads(data)
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "【即将触发内容不更新】青禾生态环境"
    assert "**问题**：已11天未更新" in body["markdown"]["text"]
    base, query = url.split("?", 1)
    assert base == "https://oapi.dingtalk.com/robot/send"
    params = dict(p.split("=", 1) for p in query.split("&"))
    assert params["access_token"] == "tok"
    assert params["timestamp"] == str(int(NOW * 1000))  # milliseconds
    assert params["sign"] == _doc_dingtalk_sign(params["timestamp"], "SECabc")  # URL-encoded
    text = parse_webhook("https://oapi.dingtalk.com/robot/send?access_token=tok#msg=text")
    url, data, _ = webhook_request(text, _message(), NOW)
    assert "timestamp" not in url  # no secret, no signature
    assert json.loads(data) == {"msgtype": "text", "text": {"content": _message().text}}


def test_feishu_shapes_and_signed_body():
    ch = parse_webhook("https://open.feishu.cn/open-apis/bot/v2/hook/x#secret=s3cr3t")
    body = json.loads(webhook_request(ch, _message(), NOW)[1])
    assert body["timestamp"] == str(int(NOW))  # seconds, as a string
    assert body["sign"] == _doc_feishu_sign(body["timestamp"], "s3cr3t")
    assert body["msg_type"] == "post"
    post = body["content"]["post"]["zh_cn"]
    assert post["title"] == "【即将触发内容不更新】青禾生态环境"
    assert all(para == [{"tag": "text", "text": para[0]["text"]}] for para in post["content"])
    assert any("请在14天期限内发布新内容" in p[0]["text"] for p in post["content"])
    text = parse_webhook("https://open.feishu.cn/open-apis/bot/v2/hook/x#msg=text")
    assert json.loads(webhook_request(text, _message(), NOW)[1]) == {
        "msg_type": "text", "content": {"text": _message().text}}


def test_generic_shape_and_signature_header():
    ch = parse_webhook("https://ops.example.gov.cn/hooks/govmedia#secret=k")
    _, data, headers = webhook_request(ch, _message(), NOW)
    body = json.loads(data)
    assert {k: body[k] for k in ("source", "type", "cycle", "as_of", "part")} == {
        "source": "govmedia", "type": "alert", "cycle": "daily",
        "as_of": "2026-11-20T08:30:00+08:00", "part": [1, 1]}
    (alert,) = body["alerts"]
    assert alert["account"] == "青禾生态环境" and alert["kind_name"] == "即将触发内容不更新"
    assert alert["change"] == "new" and alert["check"] == "freshness.warning"
    expected = hmac.new(b"k", data, hashlib.sha256).hexdigest()
    assert headers["x-govmedia-signature"] == f"sha256={expected}"


def test_digest_is_split_to_fit_wecom_and_keeps_every_alert():
    wecom = parse_webhook("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    alerts = [_alert(i, kind, f"青禾测试账号{i:03d}")
              for i, kind in enumerate(["veto_candidate", "freshness_warning", "link_broken"] * 30)]
    parts = digest_messages(alerts, ["new"] * len(alerts), "weekly", AS_OF,
                            lambda m: fits(wecom, m))
    assert len(parts) > 1
    assert all(fits(wecom, p) for p in parts)
    assert [a.alert_id for p in parts for a in p.alerts] == [a.alert_id for a in alerts]
    assert [p.part for p in parts] == [(i, len(parts)) for i in range(1, len(parts) + 1)]
    assert f"（1/{len(parts)}）" in parts[0].markdown
    assert "疑似单项否决" in parts[0].text and "共 " in parts[0].text


def test_each_mode_turns_into_a_digest_above_the_robot_rate():
    wecom = parse_webhook("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    few = [_alert(i) for i in range(3)]
    assert len(plan_messages(wecom, few, {}, "daily", AS_OF, "each")) == 3
    assert len(plan_messages(wecom, few, {}, "daily", AS_OF, "digest")) == 1
    many = [_alert(i) for i in range(25)]
    msgs = plan_messages(wecom, many, {}, "daily", AS_OF, "each")
    assert all(m.digest for m in msgs) and sum(len(m.alerts) for m in msgs) == 25
    assert "补发" in msgs[0].text  # not decided this cycle: a retry of an earlier alert


def test_an_oversized_single_alert_is_cut_not_dropped():
    huge = DueAlert(1, "k", 1, "青禾发布", "青禾省", "link_broken", "link.dead", "deduct",
                    "菜单", "很长的问题描述" * 400, "", {}, AS_OF, "weekly", 3)
    ch = parse_webhook("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k#msg=text")
    body = json.loads(webhook_request(ch, alert_message(huge, "new", "weekly", AS_OF), NOW)[1])
    content = body["text"]["content"]
    assert len(content.encode()) <= 2048 and content.endswith("（内容过长，已截断）")


def _many_alerts(n: int) -> list[DueAlert]:
    kinds = ["veto_candidate", "freshness_warning", "link_broken"]
    return [_alert(i, kinds[i % 3], f"青禾测试账号{i:03d}") for i in range(n)]


@pytest.mark.parametrize("url", [
    "https://open.feishu.cn/open-apis/bot/v2/hook/x#secret=s3cr3t",  # post: ~30 bytes a line
    "https://open.feishu.cn/open-apis/bot/v2/hook/x#msg=text",
    "https://oapi.dingtalk.com/robot/send?access_token=t#secret=SECabc",
])
def test_digest_parts_have_request_bodies_within_the_robots_20kb(url):
    ch = parse_webhook(url)
    alerts = _many_alerts(400)
    parts = plan_messages(ch, alerts, {}, "weekly", AS_OF, "digest")
    assert len(parts) > 1
    assert [a.alert_id for p in parts for a in p.alerts] == [a.alert_id for a in alerts]
    for p in parts:
        body = webhook_request(ch, p, NOW)[1]
        assert len(body) <= 20000
        assert "内容过长" not in body.decode()  # split to fit, never cut


def test_feishu_post_of_many_short_lines_is_cut_to_the_body_limit():
    ch = parse_webhook("https://open.feishu.cn/open-apis/bot/v2/hook/x#secret=s3cr3t")
    text = "\n".join(f"{i}. 青禾发布" for i in range(900))  # ~16 KB of text, 900 lines
    assert len(text.encode()) <= 18000
    msg = Message("【疑似单项否决】青禾发布", text, text, (), "daily", AS_OF, False, ())
    assert not fits(ch, msg)
    body = webhook_request(ch, msg, NOW)[1]
    assert len(body) <= 20000
    lines = [p[0]["text"] for p in json.loads(body)["content"]["post"]["zh_cn"]["content"]]
    assert lines[0] == "0. 青禾发布" and lines[-1] == "…（内容过长，已截断）"
    assert len(lines) > 300  # cut to what fits, not to nothing
