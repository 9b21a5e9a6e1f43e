"""One exception root for everything trainshare raises on purpose.

Messages name the object, what is wrong, and the fix. `SpecError` carries every problem found in
a spec at once, each located to a file, line and field path.
"""

from __future__ import annotations

from collections.abc import Sequence

from trainshare.findings import Finding, Severity


class TrainshareError(Exception):
    """Root of every error trainshare raises deliberately."""


class SpecError(TrainshareError):
    """The spec is invalid; `issues` holds every problem found, in document order."""

    def __init__(self, issues: Sequence[Finding]) -> None:
        self.issues = tuple(issues)
        errors = [i for i in self.issues if i.severity is Severity.ERROR]
        head = f"{len(errors)} error(s) in the spec"
        super().__init__("\n".join([head, *(i.render_brief() for i in errors)]))


class PlanError(TrainshareError):
    """The plan cannot be built from a spec that validated (a bug or an unsupported case)."""


class EmulatorNotInstalledError(TrainshareError):
    """The AWS emulator's packages (moto and its server: the extra `trainshare[emulator]`) are
    not installed; raised when `trainshare.emulator` is imported without them."""
