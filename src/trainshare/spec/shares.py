"""The `shares` section: each share's owner and Region, and its kind by what its resources
are — a RAM share (spec/ram_shares.py) or a policy share, whose resources and resource
policies are spec/policy_shares.py and whose other fields are checked here. Whom a share
reaches: spec/principals.py.

A rule every share obeys is a `check_<what>` function here, called from `_share`; a rule of
one kind goes where that kind is. Rules report with `ctx.out.add` (spec/context.py).
"""

from __future__ import annotations

from typing import Any

from trainshare.spec.context import (
    Context,
    NotTaken,
    References,
    ShareEntry,
    check_not_taken,
    check_region,
)
from trainshare.spec.issues import did_you_mean
from trainshare.spec.model import ResourceSpec, ShareSpec
from trainshare.spec.policy_shares import PolicyShareChecks, is_policy_resource, policy_share
from trainshare.spec.principals import principals
from trainshare.spec.ram_shares import ram_share
from trainshare.spec.resolved import Account, Organization, Share
from trainshare.yamlsource import Path_


def shares(
    ctx: Context,
    raw: dict[str, Any],
    refs: References,
    org: Organization,
    policy_shares: PolicyShareChecks,
) -> dict[str, Share]:
    found: dict[str, Share] = {}
    for key, body in raw.items():
        path: Path_ = ("shares", key)
        spec = ctx.out.validate(ShareSpec, body, path)
        if spec is None:
            continue
        share = _share(ctx, key, spec, path, refs=refs, org=org, policy_shares=policy_shares)
        if share is not None:
            found[key] = share
    check_one_billing_owner(ctx, found)
    return found


def check_one_billing_owner(ctx: Context, shares: dict[str, Share]) -> None:
    """A reservation in two shares (RAM allows it) has one billing owner: each share's assign
    command revokes any other payer's request first, so two would undo each other, in no
    fixed order, and one stays unpaid for good."""
    payer_of: dict[str, tuple[str, str]] = {}  # reservation ARN → (share, billing owner)
    for share in shares.values():
        if share.billing_owner is None:
            continue
        for resource in share.resources:
            first = payer_of.setdefault(resource.arn, (share.key, share.billing_owner))
            if first[1] != share.billing_owner:
                ctx.out.add(
                    "BILLING_OWNER_CONFLICT",
                    ("shares", share.key, "billing_owner"),
                    f"{resource.arn.rsplit('/', 1)[-1]} is also in share {first[0]}, billed to "
                    f"{first[1]}: a reservation has one billing owner",
                    f"name {first[1]} here too, or remove `billing_owner` from one of the shares",
                )


def _share(
    ctx: Context,
    key: str,
    spec: ShareSpec,
    path: Path_,
    *,
    refs: References,
    org: Organization,
    policy_shares: PolicyShareChecks,
) -> Share | None:
    owner = refs.accounts.get(spec.owner)
    if not check_owner(ctx, spec, owner, (*path, "owner"), refs):
        return None
    assert owner is not None
    region = spec.region or org.region
    if not check_region(ctx, region, (*path, "region")):
        return None
    entry = ShareEntry(key, spec, path, owner, region)
    if any(_is_policy_resource(ctx, item) for item in spec.resources):
        return _policy_share(ctx, entry, refs=refs, org=org, checks=policy_shares)
    return ram_share(ctx, entry, refs=refs, org=org)


def check_owner(
    ctx: Context, spec: ShareSpec, owner: Account | None, path: Path_, refs: References
) -> bool:
    """The owner is an account of the spec that exists already (its resources name its ID)."""
    if owner is None:
        return ctx.out.refuse(
            "UNKNOWN_ACCOUNT",
            path,
            f"owner {spec.owner!r} is not an account of the spec",
            did_you_mean(spec.owner, refs.accounts)
            or "add the owning account under `accounts` with its `id`",
        )
    if owner.id is None:
        return ctx.out.refuse(
            "OWNER_NOT_EXISTING",
            path,
            f"owner {spec.owner!r} is an account trainshare creates; the resources "
            "it shares must exist first, with ARNs that name its ID",
            "create the account first, then give it `id:` and share from it",
        )
    return True


def _is_policy_resource(ctx: Context, item: str | ResourceSpec) -> bool:
    return is_policy_resource(ctx.catalog, item.arn if isinstance(item, ResourceSpec) else item)


def _policy_share(
    ctx: Context,
    share: ShareEntry,
    *,
    refs: References,
    org: Organization,
    checks: PolicyShareChecks,
) -> Share | None:
    key, spec, path, owner, region = share.key, share.spec, share.path, share.owner, share.region
    resources = checks.resources(key, spec, path, owner_id=share.owner_id, region=region, org=org)
    found = principals(ctx, spec, path, refs, owner=owner, resources=None, ram=False)
    check_no_capacity(ctx, spec, path)
    check_not_taken(ctx, spec, path, POLICY_SHARE_TAKES_NO)
    if resources is None or found is None:
        return None
    return policy_share(
        key,
        owner,
        region,
        resources=resources,
        principals=found,
        allow_external=spec.allow_external,
        tags={},
        renamed_from=spec.renamed_from,
    )


def check_no_capacity(ctx: Context, spec: ShareSpec, path: Path_) -> None:
    """`capacity:` is about Capacity Reservations, which RAM shares (and `billing_owner:`, in
    POLICY_SHARE_TAKES_NO)."""
    for index, item in enumerate(spec.resources):
        if isinstance(item, ResourceSpec) and item.capacity is not None:
            ctx.out.add(
                "CAPACITY_ON_OTHER_RESOURCE",
                (*path, "resources", index, "capacity"),
                f"`capacity` describes a Capacity Reservation; {item.arn} is shared by its "
                "resource policy",
                "remove `capacity` from this resource",
            )


# What a policy share does not take: it creates no RAM share (so nothing named or tagged) and
# holds no Capacity Reservation.
POLICY_SHARE_TAKES_NO = (
    NotTaken(
        "billing_owner",
        code="BILLING_OWNER_WITHOUT_CAPACITY",
        message="`billing_owner` assigns who pays for the unused part of Capacity Reservations; "
        "a policy share holds none",
        fix="remove `billing_owner`",
    ),
    NotTaken(
        "name",
        code="INVALID_VALUE",
        message="`name` is the name of a RAM share in AWS; a policy share creates no share",
        fix="remove `name`",
    ),
    NotTaken(
        "tags",
        code="TAGS_ON_POLICY_SHARE",
        message="a policy share creates no resource that could carry tags",
        fix="remove `tags`",
    ),
)
