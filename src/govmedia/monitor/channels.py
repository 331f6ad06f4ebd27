"""Alert channels: where alerts go (from settings) and each group robot's JSON format.

Webhooks come from the `alert_webhooks` setting, one URL per line or separated by spaces. The
kind follows the host (qyapi.weixin.qq.com WeCom, oapi.dingtalk.com DingTalk, open.feishu.cn /
open.larksuite.com Feishu, anything else the generic JSON webhook); options sit in the URL
fragment, which HTTP never sends: `#secret=SEC…&msg=text&kind=dingtalk&name=值班群`.

Formats, as the robots' documentation gives them:
- WeCom (企业微信群机器人): {"msgtype": "markdown", "markdown": {"content": …}} or
  {"msgtype": "text", "text": {"content": …}}; no signing (the key is in the URL).
- DingTalk (钉钉自定义机器人): {"msgtype": "markdown", "markdown": {"title", "text"}} or
  {"msgtype": "text", "text": {"content"}}; with a 加签 secret the URL gets &timestamp=<ms>
  &sign=urlencode(base64(HmacSHA256(key=secret, msg=timestamp + "\\n" + secret))).
- Feishu (飞书自定义机器人): {"msg_type": "post", "content": {"post": {"zh_cn": {"title",
  "content": [[{"tag": "text", "text"}], …]}}}} or {"msg_type": "text", "content": {"text"}};
  with a 签名校验 secret the body gets "timestamp": "<s>" and
  "sign": base64(HmacSHA256(key=timestamp + "\\n" + secret, msg="")).
- generic: Message.as_json() (source, type, cycle, as_of, title, text, alerts[...]); with a
  secret, the header X-Govmedia-Signature: sha256=<hex HmacSHA256(key=secret, msg=body)>,
  as GitHub signs its webhooks, so the receiver can check where a post came from.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx

from govmedia.monitor.messages import Message
from govmedia.monitor.warnings import rules
from govmedia.settings import Settings

HOST_KINDS = {"qyapi.weixin.qq.com": "wecom", "oapi.dingtalk.com": "dingtalk",
              "open.feishu.cn": "feishu", "open.larksuite.com": "feishu"}
MSG_TYPES = {"wecom": ("markdown", "text"), "dingtalk": ("markdown", "text"),
             "feishu": ("post", "text"), "generic": ("json",), "email": ("text",)}
KIND_NAMES = {"wecom": "企业微信", "dingtalk": "钉钉", "feishu": "飞书", "generic": "Webhook",
              "email": "邮件"}
OPTIONS = ("secret", "msg", "kind", "name")
MODES = ("each", "digest")
SECURITY = ("starttls", "ssl", "none")
_ADDRESS = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


class ChannelError(ValueError):
    """An alert channel setting is invalid (a user error; the message names the setting)."""


@dataclass(frozen=True, slots=True)
class Channel:
    """One place alerts go: a webhook (kind, URL, message type, signing secret) or e-mail."""

    id: str  # stable across runs: kind + hash of the URL (or of the recipients)
    kind: str  # wecom | dingtalk | feishu | generic | email
    name: str
    url: str = ""
    msg: str = ""
    secret: str = field(default="", repr=False)
    recipients: tuple[str, ...] = ()


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def parse_webhook(entry: str) -> Channel:
    """Return the channel of one alert_webhooks entry; raise ChannelError when it is bad."""
    parts = urlsplit(entry)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ChannelError(f"alert_webhooks 中的地址无效：{entry!r}（应以 https:// 开头）")
    try:
        bad_port = parts.port == 0  # urlsplit checks the port only when it is read
    except ValueError:
        bad_port = True
    if bad_port:
        raise ChannelError(f"alert_webhooks 中的地址端口无效：{entry!r}"
                           "（端口应为 1 到 65535 的数字）")
    opts = {k: v[-1] for k, v in parse_qs(parts.fragment, keep_blank_values=True).items()}
    if unknown := sorted(set(opts) - set(OPTIONS)):
        raise ChannelError(f"alert_webhooks 地址 {parts.hostname} 的选项 {'、'.join(unknown)} "
                           f"无法识别（可用：{'、'.join(OPTIONS)}）")
    kind = opts.get("kind") or HOST_KINDS.get(parts.hostname.lower(), "generic")
    if kind not in ("wecom", "dingtalk", "feishu", "generic"):
        raise ChannelError(f"alert_webhooks 地址 {parts.hostname} 的 kind={kind} 无法识别"
                           "（可用：wecom、dingtalk、feishu、generic）")
    msg = opts.get("msg") or MSG_TYPES[kind][0]
    if msg not in MSG_TYPES[kind]:
        raise ChannelError(f"alert_webhooks 地址 {parts.hostname}：{KIND_NAMES[kind]}不支持 "
                           f"msg={msg}（可用：{'、'.join(MSG_TYPES[kind])}）")
    secret = opts.get("secret", "")
    if secret and kind == "wecom":
        raise ChannelError(f"alert_webhooks 地址 {parts.hostname}：企业微信群机器人不支持 "
                           "secret（加签），密钥已在地址的 key 参数中")
    url = urlunsplit(parts._replace(fragment=""))
    try:
        httpx.URL(url)  # what the sender will parse: a bad URL is a settings error, now
    except httpx.InvalidURL as exc:
        raise ChannelError(f"alert_webhooks 中的地址无效：{entry!r}（{exc}）") from None
    name = opts.get("name") or f"{KIND_NAMES[kind]} {parts.hostname}"
    return Channel(f"{kind}:{_hash(url)}", kind, name, url, msg, secret)


def _recipients(text: str) -> tuple[str, ...]:
    found = tuple(a for a in re.split(r"[\s,;，；]+", text) if a)
    if bad := [a for a in found if not _ADDRESS.match(a)]:
        raise ChannelError(f"alert_email_to 中的邮件地址无效：{'、'.join(bad)}")
    return found


def channels_from_settings(settings: Settings) -> list[Channel]:
    """Return the alert channels the settings name; raise ChannelError for a bad setting."""
    if settings.alert_mode not in MODES:
        raise ChannelError(f"alert_mode 只能是 each 或 digest，而不是 {settings.alert_mode!r}")
    if settings.smtp_security not in SECURITY:
        raise ChannelError(f"smtp_security 只能是 starttls、ssl 或 none，而不是 "
                           f"{settings.smtp_security!r}")
    text = settings.alert_webhooks.strip()
    if text.startswith("["):
        raise ChannelError("alert_webhooks 应为字符串：多个地址每行一个（或用空格分隔），"
                           "不能写成数组")
    out = [parse_webhook(e) for e in text.split()]
    if recipients := _recipients(settings.alert_email_to):
        if not settings.smtp_host:
            raise ChannelError("已设置 alert_email_to，但未设置 smtp_host（发信服务器）")
        if settings.smtp_from and not _ADDRESS.match(parseaddr(settings.smtp_from)[1]):
            raise ChannelError(f"smtp_from 中的发件地址无效：{settings.smtp_from!r}"
                               "（应为 a@b.cn 或 名称 <a@b.cn>）")
        ident = f"{settings.smtp_host}\n" + "\n".join(sorted(recipients))
        out.append(Channel(f"email:{_hash(ident)}", "email",
                           f"邮件 {', '.join(recipients)}", msg="text", recipients=recipients))
    ids = [c.id for c in out]
    if len(set(ids)) != len(ids):
        raise ChannelError("alert_webhooks 中有重复的地址")
    return out


# --- formats --------------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """Return DingTalk's sign (before URL encoding): base64 HmacSHA256(secret, ts\\nsecret)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Return Feishu's sign: base64 of HmacSHA256 keyed by "ts\\nsecret" over empty bytes."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def content_of(channel: Channel, message: Message) -> str:
    """Return the text that the channel's content limit (limits in the data file) applies to."""
    if channel.msg == "json":
        return json.dumps(message.as_json(), ensure_ascii=False)
    return message.markdown if channel.msg == "markdown" else message.text


