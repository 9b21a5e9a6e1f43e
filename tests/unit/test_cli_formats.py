"""`-f/--format` takes the same names on every command: text (or table), json, csv."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE
from trainshare.cli import app

runner = CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1"})
POLICY = EXAMPLE.parent / "policies" / "training-data-owner.json"


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    "args",
    [
        ["validate", str(EXAMPLE)],
        ["plan", str(EXAMPLE)],
        ["lint", "--type", "resource", str(POLICY)],
        ["guardrails", "list"],
        ["access", str(EXAMPLE)],
    ],
)
def test_table_is_another_name_for_text(args):
    text = runner.invoke(app, [*args, "-f", "text"])
    table = runner.invoke(app, [*args, "-f", "table"])
    assert text.exit_code == table.exit_code == 0
    assert text.stdout == table.stdout


@pytest.mark.parametrize(
    ("args", "header"),
    [
        (["plan", str(EXAMPLE)], ["kind", "name", "mode", "account", "account_id", "region"]),
        (["guardrails", "list"], ["name", "type", "description", "source"]),
        (["lint", "--type", "resource", str(POLICY)], ["code", "severity", "location"]),
        (["access", str(EXAMPLE)], ["account", "account_id", "share", "resource", "action"]),
        (["guardrails", "show", "deny-leave-organization"], ["code", "severity", "location"]),
    ],
)
def test_csv_everywhere(args, header):
    result = runner.invoke(app, [*args, "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert rows(result.stdout)[0][: len(header)] == header


def test_validate_csv_has_a_row_per_issue_with_its_file_and_line(tmp_path):
    bad = tmp_path / "trainshare.yaml"
    bad.write_text("version: 1\norganization: {management_account: 11111111111}\n")
    result = runner.invoke(app, ["validate", str(EXAMPLE), str(bad), "-f", "csv"])
    assert result.exit_code == 1
    table = rows(result.stdout)
    assert table[0] == ["file", "line", "field", "severity", "code", "message", "fix"]
    assert table[1][:4] == [str(bad), "2", "organization.management_account", "error"]
    assert all(row[0] == str(bad) for row in table[1:])  # the example has no issue


def test_plan_csv_lists_every_resource_of_the_json():
    as_csv = rows(runner.invoke(app, ["plan", str(EXAMPLE), "-f", "csv"]).stdout)
    as_json = json.loads(runner.invoke(app, ["plan", str(EXAMPLE), "-f", "json"]).stdout)
    assert [r[1] for r in as_csv[1:]] == [r["name"] for r in as_json["resources"]]
