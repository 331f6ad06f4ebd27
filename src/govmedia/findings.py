"""Findings (what a check found) and check results (whether a check could run at all)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("veto", "deduct", "warn", "info")


class NotChecked(Exception):
    """Raised by a check that cannot reach a verdict; the message is the Chinese reason."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or credited practice) with the evidence that proves it (DESIGN.md)."""

    check: str
    severity: str
    message: str
    target: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    suggestion: str = ""
    account: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"bad severity {self.severity!r} for {self.check}")

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as the JSON record that reports and other systems read."""
        out = {
            "check": self.check,
            "severity": self.severity,
            "target": self.target,
            "message": self.message,
            "evidence": self.evidence,
            "suggestion": self.suggestion,
        }
        if self.account is not None:
            out["account"] = self.account
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            check=data["check"],
            severity=data["severity"],
            message=data["message"],
            target=data.get("target", ""),
            evidence=data.get("evidence") or {},
            suggestion=data.get("suggestion", ""),
            account=data.get("account"),
        )


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one check on one account: ok, fail (with findings) or not_checked."""

    check: str
    status: str  # ok | fail | not_checked
    findings: tuple[Finding, ...] = ()
    reason: str = ""
