"""A spec from a live organization's snapshot: what `trainshare import` writes.

Everything is adopted by ID, never created: OUs and accounts carry their `id`. SCPs become
guardrails with their documents in `policies/`, attached where they are attached; a level where
FullAWSAccess is not attached gets `full_aws_access: false`. Shares keep their names (the audit
matches shares and SCPs by name), with their principals, resources and permissions. Keys are the
AWS names; where one cannot be a key (a clash, or a reserved word), a suffix makes it unique and
a comment keeps the original. Reads a Snapshot and returns text; the only files it touches are
a scratch copy of the spec, loaded back to build the plan the import file names.

`pulumi_import_file` names the live resources the imported spec's plan describes, in the format
of `pulumi import --file` (logical names `<component>/<plan node name>`, parent the component):
`OrgSharing(..., adopt=...)` reads it and imports those resources on the first `pulumi up`
instead of creating them.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from trainshare.catalog import is_organization_arn, load_catalog, ou_id_of, parse_arn
from trainshare.catalog.model import permission_name
from trainshare.errors import TrainshareError
from trainshare.plan import Join, Node, Plan, Ref, Value, build_plan, kinds
from trainshare.plan.build import ORGANIZATION, RAM_SERVICE
from trainshare.scaffold import project_name, render_project, write_files
from trainshare.snapshot import Snapshot
from trainshare.spec import Spec, load_spec

IMPORT_FILE = "pulumi-import.json"

_RESERVED = {"root", "organization"}


class ImportRefusedError(TrainshareError):
    """The organization cannot be described by a spec trainshare could deploy."""


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
    if snapshot.feature_set != "ALL":
        raise ImportRefusedError(
            f"the organization {snapshot.organization_id} has feature set "
            f"{snapshot.feature_set or 'unknown'}: SCPs and sharing with OUs need ALL features. "
            "Enable all features first (Organizations console → Settings, or "
            "`aws organizations enable-all-features`; every member account must approve)"
        )
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

    def trusted_services(self) -> list[str]:
        """Services with trusted access, but RAM's: the spec's RAM sharing owns that one
        (SharingWithOrganization), and it is enabled whenever a share names an OU."""
        known = load_catalog().trusted_services
        out = []
        for service in self.snapshot.service_access:
            if service == RAM_SERVICE:
                continue
            if service in known:
                out.append(service)
            else:
                self.notes.append(
                    f"trusted access for {service} is not in trainshare's catalog: left out "
                    "(add it to catalog/data/trusted_services.yaml if AWS lists it)"
                )
        return out

    def tree(self, parent_id: str, prefix: str) -> CommentedMap:
        out = CommentedMap()
        taken: set[str] = set()
        for unit in sorted(self.children.get(parent_id, []), key=lambda u: (u.name, u.id)):
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
        for account in sorted(self.snapshot.accounts, key=lambda a: (a.name, a.id)):
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


def project_files(imported: Imported, snapshot: Snapshot, folder: Path) -> dict[Path, str]:
    """Every file of the imported project: Pulumi.yaml, __main__.py (adopting), requirements.txt,
    the spec, its policies, and pulumi-import.json for the plan of that very spec."""
    with tempfile.TemporaryDirectory() as scratch:  # the spec loads its policies from disk
        base = Path(scratch)
        for name, text in imported.policies.items():
            (base / name).parent.mkdir(parents=True, exist_ok=True)
            (base / name).write_text(text, encoding="utf-8")
        (base / "trainshare.yaml").write_text(imported.spec_text, encoding="utf-8")
        spec = load_spec(base / "trainshare.yaml")
    import_file = pulumi_import_file(spec, snapshot, project_name(folder))
    texts = render_project(folder, imported.spec_text, IMPORT_FILE)
    texts.update({folder / name: text for name, text in imported.policies.items()})
    texts[folder / IMPORT_FILE] = json.dumps(import_file, indent=2) + "\n"
    return texts


def write_imported(imported: Imported, snapshot: Snapshot, folder: Path) -> list[Path]:
    """Write the project into `folder`; refuses, writing nothing, to overwrite any file."""
    return write_files(project_files(imported, snapshot, folder))


# -- adoption into Pulumi ---------------------------------------------------------------------


def pulumi_import_file(spec: Spec, snapshot: Snapshot, component: str) -> dict[str, Any]:
    """The `pulumi import --file` document for every node of `spec`'s plan that exists live.

    IDs are in each type's import format (pulumi_aws docs, "Import"): policy ID; `target:policy`;
    share ARN; `shareArn,resourceArn`; `shareArn,principal`; the management account ID; the
    service principal. Providers and the FullAWSAccess command are not imported: providers hold
    no cloud state, and the command accepts "already done" as success.
    """
    ids = import_ids(build_plan(spec), snapshot)
    resources: list[dict[str, Any]] = [
        {"type": kinds.COMPONENT, "name": component, "component": True}
    ]
    for name, (kind, resource_id) in ids.items():
        resources.append(
            {"type": kind, "name": f"{component}/{name}", "id": resource_id, "parent": component}
        )
    return {"resources": resources}


def import_ids(plan: Plan, snapshot: Snapshot) -> dict[str, tuple[str, str]]:
    """Plan node name → (type token, import ID), for the nodes whose resource exists live."""
    return _Adoption(snapshot).ids(plan)


class _Adoption:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.policies = {p.name: p for p in snapshot.policies if not p.aws_managed}
        self.shares = {(s.owner, s.region, s.name): s for s in snapshot.shares}
        self.found: dict[str, tuple[str, str]] = {}

    def ids(self, plan: Plan) -> dict[str, tuple[str, str]]:
        for node in plan.nodes:
            found = self.match(node)
            if found is not None:
                self.found[node.name] = (node.kind, found)
        return self.found

    def value(self, value: Value) -> str | None:
        """A plan value with its refs resolved against the live organization (None: unknown)."""
        if isinstance(value, str):
            return value
        if isinstance(value, Join):
            parts = [self.value(p) for p in value.parts]
            return None if None in parts else "".join(p for p in parts if p is not None)
        if isinstance(value, Ref):
            if value.node == ORGANIZATION:
                snap = self.snapshot
                org = {"id": snap.organization_id, "arn": snap.organization_arn}
                return snap.root_id if value.attr == "roots[0].id" else org.get(value.attr)
            found = self.found.get(value.node)
            # a policy's or a share's own ID is what other nodes refer to (`id`, `arn`)
            return found[1] if found is not None and value.attr in ("id", "arn") else None
        return None

    def match(self, node: Node) -> str | None:
        inputs, snap = node.inputs, self.snapshot
        if node.kind == kinds.POLICY:
            policy = self.policies.get(str(inputs["name"]))
            return policy.id if policy is not None else None
        if node.kind == kinds.POLICY_ATTACHMENT:
            policy_id, target = self.value(inputs["policy_id"]), self.value(inputs["target_id"])
            policies = self.policies.values()
            attached = any(p.id == policy_id and target in p.targets for p in policies)
            return f"{target}:{policy_id}" if attached else None
        if node.kind == kinds.RESOURCE_SHARE:
            share = self.shares.get((node.account_id or "", node.region, str(inputs["name"])))
            return share.arn if share is not None else None
        if node.kind in (kinds.RESOURCE_ASSOCIATION, kinds.PRINCIPAL_ASSOCIATION):
            share_arn = self.value(inputs["resource_share_arn"])
            key = "resource_arn" if node.kind == kinds.RESOURCE_ASSOCIATION else "principal"
            entity = self.value(inputs[key])
            live = next((s for s in snap.shares if s.arn == share_arn), None)
            if live is None or entity is None:
                return None
            associations = live.resources if key == "resource_arn" else live.principals
            present = any(a.entity == entity and a.status == "ASSOCIATED" for a in associations)
            return f"{share_arn},{entity}" if present else None
        if node.kind == kinds.SHARING_WITH_ORGANIZATION:
            return snap.management_account if RAM_SERVICE in snap.service_access else None
        if node.kind == kinds.AWS_SERVICE_ACCESS:
            service = str(inputs["service_principal"])
            return service if service in snap.service_access else None
        return None
