"""CSV, the same way for every command's `-f csv`: a header row, then one row per item, the
values as their JSON form gives them (lists joined with spaces)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def to_csv(header: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """`rows` (JSON-like mappings) as CSV with these columns; a missing value is empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in header])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(_cell(v) for v in value)
    return str(value)


ISSUE_COLUMNS = ("file", "line", "field", "severity", "code", "message", "fix")
FINDING_COLUMNS = ("code", "severity", "location", "message", "fix")
PLAN_COLUMNS = ("kind", "name", "mode", "account", "account_id", "region", "depends_on")
# an audit's drift and findings in one table: `record` says which
AUDIT_COLUMNS = ("record", "code", "severity", "object", "name", "message", "fix")


def audit_rows(report_json: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows of AUDIT_COLUMNS from an AuditReport's JSON."""
    rows = [
        {
            "record": "drift",
            "code": d["kind"],
            "object": d["object"],
            "name": d["name"],
            "message": d["detail"],
        }
        for d in report_json["drift"]
    ]
    rows += [
        {
            "record": "finding",
            "code": f["code"],
            "severity": f["severity"],
            "name": f["location"],
            "message": f["message"],
            "fix": f["fix"],
        }
        for f in report_json["findings"]
    ]
    return rows
