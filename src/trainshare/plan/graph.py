"""The desired-state graph: nodes, and the values that refer to other nodes.

Pure data. The Pulumi component turns a `Ref` into the Output of the node it names, a `Join` into
`Output.concat`; `plan --format json` prints them as `{"$ref": …, "$attr": …}` and `{"$join": […]}`.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from trainshare.errors import PlanError

_ATTR_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


@dataclass(frozen=True, slots=True)
class Ref:
    """An output of another node: `Ref("organization", "roots[0].id")`."""

    node: str
    attr: str

    def path(self) -> tuple[str | int, ...]:
        """`roots[0].id` → ("roots", 0, "id")."""
        return tuple(name if name else int(index) for name, index in _ATTR_PART.findall(self.attr))

    def __str__(self) -> str:
        return f"{self.node}.{self.attr}"


@dataclass(frozen=True, slots=True)
class Join:
    """A string built from literals and refs, e.g. an OU ARN that needs the org's ID."""

    parts: tuple[str | Ref, ...]

    def __str__(self) -> str:
        return "".join(p if isinstance(p, str) else "${" + str(p) + "}" for p in self.parts)


Value = Union[str, int, bool, None, Ref, Join, list["Value"], dict[str, "Value"]]  # noqa: UP007


class Mode:
    CREATE = "create"  # a resource Pulumi manages
    READ = "read"  # an invoke (data source): read at deploy time, never changed


@dataclass(frozen=True, slots=True)
class Node:
    kind: str  # Pulumi type token, or the invoke token for mode READ
    name: str  # stable logical name, from spec keys
    account: str  # account key, or "management"
    account_id: str | None  # None for an account trainshare creates
    region: str
    inputs: Mapping[str, Value]
    depends_on: tuple[str, ...] = ()
    # Registered only once these nodes exist, without depending on them: an ordering AWS needs
    # (at most 5 CreateAccount in flight), not a relationship for Pulumi to record. A chain of
    # real dependencies would also cost Pulumi's cycle check O(length²) per link.
    waits_for: tuple[str, ...] = ()
    provider: str | None = None  # name of the provider node it uses
    mode: str = Mode.CREATE
    protect: bool = False
    retain_on_delete: bool = False
    ignore_changes: tuple[str, ...] = ()
    # Adopted, not created: the ID of the live resource, imported on the first `pulumi up`
    # (Pulumi's `import` resource option; ignored once the resource is in the stack).
    import_id: str | None = None
    # Earlier logical names of this node: Pulumi keeps the resource when its name changes.
    aliases: tuple[str, ...] = ()
    # What `plan` says of it beyond its inputs (an interruptible reservation shared, …)
    note: str = ""

    def refs(self) -> Iterator[Ref]:
        """Every Ref in the inputs (the implicit dependencies)."""
        yield from refs_in(self.inputs)

    def dependencies(self) -> tuple[str, ...]:
        """Explicit and implicit dependencies, and the provider, in a stable order."""
        implied = [r.node for r in self.refs()]
        provider = [self.provider] if self.provider else []
        return tuple(dict.fromkeys([*provider, *implied, *self.depends_on]))


def refs_in(value: Any) -> Iterator[Ref]:
    """Every Ref inside a value (nested lists, mappings and Joins)."""
    if isinstance(value, str):
        return  # most values: nothing inside
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, Join):
        yield from (p for p in value.parts if isinstance(p, Ref))
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from refs_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from refs_in(item)


@dataclass(frozen=True)
class Plan:
    """Nodes in dependency order: every node comes after all it depends on."""

    nodes: tuple[Node, ...]
    _by_name: dict[str, Node] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {n.name: n for n in self.nodes}
        if len(by_name) != len(self.nodes):
            raise _duplicate_name(self.nodes)
        object.__setattr__(self, "_by_name", by_name)

    def __getitem__(self, name: str) -> Node:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __len__(self) -> int:
        return len(self.nodes)

    def of_kind(self, kind: str) -> list[Node]:
        return [n for n in self.nodes if n.kind == kind]


def in_dependency_order(nodes: list[Node]) -> tuple[Node, ...]:
    """`nodes` reordered so that each comes after everything it depends on, otherwise keeping
    the order given (a stable topological sort: O(N log N + E)). A dependency on a name that
    is not among `nodes` is ignored; a cycle is a PlanError naming a node on it."""
    index = {node.name: i for i, node in enumerate(nodes)}
    waiting = [0] * len(nodes)
    dependents: list[list[int]] = [[] for _ in nodes]
    for i, node in enumerate(nodes):
        for name in dict.fromkeys((*node.dependencies(), *node.waits_for)):
            j = index.get(name)
            if j is not None:
                waiting[i] += 1
                dependents[j].append(i)
    ready = [i for i, count in enumerate(waiting) if count == 0]
    heapq.heapify(ready)
    out: list[Node] = []
    while ready:
        i = heapq.heappop(ready)
        out.append(nodes[i])
        for k in dependents[i]:
            waiting[k] -= 1
            if waiting[k] == 0:
                heapq.heappush(ready, k)
    if len(out) != len(nodes):
        stuck = next(node.name for i, node in enumerate(nodes) if waiting[i])
        raise PlanError(f"{stuck}: its dependencies form a cycle")
    return tuple(out)


def _duplicate_name(nodes: tuple[Node, ...]) -> PlanError:
    """Two nodes under one logical name would be one Pulumi URN: `pulumi up` rejects the
    second registration, so the plan refuses it first, naming both."""
    seen: dict[str, Node] = {}
    for node in nodes:
        first = seen.setdefault(node.name, node)
        if first is not node:
            break
    return PlanError(
        f"two resources would have the logical name {node.name!r}: {describe(first)} and "
        f"{describe(node)}; rename one of the spec entries that make them"
    )


def describe(node: Node) -> str:
    """`aws:ecr/repositoryPolicy:RepositoryPolicy in shared-services (222222222222) us-east-1`."""
    ident = f" ({node.account_id})" if node.account_id else ""
    return f"{node.kind} in {node.account}{ident} {node.region}"


def value_to_json(value: Value) -> Any:
    if isinstance(value, Ref):
        return {"$ref": value.node, "$attr": value.attr}
    if isinstance(value, Join):
        return {"$join": [value_to_json(p) for p in value.parts]}
    if isinstance(value, Mapping):
        return {k: value_to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [value_to_json(v) for v in value]
    return value


def node_to_json(node: Node) -> dict[str, Any]:
    note = {"note": node.note} if node.note else {}
    return {
        **note,
        "kind": node.kind,
        "name": node.name,
        "mode": node.mode,
        "account": node.account,
        "account_id": node.account_id,
        "region": node.region,
        "provider": node.provider,
        "inputs": value_to_json(dict(node.inputs)),
        "depends_on": list(node.dependencies()),
        "waits_for": list(node.waits_for),
        "options": {
            "protect": node.protect,
            "retain_on_delete": node.retain_on_delete,
            "ignore_changes": list(node.ignore_changes),
            "import": node.import_id,
            "aliases": list(node.aliases),
        },
    }


def plan_to_json(plan: Plan) -> dict[str, Any]:
    return {"resources": [node_to_json(n) for n in plan.nodes]}
