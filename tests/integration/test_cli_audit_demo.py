"""`trainshare audit` and `trainshare demo` from the command line, against the emulator."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE
from tests.integration.conftest import credentials
from trainshare.cli import app
from trainshare.emulator.demo import deploy
from trainshare.emulator.world import seed_world
from trainshare.spec import load_spec

SPEC = load_spec(EXAMPLE)


@pytest.fixture
def live(emulator):
    seed_world(emulator, SPEC)
    deploy(emulator, SPEC, lambda _: None)
    return emulator


def audit(emulator, *args, account=None):
    runner = CliRunner(env=credentials(emulator, account))
    return runner.invoke(app, ["audit", str(EXAMPLE), "--endpoint-url", emulator.endpoint, *args])


def test_clean_org_exits_0(live):
    result = audit(live)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"no drift: the organization matches {EXAMPLE}"
    assert "read with" in result.stderr and "API calls" in result.stderr


def test_drift_exits_2_and_the_snapshot_replays_offline(live, tmp_path):
    before = tmp_path / "before.json"
    assert audit(live, "--snapshot-out", str(before)).exit_code == 0
    live.client("ram", "222222222222").create_resource_share(name="adhoc")
    result = audit(live, "-f", "json", "--fail-on", "warning")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["drift"] == []
    assert [f["code"] for f in report["findings"]] == ["UNMANAGED_SHARE"]
    assert set(report["findings"][0]) == {"code", "severity", "location", "message", "fix"}
    # warnings alone do not fail with the default threshold (error)
    assert audit(live).exit_code == 0
    # offline, the earlier snapshot still says what it said
    offline = CliRunner().invoke(app, ["audit", str(EXAMPLE), "--snapshot", str(before)])
    assert offline.exit_code == 0 and "no drift" in offline.stdout


def test_credentials_of_another_account_are_a_clear_error(live):
    result = audit(live, account="222222222222")
    assert result.exit_code == 1
    assert (
        "these credentials are for account 222222222222, not the management account 111111111111"
    ) in result.stderr


def test_a_bad_snapshot_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "s.json"
    bad.write_text('{"version": 99}')
    result = CliRunner().invoke(app, ["audit", str(EXAMPLE), "--snapshot", str(bad)])
    assert result.exit_code == 1
    assert "snapshot version 99, this trainshare reads version 1" in result.stderr


def test_demo_deploys_audits_and_reports(tmp_path):
    html = tmp_path / "access.html"
    result = CliRunner(env={"COLUMNS": "80"}).invoke(
        app, ["demo", str(EXAMPLE), "--html", str(html)]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    # the example's GPU capacity: a reservation (with its billing owner: two commands) and a
    # Capacity Block, in one share
    assert "deployed 35 resources" in out
    assert "audit: no drift, no findings" in out
    assert "team-vision runs 1 p5.48xlarge in cr-0123456789abcdef0" in out
    assert "team-nlp runs 1 p5.48xlarge in cr-0fedcba9876543210" in out
    assert "shared capacity" in out and "capacity-block" in out
    assert "+ ResourceShare            demo/share/gpu-capacity" in out
    assert f"access report: {html}" in out
    assert html.read_text().startswith("<!doctype html>")
    # at 80 columns, every line fits (but one naming the long path given): no name is broken
    assert max(len(line) for line in out.splitlines() if str(tmp_path) not in line) <= 80
    assert "1 gpu-capacity  2 training-subnet  3 vision-features  4 training-data" in out
    # a resource's lines stay together, though Pulumi registers from several threads: within
    # each `+ Kind name` entry, its `(id)` line is its last
    entries: list[list[str]] = []
    found = re.search(r"deployed (\d+) ", out)
    assert found, out
    deployed = int(found[1])
    program = out.split("deploying the Pulumi program")[1].split(f"deployed {deployed} ")[0]
    for line in program.splitlines():
        if line.startswith("  + "):
            entries.append([line])
        elif line.startswith("      ") and entries:
            entries[-1].append(line)
    assert len(entries) == deployed == 35  # the example's resources, each shown once
    for entry in entries:
        ids = [i for i, line in enumerate(entry) if line.startswith("      (")]
        assert ids in ([], [len(entry) - 1]), entry


CONSOLIDATED = """\
version: 1
organization:
  management_account: "111111111111"
  feature_set: CONSOLIDATED_BILLING
units:
  ml:
    training: {}
accounts:
  shared-services: {id: "222222222222", email: shared@example.com, unit: ml}
  team-a: {email: a@example.com, unit: ml/training}
shares:
  gpus:
    owner: shared-services
    resources: ["arn:aws:ec2:us-east-1:222222222222:subnet/subnet-0a1b2c3d4e5f60718"]
    principals: [team-a]
"""


def test_demo_of_an_organization_without_all_features(write_spec, tmp_path):
    """The emulator's organization has the spec's feature set (no SCPs to enable): the
    adopted account moves, the share reaches its account, and the audit is clean."""
    spec = write_spec(CONSOLIDATED)
    result = CliRunner(env={"COLUMNS": "120"}).invoke(
        app, ["demo", str(spec), "--html", str(tmp_path / "a.html")]
    )
    assert result.exit_code == 0, result.output
    assert "feature set CONSOLIDATED_BILLING" in result.stdout
    assert "~ Account                  222222222222  moved from r-" in result.stdout
    assert "audit: no drift, no findings" in result.stdout
