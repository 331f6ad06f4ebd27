"""Sending alerts without a network: the e-mail's headers, and a channel's unforeseen error."""

from __future__ import annotations

from datetime import datetime
from email import message_from_bytes, policy

import pytest

from govmedia.artifacts import CHINA_TZ
from govmedia.monitor.channels import Channel
from govmedia.monitor.delivery import deliver_channel, email_of
from govmedia.monitor.messages import alert_message
from govmedia.settings import Settings
from govmedia.store.alerts import DueAlert

AS_OF = datetime(2026, 11, 20, 8, 30, tzinfo=CHINA_TZ)
MAIL = Channel("email:x", "email", "邮件", msg="text", recipients=("duty@qinghe.gov.cn",))


def _message(n: int = 1):
    alert = DueAlert(n, f"key{n}", 1, "青禾民政", "青禾省民政厅", "veto_candidate",
                     "freshness.no_update_2w", "veto", "已发布文章", "监测时间点前14天内无更新",
                     "", {}, AS_OF, "daily", None)
    return alert_message(alert, "new", "daily", AS_OF)


@pytest.mark.parametrize(("smtp_from", "smtp_user", "name", "addr"), [
    ("青禾省新媒体办 <xmt@qinghe.gov.cn>", "", "青禾省新媒体办", "xmt@qinghe.gov.cn"),
    ('"Qinghe, Duty" <duty@qinghe.gov.cn>', "", "Qinghe, Duty", "duty@qinghe.gov.cn"),
    ("xmt@qinghe.gov.cn", "", "政务新媒体监测", "xmt@qinghe.gov.cn"),
    ("", "login@qinghe.gov.cn", "政务新媒体监测", "login@qinghe.gov.cn"),
])
def test_from_header_takes_the_display_name_and_address_apart(smtp_from, smtp_user, name,
                                                              addr):
    mail = email_of(Settings(smtp_from=smtp_from, smtp_user=smtp_user), MAIL, _message())
    wire = mail.as_bytes()
    assert wire.isascii()  # the Chinese name travels RFC 2047 encoded
    parsed = message_from_bytes(wire, policy=policy.default)
    (sender,) = parsed["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (name, addr)
    assert parsed["Message-ID"].endswith("@" + addr.split("@")[1] + ">")


def test_an_unforeseen_error_fails_its_channel_in_chinese_and_each_message_is_recorded():
    # parse_webhook refuses this port; a channel made some other way must still fail alone.
    bad = Channel("generic:bad", "generic", "运维平台", "https://ops.example.gov.cn:abc/h", "json")
    recorded = []
    report = deliver_channel(bad, [_message(1), _message(2)], Settings(alert_attempts=3),
                             record=recorded.append, sleep=lambda _s: None)
    assert (report.messages_sent, report.messages_failed, report.alerts_failed) == (0, 2, 2)
    (error,) = report.errors
    assert error.startswith("发送时出现意外错误（InvalidURL") and "下一轮重试" in error
    assert [[(o.alert_id, o.sent, o.attempts) for o in r] for r in recorded] == [
        [(1, False, 1)], [(2, False, 0)]]  # one call per message, as it is done
    assert recorded[1][0].error.startswith("本轮未发送")
