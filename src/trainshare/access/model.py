"""What effective access is computed from: accounts with their SCP path, and what each share grants.

Built from a validated spec (`model_from_spec`) or an audit snapshot (`access.from_snapshot`).
Pure data, frozen; what is looked up often (paths, who a share reaches, who holds a resource) is
its `index`, built once from the model the first time it is asked for.

Everything is keyed by identity, never by display name: accounts by their key (the spec's key,
or the live account ID), OUs by theirs (the spec's path, or the live path of OU IDs), so two
accounts of one name, or an account named like an OU, stay apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

from trainshare.catalog import load_catalog
from trainshare.plan.capacity import capacity_note
from trainshare.plan.resource_policies import compose, org_path
from trainshare.policy.model import ParsedPolicy, PolicyDocument
from trainshare.policy.parse import parse_document, parse_stored
from trainshare.policy.templates import ORG_ID_PLACEHOLDER
from trainshare.spec import ROOT, PrincipalKind, Share, ShareKind, Spec

if TYPE_CHECKING:
    from trainshare.access.index import ModelIndex

# AWS attaches this to the root and to every new OU and account (Organizations user guide,
# orgs_manage_policies_scps_strategies). Its document allows everything.
FULL_AWS_ACCESS = load_catalog().aws_managed("scp").name
_FULL_AWS_ACCESS = parse_document(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
assert isinstance(_FULL_AWS_ACCESS, PolicyDocument)
FULL_AWS_ACCESS_DOCUMENT: PolicyDocument = _FULL_AWS_ACCESS
MANAGEMENT = "management"
NO_POLICY = PolicyDocument(())  # a resource without a policy of its own


@dataclass(frozen=True, slots=True)
class AttachedPolicy:
    name: str
    document: ParsedPolicy  # an UnparsablePolicy stays one: its effect is an open question


@dataclass(frozen=True, slots=True)
class Level:
    """One level of an account's SCP path: the root, an OU, or the account itself — or, for
    `simulate`, a set of policies of another type decided the same way (kind `set`)."""

    name: str  # as traces say it: "root", an OU's path of names, the account's key, a set's
    kind: str  # root | unit | account; level (simulate's, by position) | set (not a level)
    policies: tuple[AttachedPolicy, ...]
    policy_type: str = "SCP"  # SCP | RCP | identity | boundary: how traces name them

    @property
    def stage(self) -> str:
        """The trace stage of its steps: `scp:<name>`, `rcp:<name>`, `identity`, …"""
        if self.kind == "set":
            return self.policy_type
        return f"{self.policy_type.lower()}:{self.name}"

    @property
    def where(self) -> str:
        """How a trace names it: `SCP at the root`, `SCP at OU ml`, `identity policies`."""
        if self.kind == "root":
            return f"{self.policy_type} at the root"
        if self.kind == "set":
            return self.name
        if self.kind == "level":  # simulate's levels, named by where the request gives them
            return f"{self.policy_type} at {self.name}"
        return f"{self.policy_type} at {'OU' if self.kind == 'unit' else 'account'} {self.name}"


@dataclass(frozen=True, slots=True)
class AccountNode:
    key: str  # the spec's key, or the live account's ID
    id: str | None  # None: created by trainshare, not known before deploy
    unit: str  # the key of its OU, or ROOT; "" for accounts outside the organization
    management: bool = False
    external: bool = False
    name: str = ""  # the live account's name, where it is not the key

    @property
    def display(self) -> str:
        """How reports name it: its name, else its key."""
        return self.name or self.key

    @property
    def label(self) -> str:
        shown = self.display
        return f"{shown} ({self.id})" if self.id and self.id != shown else shown


@dataclass(frozen=True, slots=True)
class Grant:
    """What a share grants on one resource type: the permission and its actions."""

    permission: str
    actions: tuple[str, ...]  # empty where not `known`
    assumed: bool  # actions believed, not verified (catalog `M`)
    known: bool = True  # False: the permission's actions are not in the catalog


class SharedResource(NamedTuple):
    """A resource a share holds, and its RAM type (or policy-share type)."""

    arn: str
    rtype: str


class SharePrincipal(NamedTuple):
    """Whom a share is shared with: the organization, an OU or an account (by key), or an
    account by ID."""

    kind: PrincipalKind
    target: str  # ROOT for the organization, an OU's or account's key, an account ID


@dataclass(frozen=True, slots=True)
class ShareModel:
    key: str
    owner: str  # account key
    owner_id: str
    region: str
    resources: tuple[SharedResource, ...]
    principals: tuple[SharePrincipal, ...]
    grants: Mapping[str, Grant]  # RAM type (or policy-share type) → grant
    allow_external: bool
    # policy shares: resource ARN → its policy (IDs as in AccessModel.ids); empty for RAM shares
    policies: Mapping[str, ParsedPolicy] = field(default_factory=dict)
    # resource ARN → what a consumer must know of it beyond access (an interruptible
    # reservation the owner can reclaim, a Capacity Block's end): a note in every trace
    notes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelIds:
    """IDs as the access model knows them (real, or stand-ins used consistently)."""

    org: str
    root: str
    units: Mapping[str, str]  # OU key → its ID
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
        """aws:PrincipalOrgPaths of an account in `unit`: `<org>/<root>/<ou>/…/`, as the plan
        writes a subtree's (plan.resource_policies.org_path)."""
        found = org_path(self, unit or ROOT, tail="")
        assert isinstance(found, str)  # a model's IDs are strings, so the path is one
        return found


