"""Alert messages in Chinese: one alert, or a digest of a cycle's alerts, as text and markdown.

Pure: the words come from data/monitor_alerts.yaml and the check table; channels.py wraps a
Message in each robot's JSON (or an e-mail). A digest too long for a channel is split by
digest_messages() into parts that each fit, numbered （1/2）, （2/2）.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from govmedia.artifacts import CHINA_TZ
from govmedia.checks.registry import check_table
from govmedia.monitor.warnings import rules
from govmedia.store.alerts import DueAlert

NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True, slots=True)
class Message:
    """One message to send: a subject line, plain text, markdown, and the alerts it carries."""

    subject: str
    text: str
    markdown: str
    alerts: tuple[DueAlert, ...]
    cycle: str
    as_of: datetime
    digest: bool
    changes: tuple[str, ...]  # the change label of each alert, in order
    part: tuple[int, int] = (1, 1)

    def as_json(self) -> dict[str, Any]:
        """Return the message as the generic webhook's JSON object."""
        return {
            "source": "govmedia",
            "type": "digest" if self.digest else "alert",
            "cycle": self.cycle,
            "as_of": self.as_of.isoformat(),
            "part": list(self.part),
            "title": self.subject,
            "text": self.text,
            "alerts": [_alert_json(a, c) for a, c in zip(self.alerts, self.changes,
                                                          strict=True)],
        }


def _alert_json(a: DueAlert, change: str) -> dict[str, Any]:
    return {
        "id": a.alert_id, "key": a.key, "revision": a.revision, "change": change,
        "kind": a.kind, "kind_name": kind_title(a.kind), "account": a.account,
        "owner": a.owner, "check": a.check, "check_name": check_title(a.check),
        "severity": a.severity, "target": a.target, "message": a.message,
        "suggestion": a.suggestion, "first_seen": a.first_seen.isoformat(),
        "run_id": a.run_id, "evidence": a.evidence,
    }


@cache
def _titles() -> dict[str, str]:
    return {cid: spec.title for cid, spec in check_table().items()}


def check_title(check: str) -> str:
    """Return the Chinese title of a check (its id when unknown)."""
    return _titles().get(check, check)


def kind_title(kind: str) -> str:
    """Return the Chinese name of a warning kind, e.g. 疑似单项否决."""
    return rules()["kinds"][kind]["title"]


def change_title(change: str) -> str:
    """Return the Chinese word for why an alert is sent now (新发现, 有变化, 再次出现, 补发)."""
    return rules()["changes"].get(change, rules()["changes"]["pending"])


def _when(t: datetime) -> str:
    return t.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def _cycle_line(cycle: str, as_of: datetime) -> str:
    return f"{rules()['cycles'][cycle]} · 监测时间点 {_when(as_of)}"


def alert_message(alert: DueAlert, change: str, cycle: str, as_of: datetime) -> Message:
    """Return the message of one alert."""
    product, kind = rules()["product"], kind_title(alert.kind)
    who = f"{alert.account}（{alert.owner}）" if alert.owner != alert.account else alert.account
    check = f"{check_title(alert.check)}（{alert.check}）"
    state = f"{change_title(change)}，本次问题首次发现于 {_when(alert.first_seen)}"
    facts = [("问题", alert.message), ("位置", alert.target), ("建议", alert.suggestion),
             ("检查项", check), ("状态", state)]
    facts = [(k, v) for k, v in facts if v]
    text = "\n".join([f"【{product}·{kind}】{who}", *(f"{k}：{v}" for k, v in facts),
                      _cycle_line(cycle, as_of)])
    markdown = "\n".join([f"### {kind}：{alert.account}",
                          f"> 主办单位：{alert.owner}", "",
                          *(f"**{k}**：{v}  " for k, v in facts), "",
                          f"{product} · {_cycle_line(cycle, as_of)}"])
    return Message(f"【{kind}】{alert.account}", text, markdown, (alert,), cycle, as_of,
                   False, (change,))


def _digest(alerts: Sequence[DueAlert], changes: Sequence[str], cycle: str, as_of: datetime,
            part: tuple[int, int]) -> Message:
    product = rules()["product"]
    counts = Counter(a.kind for a in alerts)
    order = [k for k in rules()["kinds"] if counts[k]]
    summary = "、".join(f"{kind_title(k)} {counts[k]} 条" for k in order)
    suffix = f"（{part[0]}/{part[1]}）" if part[1] > 1 else ""
    subject = f"【{product}】{rules()['cycles'][cycle]} {_when(as_of)}：{len(alerts)} 条{suffix}"
    text = [f"【{product}】{_cycle_line(cycle, as_of)}{suffix}", f"共 {len(alerts)} 条：{summary}"]
    md = [f"### {product}{suffix}", f"{_cycle_line(cycle, as_of)}", "",
          f"共 **{len(alerts)}** 条：{summary}"]
    for n, kind in enumerate(order):
        items = [(a, c) for a, c in zip(alerts, changes, strict=True) if a.kind == kind]
        number = NUMERALS[n] if n < len(NUMERALS) else str(n + 1)
        head = f"{number}、{kind_title(kind)}（{len(items)} 条）"
        text += ["", head]
        md += ["", f"#### {head}"]
        for i, (a, c) in enumerate(items, start=1):
            where = f"；位置：{a.target}" if a.target else ""
            text.append(f"{i}. {a.account}（{a.owner}）［{change_title(c)}］{a.message}{where}")
            md.append(f"{i}. **{a.account}**（{a.owner}）［{change_title(c)}］{a.message}{where}")
    return Message(subject, "\n".join(text), "\n".join(md), tuple(alerts), cycle, as_of, True,
                   tuple(changes), part)


def digest_messages(alerts: Sequence[DueAlert], changes: Sequence[str], cycle: str,
                    as_of: datetime, fits: Callable[[Message], bool]) -> list[Message]:
    """Return the digest of the alerts as few messages as fit (each part numbered)."""
    chunks: list[list[int]] = []
    for i in range(len(alerts)):
        if chunks:
            trial = chunks[-1] + [i]
            probe = _digest([alerts[j] for j in trial], [changes[j] for j in trial], cycle,
                            as_of, (99, 99))
            if fits(probe):
                chunks[-1] = trial
                continue
        chunks.append([i])
    return [_digest([alerts[j] for j in chunk], [changes[j] for j in chunk], cycle, as_of,
                    (n, len(chunks)))
            for n, chunk in enumerate(chunks, start=1)]
