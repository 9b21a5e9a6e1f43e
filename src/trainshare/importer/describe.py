"""A live organization's snapshot as a spec document (the "read" step of an import).

Everything is adopted by ID, never created: OUs carry their `id`, accounts their `id` and `email`
(so trainshare manages them: `pulumi up` moves an account whose `unit` changes). Policies become
guardrails with their documents in `policies/`, attached where they are attached; a level where
FullAWSAccess is not attached gets `full_aws_access: false`. Shares keep their names (the audit
matches shares and policies by name), with their principals, resources and permissions. Keys come
from `keys.Keys`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ruamel.yaml.comments import CommentedMap

from trainshare.catalog import Catalog, is_organization_arn, load_catalog, ou_id_of, parse_arn
from trainshare.catalog.model import permission_name
from trainshare.importer.draft import Draft
from trainshare.importer.keys import (
    MAX_FILE_STEM,
    MAX_NAME,
    ORG_ALIASES,
    TWELVE_DIGITS,
    UNIT_RESERVED,
    Keys,
)
from trainshare.inputs import InputError, load_json
from trainshare.plan.build import RAM_SERVICE
from trainshare.plan.names import policy_node, share_node
from trainshare.snapshot import Account, ResourceShare, Snapshot
from trainshare.spec.resolved import CONSOLIDATED_BILLING


def describe(snapshot: Snapshot, region: str, access_role: str) -> Draft:
    """The spec document of `snapshot`, with its policy files, notes and adoptions."""
    return _Describer(snapshot).draft(region, access_role)


class _Describer:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.out = Draft(snapshot)
        self.notes = self.out.notes
        self.paths: dict[str, str] = {snapshot.root_id: "root"}  # OU ID → path
        self.keys: dict[str, str] = {}  # account ID → key
        self.children: dict[str, list[Any]] = {}
        for unit in snapshot.units:
            self.children.setdefault(unit.parent_id, []).append(unit)

    def draft(self, region: str, access_role: str) -> Draft:
        units = self.tree(self.snapshot.root_id, "")
        accounts = self.accounts()
        self.full_aws_access(units, accounts)
        guardrails = self.guardrails()
        shares = self.shares()
        document = self.out.document
        document["version"] = 1
        document["organization"] = CommentedMap(
            management_account=self.snapshot.management_account,
            id=self.snapshot.organization_id,
            region=region,
            access_role=access_role,
        )
        if self.snapshot.feature_set == CONSOLIDATED_BILLING:
            document["organization"]["feature_set"] = CONSOLIDATED_BILLING
            self.notes.append(
                f"the organization has feature set {CONSOLIDATED_BILLING}: OUs, accounts and "
                "shares with accounts are managed; guardrails, trusted access and sharing with "
                "OUs need all features — `aws organizations enable-all-features` (every member "
                "account approves), then set organization.feature_set: ALL"
            )
        trusted = self.trusted_services()
        if trusted:
            document["organization"]["trusted_services"] = trusted
        for name, section in (
            ("units", units),
            ("accounts", accounts),
            ("guardrails", guardrails),
            ("shares", shares),
        ):
            if section:
                document[name] = section
        return self.out

    def trusted_services(self) -> list[str]:
        """Services with trusted access, but RAM's: the spec's RAM sharing owns that one
        (SharingWithOrganization), and it is enabled whenever a share names an OU."""
        catalog = load_catalog()
        out = []
        for service in self.snapshot.service_access:
            if service == RAM_SERVICE:
                continue
            out.append(service)
            if service not in catalog.trusted_services:
                # AWS enabled it, so AWS supports it: kept (validate warns, with the list's date)
                self.notes.append(
                    f"trusted access for {service} is not in trainshare's list (checked "
                    f"{catalog.trusted_services_checked}): kept; add it to "
                    "catalog/data/trusted_services.yaml"
                )
        return out

    def tree(self, parent_id: str, prefix: str) -> CommentedMap:
        """The OUs under `parent_id`. Siblings differing only by case would be refused
        (OU_NAME_CLASH); an OU's own settings and, at the top, `root`, `organization` and
        12-digit names (read as an account ID in principals) are never OU keys. Paths are
        built from these keys, not from the AWS names `Snapshot.unit_paths` gives: see `keys`.
        An OU whose key is not its AWS name keeps that name in `name:`, so the plan does not
        rename it."""
        out = CommentedMap()
        keys = Keys("OU", self.notes, fold=True, limit=MAX_NAME)

        def refused(key: str) -> bool:
            top = not prefix and (key in ORG_ALIASES or bool(TWELVE_DIGITS.match(key)))
            return top or key in UNIT_RESERVED

        siblings = sorted(self.children.get(parent_id, []), key=lambda u: (u.name, u.id))
        live_names = {u.name for u in siblings}
        kept: set[str] = set()  # the AWS names kept so far among these siblings
        for unit in siblings:
            keep = unit.name not in kept and 1 <= len(unit.name) <= MAX_NAME
            if keep:
                key = keys.take(unit.name, refused)
                kept.add(unit.name)
            else:  # a snapshot edited by hand: a key no sibling has as its name
                key = keys.take(unit.name, lambda k: refused(k) or k in live_names)
                self.notes.append(
                    f"OU {unit.id}'s name is not one AWS gives (1-{MAX_NAME} characters, "
                    f"unique under its parent): `pulumi up` names it {key!r}"
                )
            path = f"{prefix}/{key}" if prefix else key
            self.paths[unit.id] = path
            body = CommentedMap(id=unit.id)
            if keep and key != unit.name:
                body["name"] = unit.name
            body.update(self.tree(unit.id, path))
            out[key] = body
        return out

    def accounts(self) -> CommentedMap:
        """Accounts by ID, keyed by name where the name cannot be read as something else: an
        OU path (AMBIGUOUS_NAME), `root`, or another account's ID."""
        accounts = CommentedMap()
        keys = Keys("account", self.notes)
        ou_paths = set(self.paths.values())
        listed = list(self.snapshot.accounts)
        mgmt = self.snapshot.management_account
        if all(a.id != mgmt for a in listed):  # the spec needs the management account
            listed.append(Account(mgmt, "management", "", "ACTIVE", self.snapshot.root_id))
        for account in sorted(listed, key=lambda a: (a.name, a.id)):

            def refused(key: str, own: str = account.id) -> bool:
                digits = bool(TWELVE_DIGITS.match(key)) and key != own
                return key in ORG_ALIASES or key in ou_paths or digits

            key = keys.take(account.name, refused)
            self.keys[account.id] = key
            body = CommentedMap(id=account.id)
            # With its email the account is managed (adopted by ID; its unit is where `pulumi
            # up` keeps it). Not the management account (no SCP applies to it, nothing to
            # move), and not an account that is not ACTIVE (the provider cannot read it).
            if account.id != mgmt and account.email and account.status == "ACTIVE":
                body["email"] = account.email
                if key != account.name:
                    body["name"] = account.name
            elif account.id != mgmt and account.status != "ACTIVE":
                self.notes.append(
                    f"account {key} ({account.id}) is {account.status}: kept as a reference "
                    "(`id` only), not managed"
                )
            if self.paths.get(account.parent_id, "root") != "root":
                body["unit"] = self.paths[account.parent_id]
            accounts[key] = body
        return accounts

    def full_aws_access(self, units: CommentedMap, accounts: CommentedMap) -> None:
        """`full_aws_access: false` wherever AWS's FullAWSAccess is not attached."""
        name = load_catalog().aws_managed("scp").name
        full = next(
            (p for p in self.snapshot.policies if p.name == name and p.aws_managed),
            None,
        )
        if full is None:
            return
        for level_id, path in self.paths.items():
            if level_id != self.snapshot.root_id and level_id not in full.targets:
                _level(units, path)["full_aws_access"] = False
        for account in self.snapshot.accounts:
            if account.id not in full.targets and account.id != self.snapshot.management_account:
                accounts[self.keys[account.id]]["full_aws_access"] = False

    def guardrails(self) -> CommentedMap:
        """Each policy of a type trainshare knows (SCPs, RCPs, AI opt-out, tag, EC2 declarative,
        backup) a guardrail with its own document file and, but for SCPs, its `type:`; adopted
        by its ID. AWS-managed policies (FullAWSAccess, RCPFullAWSAccess) are AWS's own."""
        catalog = load_catalog()
        guardrails = CommentedMap()
        keys = Keys("SCP", self.notes, limit=MAX_NAME)
        files = Keys("policy document", [], fold=True, limit=MAX_FILE_STEM)  # case-blind disks
        for policy in sorted(
            (p for p in self.snapshot.policies if not p.aws_managed),
            key=lambda p: (p.type != "SERVICE_CONTROL_POLICY", p.type, p.name, p.id),
        ):
            ptype = catalog.policy_type(policy.type)
            if ptype is None:
                self.notes.append(f"{policy.type} {policy.name!r} is not a type trainshare knows")
                continue
            label = ptype.label
            if not policy.targets:
                self.notes.append(f"{label} {policy.name!r} is attached nowhere: left out")
                continue
            try:
                document = load_json(policy.content, f"{label} {policy.name!r}")
            except InputError as exc:
                self.notes.append(f"{exc}: left out")
                continue
            targets = []
            for target in policy.targets:
                ref = self.paths.get(target) or self.keys.get(target)
                if ref is None:
                    self.notes.append(
                        f"{label} {policy.name!r} is attached to {target}, which is not in the "
                        "organization read: that attachment is left out"
                    )
                else:
                    targets.append(ref)
            keys.what = label  # how its note names it
            key = keys.take(policy.name)
            stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", key).strip(".-") or "policy"
            file = f"policies/{files.take(stem)}.json"
            self.out.policies[file] = json.dumps(document, indent=2) + "\n"
            body = CommentedMap()
            if ptype.key != "scp":
                body["type"] = ptype.key
            if key != policy.name:
                body["name"] = policy.name
            body.update(document=file, targets=sorted(targets))
            guardrails[key] = body
            self.out.adopt[policy_node(key, ptype.key)] = policy.id
        return guardrails

    def shares(self) -> CommentedMap:
        """Each RAM share under its own key, adopted by its ARN (AWS lets shares share a name)."""
        shares = CommentedMap()
        keys = Keys("share", self.notes)
        catalog = load_catalog()
        for share in sorted(self.snapshot.shares, key=lambda s: (s.owner, s.name, s.region, s.arn)):
            found = _share(share, self.keys, self.paths, catalog, self.notes)
            if found is None:
                continue
            body, entities = found
            key = keys.take(share.name)
            self.out.entities[key] = entities
            if key != share.name:
                body.insert(0, "name", share.name)
            shares[key] = body
            self.out.adopt[share_node(key)] = share.arn
        return shares


