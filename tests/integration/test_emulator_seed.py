"""`seed_deployed` leaves the emulator as `demo.deploy` does (the Pulumi program through the
bridge): given the same spec, each deployed into an emulator of its own, when both are audited,
then the snapshots are equal once the IDs each emulator generated (organization, root, OUs,
created accounts, policies, shares) are named by what they are."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pytest
from bench.run import SIZES

from tests.conftest import EXAMPLE
from trainshare.emulator import running_emulator
from trainshare.emulator.demo import audit_emulator, deploy
from trainshare.emulator.seed import seed_deployed
from trainshare.emulator.world import seed_world
from trainshare.snapshot import Snapshot
from trainshare.spec import Spec, load_spec
from trainshare.synth import write_synthetic

_KINDS = {"account_ids": "account", "ou_ids": "ou", "share_arns": "share", "policy_ids": "policy"}


def _named(snapshot: Snapshot, outputs: dict[str, dict[str, str]]) -> str:
    """The snapshot as JSON, each generated ID replaced by a name for what it is."""
    names = {snapshot.organization_id: "<organization>", snapshot.root_id: "<root>"}
    for output, by_key in outputs.items():
        kind = _KINDS[output]
        names.update({value: f"<{kind}:{key}>" for key, value in by_key.items()})
    text = replace(snapshot, taken_at="").to_json()
    for value in sorted(names, key=len, reverse=True):  # an ARN before the ID inside it
        text = text.replace(value, names[value])
    # the reservations seed_world adopts start when it runs
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", "<time>", text)
    return json.dumps(_unordered(json.loads(text)), indent=1, sort_keys=True)


def _unordered(value: Any) -> Any:
    """Every list sorted: AWS lists accounts, policies and a policy's targets in the order they
    were made or attached, which under Pulumi is the order their inputs resolved in, and here
    the plan's order."""
    if isinstance(value, dict):
        return {key: _unordered(item) for key, item in value.items()}
    if isinstance(value, list):
        return sorted((_unordered(item) for item in value), key=json.dumps)
    return value


def _audited(spec: Spec, seeded: bool) -> tuple[str, list[tuple[str, str]]]:
    with running_emulator(spec.organization.management_account) as emulator:
        seed_world(emulator, spec)
        if seeded:
            mocks, outputs = seed_deployed(emulator, spec)
        else:
            mocks, outputs = deploy(emulator, spec, lambda _: None)
        snapshot, report = audit_emulator(emulator, spec)
        assert report.drift == []
        return _named(snapshot, outputs), sorted((kind, name) for kind, name, _ in mocks.created)


@pytest.mark.parametrize("size", ["example", "S"])
def test_seeding_leaves_what_the_pulumi_deploy_leaves(tmp_path, size):
    spec = load_spec(EXAMPLE if size == "example" else write_synthetic(tmp_path, SIZES[size]))
    deployed, created = _audited(spec, seeded=False)
    seeded, seeded_created = _audited(spec, seeded=True)
    assert seeded_created == created and len(created) > 30
    assert "<account:" in seeded and "<share:" in seeded and "<organization>" in seeded
    assert seeded == deployed
