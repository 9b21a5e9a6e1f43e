"""Output formats: text for people, JSON for machines."""

from trainshare.report.changes import changes_to_json, render_changes
from trainshare.report.issues import issues_to_json, render_issues
from trainshare.report.plan import render_plan

__all__ = ["changes_to_json", "issues_to_json", "render_changes", "render_issues", "render_plan"]
