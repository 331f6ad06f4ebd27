"""Early warnings: the findings of a cycle that an owner should hear about before a review.

Pure functions of the cycle's observations and the rules in data/monitor_alerts.yaml: a veto
finding is a veto candidate, freshness.warning is the 10-day warning, and a link problem is
"newly broken" when the account's previous run did not have it (in the account's first run it
is the baseline and gives no alert). Each warning carries its dedup key (account + check +
target) and a fingerprint of what the problem is, so that the same problem seen again is
recognised and a changed one is not (`compare`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import yaml

from govmedia.artifacts import CHINA_TZ
from govmedia.checks.freshness import article_key
from govmedia.findings import Finding

NEWEST_POST = "newest_post"  # a fingerprint that names the newest post (see newest_post)


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


def newest_post(finding: Finding) -> str:
    """Return "post <day> <article>": the Beijing day of the newest post in a freshness
    finding's evidence and a hash of its normalised URL ("-" for none)."""
    latest = finding.evidence.get("latest") or {}
    when, url = latest.get("published_at"), latest.get("url") or ""
    day = datetime.fromisoformat(when).astimezone(CHINA_TZ).date().isoformat() if when else "-"
    post = hashlib.sha256(article_key(url).encode()).hexdigest()[:16] if url else "-"
    return f"post {day} {post}"


def _post(fp: str) -> tuple[str, str] | None:
    parts = fp.split(" ")
    return (parts[1], parts[2]) if len(parts) == 3 and parts[0] == "post" else None


def compare(stored: str, seen: str) -> tuple[bool, str]:
    """Return (changed, fingerprint to keep) for a problem stored with one fingerprint and
    seen now with another.

    A hashed fingerprint changes with any of its fields. A newest-post fingerprint changes
    only when a newer post turns up (another article, on a later day): a source that could
    not be read this time gives another time for the same article (the API's update_time
    instead of the page's send time) or an older post, and that is the same silence, so the
    newest post known stays the one kept. A stored hash met by a newest-post fingerprint
    (stored before fingerprints named the post) is taken over without an alert.
    """
    old, new = _post(stored), _post(seen)
    if new is None:
        return stored != seen, seen
    if old is None:
        return False, seen
    if old[1] != "-" and old[1] == new[1]:  # the same article: its truer (earlier) day
        return False, stored if old[0] <= new[0] else seen
    return (True, seen) if new[0] > old[0] else (False, stored)


def fingerprint(kind: str, finding: Finding) -> str:
    """Return what the problem is: the newest post (newest_post) or the listed fields,
    hashed; see compare for what counts as a change."""
    spec = rules()["kinds"][kind]
    paths = spec.get("fingerprint_by_check", {}).get(finding.check, spec["fingerprint"])
    if paths == NEWEST_POST:
        return newest_post(finding)
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
