"""Sending alerts: the messages of each channel, retried with back-off, never dropped silently.

Channels are sent to in parallel (one thread each), so a channel that hangs or fails does not
hold up the others. Within a channel, a message is tried up to `alert_attempts` times while the
failure is one that waiting can cure (network, HTTP 5xx/429, a robot's rate limit, an SMTP 4xx);
after a message has failed, the channel's other messages wait for the next cycle. An error
nobody foresaw (an exception other than DeliveryError) fails that message and channel only,
with its traceback logged. Every alert gets an outcome (sent, or failed with the reason),
handed to `record` as soon as its message is done, so the store knows what went out even when
the process dies mid-cycle: a failed alert stays due and is sent again next cycle.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

import httpx

from govmedia.monitor.channels import Channel, fits, webhook_request
from govmedia.monitor.messages import Message, alert_message, digest_messages
from govmedia.monitor.warnings import rules
from govmedia.settings import Settings
from govmedia.store.alerts import DeliveryOutcome, DueAlert

Sleep = Callable[[float], None]
Record = Callable[[Sequence[DeliveryOutcome]], None]
log = logging.getLogger(__name__)
USER_AGENT = "govmedia/0.1 (+government new-media monitoring)"
SENDER_NAME = "政务新媒体监测"


class DeliveryError(Exception):
    """A message was not delivered: .message says why (Chinese), .retryable whether to wait."""

    def __init__(self, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


@dataclass
class ChannelReport:
    """What one channel got in this cycle."""

    channel: Channel
    messages_sent: int = 0
    messages_failed: int = 0
    errors: list[str] = field(default_factory=list)
    outcomes: list[DeliveryOutcome] = field(default_factory=list)

    @property
    def alerts_failed(self) -> int:
        return sum(not o.sent for o in self.outcomes)


def plan_messages(channel: Channel, alerts: Sequence[DueAlert], changes: Mapping[str, str],
                  cycle: str, as_of: datetime, mode: str) -> list[Message]:
    """Return the messages that carry these alerts to a channel (one each, or a digest)."""
    labels = [changes.get(a.key, "pending") for a in alerts]
    if not alerts:
        return []
    if mode == "digest" or len(alerts) > int(rules()["each_limit"]):
        return digest_messages(alerts, labels, cycle, as_of, lambda m: fits(channel, m))
    return [alert_message(a, c, cycle, as_of) for a, c in zip(alerts, labels, strict=True)]


def post_webhook(client: httpx.Client, channel: Channel, message: Message, now: float) -> None:
    """Post a message to a webhook; raise DeliveryError unless the robot accepted it."""
    url, data, headers = webhook_request(channel, message, now)
    try:
        resp = client.post(url, content=data, headers=headers)
    except httpx.TimeoutException:
        raise DeliveryError("连接超时", True) from None
    except httpx.TransportError as exc:
        raise DeliveryError(f"无法连接：{exc}", True) from None
    if resp.status_code >= 500 or resp.status_code == 429:
        raise DeliveryError(f"HTTP {resp.status_code}", True)
    if resp.status_code >= 400:
        raise DeliveryError(f"HTTP {resp.status_code}（请核对地址）", False)
    if channel.kind == "generic":
        return
    try:
        answer = resp.json()
    except ValueError:
        raise DeliveryError(f"应答不是 JSON（HTTP {resp.status_code}）", False) from None
    if not isinstance(answer, dict):
        raise DeliveryError("应答格式无法识别", False)
    if channel.kind == "feishu":
        code = answer.get("code", answer.get("StatusCode"))
        why = answer.get("msg") or answer.get("StatusMessage") or ""
    else:
        code, why = answer.get("errcode"), answer.get("errmsg") or ""
    if code != 0:
        limited = code in rules()["rate_limited"][channel.kind]
        raise DeliveryError(f"机器人返回错误 {code}：{why}".rstrip("："), limited)


def _sender(settings: Settings) -> tuple[str, str]:
    """Return the sender's display name and address: smtp_from ("a@b.cn" or "名称 <a@b.cn>"),
    else the SMTP login when it is an address."""
    if settings.smtp_from:
        name, addr = parseaddr(settings.smtp_from)
        return name or SENDER_NAME, addr
    addr = settings.smtp_user if "@" in settings.smtp_user else "govmedia@localhost"
    return SENDER_NAME, addr


def email_of(settings: Settings, channel: Channel, message: Message) -> EmailMessage:
    """Return the e-mail that carries a message (UTF-8 plain text)."""
    mail = EmailMessage()
    mail["Subject"] = message.subject
    name, addr = _sender(settings)
    sender = Address(name, addr_spec=addr)  # a Chinese name goes out RFC 2047 encoded
    mail["From"] = sender
    mail["To"] = ", ".join(channel.recipients)
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=sender.domain or "govmedia")
    mail.set_content(message.text)
    return mail


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """Log in; a non-ASCII login goes as UTF-8 AUTH PLAIN (RFC 4616), which smtplib refuses."""
    if (user + password).isascii():
        smtp.login(user, password)
        return
    smtp.ehlo_or_helo_if_needed()
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, answer = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


def send_email(settings: Settings, channel: Channel, message: Message,
               ssl_context: ssl.SSLContext | None = None) -> str:
    """Send a message by SMTP; return a note on refused recipients ("" when none).

    Raises DeliveryError unless at least one recipient accepted it.
    """
    ctx = ssl_context or ssl.create_default_context()
    host, port, timeout = settings.smtp_host, settings.smtp_port, settings.http_timeout
    try:
        if settings.smtp_security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ctx)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if settings.smtp_security == "starttls":
                smtp.starttls(context=ctx)
            if settings.smtp_user:
                _login(smtp, settings.smtp_user, settings.smtp_password)
            refused = smtp.send_message(email_of(settings, channel, message))
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"SMTP 登录失败（{exc.smtp_code}）：请核对 smtp_user、smtp_password",
                            False) from None
    except smtplib.SMTPNotSupportedError:
        raise DeliveryError("SMTP 服务器不支持 STARTTLS（可改用 smtp_security = ssl）",
                            False) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"收件人全部被拒绝：{', '.join(exc.recipients)}", False) from None
    except smtplib.SMTPResponseException as exc:
        detail = exc.smtp_error.decode("utf-8", "replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        raise DeliveryError(f"SMTP 错误 {exc.smtp_code}：{detail}",
                            400 <= exc.smtp_code < 500) from None
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(f"SMTP 服务器证书无法验证：{exc.verify_message}", False) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"无法连接 SMTP 服务器 {host}:{port}：{exc}", True) from None
    return f"部分收件人被拒绝：{', '.join(refused)}" if refused else ""


def _with_retries(send: Callable[[], str], attempts: int, delay: float,
                  sleep: Sleep) -> tuple[int, str, str]:
    """Return (attempts used, error or "", note) of sending with back-off between tries."""
    for n in range(1, attempts + 1):
        try:
            return n, "", send()
        except DeliveryError as exc:
            if not exc.retryable or n == attempts:
                return n, exc.message, ""
            sleep(delay * 2 ** (n - 1))
    raise AssertionError("unreachable")


def _unforeseen(channel: Channel, exc: Exception) -> str:
    """Return the Chinese reason of an error nobody foresaw, logging its traceback."""
    log.error("alert channel %s: unexpected error", channel.name, exc_info=exc)
    return f"发送时出现意外错误（{type(exc).__name__}：{exc}），下一轮重试"


def deliver_channel(channel: Channel, messages: Sequence[Message], settings: Settings, *,
                    record: Record | None = None, sleep: Sleep = time.sleep,
                    clock: Callable[[], float] = time.time,
                    ssl_context: ssl.SSLContext | None = None) -> ChannelReport:
    """Send the messages to one channel in order; return what was sent and what failed.

    record gets the outcomes of each message as soon as that message is done.
    """
    report = ChannelReport(channel)
    broken = ""
    with httpx.Client(timeout=settings.http_timeout, headers={"user-agent": USER_AGENT}) as http:

        def send_one(m: Message) -> str:
            if channel.kind == "email":
                return send_email(settings, channel, m, ssl_context)
            post_webhook(http, channel, m, clock())
            return ""

        for m in messages:
            if broken:
                n, err, note = 0, f"本轮未发送：该渠道前一条消息失败（{broken}）", ""
            else:
                try:
                    n, err, note = _with_retries(lambda m=m: send_one(m),
                                                 settings.alert_attempts,
                                                 settings.alert_retry_delay, sleep)
                except Exception as exc:  # one channel's bug fails that channel alone
                    n, err, note = 1, _unforeseen(channel, exc), ""
                broken = err
            if err:
                report.messages_failed += 1
                if n:
                    report.errors.append(err)
            else:
                report.messages_sent += 1
                if note:
                    report.errors.append(note)
            outcomes = [DeliveryOutcome(a.alert_id, a.revision, channel.id, not err, n,
                                        err or note) for a in m.alerts]
            report.outcomes += outcomes
            if record is not None:
                record(outcomes)
    return report


def deliver(channels: Sequence[Channel], due: Mapping[str, Sequence[DueAlert]],
            changes: Mapping[str, str], cycle: str, as_of: datetime, settings: Settings, *,
            record: Record | None = None, sleep: Sleep = time.sleep,
            clock: Callable[[], float] = time.time,
            ssl_context: ssl.SSLContext | None = None) -> list[ChannelReport]:
    """Send every channel its due alerts (in parallel); return one report per channel.

    record (called from the channels' threads, one call at a time) gets the outcomes of each
    message as soon as it is done.
    """
    plans = [(c, plan_messages(c, due.get(c.id, ()), changes, cycle, as_of,
                               settings.alert_mode)) for c in channels]
    if not plans:
        return []
    lock = threading.Lock()

    def record_one(outcomes: Sequence[DeliveryOutcome]) -> None:
        if record is not None:
            with lock:
                record(outcomes)

    with ThreadPoolExecutor(max_workers=len(plans), thread_name_prefix="alerts") as pool:
        futures = [pool.submit(deliver_channel, c, msgs, settings, record=record_one,
                               sleep=sleep, clock=clock, ssl_context=ssl_context)
                   for c, msgs in plans]
        return [f.result() for f in futures]
