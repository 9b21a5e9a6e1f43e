"""Adoption into Pulumi: the live resources an imported spec's plan describes, as `pulumi import
--file` names them (logical names `<component>/<plan node name>`, parent the component)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, TypeVar

from trainshare.plan import Join, Node, Plan, Ref, Value, build_plan, kinds
from trainshare.plan.build import ORGANIZATION, RAM_SERVICE
from trainshare.snapshot import Snapshot
from trainshare.spec import Spec

_T = TypeVar("_T")


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