@dataclass(frozen=True)
class AccessModel:
    partition: str
    management_account: str
    org_id: str | None
    accounts: Mapping[str, AccountNode]
    units: Mapping[str, Level]  # OU key (ROOT for the root) → the SCPs attached there
    account_levels: Mapping[str, Level]  # account key → the SCPs attached to it
    shares: Mapping[str, ShareModel]
    principal_role: str = "workload"  # Assumption: requests come from a workload role
    # the IDs resource policies name: the organization, the root, each OU (key → ID); stand-ins
    # such as `ou-(ml/training)` where they are known only once deployed
    ids: ModelIds | None = None
    # resource control policies by level key (ROOT, OU key, account key), as attached; the
    # AWS-managed RCPFullAWSAccess is left out (it allows everything, everywhere: `access.rcp`)
    rcps: Mapping[str, tuple[AttachedPolicy, ...]] = field(default_factory=dict)

    @cached_property
    def index(self) -> ModelIndex:
        """Paths, reach and holdings, built once (`access.index`)."""
        from trainshare.access.index import ModelIndex  # noqa: PLC0415 (it imports this module)

        return ModelIndex(self)

    def unit_name(self, unit: str) -> str:
        """An OU as traces name it (its path of names)."""
        level = self.units.get(unit)
        return level.name if level is not None else unit

    def principal_name(self, kind: PrincipalKind, target: str) -> str:
        """A share's principal as traces and reports name it: an OU by its path of names, an
        account of the model by its name, anything else (the organization, an ID) as given."""
        if kind is PrincipalKind.UNIT:
            return self.unit_name(target)
        if kind is PrincipalKind.ACCOUNT and target in self.accounts:
            return self.accounts[target].display
        return target

    def reached(self, share: ShareModel) -> list[AccountNode]:
        """Accounts the share reaches (not its owner), in model order."""
        return self.index.reached(share)

    def holding(self, resource: str) -> list[tuple[ShareModel, str]]:
        """(share, RAM type) of every share that holds `resource`."""
        return self.index.holding.get(resource, [])

    def path(self, account: AccountNode) -> tuple[Level, ...]:
        """The levels root → OUs → account (Organizations user guide, SCP evaluation)."""
        return self.index.path(account)

    def principal_id(self, account: AccountNode) -> str:
        """The account as resource policies name it: its ID, or the stand-in the model's
        documents use for an account created at deploy time."""
        if self.ids is not None and account.key in self.ids.accounts:
            return self.ids.accounts[account.key]
        return account.id or account.key

    def account(self, ref: str) -> AccountNode | None:
        """By key, by 12-digit ID, or by name where one account has it."""
        return self.index.account(ref)


