"""Output formats: text for people, JSON for machines."""

from trainshare.report.issues import issues_to_json, render_issues
from trainshare.report.plan import render_plan

__all__ = ["issues_to_json", "render_issues", "render_plan"]
