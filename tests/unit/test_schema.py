"""`trainshare schema`: the spec's JSON Schema, which editors use through the modeline `init`
writes; the specs trainshare ships satisfy it, and it refuses what the model refuses."""

from __future__ import annotations

import json

import jsonschema
import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from tests.conftest import EXAMPLE, REPO
from trainshare.cli import app
from trainshare.scaffold import init_project
from trainshare.spec.schema import MODELINE, SCHEMA_FILE, spec_json_schema

SCHEMA = spec_json_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def load(path):
    return YAML(typ="safe").load(path.read_text())


def test_the_command_prints_the_schema():
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == SCHEMA
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["title"] == "trainshare spec, version 1"


@pytest.mark.parametrize(
    "spec",
    [
        EXAMPLE,
        REPO / "src/trainshare/scaffold/trainshare.yaml",
        REPO / "examples/seed/trainshare.yaml",
    ],
)
def test_the_specs_trainshare_ships_satisfy_it(spec):
    assert [e.message for e in VALIDATOR.iter_errors(load(spec))] == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "blue"}, "Additional properties are not allowed ('colour' was unexpected)"),
        ({"version": 2}, "1 was expected"),
        ({"organization": {"management_account": 11111111111}}, "is not of type 'string'"),
    ],
)
def test_it_refuses_what_the_model_refuses(change, message):
    spec = {**load(EXAMPLE), **change}
    assert any(message in e.message for e in VALIDATOR.iter_errors(spec))


def test_init_points_editors_at_the_schema(tmp_path):
    init_project(tmp_path)
    assert (tmp_path / "trainshare.yaml").read_text().splitlines()[0] == MODELINE
    assert MODELINE == "# yaml-language-server: $schema=trainshare.schema.json"
    assert json.loads((tmp_path / SCHEMA_FILE).read_text()) == SCHEMA
