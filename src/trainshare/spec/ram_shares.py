"""RAM shares: resources RAM shares (capacity reservations, subnets, …), their AWS-managed
permissions, and the share that carries them.

A RAM share's resources must belong to its owner and be in its Region (RAM is regional, and the
owning account makes the share); each resource type gets one managed permission. A new rule on
a RAM share is a `check_<what>` function here, called from `ram_share`, `resource` or
`permissions`; it reports with `ctx.out.add` (spec/context.py). Principals: spec/principals.py.
"""

from __future__ import annotations

from dataclasses import replace

from trainshare.catalog import parse_arn
from trainshare.catalog.arns import Arn
from trainshare.catalog.model import permission_name
from trainshare.spec.capacity_checks import capacity_statement, check_capacity_share
from trainshare.spec.changes import share_protected
from trainshare.spec.context import (
    Context,
    NotTaken,
    References,
    ShareEntry,
    check_not_taken,
    check_per_share_limit,
    check_tag_count,
)
from trainshare.spec.issues import did_you_mean
from trainshare.spec.model import ResourceSpec, ShareSpec
from trainshare.spec.policy_shares import check_partition
from trainshare.spec.principals import principals
from trainshare.spec.resolved import Organization, Share, SharedResource
from trainshare.yamlsource import Path_


def ram_share(
    ctx: Context, share: ShareEntry, *, refs: References, org: Organization
) -> Share | None:
    spec, path = share.spec, share.path
    check_not_taken(ctx, spec, path, RAM_SHARE_TAKES_NO)
    resources = ram_resources(ctx, share, org)
    found = principals(ctx, spec, path, refs, owner=share.owner, resources=resources, ram=True)
    chosen = permissions(ctx, spec, path, resources)
    check_tag_count(ctx, spec.tags, (*path, "tags"))
    if resources is None or found is None or chosen is None:
        return None
    capacity_ok, billing_owner = check_capacity_share(
        ctx.out,
        spec,
        path=path,
        owner=share.owner,
        resources=resources,
        principals=found,
        accounts=refs.accounts,
        management_account=org.management_account,
    )
    if not capacity_ok:
        return None
    return Share(
        key=share.key,
        name=spec.name or share.key,
        owner=share.owner.key,
        owner_id=share.owner_id,
        region=share.region,
        resources=resources,
        principals=found,
        permissions=chosen,
        allow_external=spec.allow_external,
        tags=dict(spec.tags),
        renamed_from=spec.renamed_from,
        protect=share_protected(spec.protect, resources),
        billing_owner=billing_owner,
    )


# `access` is a policy share's: a RAM share grants what its managed permissions do.
RAM_SHARE_TAKES_NO = (
    NotTaken(
        "access",
        code="ACCESS_ON_RAM_SHARE",
        message="`access` names a level of a policy share; RAM shares grant their `permissions`",
        fix="remove `access` (choose a RAM managed permission with `permissions`)",
    ),
)


# -- resources ------------------------------------------------------------------------------------


def ram_resources(
    ctx: Context, share: ShareEntry, org: Organization
) -> tuple[SharedResource, ...] | None:
    """The share's resources; None when one of them is an error."""
    found: list[SharedResource] = []
    ok = True
    seen: set[str] = set()
    for index, item in enumerate(share.spec.resources):
        rpath = (*share.path, "resources", index)
        if not check_bare_arn(ctx, item, rpath):
            ok = False
            continue
        arn_text = item.arn if isinstance(item, ResourceSpec) else item
        resource = ram_resource(
            ctx, arn_text, rpath, owner_id=share.owner_id, region=share.region, org=org
        )
        if resource is not None and isinstance(item, ResourceSpec) and item.capacity:
            stated = capacity_statement(
                ctx.out,
                item.capacity,
                arn=resource.arn,
                resource_type=resource.resource_type,
                path=rpath,
                now=ctx.now,
            )
            resource = replace(resource, capacity=stated) if stated else None
        if resource is None or not check_resource_once(ctx, arn_text, resource, rpath, seen):
            ok = False
        else:
            found.append(resource)
    ok = (
        check_per_share_limit(
            ctx, "resources", len(found), (*share.path, "resources"), code="TOO_MANY_RESOURCES"
        )
        and ok
    )
    return tuple(found) if ok else None


def check_bare_arn(ctx: Context, item: str | ResourceSpec, path: Path_) -> bool:
    """Policy settings belong to resources shared by resource policy, not to RAM's."""
    if isinstance(item, ResourceSpec) and item != ResourceSpec(
        arn=item.arn, capacity=item.capacity
    ):
        return ctx.out.refuse(
            "POLICY_ON_RAM_RESOURCE",
            path,
            f"{item.arn} is shared through RAM; `policy`, `access`, `perimeter`, "
            "`extra_statements` and `kms_key` are for resources shared by resource policy",
            f"write the bare ARN: - {item.arn} (a Capacity Reservation also takes `capacity:`)",
        )
    return True


