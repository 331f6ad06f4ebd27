"""Dedup: which early warnings need an alert, given what was alerted before (pure).

One alert per problem (account + check + target) until it changes: a problem seen again with
the same fingerprint gives nothing; a changed fingerprint (warnings.compare), or a problem
back after it was resolved, gives a new revision (a new alert), unless the warning says it
needs none (a link problem already in the account's previous run: it is recorded quietly,
so a link broken since the baseline never alerts because its error changed). A problem is
resolved when its check reached a verdict for its account in this cycle and did not find it;
a check that could not run resolves nothing, and a cycle that did not run a check (the daily
one runs only the freshness checks) leaves that check's problems as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from govmedia.monitor.warnings import EarlyWarning, Observation, compare

# What a decision does to the stored alert.
NEW, CHANGED, BACK, SEEN, BASELINE, RESOLVED = (
    "new", "changed", "back", "seen", "baseline", "resolved")
ALERTING = frozenset({NEW, CHANGED, BACK})


@dataclass(frozen=True, slots=True)
class AlertState:
    """The stored state of one alert, as dedup needs it."""

    key: str
    account_id: int
    check: str
    status: str  # open | resolved
    fingerprint: str
    revision: int


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one alert key in this cycle; `warning` is None for a resolution."""

    key: str
    action: str
    revision: int
    warning: EarlyWarning | None = None


def _decide(w: EarlyWarning, state: AlertState | None) -> Decision:
    if state is None:
        return Decision(w.key, NEW if w.notify else BASELINE, 1 if w.notify else 0, w)
    if state.status != "open":
        if w.notify:
            return Decision(w.key, BACK, state.revision + 1, w)
        return Decision(w.key, BASELINE, state.revision, w)
    if state.fingerprint != w.fingerprint:
        changed, keep = compare(state.fingerprint, w.fingerprint)
        if changed and w.notify:
            return Decision(w.key, CHANGED, state.revision + 1, w)
        w = replace(w, fingerprint=keep)
    return Decision(w.key, SEEN, state.revision, w)


def plan(states: Iterable[AlertState], warnings: Iterable[EarlyWarning],
         observations: Iterable[Observation]) -> list[Decision]:
    """Return one decision per warning and per open alert that this cycle resolves."""
    by_key = {s.key: s for s in states}
    decisions = [_decide(w, by_key.get(w.key)) for w in warnings]
    seen = {d.key for d in decisions}
    checked = {o.account_id: o.checked for o in observations}
    for s in by_key.values():
        if s.status == "open" and s.key not in seen and s.check in checked.get(s.account_id, ()):
            decisions.append(Decision(s.key, RESOLVED, s.revision))
    return decisions
