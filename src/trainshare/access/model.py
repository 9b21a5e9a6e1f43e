"""What effective access is computed from: accounts with their SCP path, and what each share grants.

Built from a validated spec (`model_from_spec`); the audit's snapshot will build the same model
from the live organization. Pure data, frozen.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from trainshare.catalog import load_catalog
from trainshare.plan.resource_policies import compose
from trainshare.spec import ROOT, PrincipalKind, Share, ShareKind, Spec

# AWS attaches this to the root and to every new OU and account (Organizations user guide,
# orgs_manage_policies_scps_strategies). Its document allows everything.
FULL_AWS_ACCESS = "FullAWSAccess"
FULL_AWS_ACCESS_DOCUMENT: Mapping[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
MANAGEMENT = "management"


@dataclass(frozen=True, slots=True)
class AttachedPolicy:
    name: str
    document: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Level:
    """One level of an account's SCP path: the root, an OU, or the account itself."""

    name: str  # "root", an OU path, or the account key
    kind: str  # root | unit | account
    policies: tuple[AttachedPolicy, ...]


@dataclass(frozen=True, slots=True)
class AccountNode:
    key: str
    id: str | None  # None: created by trainshare, not known before deploy
    unit: str  # OU path or ROOT; "" for accounts outside the organization
    management: bool = False
    external: bool = False

    @property
    def label(self) -> str:
        return f"{self.key} ({self.id})" if self.id and self.id != self.key else self.key


@dataclass(frozen=True, slots=True)
class Grant:
    """What a share grants on one resource type: the permission and its actions."""

    permission: str
    actions: tuple[str, ...] | None  # None: unknown (not in the catalog)
    assumed: bool  # actions believed, not verified (catalog `M`)


@dataclass(frozen=True, slots=True)
class ShareModel:
    key: str
    owner: str  # account key
    owner_id: str
    region: str
    resources: tuple[tuple[str, str], ...]  # (ARN, RAM type)
    principals: tuple[tuple[PrincipalKind, str], ...]  # (kind, target)
    grants: Mapping[str, Grant]  # RAM type (or policy-share type) → grant
    allow_external: bool
    # policy shares: resource ARN → its policy (IDs as in AccessModel.ids); empty for RAM shares
    policies: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelIds:
    """IDs as the access model knows them (real, or stand-ins used consistently)."""

    org: str
    root: str
    units: Mapping[str, str]
    accounts: Mapping[str, str]

    def org_id(self) -> str:
        return self.org

    def root_id(self) -> str:
        return self.root

    def unit_id(self, path: str) -> str:
        return self.units[path]

    def account_id(self, key: str) -> str:
        return self.accounts[key]

    def org_path(self, unit: str) -> str:
        """aws:PrincipalOrgPaths of an account in `unit`: `<org>/<root>/<ou>/…/` (IAM user
        guide, condition keys: the path ends with a slash)."""
        parts = [self.org, self.root]
        if unit and unit != ROOT:
            names = unit.split("/")
            parts += [self.units["/".join(names[: i + 1])] for i in range(len(names))]
        return "/".join(parts) + "/"


