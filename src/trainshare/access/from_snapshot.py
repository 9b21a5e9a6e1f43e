"""The access model of a live organization, from an audit snapshot (pure: reads the JSON model).

Accounts are named by their AWS names, OUs by their path of names; levels carry the SCPs attached
live (FullAWSAccess included where it is attached); shares carry their live principals, resources
and permissions, with the actions the catalog knows for each permission. Policy shares have no
live object of their own: given the spec, they are its policy shares (principals and levels)
judged by the resources' *live* policies, with the live IDs.
"""

from __future__ import annotations

import json
from typing import Any

from trainshare.access.model import (
    AccessModel,
    AccountNode,
    AttachedPolicy,
    Grant,
    Level,
    ModelIds,
    ShareModel,
    policy_share_model,
)
from trainshare.catalog import is_organization_arn, load_catalog, ou_id_of, parse_arn
from trainshare.catalog.model import permission_name
from trainshare.snapshot import Snapshot
from trainshare.spec import ROOT, PrincipalKind, ShareKind, Spec


def _document(content: str) -> Any:
    try:
        return json.loads(content)
    except json.JSONDecodeError:
        return {"Statement": []}


def model_from_snapshot(
    snapshot: Snapshot, partition: str = "aws", spec: Spec | None = None
) -> AccessModel:
    by_id = {u.id: u for u in snapshot.units}
    paths: dict[str, str] = {snapshot.root_id: ROOT}

    def path(unit_id: str) -> str:
        if unit_id not in paths:
            unit = by_id[unit_id]
            parent = path(unit.parent_id)
            paths[unit_id] = unit.name if parent == ROOT else f"{parent}/{unit.name}"
        return paths[unit_id]

    for unit in snapshot.units:
        path(unit.id)
    names = {a.id: a.name for a in snapshot.accounts}
    accounts = {
        a.name: AccountNode(
            a.name,
            a.id,
            paths.get(a.parent_id, ROOT),
            management=a.id == snapshot.management_account,
        )
        for a in snapshot.accounts
    }
    attached: dict[str, list[AttachedPolicy]] = {}
    for policy in snapshot.policies:
        for target in policy.targets:
            level = paths.get(target) or names.get(target) or target
            attached.setdefault(level, []).append(
                AttachedPolicy(policy.name, _document(policy.content))
            )
    levels = {ROOT: Level(ROOT, "root", tuple(attached.get(ROOT, [])))}
    levels |= {p: Level(p, "unit", tuple(attached.get(p, []))) for p in paths.values() if p != ROOT}
    levels |= {k: Level(k, "account", tuple(attached.get(k, []))) for k in accounts}
    catalog = load_catalog()
    shares = {}
    for share in snapshot.shares:
        principals = []
        for assoc in share.principals:
            if assoc.status != "ASSOCIATED":
                continue
            ou = ou_id_of(assoc.entity)
            if ou in paths:
                principals.append((PrincipalKind.UNIT, paths[ou]))
            elif is_organization_arn(assoc.entity):
                principals.append((PrincipalKind.ORGANIZATION, ROOT))
            elif assoc.entity in names:
                principals.append((PrincipalKind.ACCOUNT, names[assoc.entity]))
            else:
                principals.append((PrincipalKind.ACCOUNT_ID, assoc.entity))
                accounts.setdefault(
                    assoc.entity, AccountNode(assoc.entity, assoc.entity, "", external=True)
                )
        resources = []
        for assoc in share.resources:
            parsed = parse_arn(assoc.entity)
            rtype = catalog.resource_type_for(parsed) if parsed else None
            if assoc.status == "ASSOCIATED" and rtype is not None:
                resources.append((assoc.entity, rtype.name))
        grants = {}
        for permission_arn in share.permissions:
            permission = catalog.permission(permission_name(permission_arn))
            if permission is not None:
                actions, assumed = permission.granted_actions
                grants[permission.resource_type] = Grant(permission.name, actions, assumed)
        for _, rtype_name in resources:
            grants.setdefault(rtype_name, Grant("(unknown permission)", None, False))
        key = share.name if share.name not in shares else f"{share.name} ({share.arn})"
        shares[key] = ShareModel(
            key,
            names.get(share.owner, share.owner),
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
        units={p: i for i, p in paths.items() if i != snapshot.root_id},
        accounts={a.key: a.id or a.key for a in accounts.values()},
    )
    if spec is not None:
        live = {p.arn: p.document for p in snapshot.resource_policies}
        documents = {arn: _document(text) if text else None for arn, text in live.items()}
        for policy_share in spec.shares.values():
            if policy_share.kind is ShareKind.POLICY:
                shares[policy_share.key] = policy_share_model(spec, policy_share, ids, documents)
    return AccessModel(
        partition,
        snapshot.management_account,
        snapshot.organization_id,
        accounts,
        levels,
        shares,
        ids=ids,
    )
