"""Effective access from the live state: after a clean deploy the snapshot's answers equal the
spec's; after tampering they show the tampering."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.conftest import EXAMPLE
from trainshare.access import Effect, model_from_spec
from trainshare.access.from_snapshot import model_from_snapshot
from trainshare.access.matrix import access_matrix, summarize
from trainshare.cli import app
from trainshare.emulator.demo import audit_emulator, deploy
from trainshare.emulator.world import seed_world
from trainshare.spec import load_spec

SPEC = load_spec(EXAMPLE)


def by_name(cells):
    """The counts per (account name, share): the live model keys accounts by ID, the spec's
    by key, and trainshare names each account by its key."""
    names = {c.account.key: c.account.display for c in cells}
    return {(names[k], s): counts for (k, s), counts in summarize(cells).items()}


def test_live_matrix_equals_the_spec_matrix_then_shows_tampering(emulator, tmp_path):
    seed_world(emulator, SPEC)
    _, outputs = deploy(emulator, SPEC, lambda _: None)
    snapshot, _ = audit_emulator(emulator, SPEC)
    from_spec = by_name(
        access_matrix(model_from_spec(SPEC, snapshot.organization_id, outputs["account_ids"]))
    )
    live = by_name(access_matrix(model_from_snapshot(snapshot, spec=SPEC)))
    assert live == from_spec

    ram = emulator.client("ram", "222222222222")
    share = outputs["share_arns"]["gpu-capacity"]
    ram.update_resource_share(resourceShareArn=share, allowExternalPrincipals=True)
    ram.associate_resource_share(resourceShareArn=share, principals=["999999999999"])
    tampered, _ = audit_emulator(emulator, SPEC)
    counts = summarize(access_matrix(model_from_snapshot(tampered, spec=SPEC)))
    assert counts[("999999999999", "gpu-capacity")][Effect.CONDITIONAL] == 2

    path = tmp_path / "snapshot.json"
    path.write_text(tampered.to_json())
    result = CliRunner().invoke(
        app,
        [
            "access",
            str(EXAMPLE),
            "--snapshot",
            str(path),
            "--account",
            "999999999999",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    decisions = json.loads(result.stdout)["decisions"]
    assert {d["effect"] for d in decisions} == {"CONDITIONAL"}
    assert decisions[0]["trace"][0]["text"] == (
        "share gpu-capacity reaches 999999999999 directly, by account ID (outside the organization)"
    )
