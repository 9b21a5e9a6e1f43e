"""A spec from a live organization's snapshot: what `trainshare import` writes.

Everything is adopted by ID, never created: OUs carry their `id`, accounts their `id` and `email`
(so trainshare manages them: `pulumi up` moves an account whose `unit` changes). SCPs become
guardrails with their documents in `policies/`, attached where they are attached; a level where
FullAWSAccess is not attached gets `full_aws_access: false`. Shares keep their names (the audit
matches shares and SCPs by name), with their principals, resources and permissions. Keys are the
AWS names; where one cannot be a key (a clash, or a reserved word), a suffix makes it unique and
a comment keeps the original. Reads a Snapshot and returns text; the only files it touches are
a scratch copy of the spec, loaded back to check it and to build the plan the import file names.

Import never gives up on what it finds: what the spec cannot express (a subnet shared outside
the organization, an SCP whose document trainshare cannot accept, …) is left out — a share's
principal or resource, else the share or the SCP — until the spec validates. Each is a note (in
the output and as a comment in the spec) and, where the audit would otherwise call it drift, an
`unmanaged:` entry, which `audit` reports as a LEFT_OUT finding instead.

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
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from trainshare.catalog import is_organization_arn, load_catalog, ou_id_of, parse_arn
from trainshare.catalog.model import permission_name
from trainshare.errors import SpecError, TrainshareError
from trainshare.findings import Finding, Severity
from trainshare.inputs import InputError, load_json
from trainshare.plan import Join, Node, Plan, Ref, Value, build_plan, kinds
from trainshare.plan.build import ORGANIZATION, RAM_SERVICE
from trainshare.plan.names import policy_node, share_node
from trainshare.scaffold import project_name, render_project, write_files
from trainshare.snapshot import Account, Snapshot
from trainshare.spec import Spec, load_spec
from trainshare.spec.issues import field_text
from trainshare.spec.resolved import CONSOLIDATED_BILLING
from trainshare.yamlsource import Path_

_T = TypeVar("_T")

IMPORT_FILE = "pulumi-import.json"

# Names a spec reads as something else: the whole organization, and an OU's own settings.
_ORG_ALIASES = frozenset({"root", "organization"})
_UNIT_RESERVED = frozenset({"id", "full_aws_access", "tags"})
_TWELVE_DIGITS = re.compile(r"^\d{12}$")
_MAX_NAME = 128  # OU names and SCP names (Organizations API reference)
_MAX_FILE_STEM = 100  # well under the 255 bytes file systems allow, with room for a suffix


class ImportRefusedError(TrainshareError):
    """The organization cannot be described by a spec trainshare could deploy."""


@dataclass
class Imported:
    spec_text: str
    policies: dict[str, str]  # relative path → JSON text
    notes: list[str] = field(default_factory=list)  # what was renamed or left out, in words
    # plan node name → the live ID it adopts, for what is matched by ID rather than by name
    adopt: dict[str, str] = field(default_factory=dict)


class _Keys:
    """Spec keys for names from AWS: each unique, none read as something else.

    A name is kept as its key when the spec can hold it; otherwise `/` becomes `-` (it separates
    levels of OU paths and plan names) and a suffix makes the key unique, and `refused` (a
    reserved word, a name that would resolve to another object) is never given out.
    """

    def __init__(self, what: str, notes: list[str], *, fold: bool = False, limit: int = 0):
        self.what, self.notes, self.fold, self.limit = what, notes, fold, limit
        self.taken: set[str] = set()

    def _norm(self, key: str) -> str:
        return key.casefold() if self.fold else key

    def take(self, name: str, refused: Callable[[str], bool] = lambda _: False) -> str:
        base = name.replace("/", "-") or "unnamed"
        key, n = base, 1 if refused(base) else 2
        while (
            self._norm(key) in self.taken or refused(key) or (self.limit and len(key) > self.limit)
        ):
            suffix = f"-{n}"
            stem = base[: self.limit - len(suffix)] if self.limit else base
            key, n = f"{stem}{suffix}", n + 1
        self.taken.add(self._norm(key))
        if key != name:
            self.notes.append(f"{self.what} {name!r} is written as {key!r}")
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
        self.adopt: dict[str, str] = {}  # plan node name → live ID
        # share key → live entities of its principals and resources, in the spec's order
        self.entities: dict[str, dict[str, list[str]]] = {}
        self.unmanaged: list[CommentedMap] = []
        self.children: dict[str, list[Any]] = {}
        for unit in snapshot.units:
            self.children.setdefault(unit.parent_id, []).append(unit)

    def run(self, region: str, access_role: str) -> Imported:
        document, policies = self.document(region, access_role)
        self.leave_out_what_does_not_validate(document, policies)
        if self.unmanaged:
            document["unmanaged"] = self.unmanaged
        return Imported(self.render(document), policies, self.notes, self.adopt)

    def render(self, document: CommentedMap) -> str:
        stream = io.StringIO()
        stream.write(
            f"# Imported by trainshare from the organization "
            f"{self.snapshot.organization_id} (snapshot taken "
            f"{self.snapshot.taken_at or 'at an unknown time'}).\n"
        )
        for note in self.notes:
            stream.write(f"# {_one_line(note)}\n")
        YAML().dump(document, stream)
        return stream.getvalue()

    def leave_out_what_does_not_validate(
        self, document: CommentedMap, policies: dict[str, str]
    ) -> None:
        """Drop what the spec cannot express, smallest first, until it validates: each error
        names a share's principal or resource (that one is left out), or a share, an SCP or a
        trusted service (that one is). An error elsewhere is trainshare's bug: `project_files`
        reports it."""
        for _ in range(len(document.get("shares", {})) + len(document.get("guardrails", {})) + 3):
            errors = _spec_errors(self.render(document), policies)
            if not errors or not self.leave_out(document, errors):
                return

    def leave_out(self, document: CommentedMap, errors: list[Finding]) -> bool:
        """One round of `leave_out_what_does_not_validate`; False when no error is ours to fix."""
        items: dict[tuple[str, str], dict[int, str]] = {}  # (share, list) → index → why
        whole: dict[tuple[str, str], str] = {}  # (section, key) → why
        fields = _fields(document)
        for issue in errors:
            path = _spec_path(fields, issue.location.path)
            in_list = (
                len(path) >= 4 and path[0] == "shares" and path[2] in ("principals", "resources")
            )
            if in_list and isinstance(path[3], int):
                items.setdefault((str(path[1]), str(path[2])), {})[path[3]] = issue.message
                continue
            if len(path) >= 2 and path[0] in ("shares", "guardrails"):
                whole.setdefault((str(path[0]), str(path[1])), issue.message)
            elif path[:2] == ("organization", "trusted_services") and len(path) > 2:
                whole.setdefault(("trusted_services", str(path[2])), issue.message)
        for (key, listed), by_index in items.items():
            if ("shares", key) in whole or key not in document.get("shares", {}):
                continue
            body = document["shares"][key]
            for index in sorted(by_index, reverse=True):
                if index >= len(body[listed]):
                    continue
                entity = self.entities[key][listed][index]
                self.notes.append(
                    f"share {key}: {listed[:-1]} {entity} left out — {by_index[index]}"
                )
                self.unmanaged.append(
                    CommentedMap(
                        object=f"share-{listed[:-1]}", name=key, item=entity, why=by_index[index]
                    )
                )
                del body[listed][index]
                del self.entities[key][listed][index]
        for (section, key), why in whole.items():
            self.leave_out_whole(document, section, key, why)
        return bool(items or whole)

    def leave_out_whole(self, document: CommentedMap, section: str, key: str, why: str) -> None:
        if section == "trusted_services":
            services = document["organization"].get("trusted_services", [])
            if key.isdigit() and int(key) < len(services):
                self.notes.append(f"trusted access for {services[int(key)]} left out — {why}")
                del services[int(key)]
            return
        body = document.get(section, {}).pop(key, None)
        if body is None:
            return
        what = "share" if section == "shares" else "SCP"
        self.notes.append(f"{what} {key} left out — {why}")
        if section == "shares":
            self.adopt.pop(share_node(key), None)
            self.unmanaged[:] = [u for u in self.unmanaged if u["name"] != key]
            if not document["shares"]:
                del document["shares"]
        else:  # its document stays in policies/, to fix and add back
            self.adopt.pop(policy_node(key), None)
            if not document["guardrails"]:
                del document["guardrails"]

    def document(self, region: str, access_role: str) -> tuple[CommentedMap, dict[str, str]]:
        units = self.tree(self.snapshot.root_id, "")
        accounts = self.accounts()
        self.full_aws_access(units, accounts)
        guardrails, policies = self.guardrails()
        shares = self.shares()
        document = CommentedMap(version=1)
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
        return document, policies

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
        12-digit names (read as an account ID in principals) are never OU keys."""
        out = CommentedMap()
        keys = _Keys("OU", self.notes, fold=True, limit=_MAX_NAME)

        def refused(key: str) -> bool:
            top = not prefix and (key in _ORG_ALIASES or bool(_TWELVE_DIGITS.match(key)))
            return top or key in _UNIT_RESERVED

        for unit in sorted(self.children.get(parent_id, []), key=lambda u: (u.name, u.id)):
            key = keys.take(unit.name, refused)
            path = f"{prefix}/{key}" if prefix else key
            self.paths[unit.id] = path
            body = CommentedMap(id=unit.id)
            body.update(self.tree(unit.id, path))
            out[key] = body
        return out

    def accounts(self) -> CommentedMap:
        """Accounts by ID, keyed by name where the name cannot be read as something else: an
        OU path (AMBIGUOUS_NAME), `root`, or another account's ID."""
        accounts = CommentedMap()
        keys = _Keys("account", self.notes)
        ou_paths = set(self.paths.values())
        listed = list(self.snapshot.accounts)
        mgmt = self.snapshot.management_account
        if all(a.id != mgmt for a in listed):  # the spec needs the management account
            listed.append(Account(mgmt, "management", "", "ACTIVE", self.snapshot.root_id))
        for account in sorted(listed, key=lambda a: (a.name, a.id)):

            def refused(key: str, own: str = account.id) -> bool:
                digits = bool(_TWELVE_DIGITS.match(key)) and key != own
                return key in _ORG_ALIASES or key in ou_paths or digits

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
        full = next(
            (p for p in self.snapshot.policies if p.name == _full_aws_access() and p.aws_managed),
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

    def guardrails(self) -> tuple[CommentedMap, dict[str, str]]:
        """Each policy of a type trainshare knows (SCPs, RCPs, AI opt-out, tag, EC2 declarative,
        backup) a guardrail with its own document file and, but for SCPs, its `type:`; adopted
        by its ID. AWS-managed policies (FullAWSAccess, RCPFullAWSAccess) are AWS's own."""
        catalog = load_catalog()
        guardrails = CommentedMap()
        policies: dict[str, str] = {}
        keys = _Keys("SCP", self.notes, limit=_MAX_NAME)
        files = _Keys("policy document", [], fold=True, limit=_MAX_FILE_STEM)  # case-blind disks
        for policy in sorted(
            (p for p in self.snapshot.policies if not p.aws_managed),
            key=lambda p: (p.type != "SERVICE_CONTROL_POLICY", p.type, p.name, p.id),
        ):
            ptype = catalog.policy_type(policy.type)
            if ptype is None:
                self.notes.append(f"{policy.type} {policy.name!r} is not a type trainshare knows")
                continue
            label = "SCP" if ptype.key == "scp" else ptype.title
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
            policies[file] = json.dumps(document, indent=2) + "\n"
            body = CommentedMap()
            if ptype.key != "scp":
                body["type"] = ptype.key
            if key != policy.name:
                body["name"] = policy.name
            body.update(document=file, targets=sorted(targets))
            guardrails[key] = body
            self.adopt[policy_node(key, ptype.key)] = policy.id
        return guardrails, policies

    def shares(self) -> CommentedMap:
        """Each RAM share under its own key, adopted by its ARN (AWS lets shares share a name)."""
        shares = CommentedMap()
        keys = _Keys("share", self.notes)
        catalog = load_catalog()
        for share in sorted(self.snapshot.shares, key=lambda s: (s.owner, s.name, s.region, s.arn)):
            found = _share(share, self.keys, self.paths, catalog, self.notes)
            if found is None:
                continue
            body, entities = found
            key = keys.take(share.name)
            self.entities[key] = entities
            if key != share.name:
                body.insert(0, "name", share.name)
            shares[key] = body
            self.adopt[share_node(key)] = share.arn
        return shares


def _level(units: CommentedMap, path: str) -> CommentedMap:
    node: CommentedMap = units
    for part in path.split("/"):
        node = node[part]
    return node


def _share(
    share: Any, keys: dict[str, str], paths: dict[str, str], catalog: Any, notes: list[str]
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


def _fields(document: Mapping[str, Any]) -> dict[str, Path_]:
    """The spec paths `leave_out` acts on, by the field text a finding is located at
    (`shares.data.principals[2]`): shares, their principals and resources, guardrails,
    trusted services."""
    paths: list[Path_] = []
    for key, body in (document.get("shares") or {}).items():
        paths.append(("shares", key))
        for listed in ("principals", "resources"):
            entries = body.get(listed) if isinstance(body, Mapping) else None
            paths += [("shares", key, listed, i) for i in range(len(entries or ()))]
    paths += [("guardrails", key) for key in document.get("guardrails") or {}]
    services = (document.get("organization") or {}).get("trusted_services") or ()
    paths += [("organization", "trusted_services", i) for i in range(len(services))]
    return {field_text(path): path for path in paths}


def _spec_path(fields: Mapping[str, Path_], field: str) -> Path_:
    """The longest of `fields`' paths that `field` is (or is inside); () when none."""
    ends = [i for i, c in enumerate(field) if c in ".["] + [len(field)]
    for end in reversed(ends):
        if field[:end] in fields:
            return fields[field[:end]]
    return ()


def _spec_errors(spec_text: str, policies: Mapping[str, str]) -> list[Finding]:
    """The errors (not warnings) of a spec text with its policy files, checked in a scratch
    folder."""
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        for name, text in policies.items():
            (base / name).parent.mkdir(parents=True, exist_ok=True)
            (base / name).write_text(text, encoding="utf-8")
        (base / "trainshare.yaml").write_text(spec_text, encoding="utf-8")
        try:
            load_spec(base / "trainshare.yaml")
        except SpecError as exc:
            return [i for i in exc.issues if i.severity is Severity.ERROR]
    return []


def project_files(imported: Imported, snapshot: Snapshot, folder: Path) -> dict[Path, str]:
    """Every file of the imported project: Pulumi.yaml, __main__.py (adopting), requirements.txt,
    the spec, its policies, and pulumi-import.json for the plan of that very spec."""
    with tempfile.TemporaryDirectory() as scratch:  # the spec loads its policies from disk
        base = Path(scratch)
        for name, text in imported.policies.items():
            (base / name).parent.mkdir(parents=True, exist_ok=True)
            (base / name).write_text(text, encoding="utf-8")
        (base / "trainshare.yaml").write_text(imported.spec_text, encoding="utf-8")
        try:
            spec = load_spec(base / "trainshare.yaml")
        except SpecError as exc:
            problems = "\n".join(
                replace(
                    i,
                    location=replace(
                        i.location, file=str(folder / Path(i.location.file).relative_to(base))
                    ),
                ).render_brief()
                for i in exc.issues
                if i.severity is Severity.ERROR
            )
            raise ImportRefusedError(
                f"the spec written from this organization would not validate; nothing was "
                f"written (please report this as a bug, with these lines):\n{problems}"
            ) from None
    import_file = pulumi_import_file(spec, snapshot, project_name(folder), imported.adopt)
    texts = render_project(folder, imported.spec_text, IMPORT_FILE)
    texts.update({folder / name: text for name, text in imported.policies.items()})
    texts[folder / IMPORT_FILE] = json.dumps(import_file, indent=2) + "\n"
    return texts


def write_imported(imported: Imported, snapshot: Snapshot, folder: Path) -> list[Path]:
    """Write the project into `folder`; refuses, writing nothing, to overwrite any file."""
    return write_files(project_files(imported, snapshot, folder), root=folder)


def _one_line(text: str) -> str:
    """A note as one comment line, whatever characters the names in it hold."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


# -- adoption into Pulumi ---------------------------------------------------------------------


def pulumi_import_file(
    spec: Spec, snapshot: Snapshot, component: str, pinned: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The `pulumi import --file` document for every node of `spec`'s plan that exists live.

    IDs are in each type's import format (pulumi_aws docs, "Import"): policy ID; `target:policy`;
    share ARN; `shareArn,resourceArn`; `shareArn,principal`; the management account ID; the
    service principal. Providers and the FullAWSAccess command are not imported: providers hold
    no cloud state, and the command accepts "already done" as success. `pinned` gives the live
    ID of plan nodes known by ID (what `import_snapshot` adopted); the others are matched by
    name, and a name two live objects share adopts neither.
    """
    ids = import_ids(build_plan(spec), snapshot, pinned or {})
    resources: list[dict[str, Any]] = [
        {"type": kinds.COMPONENT, "name": component, "component": True}
    ]
    for name, (kind, resource_id) in ids.items():
        resources.append(
            {"type": kind, "name": f"{component}/{name}", "id": resource_id, "parent": component}
        )
    return {"resources": resources}


def import_ids(
    plan: Plan, snapshot: Snapshot, pinned: Mapping[str, str] | None = None
) -> dict[str, tuple[str, str]]:
    """Plan node name → (type token, import ID), for the nodes whose resource exists live."""
    return _Adoption(snapshot, pinned or {}).ids(plan)


class _Adoption:
    def __init__(self, snapshot: Snapshot, pinned: Mapping[str, str]) -> None:
        self.snapshot = snapshot
        self.pinned = pinned
        self.policies = _unique_by(
            (p for p in snapshot.policies if not p.aws_managed), lambda p: (p.type, p.name)
        )
        self.shares = _unique_by(snapshot.shares, lambda s: (s.owner, s.region, s.name))
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
        if node.import_id is not None:  # adopted by the spec itself (an OU or account `id`)
            return node.import_id
        inputs, snap = node.inputs, self.snapshot
        if node.name in self.pinned and node.kind in (kinds.POLICY, kinds.RESOURCE_SHARE):
            return self.pinned[node.name]
        if node.kind == kinds.POLICY:
            policy = self.policies.get((str(inputs["type"]), str(inputs["name"])))
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


def _full_aws_access() -> str:
    return load_catalog().aws_managed("scp").name


def _unique_by(items: Iterable[_T], key: Callable[[_T], Hashable]) -> dict[Hashable, _T]:
    """Items by `key`, leaving out every key two items share (matching it would be a guess)."""
    out: dict[Hashable, _T] = {}
    shared: set[Hashable] = set()
    for item in items:
        k = key(item)
        if k in out:
            shared.add(k)
        out[k] = item
    return {k: v for k, v in out.items() if k not in shared}
