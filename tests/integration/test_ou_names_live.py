"""OUs whose AWS names differ from their keys (`name:`), deployed into the emulator and audited:
each is created or adopted under its name, and the audit finds every one by it — a `/` in a
name is no path."""

from __future__ import annotations

import pytest

from trainshare.emulator import running_emulator
from trainshare.emulator.demo import audit_emulator, deploy
from trainshare.emulator.seed import seed_deployed
from trainshare.emulator.world import seed_world
from trainshare.spec import load_spec

SPEC = """\
version: 1
organization: {management_account: "111111111111", region: us-east-1}
units:
  x-y:
    name: x/y
    ml-2: {name: ML}
    ml: {}
  platform-1: {id: ou-ab12-11111111, name: platform}
  x:
    y: {}
"""


@pytest.mark.parametrize("seeded", [True, False], ids=["seed_deployed", "pulumi-deploy"])
def test_named_ous_are_made_under_their_names_and_audit_clean(tmp_path, seeded):
    (tmp_path / "trainshare.yaml").write_text(SPEC)
    spec = load_spec(tmp_path / "trainshare.yaml")
    with running_emulator(spec.organization.management_account) as emulator:
        seed_world(emulator, spec)
        if seeded:
            seed_deployed(emulator, spec)
        else:
            deploy(emulator, spec, lambda _: None)
        snapshot, report = audit_emulator(emulator, spec)
    by_id = {u.id: u for u in snapshot.units}
    live = sorted(
        (by_id[u.parent_id].name if u.parent_id in by_id else "root", u.name, u.id)
        for u in snapshot.units
    )
    assert [(parent, name) for parent, name, _ in live] == [
        ("root", "platform"),
        ("root", "x"),
        ("root", "x/y"),
        ("x", "y"),
        ("x/y", "ML"),
        ("x/y", "ml"),
    ]
    assert live[0][2] == "ou-ab12-11111111"  # adopted by its ID, under its own name
    assert (report.drift, [f.code for f in report.findings]) == ([], [])
