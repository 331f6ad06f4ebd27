"""Early warnings: the findings of a cycle that an owner should hear about before a review.

Pure functions of the cycle's observations and the rules in data/monitor_alerts.yaml: a veto
finding is a veto candidate, freshness.warning is the 10-day warning, and a link problem is
"newly broken" when the account's previous run did not have it (in the account's first run it
is the baseline and gives no alert). Each warning carries its dedup key (account + check +
target) and a fingerprint of what the problem is, so that the same problem seen again is
recognised and a changed one is not.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from govmedia.findings import Finding


@cache
def rules() -> dict[str, Any]:
    """Return the monitor's rules and words (data/monitor_alerts.yaml), loaded once."""
    text = (resources.files("govmedia") / "data" / "monitor_alerts.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True, slots=True)
class Observation:
    """What one cycle learned about one account: the checks that ran and what they found.

    `checked` holds the checks that reached a verdict (a not-checked check resolves nothing);
    `previous` the (check, target) pairs of the link findings in the account's previous run,
    None when the account has no previous run.
    """

    account_id: int
    account: str
    owner: str
    checked: frozenset[str]
    findings: tuple[Finding, ...] = ()
    not_checked: dict[str, str] = field(default_factory=dict)  # check -> reason
    previous: frozenset[tuple[str, str]] | None = None


@dataclass(frozen=True, slots=True)
class EarlyWarning:
    """One problem worth an alert, with its dedup key and fingerprint."""

    account_id: int
    account: str
    owner: str
    kind: str
    finding: Finding
    fingerprint: str
    notify: bool = True  # False: recorded as the baseline, no alert

    @property
    def key(self) -> str:
        return alert_key(self.account_id, self.finding.check, self.finding.target)


def alert_key(account_id: int, check: str, target: str) -> str:
    """Return the dedup key of a problem: SHA-256 of account id, check id and target."""
    return hashlib.sha256(f"{account_id}\n{check}\n{target}".encode()).hexdigest()


def kind_of(finding: Finding) -> str | None:
    """Return the warning kind a finding belongs to (first match in the rules), or None."""
    for name, spec in rules()["kinds"].items():
        if "severities" in spec and finding.severity not in spec["severities"]:
            continue
        if "checks" in spec and finding.check not in spec["checks"]:
            continue
        if "check_prefix" in spec and not finding.check.startswith(spec["check_prefix"]):
            continue
        return name
    return None


def _field(finding: Finding, path: str) -> Any:
    value: Any = finding.to_dict()
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def fingerprint(kind: str, finding: Finding) -> str:
    """Return what the problem is, hashed: a change of these fields is a new alert."""
    spec = rules()["kinds"][kind]
    paths = spec.get("fingerprint_by_check", {}).get(finding.check, spec["fingerprint"])
    facts = [_field(finding, p) for p in paths]
    blob = json.dumps([kind, finding.check, facts], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def early_warnings(observations: list[Observation]) -> list[EarlyWarning]:
    """Return the early warnings in the observations, one per key (the first finding wins)."""
    out: dict[str, EarlyWarning] = {}
    for obs in observations:
        for f in obs.findings:
            kind = kind_of(f)
            if kind is None:
                continue
            notify = True
            if rules()["kinds"][kind].get("new_since_previous_run"):
                notify = obs.previous is not None and (f.check, f.target) not in obs.previous
            w = EarlyWarning(obs.account_id, obs.account, obs.owner, kind, f,
                             fingerprint(kind, f), notify)
            out.setdefault(w.key, w)
    return list(out.values())
