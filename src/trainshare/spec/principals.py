"""A share's `principals`: whom a RAM share or a policy share reaches, resolved and checked.

Principals are `root`, OU paths, account keys and 12-digit account IDs (spec/context.py,
`References`). A new rule on principals is a `check_<what>` function here, called from
`principals`; it reports with `ctx.out.add` (spec/context.py).
"""

from __future__ import annotations

from trainshare.spec.context import Context, References, check_per_share_limit
from trainshare.spec.model import ShareSpec
from trainshare.spec.resolved import Account, Principal, SharedResource
from trainshare.yamlsource import Path_


def principals(
    ctx: Context,
    spec: ShareSpec,
    path: Path_,
    refs: References,
    *,
    owner: Account,
    resources: tuple[SharedResource, ...] | None,
    ram: bool,
) -> tuple[Principal, ...] | None:
    """The share's principals; None when one of them is an error. `resources` are the RAM
    resources (None for a policy share, or when they did not check out). A RAM share (`ram`)
    is held to RAM's principals-per-share quota; a policy share is not a RAM share, and its
    principals are bounded by its resource policy's size (the catalog's `max_chars` per policy
    share type, checked on the composed policy in plan/build_shares.py `_resource_policy`)."""
    found: list[Principal] = []
    ok = True
    for index, ref in enumerate(spec.principals):
        ppath = (*path, "principals", index)
        principal = refs.principal(ref)
        if principal is None:
            report_unknown_principal(ctx, ref, ppath, refs)
            ok = False
            continue
        if not (
            check_principal_once(ctx, ref, principal, ppath, found)
            and check_not_owner(ctx, ref, principal, ppath, owner)
        ):
            ok = False
            continue
        if principal.external:
            ok = check_external_principal(ctx, spec, ppath, ref, resources) and ok
        found.append(principal)
    if ram:
        ok = (
            check_per_share_limit(
                ctx, "principals", len(found), (*path, "principals"), code="TOO_MANY_PRINCIPALS"
            )
            and ok
        )
    check_allow_external_used(ctx, spec, found, (*path, "allow_external"))
    return tuple(found) if ok else None


def report_unknown_principal(ctx: Context, ref: str, path: Path_, refs: References) -> None:
    hint = refs.hint(ref)
    if ref.startswith("arn:"):
        hint = (
            "IAM users, roles and service principals are not supported in spec "
            "version 1: name an account, an OU path or `root`"
        )
    ctx.out.add(
        "UNKNOWN_PRINCIPAL",
        path,
        f"principal {ref!r} is not `root`, an OU path, an account of the "
        "spec, or a 12-digit account ID",
        hint,
    )


def check_principal_once(
    ctx: Context, ref: str, principal: Principal, path: Path_, found: list[Principal]
) -> bool:
    if principal.target in {p.target for p in found}:
        return ctx.out.refuse("DUPLICATE_PRINCIPAL", path, f"{ref!r} is listed twice", "remove one")
    return True


def check_not_owner(
    ctx: Context, ref: str, principal: Principal, path: Path_, owner: Account
) -> bool:
    if principal.target in (owner.key, owner.id):
        return ctx.out.refuse(
            "SELF_PRINCIPAL",
            path,
            f"{ref!r} is the share's owner, which already has its resources",
            "remove it",
        )
    return True


def check_allow_external_used(
    ctx: Context, spec: ShareSpec, found: list[Principal], path: Path_
) -> None:
    if spec.allow_external and not any(p.external for p in found):
        ctx.out.add(
            "ALLOW_EXTERNAL_UNUSED",
            path,
            "allow_external is true but every principal is inside the organization",
            "remove it, so a later edit cannot open the share by accident",
        )


def check_external_principal(
    ctx: Context,
    spec: ShareSpec,
    path: Path_,
    ref: str,
    resources: tuple[SharedResource, ...] | None,
) -> bool:
    """An account outside the organization: allowed only with `allow_external`, and only for
    resource types RAM shares outside (each type's `external` in the catalog)."""
    if not spec.allow_external:
        return ctx.out.refuse(
            "EXTERNAL_PRINCIPAL",
            path,
            f"account {ref} is not in the organization (not in `accounts`, not the "
            "management account)",
            "add it under `accounts` with its `id` if it is a member, or set "
            "`allow_external: true` on the share to share outside the org",
        )
    ok = True
    for rtype_name in sorted({r.resource_type for r in resources or ()}):
        rtype = ctx.catalog.resource_types[rtype_name]
        if not rtype.external:
            ctx.out.add(
                "ORG_ONLY_TYPE",
                path,
                f"{rtype_name} can only be shared inside the organization ({rtype.source})",
                f"remove {ref} or move the resource to another share",
            )
            ok = False
        elif rtype.external_note and any(
            r.capacity is None for r in resources or () if r.resource_type == rtype_name
        ):  # stated capacity is checked by kind (spec/capacity_checks.py)
            ctx.out.add(
                "EXTERNAL_SHARE_CAVEAT",
                path,
                rtype.external_note,
                "check the resources are not Capacity Blocks",
            )
    return ok