@dataclass(frozen=True)
class AccessModel:
    partition: str
    management_account: str
    org_id: str | None
    accounts: Mapping[str, AccountNode]
    levels: Mapping[str, Level]  # level name → its attached policies
    shares: Mapping[str, ShareModel]
    principal_role: str = "workload"  # Assumption: requests come from a workload role
    # the IDs resource policies name: the organization, the root, each OU (path → ID); stand-ins
    # such as `ou-(ml/training)` where they are known only once deployed
    ids: ModelIds | None = None
    _paths: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)
    _unit_paths: dict[str, tuple[str, ...]] = field(  # OU → root … OU
        default_factory=dict, repr=False, compare=False
    )
    _holding: dict[str, list[tuple[ShareModel, str]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _under: dict[str, list[AccountNode]] = field(default_factory=dict, repr=False, compare=False)
    _order: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def reached(self, share: ShareModel) -> list[AccountNode]:
        """Accounts the share reaches (not its owner), in model order; by index, not by scan."""
        if not self._under:  # OU → the accounts at or below it (in any order: sorted below)
            by_unit: dict[str, list[AccountNode]] = {}
            for account in self.accounts.values():
                if not account.external:
                    by_unit.setdefault(account.unit, []).append(account)
            for unit, members in by_unit.items():
                self._under.setdefault(ROOT, []).extend(members)
                if unit and unit != ROOT:
                    parts = unit.split("/")
                    for i in range(len(parts)):
                        self._under.setdefault("/".join(parts[: i + 1]), []).extend(members)
        found: dict[str, AccountNode] = {}
        for kind, target in share.principals:
            if kind in (PrincipalKind.ORGANIZATION, PrincipalKind.UNIT):
                found.update((a.key, a) for a in self._under.get(target, []))
            elif kind is PrincipalKind.ACCOUNT and target in self.accounts:
                found[target] = self.accounts[target]
            elif kind is PrincipalKind.ACCOUNT_ID:
                by_id = self.account(target)
                if by_id is not None:
                    found[by_id.key] = by_id
        if not self._order:
            self._order.update((key, i) for i, key in enumerate(self.accounts))
        order = self._order
        return sorted(
            (a for a in found.values() if a.key != share.owner and a.id != share.owner_id),
            key=lambda a: order[a.key],
        )

    def holding(self, resource: str) -> list[tuple[ShareModel, str]]:
        """(share, RAM type) of every share that holds `resource` (an index, built once)."""
        if not self._holding and self.shares:
            for share in self.shares.values():
                for arn, rtype in share.resources:
                    self._holding.setdefault(arn, []).append((share, rtype))
        return self._holding.get(resource, [])

    def path(self, account: AccountNode) -> tuple[str, ...]:
        """Level names root → OUs → account (Organizations user guide, SCP evaluation)."""
        cached = self._paths.get(account.key)
        if cached is None:
            above = self._unit_paths.get(account.unit)
            if above is None:
                units: list[str] = []
                if account.unit and account.unit != ROOT:
                    parts = account.unit.split("/")
                    units = ["/".join(parts[: i + 1]) for i in range(len(parts))]
                above = self._unit_paths[account.unit] = (ROOT, *units)
            cached = self._paths[account.key] = (*above, account.key)
        return cached

    def principal_id(self, account: AccountNode) -> str:
        """The account as resource policies name it: its ID, or the stand-in the model's
        documents use for an account created at deploy time."""
        if self.ids is not None and account.key in self.ids.accounts:
            return self.ids.accounts[account.key]
        return account.id or account.key

    def account(self, ref: str) -> AccountNode | None:
        """By key or by 12-digit ID."""
        if ref in self.accounts:
            return self.accounts[ref]
        return next((a for a in self.accounts.values() if a.id == ref), None)


def _policy(name: str, minified: str) -> AttachedPolicy:
    return AttachedPolicy(name, json.loads(minified))


def model_from_spec(
    spec: Spec, org_id: str | None = None, account_ids: Mapping[str, str] | None = None
) -> AccessModel:
    """The access model the spec describes. `org_id` (o-…) and the IDs of accounts trainshare
    created (`account_ids`, key → ID) are known only once deployed."""
    org = spec.organization
    known = dict(account_ids or {})
    accounts: dict[str, AccountNode] = {
        key: AccountNode(
            key, a.id or known.get(key), a.unit, management=a.id == org.management_account
        )
        for key, a in spec.accounts.items()
    }
    if not any(a.management for a in accounts.values()):
        accounts[MANAGEMENT] = AccountNode(MANAGEMENT, org.management_account, ROOT, True)
    for share in spec.shares.values():
        for principal in share.principals:
            if principal.external and principal.target not in accounts:
                accounts[principal.target] = AccountNode(
                    principal.target, principal.target, "", external=True
                )

    attached: dict[str, list[AttachedPolicy]] = {}
    for guardrail in spec.guardrails.values():
        policy = _policy(guardrail.key, guardrail.document)  # one object wherever it is attached
        for target in guardrail.targets:
            attached.setdefault(target, []).append(policy)
    full = AttachedPolicy(FULL_AWS_ACCESS, FULL_AWS_ACCESS_DOCUMENT)

    interned: dict[tuple[int, ...], tuple[AttachedPolicy, ...]] = {}

    def level(name: str, kind: str, keeps_full: bool) -> Level:
        policies = (*([full] if keeps_full else []), *attached.get(name, []))
        # levels holding the same policies share one tuple: the Evaluator's memos go by it
        return Level(name, kind, interned.setdefault(tuple(map(id, policies)), policies))

    levels = {ROOT: level(ROOT, "root", True)}
    levels |= {p: level(p, "unit", u.full_aws_access) for p, u in spec.units.items()}
    levels |= {
        key: level(
            key, "account", spec.accounts[key].full_aws_access if key in spec.accounts else True
        )
        for key in accounts
    }
    catalog = load_catalog()
    ids = ModelIds(
        org=org_id or "o-(organization)",
        root="r-(root)",
        units={p: u.id or f"ou-({p})" for p, u in spec.units.items()},
        accounts={k: a.id or f"({k})" for k, a in accounts.items()},
    )
    shares = {}
    for share in spec.shares.values():
        if share.kind is ShareKind.POLICY:
            shares[share.key] = policy_share_model(spec, share, ids)
            continue
        grants = {}
        for name in share.permissions:
            permission = catalog.permission(name)
            assert permission is not None  # validated
            actions, assumed = permission.granted_actions
            grants[permission.resource_type] = Grant(name, actions, assumed)
        for rtype in {r.resource_type for r in share.resources} - set(grants):
            grants[rtype] = Grant("(RAM's default)", None, False)
        shares[share.key] = _share_model(share, grants)
    return AccessModel(
        partition=org.partition,
        management_account=org.management_account,
        org_id=org_id,
        accounts=accounts,
        levels=levels,
        shares=shares,
        ids=ids,
    )


def policy_share_model(
    spec: Spec,
    share: Share,
    ids: ModelIds,
    documents: Mapping[str, Mapping[str, Any] | None] | None = None,
) -> ShareModel:
    """A policy share: the level's actions per type, and each resource's policy — composed from
    the spec, or the live one (`documents`, ARN → document or None) where given."""
    catalog = load_catalog()
    grants = {}
    for resource in share.resources:
        ptype = catalog.policy_share_types[resource.resource_type]
        assert resource.access is not None
        actions = tuple(
            dict.fromkeys(a for group in ptype.levels[resource.access] for a in group.actions)
        )
        grants[ptype.name] = Grant(f"access {resource.access}", actions, ptype.verified == "M")
    policies: dict[str, Mapping[str, Any]] = {}
    for r in share.resources:
        if documents is not None:
            policies[r.arn] = documents.get(r.arn) or {"Statement": []}
        elif r.arn in spec.managed_policies:
            policies[r.arn] = compose(spec, catalog, spec.managed_policies[r.arn], ids)
    return _share_model(share, grants, policies)


def _share_model(
    share: Share,
    grants: Mapping[str, Grant],
    policies: Mapping[str, Mapping[str, Any]] | None = None,
) -> ShareModel:
    return ShareModel(
        key=share.key,
        owner=share.owner,
        owner_id=share.owner_id,
        region=share.region,
        resources=tuple((r.arn, r.resource_type) for r in share.resources),
        principals=tuple((p.kind, p.target) for p in share.principals),
        grants=grants,
        allow_external=share.allow_external,
        policies=policies or {},
    )
