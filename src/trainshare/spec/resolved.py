"""The validated spec: every reference resolved, every default applied. Frozen; read-only.

`plan`, `access` and `audit` read this, never the raw YAML or the pydantic document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from trainshare.errors import SpecIssue

ROOT = "root"


@dataclass(frozen=True, slots=True)
class Unit:
    """An OU, named by its path under the root (`ml/training`)."""

    path: str
    name: str
    parent: str  # parent path, or ROOT
    id: str | None  # set when the OU exists already (adopted, not created)
    full_aws_access: bool
    tags: Mapping[str, str]

    @property
    def depth(self) -> int:
        return self.path.count("/") + 1


@dataclass(frozen=True, slots=True)
class Account:
    key: str
    id: str | None  # set for existing accounts (referenced, never created)
    email: str | None
    unit: str  # OU path or ROOT
    tags: Mapping[str, str]
    protect: bool
    close_on_deletion: bool
    full_aws_access: bool = True  # False: FullAWSAccess is detached (allow-list strategy)

    @property
    def created(self) -> bool:
        return self.id is None


@dataclass(frozen=True, slots=True)
class Guardrail:
    """A service control policy: its minified document and where it is attached."""

    key: str
    description: str
    document: str  # minified JSON, exactly what is uploaded
    targets: tuple[str, ...]  # ROOT, OU paths, account keys
    template: str | None


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
class SharedResource:
    arn: str
    resource_type: str  # RAM type, e.g. ec2:CapacityReservation


@dataclass(frozen=True, slots=True)
class Share:
    key: str
    owner: str  # account key
    owner_id: str
    region: str
    resources: tuple[SharedResource, ...]
    principals: tuple[Principal, ...]
    permissions: tuple[str, ...]  # AWS-managed permission names, one per type, sorted
    allow_external: bool
    tags: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Organization:
    management_account: str
    create: bool
    region: str
    partition: str
    access_role: str
    trusted_services: tuple[str, ...]


@dataclass(frozen=True)
class Spec:
    file: Path
    organization: Organization
    units: Mapping[str, Unit]  # path → unit, parents before children
    accounts: Mapping[str, Account]
    guardrails: Mapping[str, Guardrail]
    shares: Mapping[str, Share]
    limits: Mapping[str, int]
    warnings: tuple[SpecIssue, ...] = field(default=())

    @property
    def shares_with_org_units(self) -> bool:
        """Sharing with an OU or the org needs EnableSharingWithAwsOrganization (RAM guide)."""
        return any(
            p.kind in (PrincipalKind.ORGANIZATION, PrincipalKind.UNIT)
            for share in self.shares.values()
            for p in share.principals
        )
