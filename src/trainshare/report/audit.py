"""An audit's result as text: one line per drift, then one per finding."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # trainshare.audit loads boto3: only its type is needed here
    from trainshare.audit.diff import AuditReport


def render_audit(report: AuditReport) -> list[str]:
    """The lines `audit` and `demo` print; empty when the organization matches the spec."""
    return [
        *("drift    " + item.render() for item in report.drift),
        *(found.render() for found in report.findings),
    ]
