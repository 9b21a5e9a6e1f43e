"""Adoption into Pulumi: the live resources an imported spec's plan describes, as `pulumi import
--file` names them (logical names `<component>/<plan node name>`, parent the component).

`IMPORT_ENTRIES` holds every kind the plan can emit (`plan.kinds`): an `ImportEntry` — the
format of its import ID (pulumi_aws docs, each resource's "Import" section) and how the live
resource is found — or `NotAdopted` with the reason. tests/pulumi/test_import_entries.py fails
when a kind has neither.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from trainshare.plan import Join, Node, Plan, Ref, Value, build_plan, kinds
from trainshare.plan.build import ORGANIZATION, RAM_SERVICE
from trainshare.snapshot import Association, ResourceShare, Snapshot
from trainshare.spec import Spec

_T = TypeVar("_T")


def pulumi_import_file(
    spec: Spec, snapshot: Snapshot, component: str, pinned: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The `pulumi import --file` document for every node of `spec`'s plan that exists live,
    each with its ID in its kind's format (`IMPORT_ENTRIES`). `pinned` gives the live ID of
    plan nodes known by ID (what `import_snapshot` adopted); the others are matched by name, and
    a name two live objects share adopts neither.
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
    """The live organization, indexed for matching plan nodes; each `ImportEntry`'s `find` is
    one of its methods."""

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

    def match(self, node: Node) -> str | None:
        entry = IMPORT_ENTRIES.get(node.kind)
        if not isinstance(entry, ImportEntry):
            return None
        if node.import_id is not None:  # adopted by the spec itself (an OU or account `id`)
            return node.import_id
        if entry.pinned and node.name in self.pinned:
            return self.pinned[node.name]
        return entry.find(self, node)

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

    def created(self, node: Node) -> str | None:
        """An OU or account without the spec's `id` is one the plan creates: never matched by
        name (one with an `id` is adopted by it, before any `find`)."""
        return None

    def policy(self, node: Node) -> str | None:
        policy = self.policies.get((str(node.inputs["type"]), str(node.inputs["name"])))
        return policy.id if policy is not None else None

    def policy_attachment(self, node: Node) -> str | None:
        policy_id = self.value(node.inputs["policy_id"])
        target = self.value(node.inputs["target_id"])
        policies = self.policies.values()
        attached = any(p.id == policy_id and target in p.targets for p in policies)
        return f"{target}:{policy_id}" if attached else None

    def resource_share(self, node: Node) -> str | None:
        share = self.shares.get((node.account_id or "", node.region, str(node.inputs["name"])))
        return share.arn if share is not None else None

    def resource_association(self, node: Node) -> str | None:
        return self._association(node, "resource_arn", lambda s: s.resources)

    def principal_association(self, node: Node) -> str | None:
        return self._association(node, "principal", lambda s: s.principals)

    def _association(
        self, node: Node, key: str, listed: Callable[[ResourceShare], tuple[Association, ...]]
    ) -> str | None:
        """`shareArn,entity` when the live share holds the entity ASSOCIATED."""
        share_arn = self.value(node.inputs["resource_share_arn"])
        entity = self.value(node.inputs[key])
        live = next((s for s in self.snapshot.shares if s.arn == share_arn), None)
        if live is None or entity is None:
            return None
        present = any(a.entity == entity and a.status == "ASSOCIATED" for a in listed(live))
        return f"{share_arn},{entity}" if present else None

    def sharing_with_organization(self, node: Node) -> str | None:
        snap = self.snapshot
        return snap.management_account if RAM_SERVICE in snap.service_access else None

    def service_access(self, node: Node) -> str | None:
        service = str(node.inputs["service_principal"])
        return service if service in self.snapshot.service_access else None


@dataclass(frozen=True, slots=True)
class ImportEntry:
    """How `pulumi import` adopts one kind."""

    id_format: str  # the import ID, as pulumi_aws's docs write it
    find: Callable[[_Adoption, Node], str | None]  # the live resource's ID; None: not live
    pinned: bool = False  # adopted by the ID `import_snapshot` found (`Imported.adopt`)


@dataclass(frozen=True, slots=True)
class NotAdopted:
    """A kind `trainshare import` never adopts, and why."""

    why: str


_RESOURCE_POLICY = NotAdopted(
    "an imported spec has no policy shares (import describes RAM shares); a policy share's "
    "resource policy is trainshare's whole document, written over the live one once its "
    "keep-policy command has recorded it (plan/commands.py)"
)

IMPORT_ENTRIES: Mapping[str, ImportEntry | NotAdopted] = {
    kinds.ORGANIZATIONAL_UNIT: ImportEntry("OU ID (the spec's `id`)", _Adoption.created),
    kinds.ACCOUNT: ImportEntry("account ID (the spec's `id`)", _Adoption.created),
    kinds.POLICY: ImportEntry("policy ID", _Adoption.policy, pinned=True),
    kinds.POLICY_ATTACHMENT: ImportEntry("target ID:policy ID", _Adoption.policy_attachment),
    kinds.RESOURCE_SHARE: ImportEntry("share ARN", _Adoption.resource_share, pinned=True),
    kinds.RESOURCE_ASSOCIATION: ImportEntry(
        "share ARN,resource ARN", _Adoption.resource_association
    ),
    kinds.PRINCIPAL_ASSOCIATION: ImportEntry(
        "share ARN,principal", _Adoption.principal_association
    ),
    kinds.SHARING_WITH_ORGANIZATION: ImportEntry(
        "management account ID", _Adoption.sharing_with_organization
    ),
    kinds.AWS_SERVICE_ACCESS: ImportEntry("service principal", _Adoption.service_access),
    kinds.ORGANIZATION: NotAdopted(
        "an imported spec reads its existing organization (getOrganization); the organization "
        "resource is in the plan only of a spec that creates one (organization.create: true)"
    ),
    kinds.GET_ORGANIZATION: NotAdopted("a read (an invoke), not a resource of the stack"),
    kinds.PROVIDER: NotAdopted("a provider holds no cloud state"),
    kinds.COMMAND: NotAdopted(
        "a script run on create and delete, not a cloud object; every script is idempotent "
        "(plan/commands.py), so running it where its work is done already changes nothing"
    ),
    **dict.fromkeys(sorted(kinds.RESOURCE_POLICIES), _RESOURCE_POLICY),
}


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
