"""Spec issues as text (one located line each) or JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trainshare.errors import Severity, SpecIssue


def render_issues(issues: Sequence[SpecIssue]) -> str:
    return "\n".join(i.render() for i in issues)


def issues_to_json(issues: Sequence[SpecIssue]) -> dict[str, Any]:
    errors = sum(1 for i in issues if i.severity is Severity.ERROR)
    return {
        "valid": errors == 0,
        "errors": errors,
        "warnings": len(issues) - errors,
        "issues": [i.to_json() for i in issues],
    }
