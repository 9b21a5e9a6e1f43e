"""Seed the emulator with the world a spec assumes exists: the organization (unless the spec
creates it), the OUs and accounts it adopts by ID, the resources its policy shares grant on
(buckets, keys, repositories, model package groups) and the capacity reservations its RAM shares
share."""

from __future__ import annotations

from datetime import datetime

from trainshare.catalog import parse_arn
from trainshare.emulator.capacity import adopt_reservation
from trainshare.emulator.extensions import (
    kms_adopts_existing_key,
    organizations_adopts_existing_account,
    organizations_adopts_existing_ou,
)
from trainshare.emulator.server import Emulator
from trainshare.spec import ROOT, ShareKind, Spec
from trainshare.spec.resolved import ALL_FEATURES


def seed_world(emulator: Emulator, spec: Spec) -> list[str]:
    """Create what the spec references but does not create; returns what was seeded, in words."""
    seeded: list[str] = []
    org = emulator.client("organizations")
    if spec.organization.create:
        return seed_policy_resources(emulator, spec) + seed_capacity(spec)
    feature_set = spec.organization.feature_set
    org.create_organization(FeatureSet=feature_set)
    root = org.list_roots()["Roots"][0]["Id"]
    if feature_set == ALL_FEATURES:
        org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
        seeded.append(f"organization with root {root}, SCPs enabled")
    else:  # no policy type can be enabled without all features
        seeded.append(f"organization with root {root}, feature set {feature_set}")
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
    seeded += seed_policy_resources(emulator, spec)
    seeded += seed_capacity(spec)
    return seeded


def seed_policy_resources(emulator: Emulator, spec: Spec) -> list[str]:
    """The resources of the spec's policy shares, in their owners' accounts and Regions."""
    seeded = []
    for policy in spec.managed_policies.values():
        arn = parse_arn(policy.arn)
        assert arn is not None
        account, region = policy.owner_id, policy.region
        if arn.service == "s3":
            emulator.client("s3", account, region).create_bucket(Bucket=arn.resource)
        elif arn.service == "kms":
            kms_adopts_existing_key(account, region, arn.resource.removeprefix("key/"))
        elif arn.service == "ecr":
            emulator.client("ecr", account, region).create_repository(
                repositoryName=arn.resource.removeprefix("repository/")
            )
        elif arn.service == "sagemaker":
            emulator.client("sagemaker", account, region).create_model_package_group(
                ModelPackageGroupName=arn.resource.removeprefix("model-package-group/")
            )
        seeded.append(f"{policy.resource_type} {policy.arn}")
    return seeded


def seed_capacity(spec: Spec) -> list[str]:
    """The capacity reservations of the spec's RAM shares, in their owners' accounts and
    Regions (RAM shares only reservations that exist and that the sharer owns)."""
    seeded = []
    for share in spec.shares.values():
        if share.kind is not ShareKind.RAM:
            continue
        for resource in share.resources:
            if resource.resource_type != "ec2:CapacityReservation":
                continue
            reservation_id = resource.arn.rsplit("/", 1)[-1]
            stated = resource.capacity
            if stated is None:
                adopt_reservation(share.owner_id, share.region, reservation_id)
            else:  # as the spec says it is
                end = datetime.fromisoformat(stated.end) if stated.end else None
                adopt_reservation(
                    share.owner_id,
                    share.region,
                    reservation_id,
                    kind=stated.kind,
                    match=stated.match,
                    tenancy=stated.tenancy,
                    instance_type=stated.instance_type or "p5.48xlarge",
                    availability_zone=stated.availability_zone,
                    platform=stated.platform or "Linux/UNIX",
                    end=end,
                    ultraserver_type=stated.ultraserver,
                )
            seeded.append(f"capacity reservation {resource.arn}")
    return seeded
