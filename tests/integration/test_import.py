"""`import` round trip: deploy the example, snapshot it, import the snapshot as a spec — and the
organization audits clean against the imported spec."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE
from trainshare.audit import diff
from trainshare.cli import app
from trainshare.emulator.demo import audit_emulator, deploy
from trainshare.emulator.world import seed_world
from trainshare.importer import import_snapshot, write_imported
from trainshare.scaffold import ScaffoldError
from trainshare.spec import load_spec

SPEC = load_spec(EXAMPLE)


def test_an_imported_spec_audits_clean_against_the_same_org(emulator, tmp_path):
    seed_world(emulator, SPEC)
    deploy(emulator, SPEC, lambda _: None)
    snapshot, _ = audit_emulator(emulator, SPEC)
    imported = import_snapshot(snapshot)
    written = write_imported(imported, tmp_path / "imported")
    spec = load_spec(tmp_path / "imported" / "trainshare.yaml")
    # everything is adopted by ID, nothing would be created
    assert all(a.id for a in spec.accounts.values())
    assert all(u.id for u in spec.units.values())
    assert set(spec.shares) == {"gpu-capacity", "training-subnet", "vision-features"}
    assert set(spec.guardrails) == {"gpu-instance-types", "keep-sharing-inside"}
    assert spec.shares["gpu-capacity"].principals[0].target == "ml/training"
    report = diff(spec, snapshot)
    assert report.drift == [] and report.findings == []
    assert len(written) == 3  # the spec and two policy documents
    with pytest.raises(ScaffoldError, match="nothing was written"):
        write_imported(imported, tmp_path / "imported")


def test_import_command_writes_a_spec_that_validates(emulator, tmp_path):
    seed_world(emulator, SPEC)
    deploy(emulator, SPEC, lambda _: None)
    snapshot, _ = audit_emulator(emulator, SPEC)
    path = tmp_path / "snap.json"
    path.write_text(snapshot.to_json())
    runner = CliRunner()
    result = runner.invoke(app, ["import", "--snapshot", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert f"wrote {tmp_path / 'o' / 'trainshare.yaml'}" in result.stdout
    assert runner.invoke(app, ["validate", str(tmp_path / "o" / "trainshare.yaml")]).exit_code == 0
    again = runner.invoke(app, ["import", "--snapshot", str(path), "--out", str(tmp_path / "o")])
    assert again.exit_code == 1 and "nothing was written" in again.stderr
