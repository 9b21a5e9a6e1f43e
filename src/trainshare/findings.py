"""Findings: every problem trainshare reports — in a spec, a policy document or a live
organization — as one type, `Finding(code, severity, location, message, fix)`.

A code is stable UPPER_SNAKE and has an entry in `catalog/data/findings.yaml` (its default
severity, a title and a generic fix); `trainshare.catalog.finding` makes a Finding from it. The
message names the exact object; the fix may be specific to it (a spec's "did you mean …?").
This module is the bottom layer: it imports nothing of trainshare.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"

    def blocks(self, fail_on: Severity) -> bool:
        """Whether a finding of this severity fails a run (exit 2) whose lowest blocking
        severity is `fail_on` (the commands' --fail-on)."""
        return self is Severity.ERROR or fail_on is Severity.WARNING


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding is: a file (or what stands for one, e.g. `template restrict-regions`),
    its line and column when known, and the path inside it in the file's own terms — a spec
    field (`accounts.team-a.unit`), a policy statement (`Statement[1] (Sid Typo)`), an AWS
    object (`policy of arn:aws:s3:::data`)."""

    file: str = ""
    line: int | None = None
    column: int | None = None
    path: str = ""

    def __str__(self) -> str:
        head = self.file
        if self.line is not None:
            head += f":{self.line}"
            if self.column is not None:
                head += f":{self.column}"
        return ": ".join(part for part in (head, self.path) if part)


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    location: Location
    message: str
    fix: str

    def render(self) -> str:
        """`where: severity: CODE: message — fix`, as `lint` and `audit` print it."""
        text = f"{self.location}: {self.severity}: {self.code}: {self.message}"
        return f"{text} — {self.fix}" if self.fix else text

    def render_brief(self) -> str:
        """`file:line: field: message — fix`, as `validate` prints a spec's findings: no code,
        and the severity only when it is a warning."""
        prefix = "" if self.severity is Severity.ERROR else "warning: "
        text = f"{self.location}: {prefix}{self.message}"
        return f"{text} — {self.fix}" if self.fix else text

    def to_json(self) -> dict[str, str]:
        """The linter's and the audit's JSON: the location as one string."""
        return {
            "code": self.code,
            "severity": str(self.severity),
            "location": str(self.location),
            "message": self.message,
            "fix": self.fix,
        }