def _policy(name: str, minified: str) -> AttachedPolicy:
    return AttachedPolicy(name, parse_stored(minified))


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
        if guardrail.type != "scp":
            continue  # the SCP levels; other types do not authorize requests this way
        policy = _policy(guardrail.key, guardrail.document)  # one object wherever it is attached
        for target in guardrail.targets:
            attached.setdefault(target, []).append(policy)
    full = AttachedPolicy(FULL_AWS_ACCESS, FULL_AWS_ACCESS_DOCUMENT)

    def level(name: str, kind: str, keeps_full: bool) -> Level:
        return Level(name, kind, (*([full] if keeps_full else []), *attached.get(name, [])))

    units = {ROOT: level(ROOT, "root", True)}
    units |= {p: level(p, "unit", u.full_aws_access) for p, u in spec.units.items()}
    account_levels = {
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
    rcps: dict[str, list[AttachedPolicy]] = {}
    for guardrail in spec.guardrails.values():
        if guardrail.type == "rcp":  # its ${org_id} is the organization's ID, or its stand-in
            document = guardrail.document.replace(ORG_ID_PLACEHOLDER, ids.org)
            rcp = AttachedPolicy(guardrail.key, parse_stored(document))
            for target in guardrail.targets:
                rcps.setdefault(target, []).append(rcp)
    shares = {}
    for share in spec.shares.values():
        if share.kind is ShareKind.POLICY:
            shares[share.key] = policy_share_model(spec, share, ids)
            continue
        grants = {}
        for name in share.permissions:
            permission = catalog.permission(name)
            assert permission is not None  # validated
            grants[permission.resource_type] = _grant(name, *permission.granted_actions)
        for rtype in {r.resource_type for r in share.resources} - set(grants):
            grants[rtype] = Grant("(RAM's default)", (), False, known=False)
        shares[share.key] = _share_model(share, grants)
    return AccessModel(
        partition=org.partition,
        management_account=org.management_account,
        org_id=org_id,
        accounts=accounts,
        units=units,
        account_levels=account_levels,
        shares=shares,
        ids=ids,
        rcps={k: tuple(v) for k, v in rcps.items()},
    )


def _grant(permission: str, actions: tuple[str, ...] | None, assumed: bool) -> Grant:
    if actions is None:
        return Grant(permission, (), assumed, known=False)
    return Grant(permission, actions, assumed)


def permission_grant(permission: str | None, fallback: str) -> Grant:
    """The grant of a RAM permission by name, from the catalog; unknown actions where the
    catalog does not know the permission (named `fallback` then)."""
    found = load_catalog().permission(permission) if permission is not None else None
    if found is None:
        return Grant(fallback, (), False, known=False)
    return _grant(found.name, *found.granted_actions)


def policy_share_model(
    spec: Spec,
    share: Share,
    ids: ModelIds,
    documents: Mapping[str, ParsedPolicy | None] | None = None,
) -> ShareModel:
    """A policy share: the level's actions per type, and each resource's policy — composed from
    the spec, or the live one (`documents`, ARN → document, None: the resource has none)."""
    catalog = load_catalog()
    grants = {}
    for resource in share.resources:
        ptype = catalog.policy_share_types[resource.resource_type]
        assert resource.access is not None
        actions = tuple(
            dict.fromkeys(a for group in ptype.levels[resource.access] for a in group.actions)
        )
        grants[ptype.name] = Grant(f"access {resource.access}", actions, ptype.verified == "M")
    policies: dict[str, ParsedPolicy] = {}
    for r in share.resources:
        if documents is not None:
            policies[r.arn] = documents.get(r.arn) or NO_POLICY
        elif r.arn in spec.managed_policies:
            # composed with the model's IDs, which are plain strings: plain JSON values
            policies[r.arn] = parse_document(
                compose(spec, catalog, spec.managed_policies[r.arn], ids)
            )
    return _share_model(share, grants, policies)


def _share_model(
    share: Share,
    grants: Mapping[str, Grant],
    policies: Mapping[str, ParsedPolicy] | None = None,
) -> ShareModel:
    return ShareModel(
        key=share.key,
        owner=share.owner,
        owner_id=share.owner_id,
        region=share.region,
        resources=tuple(SharedResource(r.arn, r.resource_type) for r in share.resources),
        principals=tuple(SharePrincipal(p.kind, p.target) for p in share.principals),
        grants=grants,
        allow_external=share.allow_external,
        policies=policies or {},
        notes={
            r.arn: capacity_note(r, share.owner)
            for r in share.resources
            if r.capacity is not None and r.capacity.kind != "on-demand"
        },
    )
