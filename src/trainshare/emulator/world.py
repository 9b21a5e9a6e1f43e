"""Seed the emulator with the world a spec assumes exists: the organization (unless the spec
creates it), and the OUs and accounts it adopts by ID."""

from __future__ import annotations

from trainshare.emulator.extensions import (
    organizations_adopts_existing_account,
    organizations_adopts_existing_ou,
)
from trainshare.emulator.server import Emulator
from trainshare.spec import ROOT, Spec


def seed_world(emulator: Emulator, spec: Spec) -> list[str]:
    """Create what the spec references but does not create; returns what was seeded, in words."""
    seeded: list[str] = []
    org = emulator.client("organizations")
    if spec.organization.create:
        return seeded
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    seeded.append(f"organization with root {root}, SCPs enabled")
    ids = {ROOT: root}
    for path, unit in spec.units.items():
        if unit.id is not None:
            parent = ids.get(unit.parent)
            if parent is None:
                continue  # under an OU trainshare creates: nothing to seed
            organizations_adopts_existing_ou(
                spec.organization.management_account, unit.id, unit.name, parent
            )
            ids[path] = unit.id
            seeded.append(f"OU {path} ({unit.id})")
    for key, account in spec.accounts.items():
        if account.id is None or account.id == spec.organization.management_account:
            continue
        parent = ids.get(account.unit, root)
        organizations_adopts_existing_account(
            spec.organization.management_account,
            account.id,
            key,
            account.email or f"{key}@example.com",
            parent,
        )
        seeded.append(f"account {key} ({account.id})")
    return seeded
