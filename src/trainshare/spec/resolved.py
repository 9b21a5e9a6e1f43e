"""The validated spec: every reference resolved, every default applied. Frozen; read-only.

`plan`, `access` and `audit` read this, never the raw YAML or the pydantic document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from trainshare.findings import Finding

ROOT = "root"
# an organization's feature set (DescribeOrganization FeatureSet): all features, or billing only
ALL_FEATURES = "ALL"
CONSOLIDATED_BILLING = "CONSOLIDATED_BILLING"


@dataclass(frozen=True, slots=True)
class Unit:
    """An OU, named by its path under the root (`ml/training`)."""

    path: str
    name: str  # its name in AWS: the key (the path's last segment) unless `name:` says otherwise
    parent: str  # parent path, or ROOT
    id: str | None  # set when the OU exists already (adopted by ID and managed, not created)
    full_aws_access: bool
    tags: Mapping[str, str]
    renamed_from: str | None = None  # the path it had (`renamed_from:` in the spec)

    @property
    def depth(self) -> int:
        return self.path.count("/") + 1

    @property
    def key(self) -> str:
        """Its key in the spec: the path's last segment."""
        return self.path.rpartition("/")[2]


@dataclass(frozen=True, slots=True)
class Account:
    key: str
    id: str | None  # set for existing accounts (adopted with `email`, else referenced)
    email: str | None
    unit: str  # OU path or ROOT
    tags: Mapping[str, str]
    protect: bool
    close_on_deletion: bool
    full_aws_access: bool = True  # False: FullAWSAccess is detached (allow-list strategy)
    name: str | None = None  # its AWS name when not the key
    renamed_from: str | None = None  # the key it had
    access_role: str | None = None  # assumed when it owns shares; None: organization's
    external_id: str | None = None
    session_name: str | None = None

    @property
    def aws_name(self) -> str:
        return self.name or self.key

    @property
    def created(self) -> bool:
        return self.id is None

    @property
    def adopted(self) -> bool:
        """An existing account trainshare manages: declared with its `id` and `email`, imported
        by ID, moved to its `unit`. With `id` only it is a reference, never changed."""
        return self.id is not None and self.email is not None


@dataclass(frozen=True, slots=True)
class Guardrail:
    """An Organizations policy — an SCP unless `type` says otherwise (a key of the catalog's
    policy types: rcp, ai-opt-out, tag, declarative-ec2, backup) — its minified document and
    where it is attached. A document may hold `${org_id}` (policy.templates.ORG_ID_PLACEHOLDER)
    where the organization's ID is known only at deploy time."""

    key: str
    name: str  # its name in AWS: the key, unless the spec's `name` says otherwise
    description: str
    document: str  # minified JSON, exactly what is uploaded
    targets: tuple[str, ...]  # ROOT, OU paths, account keys
    template: str | None
    renamed_from: str | None = None
    type: str = "scp"


class PrincipalKind(StrEnum):
    ORGANIZATION = "organization"
    UNIT = "unit"
    ACCOUNT = "account"  # an account of the spec (key)
    ACCOUNT_ID = "account_id"  # a 12-digit ID not named in the spec


@dataclass(frozen=True, slots=True)
class Principal:
    kind: PrincipalKind
    ref: str  # as written in the spec
    target: str  # ROOT, OU path, account key, or the 12-digit ID
    external: bool  # outside the organization


@dataclass(frozen=True, slots=True)
class CapacityStatement:
    """What the spec states about a shared Capacity Reservation, which its ARN cannot tell
    (`capacity:` on the resource; catalog/data/capacity_kinds.yaml has each kind's rules).
    `trainshare capacity` and `audit` check it against the live reservation."""

    kind: str  # on-demand | capacity-block | interruptible
    match: str  # open | targeted
    tenancy: str = "default"
    instance_type: str | None = None
    availability_zone: str | None = None
    platform: str | None = None
    end: str | None = None  # ISO 8601, UTC
    ultraserver: str | None = None  # the UltraServer type of a Capacity Block


@dataclass(frozen=True, slots=True)
class SharedResource:
    arn: str
    resource_type: str  # RAM type (ec2:CapacityReservation) or policy-share type (s3:Bucket)
    access: str | None = None  # policy shares: the catalog level granted on it
    capacity: CapacityStatement | None = None  # a Capacity Reservation: what the spec states


class ShareKind(StrEnum):
    RAM = "ram"  # a RAM resource share
    POLICY = "policy"  # statements in the resources' own policies


