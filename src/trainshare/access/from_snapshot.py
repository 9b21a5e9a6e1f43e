"""The access model of a live organization, from an audit snapshot (pure: reads the JSON model).

Everything is keyed by its AWS identity (STYLE.md §11): an account by its ID, an OU by its path
of OU IDs (`ou-a/ou-b`); names are only what traces and reports show. AWS lets two accounts
share a name, and an account be named like an OU path: neither may merge two things into one.

Levels carry the SCPs attached live (FullAWSAccess included where it is attached); an SCP whose
content cannot be parsed stays an `UnparsablePolicy`, so the decisions it touches are
CONDITIONAL with the reason, never decided as if it were empty. Shares carry their live
principals, resources and permissions, with the actions the catalog knows for each permission.
Policy shares have no live object of their own: given the spec, they are its policy shares
(principals and levels) judged by the resources' *live* policies, with the live IDs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trainshare.access.model import (
    FULL_AWS_ACCESS,
    FULL_AWS_ACCESS_DOCUMENT,
    AccessModel,
    AccountNode,
    AttachedPolicy,
    Level,
    ModelIds,
    SharedResource,
    ShareModel,
    SharePrincipal,
    permission_grant,
    policy_share_model,
)
from trainshare.catalog import is_organization_arn, load_catalog, ou_id_of, parse_arn
from trainshare.catalog.model import permission_name
from trainshare.policy.model import ParsedPolicy
from trainshare.snapshot import Snapshot, SnapshotError
from trainshare.spec import ROOT, PrincipalKind, Share, ShareKind, Spec
from trainshare.spec.resolved import CONSOLIDATED_BILLING, unit_chain


def model_from_snapshot(
    snapshot: Snapshot, partition: str = "aws", spec: Spec | None = None
) -> AccessModel:
    unit_keys, unit_names = snapshot.unit_paths(ROOT)
    accounts: dict[str, AccountNode] = {}
    for a in snapshot.accounts:
        unit = unit_keys.get(a.parent_id)
        if unit is None:
            raise SnapshotError(
                f"snapshot: account {a.id}: its parent {a.parent_id} is not in the snapshot"
            )
        management = a.id == snapshot.management_account
        accounts[a.id] = AccountNode(a.id, a.id, unit, management=management, name=a.name)
    attached: dict[str, list[AttachedPolicy]] = {}  # root, OU or account ID → its SCPs
    for policy in _scps(snapshot):
        document = policy.parsed
        for target in policy.targets:
            attached.setdefault(target, []).append(AttachedPolicy(policy.name, document))
    if snapshot.feature_set == CONSOLIDATED_BILLING:
        # Without all features no SCP applies (Organizations User Guide, "Feature sets"): each
        # level allows what IAM allows, as FullAWSAccess alone would.
        full = AttachedPolicy(FULL_AWS_ACCESS, FULL_AWS_ACCESS_DOCUMENT)
        for level in (snapshot.root_id, *(u.id for u in snapshot.units), *accounts):
            attached[level] = [full]
    units = {
        unit_keys[ou]: Level(
            unit_names[ou],
            "root" if ou == snapshot.root_id else "unit",
            tuple(attached.get(ou, [])),
        )
        for ou in unit_keys
    }
    account_levels = {
        a.id: Level(a.name, "account", tuple(attached.get(a.id, []))) for a in snapshot.accounts
    }
    rcps = _rcps(snapshot, unit_keys)
    shares = {}
    for share in snapshot.shares:
        principals: list[SharePrincipal] = []
        for assoc in share.principals:
            if assoc.status != "ASSOCIATED":
                continue
            ou = ou_id_of(assoc.entity)
            if ou in unit_keys:
                principals.append(SharePrincipal(PrincipalKind.UNIT, unit_keys[ou]))
            elif is_organization_arn(assoc.entity):
                principals.append(SharePrincipal(PrincipalKind.ORGANIZATION, ROOT))
            elif assoc.entity in accounts and not accounts[assoc.entity].external:
                principals.append(SharePrincipal(PrincipalKind.ACCOUNT, assoc.entity))
            else:
                principals.append(SharePrincipal(PrincipalKind.ACCOUNT_ID, assoc.entity))
                accounts.setdefault(
                    assoc.entity, AccountNode(assoc.entity, assoc.entity, "", external=True)
                )
        resources = []
        for assoc in share.resources:
            parsed = parse_arn(assoc.entity)
            rtype = load_catalog().resource_type_for(parsed) if parsed else None
            if assoc.status == "ASSOCIATED" and rtype is not None:
                resources.append(SharedResource(assoc.entity, rtype.name))
        grants = {}
        for permission_arn in share.permissions:
            permission = load_catalog().permission(permission_name(permission_arn))
            if permission is not None:
                grants[permission.resource_type] = permission_grant(permission.name, "")
        for _, rtype_name in resources:
            grants.setdefault(rtype_name, permission_grant(None, "(unknown permission)"))
        key = share.name if share.name not in shares else f"{share.name} ({share.arn})"
        shares[key] = ShareModel(
            key,
            share.owner,
            share.owner,
            share.region,
            tuple(resources),
            tuple(principals),
            grants,
            share.allow_external,
        )
    ids = ModelIds(
        org=snapshot.organization_id,
        root=snapshot.root_id,
        units={key: ou for ou, key in unit_keys.items() if ou != snapshot.root_id},
        accounts={a.key: a.id or a.key for a in accounts.values()},
    )
    if spec is not None:
        documents: dict[str, ParsedPolicy | None] = {
            p.arn: p.parsed for p in snapshot.resource_policies
        }
        live = _LiveKeys(spec, units, accounts, unit_keys)
        for policy_share in spec.shares.values():
            if policy_share.kind is ShareKind.POLICY:
                model = policy_share_model(spec, policy_share, ids, documents)
                shares[policy_share.key] = live.share(model, policy_share)
    return AccessModel(
        partition,
        snapshot.management_account,
        snapshot.organization_id,
        accounts,
        units,
        account_levels,
        shares,
        ids=ids,
        rcps=rcps,
    )


class _LiveKeys:
    """The spec's names of OUs and accounts as the snapshot's model keys them: an OU by the key
    of the live OU with its `id` (given in the spec, as `import` writes it), else at its path of
    AWS names (`name:`, default the key: an imported `x-y` is the live `x/y`); an account by its
    ID (given in the spec, or the one live account of its AWS name)."""

    def __init__(
        self,
        spec: Spec,
        units: Mapping[str, Level],
        accounts: Mapping[str, AccountNode],
        unit_keys: Mapping[str, str],
    ) -> None:
        self.spec = spec
        by_names = {level.name: key for key, level in units.items()}
        self.units: dict[str, str] = {}
        for path, unit in spec.units.items():
            names = "/".join(spec.units[p].name for p in unit_chain(path, spec.units))
            found = (unit_keys.get(unit.id) if unit.id else None) or by_names.get(names)
            if found is not None:
                self.units[path] = found
        self.accounts: dict[str, list[str]] = {}
        for account in accounts.values():
            self.accounts.setdefault(account.name, []).append(account.key)

    def account_id(self, key: str) -> str:
        account = self.spec.accounts.get(key)
        named = self.accounts.get(account.aws_name if account else key, [])
        return (account.id if account else None) or (named[0] if len(named) == 1 else key)

    def share(self, model: ShareModel, share: Share) -> ShareModel:
        """A spec's policy share with its principals and owner named as the snapshot's model
        names them."""
        return ShareModel(
            model.key,
            share.owner_id or self.account_id(share.owner),
            share.owner_id,
            model.region,
            model.resources,
            tuple(map(self.principal, model.principals)),
            model.grants,
            model.allow_external,
            model.policies,
        )

    def principal(self, principal: SharePrincipal) -> SharePrincipal:
        kind, target = principal
        if kind is PrincipalKind.UNIT:
            return SharePrincipal(kind, self.units.get(target, target))
        if kind is PrincipalKind.ACCOUNT:
            return SharePrincipal(kind, self.account_id(target))
        return principal


def _scps(snapshot: Snapshot) -> list[Any]:
    """The policies that make the SCP levels; other types do not authorize requests this way."""
    return [p for p in snapshot.policies if p.type == "SERVICE_CONTROL_POLICY"]


def _rcps(
    snapshot: Snapshot, unit_keys: Mapping[str, str]
) -> dict[str, tuple[AttachedPolicy, ...]]:
    """The live RCPs by level key, RCPFullAWSAccess left out (it denies nothing)."""
    found: dict[str, list[AttachedPolicy]] = {}
    for policy in snapshot.policies:
        if policy.type != "RESOURCE_CONTROL_POLICY" or policy.aws_managed:
            continue
        attached = AttachedPolicy(policy.name, policy.parsed)
        for target in policy.targets:
            found.setdefault(unit_keys.get(target, target), []).append(attached)
    return {k: tuple(v) for k, v in found.items()}
