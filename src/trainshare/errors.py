"""One exception root for everything trainshare raises on purpose.

Messages name the object, what is wrong, and the fix. `SpecError` carries every problem found in
a spec at once, each located to a file, line and field path.
"""

from __future__ import annotations

from collections.abc import Sequence
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
class SpecIssue:
    """One located problem in a spec: `file:line: field.path: message — fix`."""

    code: str
    path: tuple[str | int, ...]
    message: str
    fix: str
    file: str = ""
    line: int | None = None
    severity: Severity = Severity.ERROR

    @property
    def field(self) -> str:
        text = ""
        for part in self.path:
            text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
        return text or "(document)"

    def render(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        prefix = "" if self.severity is Severity.ERROR else "warning: "
        text = f"{where}: {self.field}: {prefix}{self.message}"
        return f"{text} — {self.fix}" if self.fix else text

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "message": self.message,
            "fix": self.fix,
        }


class TrainshareError(Exception):
    """Root of every error trainshare raises deliberately."""


class SpecError(TrainshareError):
    """The spec is invalid; `issues` holds every problem found, in document order."""

    def __init__(self, issues: Sequence[SpecIssue]) -> None:
        self.issues = tuple(issues)
        errors = [i for i in self.issues if i.severity is Severity.ERROR]
        head = f"{len(errors)} error(s) in the spec"
        super().__init__("\n".join([head, *(i.render() for i in errors)]))


class PlanError(TrainshareError):
    """The plan cannot be built from a spec that validated (a bug or an unsupported case)."""


class EmulatorNotInstalledError(TrainshareError):
    """The AWS emulator's packages (moto and its server: the extra `trainshare[emulator]`) are
    not installed; raised when `trainshare.emulator` is imported without them."""