def _level(units: CommentedMap, path: str) -> CommentedMap:
    node: CommentedMap = units
    for part in path.split("/"):
        node = node[part]
    return node


def _share(
    share: ResourceShare,
    keys: dict[str, str],
    paths: dict[str, str],
    catalog: Catalog,
    notes: list[str],
) -> tuple[CommentedMap, dict[str, list[str]]] | None:
    """The share's body, and the live entities of its principals and resources in order."""
    resources = []
    for assoc in share.resources:
        parsed = parse_arn(assoc.entity)
        if parsed is not None and catalog.resource_type_for(parsed) is not None:
            resources.append(assoc.entity)
        else:
            notes.append(
                f"share {share.name}: {assoc.entity} is not a type trainshare knows: left out"
            )
    principals: list[str] = []
    entities: list[str] = []
    external = False
    for assoc in share.principals:
        entities.append(assoc.entity)
        ou = ou_id_of(assoc.entity)
        if ou in paths:
            principals.append(paths[ou])
        elif is_organization_arn(assoc.entity):
            principals.append("root")
        elif assoc.entity in keys:
            principals.append(keys[assoc.entity])
        else:
            principals.append(assoc.entity)
            external = True
    if not resources or not principals or share.owner not in keys:
        notes.append(
            f"share {share.name} has no resource or principal trainshare can describe: left out"
        )
        return None
    body = CommentedMap(
        owner=keys[share.owner], region=share.region, resources=resources, principals=principals
    )
    names = sorted(permission_name(arn) for arn in share.permissions)
    if names:
        body["permissions"] = names
    if external or share.allow_external:
        body["allow_external"] = True
    return body, {"principals": entities, "resources": list(resources)}