# The latest time a 10-digit Unix timestamp can say (13 digits in milliseconds): a body
# measured with it is as long as any body a signature can make before the year 2286.
_LONGEST_TIME = 9_999_999_999.999


def _limits(channel: Channel) -> tuple[int, int | None]:
    """Return the channel's content limit and its request body limit (None: no limit)."""
    body = rules()["body_limits"].get(channel.kind) if channel.kind != "email" else None
    return int(rules()["limits"][channel.kind][channel.msg]), body


def fits(channel: Channel, message: Message) -> bool:
    """Return True when the message goes whole: its content and (for a webhook) the encoded
    request body, signature included, are within the channel's limits."""
    content, body = _limits(channel)
    if len(content_of(channel, message).encode("utf-8")) > content:
        return False
    return body is None or len(_request(channel, message, message.text, message.markdown,
                                        _LONGEST_TIME)[1]) <= body


def _cut(text: str, limit: int) -> str:
    """Return text cut to at most limit UTF-8 bytes, saying that it was cut."""
    if len(text.encode("utf-8")) <= limit:
        return text
    note = "\n…（内容过长，已截断）"
    room = limit - len(note.encode("utf-8"))
    return text.encode("utf-8")[:max(room, 0)].decode("utf-8", "ignore") + note


def webhook_request(channel: Channel, message: Message,
                    now: float) -> tuple[str, bytes, dict[str, str]]:
    """Return the URL, JSON body and headers that send a message to a webhook at time now.

    A message too long for the channel is cut (saying so) until both its content and the
    encoded body are within the limits: Feishu's post, for one, adds about 30 bytes a line.
    """
    content, body = _limits(channel)

    def request(limit: int) -> tuple[str, bytes, dict[str, str]]:
        return _request(channel, message, _cut(message.text, limit),
                        _cut(message.markdown, limit), now)

    whole = request(content)
    if body is None or len(whole[1]) <= body:
        return whole
    # A longer cut never makes a shorter body: find the longest cut whose body fits.
    low, high = 0, content
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if len(request(mid)[1]) <= body else (low, mid - 1)
    return request(low)