def check_resource_once(
    ctx: Context, text: str, resource: SharedResource, path: Path_, seen: set[str]
) -> bool:
    if resource.arn in seen:
        return ctx.out.refuse("DUPLICATE_RESOURCE", path, f"{text} is listed twice", "remove one")
    seen.add(resource.arn)
    return True


def ram_resource(
    ctx: Context, text: str, path: Path_, *, owner_id: str, region: str, org: Organization
) -> SharedResource | None:
    """One resource: an ARN of a type RAM shares, owned by the share's owner, in its Region."""
    arn = parse_arn(text)
    if arn is None:
        ctx.out.add(
            "INVALID_ARN",
            path,
            f"{text!r} is not an ARN",
            "write arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE",
        )
        return None
    rtype = ctx.catalog.resource_type_for(arn)
    if rtype is None:  # a type shared by resource policy made this a policy share (shares.py)
        ctx.out.add(
            "UNKNOWN_RESOURCE_TYPE",
            path,
            f"{text} is not a RAM-shareable type trainshare knows",
            "known types: "
            + ", ".join(ctx.catalog.resource_types)
            + " (add a new one to catalog/data/ram_resource_types.yaml)",
        )
        return None
    ok = check_resource_owner(ctx, arn, path, owner_id)
    ok = check_resource_region(ctx, arn, path, region) and ok
    ok = check_partition(ctx.out, arn, org, path) and ok
    return SharedResource(arn=text, resource_type=rtype.name) if ok else None


def check_resource_owner(ctx: Context, arn: Arn, path: Path_, owner_id: str) -> bool:
    if arn.account != owner_id:
        return ctx.out.refuse(
            "ARN_ACCOUNT_MISMATCH",
            path,
            f"the resource belongs to account {arn.account or '(none)'}, but the "
            f"share's owner is {owner_id}",
            "RAM shares are made by the account that owns the resource: fix "
            "`owner` or move the resource to another share",
        )
    return True


def check_resource_region(ctx: Context, arn: Arn, path: Path_, region: str) -> bool:
    if arn.region != region:
        return ctx.out.refuse(
            "ARN_REGION_MISMATCH",
            path,
            f"the resource is in {arn.region or '(no Region)'}, but the share is in {region}",
            "RAM is regional: set the share's `region` to the "
            "resource's Region, or split the share",
        )
    return True


# -- permissions ----------------------------------------------------------------------------------


def permissions(
    ctx: Context,
    spec: ShareSpec,
    path: Path_,
    resources: tuple[SharedResource, ...] | None,
) -> tuple[str, ...] | None:
    """One AWS-managed permission per resource type (RAM API: AssociateResourceSharePermission).

    Changing the permissions of a share replaces it (terraform-provider-aws #42009), so the
    default is sent explicitly where its name is verified: the set never changes by itself.
    """
    if resources is None:
        return None
    types = {r.resource_type for r in resources}
    chosen: dict[str, str] = {}  # resource type → permission name
    ok = True
    for index, given in enumerate(spec.permissions or []):
        if not check_permission(ctx, given, (*path, "permissions", index), types, chosen):
            ok = False
    ok = check_defaults(ctx, path, types, chosen) and ok
    return tuple(sorted(chosen.values())) if ok else None


def check_permission(
    ctx: Context, given: str, path: Path_, types: set[str], chosen: dict[str, str]
) -> bool:
    """A permission the spec names: known, of a type the share holds, one per type."""
    name = permission_name(given)
    permission = ctx.catalog.permission(name)
    if permission is None:
        known = [p for t in types for p in ctx.catalog.resource_types[t].permissions]
        return ctx.out.refuse(
            "UNKNOWN_PERMISSION",
            path,
            f"{given!r} is not an AWS-managed RAM permission trainshare knows",
            did_you_mean(name, known) or f"for this share: {', '.join(known)}",
        )
    if permission.resource_type not in types:
        return ctx.out.refuse(
            "PERMISSION_TYPE_MISMATCH",
            path,
            f"{name} is for {permission.resource_type}, and this share has no "
            f"such resource (it shares {', '.join(sorted(types))})",
            "remove it, or use a permission of a type the share holds",
        )
    if permission.resource_type in chosen:
        return ctx.out.refuse(
            "DUPLICATE_PERMISSION_TYPE",
            path,
            f"{name} and {chosen[permission.resource_type]} are both for "
            f"{permission.resource_type}; a share has one permission per type",
            "keep one",
        )
    chosen[permission.resource_type] = name
    return True


def check_defaults(ctx: Context, path: Path_, types: set[str], chosen: dict[str, str]) -> bool:
    """Each type the spec names no permission for gets its verified default, if it has one."""
    ok = True
    for rtype_name in sorted(types - set(chosen)):
        rtype = ctx.catalog.resource_types[rtype_name]
        if rtype.default_permission is not None:
            chosen[rtype_name] = rtype.default_permission
        elif rtype.permissions:
            ctx.out.add(
                "PERMISSION_REQUIRED",
                (*path, "permissions"),
                f"{rtype_name} has several managed permissions and no verified default",
                f"choose one: {', '.join(rtype.permissions)}",
            )
            ok = False
    return ok
