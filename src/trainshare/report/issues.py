"""A spec's findings as text (one located line each) or JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trainshare.findings import Finding, Severity


def render_issues(issues: Sequence[Finding]) -> str:
    return "\n".join(i.render_brief() for i in issues)


def issue_to_json(issue: Finding) -> dict[str, Any]:
    """`validate -f json`'s shape: the location as file, line and field."""
    return {
        "code": issue.code,
        "severity": str(issue.severity),
        "file": issue.location.file,
        "line": issue.location.line,
        "field": issue.location.path,
        "message": issue.message,
        "fix": issue.fix,
    }


def issues_to_json(issues: Sequence[Finding]) -> dict[str, Any]:
    errors = sum(1 for i in issues if i.severity is Severity.ERROR)
    return {
        "valid": errors == 0,
        "errors": errors,
        "warnings": len(issues) - errors,
        "issues": [issue_to_json(i) for i in issues],
    }
