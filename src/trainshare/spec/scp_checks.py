"""Organization-level SCP checks: what one document cannot tell, the tree can.

- SCPs per target, FullAWSAccess included when attached (Organizations quotas page).
- Lockout: every level root → OU → account needs an SCP that allows; with FullAWSAccess
  detached and only Deny guardrails, every account below is denied everything
  (Organizations user guide, orgs_manage_policies_scps_evaluation).
- The deploy role: share owners are reached through `access_role`; a Deny without an exemption
  for it can stop trainshare itself from managing shares (RAM's calls) or writing the policies
  of policy shares (each kind's calls in the owner account, catalog deploy_permissions).

A new rule across SCPs and the tree is a `check_<what>(out, spec)` function here, called from
`spec/validate.py` with the spec as its sections resolved (rules on one guardrail:
spec/guardrails.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from trainshare.catalog import load_catalog, role_arn
from trainshare.catalog.deploy_permissions import load_deploy_permissions
from trainshare.policy.match import exempts_principal, statement_covers_action
from trainshare.policy.model import PolicyDocument
from trainshare.policy.parse import parse_stored
from trainshare.spec.issues import Collector
from trainshare.spec.resolved import (
    ROOT,
    Account,
    Guardrail,
    Share,
    ShareKind,
    Spec,
    Unit,
    unit_chain,
)

SCP = "scp"  # the policy type of service control policies (catalog/data/policy_types.yaml)

# What the deploy role calls in a share owner's account (RAM API reference).
DEPLOY_ROLE_ACTIONS = (
    "ram:CreateResourceShare",
    "ram:UpdateResourceShare",
    "ram:DeleteResourceShare",
    "ram:AssociateResourceShare",
    "ram:DisassociateResourceShare",
    "ram:AssociateResourceSharePermission",
    "ram:TagResource",
    "ram:GetResourceShares",
    "ram:GetResourceShareAssociations",
)


def unit_yaml_path(path: str) -> tuple[str, ...]:
    return ("units", *path.split("/"))


def _attached(guardrails: Mapping[str, Guardrail]) -> dict[str, list[Guardrail]]:
    """Target → the SCPs attached to it, in spec order."""
    out: dict[str, list[Guardrail]] = {}
    for guardrail in guardrails.values():
        if guardrail.type != SCP:
            continue
        for target in guardrail.targets:
            out.setdefault(target, []).append(guardrail)
    return out


def _full_aws_access(
    target: str, units: Mapping[str, Unit], accounts: Mapping[str, Account]
) -> bool:
    if target in units:
        return units[target].full_aws_access
    if target in accounts:
        return accounts[target].full_aws_access
    return True  # the root


def check_scp_counts(out: Collector, spec: Spec) -> None:
    managed = load_catalog().aws_managed(SCP).name
    for target, attached in _attached(spec.guardrails).items():
        check_per_target_limit(
            out,
            target,
            attached,
            code="TOO_MANY_SCPS",
            managed=managed if _full_aws_access(target, spec.units, spec.accounts) else None,
            limit=spec.limits["scps_per_target"],
            what="SCPs",
            fix="merge guardrails into one document, attach some higher in the tree, or set "
            "organization.limits.scps_per_target if your quota differs",
        )


def check_per_target_limit(
    out: Collector,
    target: str,
    attached: list[Guardrail],
    *,
    code: str,
    managed: str | None,
    limit: int,
    what: str,
    fix: str,
) -> None:
    """A target carries its guardrails of one type (`attached`, in spec order) and the
    AWS-managed policy of the type where it is attached (`managed`); past the per-target limit,
    `code` at the last guardrail's entry for the target."""
    count = len(attached) + (1 if managed else 0)
    if count <= limit:
        return
    over = attached[-1]
    names = ", ".join(g.key for g in attached)
    out.add(
        code,
        ("guardrails", over.key, "targets", over.targets.index(target)),
        f"{target!r} would carry {count} {what} ("
        + (f"{managed} + " if managed else "")
        + f"{names}); the limit is {limit} per target",
        fix,
    )


def check_lockout(out: Collector, spec: Spec) -> None:
    attached = _attached(spec.guardrails)
    units, accounts = spec.units, spec.accounts
    levels: list[tuple[str, str, tuple[str, ...]]] = [
        (path, f"OU {path!r}", (*unit_yaml_path(path), "full_aws_access"))
        for path, unit in units.items()
        if not unit.full_aws_access
    ] + [
        (key, f"account {key!r}", ("accounts", key, "full_aws_access"))
        for key, account in accounts.items()
        if not account.full_aws_access
    ]
    for target, label, ypath in levels:
        allowing = [g for g in attached.get(target, []) if _allows(g)]
        if allowing:
            continue
        below = "every account below it is" if target in units else "it is"
        out.add(
            "LEVEL_WITHOUT_ALLOW",
            ypath,
            f"{label} has FullAWSAccess detached and no guardrail there allows anything: {below} "
            "denied every action (each level root → OU → account needs an Allow)",
        )


def deploy_actions(share: Share) -> tuple[str, ...]:
    """What the deploy role calls in the owner's account for a share: RAM's calls for a RAM
    share; for a policy share, reading and writing each resource's policy (the owner-account
    actions of the policy's kind, catalog/data/deploy_permissions.yaml)."""
    if share.kind is ShareKind.RAM:
        return DEPLOY_ROLE_ACTIONS
    types = load_catalog().policy_share_types
    needs = load_deploy_permissions()
    kinds = [
        types[r.resource_type].pulumi_type for r in share.resources if r.resource_type in types
    ]
    return tuple(dict.fromkeys(a for k in kinds if k in needs for a in needs[k].needs("owner")))


def _allows(guardrail: Guardrail) -> bool:
    document = parse_stored(guardrail.document)
    return isinstance(document, PolicyDocument) and document.has_allow()


def check_deploy_role(out: Collector, spec: Spec) -> None:
    org = spec.organization
    scps = [g for g in spec.guardrails.values() if g.type == SCP]
    reported: set[str] = set()
    for share in spec.shares.values():
        owner = spec.accounts[share.owner]
        if owner.id == org.management_account:
            continue  # SCPs never apply to the management account
        role = role_arn(org.partition, owner.id or "", org.access_role)
        on_path = {ROOT, *unit_chain(owner.unit, spec.units), owner.key}
        for guardrail in scps:
            if guardrail.key in reported or not on_path.intersection(guardrail.targets):
                continue
            document = parse_stored(guardrail.document)
            if not isinstance(document, PolicyDocument):
                continue  # reported by the guardrail's own checks
            for stmt in document.statements:
                if not stmt.is_deny or exempts_principal(stmt, role):
                    continue
                hit = [a for a in deploy_actions(share) if statement_covers_action(stmt, a)]
                if not hit:
                    continue
                conditional = " (unless its conditions rule it out)" if stmt.condition else ""
                out.add(
                    "DENY_HITS_DEPLOY_ROLE",
                    ("guardrails", guardrail.key),
                    f"Statement[{stmt.index}] denies {hit[0]} to {role}{conditional}, which "
                    f"manages share {share.key!r} in account {owner.key!r}",
                )
                reported.add(guardrail.key)
                break