@dataclass(frozen=True, slots=True)
class ManagedPolicy:
    """The one resource policy trainshare writes for a resource it owns (`policy: managed`),
    composed from every policy share that lists the resource."""

    arn: str
    resource_type: str  # policy-share type, e.g. s3:Bucket
    owner: str  # account key
    owner_id: str
    region: str
    perimeter: bool  # add the Deny for principals outside the organization
    extra_statements: tuple[Mapping[str, Any], ...]  # the owner's own, kept as written
    shares: tuple[str, ...]  # keys of the shares that grant on it, sorted
    kms_key: str | None = None


@dataclass(frozen=True, slots=True)
class Share:
    key: str
    name: str  # a RAM share's name in AWS: the key, unless the spec's `name` says otherwise
    owner: str  # account key
    owner_id: str
    region: str
    resources: tuple[SharedResource, ...]
    principals: tuple[Principal, ...]
    permissions: tuple[str, ...]  # AWS-managed permission names, one per type, sorted
    allow_external: bool
    tags: Mapping[str, str]
    kind: ShareKind = ShareKind.RAM
    renamed_from: str | None = None
    protect: bool = False  # Pulumi's protect on the share and its associations
    # a share of capacity: the account (key) that pays for the unused part of its reservations
    # once it accepts (EC2 user guide, assign-billing)
    billing_owner: str | None = None


@dataclass(frozen=True, slots=True)
class Organization:
    management_account: str
    create: bool
    region: str
    partition: str
    access_role: str
    trusted_services: tuple[str, ...]
    id: str | None = None  # o-…, where the spec names it
    feature_set: str = ALL_FEATURES  # or CONSOLIDATED_BILLING (spec/feature_set.py)


@dataclass(frozen=True, slots=True)
class Unmanaged:
    """In the organization, deliberately not managed (`unmanaged:`): audit's LEFT_OUT."""

    object: str
    name: str
    item: str
    why: str


@dataclass(frozen=True)
class Spec:
    file: Path
    organization: Organization
    units: Mapping[str, Unit]  # path → unit, parents before children
    accounts: Mapping[str, Account]
    guardrails: Mapping[str, Guardrail]
    shares: Mapping[str, Share]
    limits: Mapping[str, int]
    warnings: tuple[Finding, ...] = field(default=())
    managed_policies: Mapping[str, ManagedPolicy] = field(default_factory=dict)  # ARN → policy
    unmanaged: tuple[Unmanaged, ...] = ()

    @staticmethod
    def from_dict(
        document: Mapping[str, Any],
        base_dir: str | Path = ".",
        source: str = "<spec dict>",
        default_region: str | None = None,
    ) -> Spec:
        """A spec built in Python (a mapping shaped as trainshare.yaml, e.g. from
        `SpecBuilder.to_dict()`), checked exactly as a file is; `document:` paths of guardrails
        are relative to `base_dir`; `default_region` as `load_spec`'s. Raises `SpecError` with
        every problem, located by field."""
        # validate builds this class: imported here, when called, not when it is defined
        from trainshare.spec.validate import validate_spec  # noqa: PLC0415
        from trainshare.yamlsource import Located  # noqa: PLC0415

        return validate_spec(
            Located(dict(document), source), base_dir=Path(base_dir), default_region=default_region
        )

    @property
    def shares_with_org_units(self) -> bool:
        """Sharing with an OU or the org needs EnableSharingWithAwsOrganization (RAM guide)."""
        return any(
            p.kind in (PrincipalKind.ORGANIZATION, PrincipalKind.UNIT)
            for share in self.shares.values()
            if share.kind is ShareKind.RAM
            for p in share.principals
        )


def unit_chain(unit: str, units: Mapping[str, Unit]) -> tuple[str, ...]:
    """The OUs from the top down to `unit` (an OU path or ROOT), by path: `ml/training` →
    (`ml`, `ml/training`); ROOT → (). The levels an account's SCPs and management policies come
    from are root, these, then the account.

    An OU the spec does not have (an account's `unit` that is an UNKNOWN_UNIT error) → (): the
    account is counted under the root only, and nothing is assumed about the OUs its path names,
    not even those the spec has (`ml/typo` says nothing certain about `ml`).
    """
    if unit not in units:
        return ()
    parts = unit.split("/")  # every OU of the spec has its parents in `units` (spec/tree.py)
    return tuple("/".join(parts[: i + 1]) for i in range(len(parts)))
