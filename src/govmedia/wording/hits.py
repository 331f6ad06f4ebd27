"""Hit: one wording finding in a plain text, with offsets, suggestion and Chinese message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SERIOUS = "wording.serious_error"
OUTDATED = "wording.outdated_name"
SENSITIVE = "wording.sensitive"
FORMALISM = "wording.formalism"
PERSONAL_INFO = "privacy.personal_info"

# Default severity per check. A machine veto is provisional: a person confirms it (待复核).
SEVERITY = {
    SERIOUS: "veto",
    OUTDATED: "deduct",
    SENSITIVE: "warn",
    FORMALISM: "warn",
    PERSONAL_INFO: "deduct",
}
REVIEW_NOTE = "（机器判定，待人工复核）"


@dataclass(frozen=True, slots=True)
class Hit:
    """One finding in a text: [start, end) are character offsets into that text."""

    check: str
    start: int
    end: int
    text: str
    suggestion: str
    message: str
    rule: str = ""

    @property
    def severity(self) -> str:
        return SEVERITY[self.check]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON record of `govmedia check text`."""
        return {
            "check": self.check,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "suggestion": self.suggestion,
            "message": self.message,
        }


def make_hit(check: str, text: str, start: int, end: int, suggestion: str, message: str,
             rule: str = "") -> Hit:
    """Return a Hit for text[start:end]; serious errors get the 待人工复核 note."""
    if check == SERIOUS and not message.endswith(REVIEW_NOTE):
        message += REVIEW_NOTE
    return Hit(check, start, end, text[start:end], suggestion, message, rule)
