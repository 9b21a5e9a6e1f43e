"""Resources of the user's own program in a spec: a subnet or a capacity reservation created in
the same Pulumi program, shared by an ARN known only at deploy time.

A spec mapping given to `OrgSharing` may list, among a RAM share's `resources`:
- a pulumi_aws resource whose type is RAM-shareable (`aws.ec2.Subnet`, …; `RAM_TYPES`), named
  in the plan by its Pulumi name;
- `{"arn": <Output[str]>, "type": "ec2:Subnet", "name": "training-subnet"}` for any other.

Before the spec is checked, each becomes a placeholder ARN in the share owner's account and
Region (`arn:aws:ec2:us-east-1:222222222222:subnet/training-subnet`), so every rule of the spec
applies to it as to a literal ARN, and the plan names its association by it. The component sends
the Output instead, and checks once it resolves that the real ARN is of that type, in that
account and Region: the share could not work otherwise (RAM shares from the owning account, in
the resource's Region).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from trainshare.catalog import load_catalog, parse_arn
from trainshare.errors import PlanError

# pulumi_aws type token → RAM resource type (catalog/data/ram_resource_types.yaml). A test checks
# each token is the one the SDK class registers.
RAM_TYPES: Mapping[str, str] = {
    "aws:ec2/subnet:Subnet": "ec2:Subnet",
    "aws:ec2/capacityReservation:CapacityReservation": "ec2:CapacityReservation",
    "aws:ec2/placementGroup:PlacementGroup": "ec2:PlacementGroup",
    "aws:ec2/managedPrefixList:ManagedPrefixList": "ec2:PrefixList",
    "aws:ec2transitgateway/transitGateway:TransitGateway": "ec2:TransitGateway",
    "aws:resourcegroups/group:Group": "resource-groups:Group",
}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


@dataclass(frozen=True)
class Deferred:
    """A resource whose ARN the program knows at deploy time."""

    share: str
    placeholder: str
    arn: pulumi.Output[str]
    resource_type: str
    owner_id: str
    region: str

    def checked(self) -> pulumi.Output[str]:
        """The ARN, once known, if it is of the declared type in the owner's account and
        Region; otherwise the deployment fails here, naming the share."""

        def check(arn: str) -> str:
            parsed = parse_arn(arn)
            found = load_catalog().resource_type_for(parsed) if parsed else None
            wrong = []
            if parsed is None or found is None or found.name != self.resource_type:
                wrong.append(f"is not a {self.resource_type}")
            elif parsed.account != self.owner_id:
                wrong.append(f"is in account {parsed.account}, not the owner's {self.owner_id}")
            elif parsed.region != self.region:
                wrong.append(f"is in {parsed.region}, not the share's Region {self.region}")
            if wrong:
                raise PlanError(
                    f"share {self.share}: {arn} {wrong[0]} — RAM shares a resource from the "
                    "account that owns it, in its Region: fix the share's owner or region"
                )
            return arn

        return self.arn.apply(check)


def defer_program_resources(
    document: Mapping[str, Any], default_region: str | None = None
) -> tuple[dict[str, Any], dict[str, Deferred]]:
    """The spec mapping with each program resource replaced by its placeholder ARN, and the
    placeholders → what they stand for. Everything else is left as it is."""
    shares = document.get("shares")
    if not isinstance(shares, Mapping):
        return dict(document), {}
    deferred: dict[str, Deferred] = {}
    rewritten: dict[str, Any] = {}
    for key, share in shares.items():
        resources = share.get("resources") if isinstance(share, Mapping) else None
        if not isinstance(resources, list):
            rewritten[key] = share
            continue
        items = []
        for index, item in enumerate(resources):
            found = _program_resource(item, f"shares.{key}.resources[{index}]")
            if found is None:
                items.append(item)
                continue
            arn, resource_type, name = found
            owner_id, region = _where(document, share, default_region)
            where = f"shares.{key}.resources[{index}]"
            placeholder = _placeholder(resource_type, name, (owner_id, region), where)
            if placeholder in deferred:
                raise PlanError(
                    f"shares.{key}.resources[{index}]: {name!r} names another resource of this "
                    "share already — give each its own `name`"
                )
            deferred[placeholder] = Deferred(key, placeholder, arn, resource_type, owner_id, region)
            items.append(placeholder)
        rewritten[key] = {**share, "resources": items}
    return {**document, "shares": rewritten}, deferred


def _program_resource(item: Any, where: str) -> tuple[pulumi.Output[str], str, str] | None:
    """(ARN, RAM type, name) of a program resource in a `resources` list, or None for a literal
    entry (an ARN, or `{arn: "…", policy: managed}`)."""
    if isinstance(item, pulumi.CustomResource):
        token = item.pulumi_resource_type
        resource_type = RAM_TYPES.get(token)
        if resource_type is None or not hasattr(item, "arn"):
            raise PlanError(
                f"{where}: a {token} cannot be shared through RAM by trainshare — pass "
                '{"arn": resource.arn, "type": "<RAM type>", "name": "<name>"} if it is shareable'
            )
        return item.arn, resource_type, item.pulumi_resource_name
    if isinstance(item, pulumi.Output):
        raise PlanError(
            f"{where}: an Output needs its RAM type and a name for the plan — write "
            '{"arn": output, "type": "ec2:Subnet", "name": "training-subnet"}'
        )
    if isinstance(item, Mapping) and isinstance(item.get("arn"), pulumi.Output):
        resource_type, name = item.get("type"), item.get("name")
        extra = sorted(set(item) - {"arn", "type", "name"})
        if not isinstance(resource_type, str) or not isinstance(name, str) or extra:
            raise PlanError(
                f"{where}: a resource given as an Output is "
                '{"arn": output, "type": "ec2:Subnet", "name": "training-subnet"}'
                + (f"; {', '.join(extra)} cannot be set on it" if extra else "")
            )
        return item["arn"], resource_type, name
    return None


def _where(
    document: Mapping[str, Any], share: Mapping[str, Any], default_region: str | None
) -> tuple[str, str]:
    """The owner's account ID and the share's Region, as the spec will resolve them (an
    unknown owner gets the management account's: the spec's own check reports it)."""
    organization = document.get("organization")
    org = organization if isinstance(organization, Mapping) else {}
    accounts = document.get("accounts")
    owner = accounts.get(share.get("owner")) if isinstance(accounts, Mapping) else None
    owner_id = owner.get("id") if isinstance(owner, Mapping) else None
    account = str(owner_id or org.get("management_account") or "000000000000")
    region = share.get("region") or org.get("region") or default_region or "us-east-1"
    return account, str(region)


def _placeholder(resource_type: str, name: str, owner: tuple[str, str], where: str) -> str:
    """A valid ARN of `resource_type` named `name` in the owner's (account ID, Region)."""
    owner_id, region = owner
    catalog = load_catalog()
    rtype = catalog.resource_types.get(resource_type)
    if rtype is None:
        raise PlanError(
            f"{where}: {resource_type!r} is not a RAM resource type trainshare knows "
            f"({', '.join(sorted(catalog.resource_types))})"
        )
    if not _NAME.match(name):
        raise PlanError(
            f"{where}: name {name!r} must be letters, digits, '-', '_' or '.' (it names the "
            "resource's association in the stack)"
        )
    prefix = (
        rtype.resource_prefix
        if rtype.resource_prefix.endswith("/")
        else rtype.resource_prefix + "/"
    )
    return f"arn:{catalog.partition(region)}:{rtype.service}:{region}:{owner_id}:{prefix}{name}"
