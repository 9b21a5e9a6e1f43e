"""A spec from a live organization's snapshot: what `trainshare import` writes.

Everything is adopted by ID, never created: OUs and accounts carry their `id`. SCPs become
guardrails with their documents in `policies/`, attached where they are attached; a level where
FullAWSAccess is not attached gets `full_aws_access: false`. Shares keep their names (the audit
matches shares and SCPs by name), with their principals, resources and permissions. Keys are the
AWS names; where one cannot be a key (a clash, or a reserved word), a suffix makes it unique and
a comment keeps the original. Pure: reads a Snapshot, returns text.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from trainshare.catalog import is_organization_arn, load_catalog, ou_id_of, parse_arn
from trainshare.catalog.model import permission_name
from trainshare.scaffold import ScaffoldError
from trainshare.snapshot import Snapshot

_RESERVED = {"root", "organization"}


@dataclass
class Imported:
    spec_text: str
    policies: dict[str, str]  # relative path → JSON text
    notes: list[str] = field(default_factory=list)  # what was renamed or left out, in words


def _unique(name: str, taken: set[str], notes: list[str], what: str) -> str:
    key = re.sub(r"/", "-", name) or "unnamed"
    if key.lower() in _RESERVED:
        key = f"{key}-1"
    base, n = key, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    taken.add(key)
    if key != name:
        notes.append(f"{what} {name!r} is written as {key!r}")
    return key


def import_snapshot(
    snapshot: Snapshot,
    region: str = "us-east-1",
    access_role: str = "OrganizationAccountAccessRole",
) -> Imported:
    return _Importer(snapshot).run(region, access_role)


class _Importer:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.notes: list[str] = []
        self.paths: dict[str, str] = {snapshot.root_id: "root"}  # OU ID → path
        self.keys: dict[str, str] = {}  # account ID → key
        self.children: dict[str, list[Any]] = {}
        for unit in snapshot.units:
            self.children.setdefault(unit.parent_id, []).append(unit)

    def run(self, region: str, access_role: str) -> Imported:
        units = self.tree(self.snapshot.root_id, "")
        accounts = self.accounts()
        self.full_aws_access(units, accounts)
        guardrails, policies = self.guardrails()
        shares = CommentedMap()
        taken: set[str] = set()
        for share in sorted(self.snapshot.shares, key=lambda s: (s.owner, s.name)):
            body = _share(share, self.keys, self.paths, load_catalog(), self.notes)
            if body is not None:
                shares[_unique(share.name, taken, self.notes, "share")] = body
        document = CommentedMap(version=1)
        document["organization"] = CommentedMap(
            management_account=self.snapshot.management_account,
            region=region,
            access_role=access_role,
        )
        for name, section in (
            ("units", units),
            ("accounts", accounts),
            ("guardrails", guardrails),
            ("shares", shares),
        ):
            if section:
                document[name] = section
        stream = io.StringIO()
        stream.write(
            f"# Imported by trainshare from the organization "
            f"{self.snapshot.organization_id} (snapshot taken "
            f"{self.snapshot.taken_at or 'at an unknown time'}).\n"
        )
        for note in self.notes:
            stream.write(f"# {note}\n")
        YAML().dump(document, stream)
        return Imported(stream.getvalue(), policies, self.notes)

    def tree(self, parent_id: str, prefix: str) -> CommentedMap:
        out = CommentedMap()
        taken: set[str] = set()
        for unit in sorted(self.children.get(parent_id, []), key=lambda u: u.name):
            key = _unique(unit.name, taken, self.notes, "OU")
            path = f"{prefix}/{key}" if prefix else key
            self.paths[unit.id] = path
            body = CommentedMap(id=unit.id)
            body.update(self.tree(unit.id, path))
            out[key] = body
        return out

    def accounts(self) -> CommentedMap:
        accounts = CommentedMap()
        taken: set[str] = set()
        for account in sorted(self.snapshot.accounts, key=lambda a: a.name):
            key = _unique(account.name, taken, self.notes, "account")
            self.keys[account.id] = key
            body = CommentedMap(id=account.id)
            if self.paths.get(account.parent_id, "root") != "root":
                body["unit"] = self.paths[account.parent_id]
            accounts[key] = body
        mgmt = self.snapshot.management_account
        if mgmt not in self.keys:
            self.keys[mgmt] = _unique("management", taken, self.notes, "account")
            accounts[self.keys[mgmt]] = CommentedMap(id=mgmt)
        return accounts

    def full_aws_access(self, units: CommentedMap, accounts: CommentedMap) -> None:
        """`full_aws_access: false` wherever AWS's FullAWSAccess is not attached."""
        full = next(
            (p for p in self.snapshot.policies if p.name == "FullAWSAccess" and p.aws_managed), None
        )
        if full is None:
            return
        for level_id, path in self.paths.items():
            if level_id != self.snapshot.root_id and level_id not in full.targets:
                _level(units, path)["full_aws_access"] = False
        for account in self.snapshot.accounts:
            if account.id not in full.targets and account.id != self.snapshot.management_account:
                accounts[self.keys[account.id]]["full_aws_access"] = False

    def guardrails(self) -> tuple[CommentedMap, dict[str, str]]:
        guardrails = CommentedMap()
        policies: dict[str, str] = {}
        taken: set[str] = set()
        for policy in sorted(
            (p for p in self.snapshot.policies if not p.aws_managed), key=lambda p: p.name
        ):
            if not policy.targets:
                self.notes.append(f"SCP {policy.name} is attached nowhere: left out")
                continue
            key = _unique(policy.name, taken, self.notes, "SCP")
            file = f"policies/{re.sub(r'[^A-Za-z0-9_.-]+', '-', key)}.json"
            policies[file] = json.dumps(json.loads(policy.content), indent=2) + "\n"
            targets = sorted(self.paths.get(t) or self.keys.get(t) or t for t in policy.targets)
            guardrails[key] = CommentedMap(document=file, targets=targets)
        return guardrails, policies


def _level(units: CommentedMap, path: str) -> CommentedMap:
    node: CommentedMap = units
    for part in path.split("/"):
        node = node[part]
    return node


def _share(
    share: Any, keys: dict[str, str], paths: dict[str, str], catalog: Any, notes: list[str]
) -> CommentedMap | None:
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
    external = False
    for assoc in share.principals:
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
    return body


def write_imported(imported: Imported, folder: Path) -> list[Path]:
    """Write the spec and its policies into `folder`; refuses, writing nothing, to overwrite."""
    root = folder
    targets = [root / "trainshare.yaml", *(root / name for name in imported.policies)]
    existing = [t for t in targets if t.exists()]
    if existing:
        raise ScaffoldError(
            f"{', '.join(map(str, existing))} already exist(s); nothing was "
            "written — choose an empty folder"
        )
    for target, text in zip(
        targets, [imported.spec_text, *imported.policies.values()], strict=True
    ):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return targets
