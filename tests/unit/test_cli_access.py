"""`trainshare access` on the example: golden outputs for the matrix, JSON and an explanation."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE, check_golden
from trainshare.access import Effect, model_from_spec
from trainshare.access.matrix import access_rows
from trainshare.cli import app
from trainshare.spec import load_spec
from trainshare.synth import SynthParams, write_synthetic

runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"})
SPEC = str(EXAMPLE.relative_to(EXAMPLE.parents[2]))


def run(*args: str):
    result = runner.invoke(app, ["access", SPEC, *args], catch_exceptions=False)
    return result


def test_matrix_golden(monkeypatch):
    monkeypatch.chdir(EXAMPLE.parents[2])
    result = run()
    assert result.exit_code == 0, result.output
    check_golden("access-matrix.txt", result.stdout)


def test_explain_why_research_cannot_launch_into_the_training_reservation(monkeypatch):
    monkeypatch.chdir(EXAMPLE.parents[2])
    result = run("--explain", "research-lab", "gpu-capacity", "ec2:RunInstances")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1] == (
        "✗ share gpu-capacity does not reach research-lab: it is shared with ml/training, and "
        "research-lab is in OU ml/research"
    )
    check_golden("access-explain-research.txt", result.stdout)


def test_precise_question_with_context(monkeypatch):
    monkeypatch.chdir(EXAMPLE.parents[2])
    result = run(
        "--account",
        "team-vision",
        "--share",
        "gpu-capacity",
        "--action",
        "ec2:RunInstances",
        "--context",
        "ec2:InstanceType=p5.48xlarge",
        "-f",
        "json",
    )
    # the share's reservation and Capacity Block: one decision each
    decision, block = json.loads(result.stdout)["decisions"]
    assert block["effect"] == decision["effect"]
    assert (decision["account"], decision["effect"], decision["unknown_keys"]) == (
        "team-vision",
        "ALLOW",
        [],
    )
    denied = run(
        "--account",
        "team-vision",
        "--share",
        "gpu-capacity",
        "--action",
        "ec2:RunInstances",
        "--context",
        "ec2:InstanceType=m5.large",
        "-f",
        "json",
    )
    decision, _block = json.loads(denied.stdout)["decisions"]
    assert decision["effect"] == "DENY"
    assert decision["trace"][-1]["text"] == (
        "SCP at OU ml/training: gpu-instance-types Statement[0] (Sid DenyOtherEc2InstanceTypes) "
        "denies ec2:RunInstances"
    )


def test_json_golden_and_csv_agree(monkeypatch):
    monkeypatch.chdir(EXAMPLE.parents[2])
    as_json = run("-f", "json").stdout
    check_golden("access-matrix.json", as_json)
    rows = list(csv.DictReader(io.StringIO(run("-f", "csv").stdout)))
    decisions = json.loads(as_json)["decisions"]
    assert [(r["account"], r["action"], r["effect"]) for r in rows] == [
        (d["account"], d["action"], d["effect"]) for d in decisions
    ]


def test_bad_options_are_errors_not_tracebacks(monkeypatch):
    monkeypatch.chdir(EXAMPLE.parents[2])
    assert "--share 'nope': no such share" in run("--share", "nope").stderr
    result = run("--context", "no-equals-sign")
    assert result.exit_code == 1
    assert "--context 'no-equals-sign': write KEY=VALUE" in result.stderr


def test_html_report_is_written(monkeypatch, tmp_path):
    monkeypatch.chdir(EXAMPLE.parents[2])
    target = tmp_path / "access.html"
    result = run("--html", str(target), "-f", "json")
    assert result.exit_code == 0
    assert f"wrote {target}" in result.stderr
    assert '<table id="matrix">' in target.read_text()


def test_an_organization_too_large_for_a_grid_gets_a_row_per_share(tmp_path):
    """25 shares are more columns than a screen holds: a row per share instead, its counts
    those of the matrix."""
    path = write_synthetic(tmp_path, SynthParams(accounts=40, units=6, shares=25, owners=4))
    result = runner.invoke(app, ["access", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())  # the title wraps at 120 columns
    assert (
        "Effective access per share (41 accounts × 25 shares is too large a grid to show): "
        "decisions by effect; --share, --account or --action narrow it to single decisions, "
        "--format csv|json and --html give every one"
    ) in out
    model = model_from_spec(load_spec(path))
    summary = access_rows(model).summary()
    for key, share in model.shares.items():
        counts = [c for (_, s), c in summary.items() if s == key]
        allowed = sum(c[Effect.ALLOW] for c in counts)
        denied = sum(c[Effect.DENY] + c[Effect.IMPLICIT_DENY] for c in counts)
        row = next(line for line in result.stdout.splitlines() if f"│ {key} " in line)
        cells = [c.strip() for c in row.strip("│ ").split("│")]
        assert cells[:3] == [key, share.owner, str(len(counts))]
        maybe = sum(c[Effect.CONDITIONAL] for c in counts)
        assert cells[3:] == [f"{allowed:,}", f"{maybe:,}", f"{denied:,}"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--explain", "reserch-lab", "gpu-capacity", "ec2:RunInstances"],
            "--explain 'reserch-lab': not an account of the spec; did you mean 'research-lab'?",
        ),
        (
            ["--explain", "research-lab", "gpu-capacty", "ec2:RunInstances"],
            "--explain 'gpu-capacty': no such share; did you mean 'gpu-capacity'? (the spec has "
            "gpu-capacity, training-subnet, vision-features, training-data, training-images, "
            "vision-models)",
        ),
        (
            ["--explain", "research-lab", "gpu-capacity", "ec2:RunInstance"],
            "--explain 'ec2:RunInstance' is not an action of ec2; did you mean ec2:RunInstances?",
        ),
        (
            ["--action", "ec2:RunInstance"],
            "--action 'ec2:RunInstance' is not an action of ec2; did you mean ec2:RunInstances?",
        ),
        (["--action", "RunInstances"], "--action 'RunInstances': write service:Action"),
        (
            ["--action", "sagemakr:Search"],
            "--action 'sagemakr:Search': no AWS service 'sagemakr'; did you mean 'sagemaker'?",
        ),
        (
            ["--account", "team-vison"],
            "--account 'team-vison': not an account of the spec; did you mean 'team-vision'?",
        ),
        (["--share", "training-dta"], "--share 'training-dta': no such share; did you mean"),
    ],
)
def test_unknown_names_are_errors_with_did_you_mean(monkeypatch, args, message):
    monkeypatch.chdir(EXAMPLE.parents[2])
    result = run(*args)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {message}")
