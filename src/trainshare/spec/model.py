"""The version-1 spec's shape (pydantic v2, unknown keys forbidden, no silent coercion).

This module checks shape only; `validate.py` and the section modules it lists check references
and AWS rules and produce the resolved `Spec` the rest of trainshare reads. See DESIGN.md "The
spec (version 1)".
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_QUOTE_ID = 'write the 12 digits in quotes: "123456789012"'


def _account_id(value: Any) -> Any:
    """A 12-digit string; an unquoted 12-digit number is accepted, a shorter one is refused.

    YAML reads unquoted digits as a number, which drops leading zeros: `012345678901` would
    silently become another account. Only a number that still has 12 digits is unambiguous.
    """
    if isinstance(value, bool):
        raise ValueError(f"must be a 12-digit account ID, got {value!r} — {_QUOTE_ID}")
    if isinstance(value, int):
        text = str(value)
        if len(text) == 12:
            return text
        raise ValueError(
            f"{value} is a number with {len(text)} digits: YAML drops the leading zeros of an "
            f'unquoted ID — write the ID in quotes, e.g. "{text.zfill(12)}" if that is the account'
        )
    if isinstance(value, str) and _ACCOUNT_ID.match(value):
        return value
    raise ValueError(f"must be a 12-digit account ID, got {value!r} — {_QUOTE_ID}")


AccountId = Annotated[str, BeforeValidator(_account_id)]
Tags = dict[
    Annotated[str, Field(min_length=1, max_length=128)], Annotated[str, Field(max_length=256)]
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LimitOverrides(_Model):
    """Overrides of catalog limits, for raised quotas (names as in catalog/data/limits.yaml)."""

    scp_max_chars: Annotated[int, Field(gt=0)] | None = None
    scps_per_target: Annotated[int, Field(gt=0)] | None = None
    ou_max_depth: Annotated[int, Field(gt=0)] | None = None
    concurrent_create_account: Annotated[int, Field(gt=0)] | None = None
    tags_per_entity: Annotated[int, Field(gt=0)] | None = None
    ram_resources_per_share: Annotated[int, Field(gt=0)] | None = None
    ram_principals_per_share: Annotated[int, Field(gt=0)] | None = None
    rcp_max_chars: Annotated[int, Field(gt=0)] | None = None
    rcps_per_target: Annotated[int, Field(gt=0)] | None = None
    ai_opt_out_max_chars: Annotated[int, Field(gt=0)] | None = None
    ai_opt_out_policies_per_target: Annotated[int, Field(gt=0)] | None = None
    tag_policy_max_chars: Annotated[int, Field(gt=0)] | None = None
    tag_policies_per_target: Annotated[int, Field(gt=0)] | None = None
    declarative_ec2_max_chars: Annotated[int, Field(gt=0)] | None = None
    declarative_ec2_policies_per_target: Annotated[int, Field(gt=0)] | None = None
    backup_policy_max_chars: Annotated[int, Field(gt=0)] | None = None
    backup_policies_per_target: Annotated[int, Field(gt=0)] | None = None


RoleName = Annotated[str, Field(pattern=r"^[\w+=,.@-]{1,64}$")]


class OrganizationSpec(_Model):
    management_account: AccountId
    # the organization's ID, when it exists (`import` writes it): fills RCPs' ${org_id} now
    id: Annotated[str, Field(pattern=r"^o-[a-z0-9]{10,32}$")] | None = None
    create: bool = False
    # CONSOLIDATED_BILLING: an organization without all features (`import` writes it): no
    # guardrails, trusted access or sharing with OUs until all features are enabled
    feature_set: Literal["ALL", "CONSOLIDATED_BILLING"] = "ALL"
    # unset: the default Region the loader is given (the stack's aws:region, for the Pulumi
    # component), else us-east-1
    region: str | None = None
    access_role: RoleName = "OrganizationAccountAccessRole"
    trusted_services: list[Annotated[str, Field(pattern=r"^[a-z0-9.-]+\.amazonaws\.com$")]] = []
    limits: LimitOverrides = LimitOverrides()


Key = Annotated[str, Field(min_length=1, max_length=512)]


class AccountSpec(_Model):
    id: AccountId | None = None
    email: str | None = None
    # The account's AWS name (CreateAccount AccountName); default the key. Changing it replaces
    # the account (pulumi-aws #6242), so a key can be renamed while the name stays.
    name: str | None = None
    renamed_from: Key | None = None  # the key it had: the component keeps its resources
    unit: str = "root"
    tags: Tags = {}
    protect: bool = True
    close_on_deletion: bool = False
    full_aws_access: bool = True
    # How the deploy reaches this account when it owns shares (STS AssumeRole): the role
    # (default organization.access_role), the external ID its trust policy asks for, and the
    # session name CloudTrail shows (default "trainshare"). Patterns: IAM role names;
    # AssumeRole ExternalId (2-1224) and RoleSessionName (2-64).
    access_role: RoleName | None = None
    external_id: (
        Annotated[str, Field(min_length=2, max_length=1224, pattern=r"^[\w+=,.@:/-]+$")] | None
    ) = None
    session_name: (
        Annotated[str, Field(min_length=2, max_length=64, pattern=r"^[\w+=,.@-]+$")] | None
    ) = None


# An SCP's or a RAM share's name in AWS where it cannot be the key (`trainshare import` writes it
# for names with `/`, and for shares that have one name): CreatePolicy Name is 1-128 characters;
# CreateResourceShare documents no limit.
PolicyName = Annotated[str, Field(min_length=1, max_length=128)]
ShareName = Annotated[str, Field(min_length=1)]


class GuardrailSpec(_Model):
    # an Organizations policy type (catalog/data/policy_types.yaml); default: the template's, or scp
    type: str | None = None
    name: PolicyName | None = None
    template: str | None = None
    params: dict[str, Any] = {}
    document: str | None = None
    description: Annotated[str, Field(max_length=512)] | None = None
    targets: Annotated[list[str], Field(min_length=1)]
    renamed_from: Key | None = None


class CapacitySpec(_Model):
    """What a shared Capacity Reservation is, which its ARN cannot tell (AWS-FACTS §9;
    catalog/data/capacity_kinds.yaml): `trainshare capacity` and `audit` check it live."""

    kind: Literal["on-demand", "capacity-block", "interruptible"]
    match: Literal["open", "targeted"] | None = None  # on-demand: required
    tenancy: Literal["default", "dedicated"] = "default"
    instance_type: Annotated[str, Field(pattern=r"^[a-z0-9-]+\.[a-z0-9-]+$")] | None = None
    # a zone's name: us-east-1a, a Local Zone (us-west-2-lax-1a) or a Wavelength Zone
    # (us-east-1-wl1-bos-wlz-1) — reservations can be made in all three (EC2 User Guide,
    # "Capacity Reservations in Local Zones" / "… in Wavelength Zones", read 2026-11-30)
    availability_zone: (
        Annotated[
            str, Field(max_length=64, pattern=r"^[a-z]{2}(-[a-z]+)+-\d([a-z]|(-[a-z0-9]+)+)$")
        ]
        | None
    ) = None
    platform: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    end: Annotated[str, Field(max_length=40)] | None = None  # ISO 8601
    ultraserver: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class ResourceSpec(_Model):
    arn: str
    # policy shares: trainshare writes this resource's one policy (it owns it)
    policy: Literal["managed"] | None = None
    access: str | None = None  # this resource's level, instead of the share's
    perimeter: bool = True  # with policy: managed — deny principals outside the organization
    # with policy: managed — statements the owner keeps (a JSON file, or inline)
    extra_statements: str | list[dict[str, Any]] | None = None
    kms_key: str | None = None  # a bucket's objects are encrypted with this key
    capacity: CapacitySpec | None = None  # a Capacity Reservation: what it is (RAM shares)


class ShareSpec(_Model):
    name: ShareName | None = None
    owner: str
    region: str | None = None
    resources: Annotated[list[str | ResourceSpec], Field(min_length=1)]
    principals: Annotated[list[str], Field(min_length=1)]
    permissions: list[str] | None = None
    allow_external: bool = False
    access: str | None = None
    tags: Tags = {}
    renamed_from: Key | None = None
    # Pulumi's `protect` on the share and its associations; default true for capacity
    protect: bool | None = None
    # a share of capacity: the account (key) that pays for the unused part of its reservations
    billing_owner: str | None = None


class UnmanagedSpec(_Model):
    """Something in the organization the spec deliberately does not manage (what `trainshare
    import` could not express): `audit` reports it as a finding, LEFT_OUT, instead of drift.
    `object`, `name` and `item` are the audit's own words for it, e.g. share-principal, the
    share's key, the principal."""

    object: Annotated[str, Field(min_length=1, max_length=64)]
    name: Annotated[str, Field(min_length=1, max_length=1024)]
    item: Annotated[str, Field(min_length=1, max_length=2048)]
    why: Annotated[str, Field(min_length=1, max_length=2048)]


class SpecDocument(_Model):
    version: Literal[1]
    organization: OrganizationSpec
    units: dict[str, Any] = {}
    accounts: dict[str, AccountSpec] = {}
    guardrails: dict[str, GuardrailSpec] = {}
    shares: dict[str, ShareSpec] = {}
    unmanaged: list[UnmanagedSpec] = []
