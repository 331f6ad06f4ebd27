"""The one table of checks: id → function, what it needs, what it is about.

A check is a pure function `(AccountArtifacts, CheckContext) -> list[Finding]`. It raises
NotChecked(reason) when it cannot reach a verdict; the runner records that as a result,
never as a pass. Adding a check is one function and one row here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from govmedia.artifacts import AccountArtifacts
from govmedia.checks import freshness
from govmedia.findings import CheckResult, Finding, NotChecked


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a check may know besides the artifacts: the inspection time and its parameters."""

    as_of: datetime
    params: Mapping[str, Any] = field(default_factory=dict)

    def param(self, name: str, default: Any) -> Any:
        return self.params.get(name, default)


CheckFunc = Callable[[AccountArtifacts, CheckContext], list[Finding]]


@dataclass(frozen=True, slots=True)
class CheckSpec:
    id: str
    func: CheckFunc
    title: str  # Chinese, shown in reports
    basis: str  # the document and clause the check enforces
    severity: str  # default severity of its findings


CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("freshness.no_update_2w", freshness.no_update_2w, "内容不更新（2周）",
              "国办秘函〔2019〕19号 单项否决：监测时间点前2周内无更新", "veto"),
    CheckSpec("freshness.warning", freshness.warning, "即将触发内容不更新",
              "预警：距单项否决前数日提醒", "warn"),
    CheckSpec("freshness.no_update_1w", freshness.no_update_1w, "内容更新不及时（1周）",
              "省级检查扣分项（如江苏/连云港2023：7日内无更新扣分）", "deduct"),
)


def check_table(extra: Iterable[CheckSpec] = ()) -> dict[str, CheckSpec]:
    """Return the check table by id, built-ins first, then any extra specs given."""
    table: dict[str, CheckSpec] = {}
    for spec in (*CHECKS, *extra):
        if spec.id in table:
            raise ValueError(f"check id registered twice: {spec.id}")
        table[spec.id] = spec
    return table


def run_check(spec: CheckSpec, artifacts: AccountArtifacts, ctx: CheckContext) -> CheckResult:
    """Return the result of one check; NotChecked becomes status not_checked."""
    try:
        found = spec.func(artifacts, ctx)
    except NotChecked as exc:
        return CheckResult(spec.id, "not_checked", reason=str(exc))
    findings = tuple(
        f if f.account is not None else _with_account(f, artifacts.account.name) for f in found
    )
    return CheckResult(spec.id, "fail" if findings else "ok", findings)


def _with_account(f: Finding, name: str) -> Finding:
    return Finding(f.check, f.severity, f.message, f.target, f.evidence, f.suggestion, name)
