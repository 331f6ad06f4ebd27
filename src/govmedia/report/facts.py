"""Numbers the reports state about findings: problem types, good practices, indicators.

Computed once from the evaluation result (report/result.py) and the indicator system, never
typed: how many accounts have each problem, out of how many on which the check could run,
how many findings await review, which accounts show each good practice. A finding a
reviewer dismissed counts nowhere; a machine finding not yet reviewed counts, marked 待复核.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from govmedia.checks.registry import check_table
from govmedia.indicators.engine import IndicatorSystem
from govmedia.report.evidence import EvidenceIndex
from govmedia.report.text import groups

PRACTICE = "practice."


@dataclass(frozen=True)
class ReportInput:
    """Everything a report is built from: the result, its indicator system, the evidence."""

    result: dict[str, Any]
    system: IndicatorSystem
    index: EvidenceIndex = field(default_factory=EvidenceIndex)

    @property
    def accounts(self) -> list[dict[str, Any]]:
        return self.result["accounts"]


def check_title(check: str) -> str:
    """Return the Chinese title of a check (its id when it is not in the table)."""
    spec = check_table().get(check)
    return spec.title.removeprefix("亮点做法：") if spec else check


def live_findings(acc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the account's findings that a reviewer has not dismissed."""
    return [f for f in acc.get("findings", ()) if f.get("review") != "dismissed"]


def is_problem(f: Mapping[str, Any]) -> bool:
    """Return True for a finding that is a problem (not a practice, not a note)."""
    return (f["severity"] != "info" and not f["check"].startswith(PRACTICE)
            and f["check"] not in groups()["notes"])


def checked_by(inp: ReportInput, check: str) -> list[dict[str, Any]]:
    """Return the accounts on which a check ran (it is in the system and was not 未能检查)."""
    if check not in inp.system.check_ids:
        return []
    return [a for a in inp.accounts
            if all(n["check"] != check for n in a.get("not_checked", ()))]


SCORED = ("veto", "deduct")  # severities that decide a verdict or cost points


@dataclass
class CheckStat:
    check: str
    title: str
    accounts: list[dict[str, Any]]  # accounts with a finding of the check (any severity)
    scored: list[dict[str, Any]]  # accounts with a veto or deduct finding of the check
    severity: str  # the gravest severity found: veto | deduct | warn
    findings: int
    pending: int  # machine findings not yet reviewed
    checked: int  # accounts on which the check ran

    @property
    def share(self) -> float | None:
        return round(len(self.accounts) / self.checked, 4) if self.checked else None


@dataclass
class ProblemStat:
    """A problem type: the accounts it costs (veto/deduct) and those with notices only (warn)."""

    id: str
    title: str
    intro: str
    checks: list[CheckStat]
    accounts: list[dict[str, Any]]  # accounts with a veto or deduct finding of the type
    notice: list[dict[str, Any]]  # accounts with warn findings of the type only
    checked: int  # accounts on which at least one check of the type ran

    @property
    def share(self) -> float | None:
        return round(len(self.accounts) / self.checked, 4) if self.checked else None

    @property
    def findings(self) -> int:
        return sum(c.findings for c in self.checks)

    @property
    def pending(self) -> int:
        return sum(c.pending for c in self.checks)


def _check_stat(inp: ReportInput, check: str) -> CheckStat:
    hits = [(a, [f for f in live_findings(a) if f["check"] == check and is_problem(f)])
            for a in inp.accounts]
    hits = [(a, fs) for a, fs in hits if fs]
    severities = {f["severity"] for _, fs in hits for f in fs}
    gravest = next((s for s in ("veto", "deduct", "warn") if s in severities), "warn")
    return CheckStat(check, check_title(check), [a for a, _ in hits],
                     [a for a, fs in hits if any(f["severity"] in SCORED for f in fs)], gravest,
                     sum(len(fs) for _, fs in hits),
                     sum(f.get("review", "machine") == "machine" for _, fs in hits for f in fs),
                     len(checked_by(inp, check)))


def _union(lists: list[list[dict[str, Any]]]) -> dict[int, dict[str, Any]]:
    return {id(a): a for lst in lists for a in lst}


def problem_stats(inp: ReportInput) -> list[ProblemStat]:
    """Return the problem types found, most accounts first (types nobody has are left out).

    The headline count of a type is the accounts with a veto or deduct finding of it; accounts
    with only warnings (should be fixed, not scored) are counted apart, as notices.
    """
    seen = {f["check"] for a in inp.accounts for f in live_findings(a) if is_problem(f)}
    specs = list(groups()["problems"])
    mapped = {c for s in specs for c in s["checks"]}
    if other := sorted(seen - mapped):
        specs.append({"id": "other", "title": "其他问题", "checks": other, "intro": ""})
    out = []
    for spec in specs:
        found = [s for s in (_check_stat(inp, c) for c in spec["checks"]) if s.accounts]
        if not found:
            continue
        scored = _union([s.scored for s in found])
        anyhow = _union([s.accounts for s in found])
        ran = {id(a) for c in spec["checks"] for a in checked_by(inp, c)}
        out.append(ProblemStat(spec["id"], spec["title"], spec.get("intro", ""), found,
                               list(scored.values()),
                               [a for k, a in anyhow.items() if k not in scored], len(ran)))
    out.sort(key=lambda p: (-len(p.accounts), -len(p.notice)))
    return out


@dataclass
class PracticeGroup:
    id: str
    title: str
    intro: str
    items: list[tuple[str, str, list[tuple[dict[str, Any], dict[str, Any]]]]]
    # (check, title, [(account, finding)])


def practice_groups(inp: ReportInput) -> list[PracticeGroup]:
    """Return the good-practice groups with the accounts that show each practice."""
    found: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for a in inp.accounts:
        for f in live_findings(a):
            if f["check"].startswith(PRACTICE):
                found.setdefault(f["check"], []).append((a, f))
    specs = list(groups()["practices"])
    mapped = {c for s in specs for c in s["checks"]}
    if other := sorted(set(found) - mapped):
        specs.append({"id": "other", "title": "其他亮点做法", "checks": other, "intro": ""})
    out = []
    for spec in specs:
        items = [(c, check_title(c), found[c]) for c in spec["checks"] if c in found]
        if items:
            out.append(PracticeGroup(spec["id"], spec["title"], spec.get("intro", ""), items))
    return out


def indicator_of(system: IndicatorSystem, check: str, severity: str) -> tuple[int, str]:
    """Return (order, label) of the indicator a finding counts under: vetoes first, then the
    areas and their indicators, deductions, then the rest (提示项)."""
    if severity == "veto":
        for i, v in enumerate(system.vetoes):
            if check in v.checks:
                return i, f"单项否决：{v.name}"
        return len(system.vetoes), "单项否决"
    base = 100
    for ai, area in enumerate(system.areas):
        for ii, ind in enumerate(area.indicators):
            if any(not r.metric and r.source == check for r in ind.rules):
                return base + ai * 20 + ii, f"{area.name}：{ind.name}"
    for d in system.deductions:
        if d.check == check:
            return 1000, f"扣分项：{check_title(check)}"
    if check.startswith(PRACTICE):
        return 3000, "亮点做法（不计入问题）"
    return 2000, "提示项（不计分）"