def _request(channel: Channel, message: Message, text: str, md: str,
             now: float) -> tuple[str, bytes, dict[str, str]]:
    """Return the URL, body and headers of the message with this text and markdown."""
    url = channel.url
    if channel.kind == "wecom":
        body: dict[str, Any] = ({"msgtype": "markdown", "markdown": {"content": md}}
                                if channel.msg == "markdown"
                                else {"msgtype": "text", "text": {"content": text}})
    elif channel.kind == "dingtalk":
        body = ({"msgtype": "markdown", "markdown": {"title": message.subject, "text": md}}
                if channel.msg == "markdown" else {"msgtype": "text", "text": {"content": text}})
        if channel.secret:
            ts = int(now * 1000)
            sep = "&" if urlsplit(url).query else "?"
            url += sep + urlencode({"timestamp": ts, "sign": dingtalk_sign(channel.secret, ts)})
    elif channel.kind == "feishu":
        if channel.msg == "post":
            lines = text.split("\n")
            post = {"title": message.subject,
                    "content": [[{"tag": "text", "text": line}] for line in lines]}
            body = {"msg_type": "post", "content": {"post": {"zh_cn": post}}}
        else:
            body = {"msg_type": "text", "content": {"text": text}}
        if channel.secret:
            ts = int(now)
            body = {"timestamp": str(ts), "sign": feishu_sign(channel.secret, ts), **body}
    else:
        body = message.as_json()
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = {"content-type": "application/json; charset=utf-8"}
    if channel.kind == "generic" and channel.secret:
        mac = hmac.new(channel.secret.encode("utf-8"), data, hashlib.sha256).hexdigest()
        headers["x-govmedia-signature"] = f"sha256={mac}"
    return url, data, headers
