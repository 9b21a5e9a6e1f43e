"""What `pulumi up` does to a stack deployed from one plan when it is given another: a pure
comparison of two plans, as typed values (the CLI only prints them; `trainshare diff` builds on
them).

A node of the new plan is the same resource as a node of the old one when it has its name, or
when one of its aliases is the old name (a `renamed_from`). Then:
- an input in the catalog's replace-forcing list (catalog/data/replace_inputs.yaml, from the
  provider schema) that changes → REPLACE, with the reason;
- a move to another provider (another account or Region) → REPLACE;
- any other input that changes → UPDATE (in place);
- inputs the node ignores (`ignore_changes`) never count.
A value known only at deploy time (a Ref to another node) changes when that node is replaced:
the replacement propagates along replace-forcing references (a replaced OU replaces its
attachments). A protected resource that would be replaced or deleted makes `pulumi up` stop;
a resource kept on delete stays in AWS when it leaves the stack.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from trainshare.catalog import replace_rules
from trainshare.plan.graph import Join, Mode, Node, Plan, Ref, Value


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    RENAME = "rename"  # the same resource under a new name (an alias), nothing else changes
    REPLACE = "replace"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class InputChange:
    key: str
    before: Value
    after: Value
    replaces: bool  # replace-forcing for the node's kind


@dataclass(frozen=True, slots=True)
class NodeChange:
    name: str  # the new plan's name (the old one's for a DELETE)
    kind: str
    action: Action
    former_name: str | None = None  # found under an alias: the resource is renamed, kept
    inputs: tuple[InputChange, ...] = ()
    reasons: tuple[str, ...] = ()  # why a REPLACE replaces
    protected: bool = False  # a REPLACE or DELETE of it makes `pulumi up` stop
    kept: bool = False  # a DELETE leaves it in AWS (retain_on_delete)

    @property
    def renamed(self) -> bool:
        return self.former_name is not None


@dataclass(frozen=True)
class PlanChanges:
    changes: tuple[NodeChange, ...]  # new plan's order, then the deletes in the old plan's

    def of(self, action: Action) -> list[NodeChange]:
        return [c for c in self.changes if c.action is action]

    @property
    def renames(self) -> list[NodeChange]:
        return [c for c in self.changes if c.renamed]

    @property
    def blocked(self) -> list[NodeChange]:
        """Replacements and deletes of protected resources: `pulumi up` refuses them."""
        return [c for c in self.changes if c.protected]


def compare_plans(old: Plan, new: Plan) -> PlanChanges:
    """What changes when a stack deployed from `old` is updated to `new`."""
    rules = replace_rules()
    matched: dict[str, str] = {}  # new name → old name
    taken: set[str] = set()  # matched.values(), as a set: a plan has tens of thousands of nodes
    for node in new.nodes:
        if node.mode == Mode.READ:
            continue
        for name in (node.name, *node.aliases):
            if name in old and old[name].mode != Mode.READ and name not in taken:
                matched[node.name] = name
                taken.add(name)
                break
    renamed = {before: after for after, before in matched.items()}
    replaced: set[str] = set()
    out: list[NodeChange] = []
    for node in new.nodes:
        if node.mode == Mode.READ:
            continue
        before_name = matched.get(node.name)
        if before_name is None:
            out.append(NodeChange(node.name, node.kind, Action.CREATE))
            continue
        change = _compare(old[before_name], node, renamed, replaced, rules)
        if change is None:
            continue
        if change.action is Action.REPLACE:
            replaced.add(node.name)
        out.append(change)
    for node in old.nodes:
        if node.mode != Mode.READ and node.name not in renamed:
            out.append(
                NodeChange(
                    node.name,
                    node.kind,
                    Action.DELETE,
                    protected=node.protect,
                    kept=node.retain_on_delete,
                )
            )
    return PlanChanges(tuple(out))


def _compare(
    before: Node,
    after: Node,
    renamed: Mapping[str, str],
    replaced: set[str],
    rules: Mapping[str, Any],
) -> NodeChange | None:
    rule = rules.get(after.kind)
    forcing = set(rule.inputs) if rule else set()
    ignored = {_snake(k) for k in after.ignore_changes}
    inputs: list[InputChange] = []
    reasons: list[str] = []
    for key in sorted(set(before.inputs) | set(after.inputs)):
        if key in ignored:
            continue
        old_value = _renamed(before.inputs.get(key), renamed)
        new_value = after.inputs.get(key)
        stale = [r.node for r in _refs(new_value) if r.node in replaced]
        if old_value == new_value and not stale:
            continue
        replaces = key in forcing
        inputs.append(InputChange(key, old_value, new_value, replaces))
        if replaces:
            why = f"{key} changes"
            if old_value == new_value:
                why = f"{key} is the ID of {', '.join(stale)}, which is replaced"
            reasons.append(f"{why} ({rule.why})" if rule else why)
    before_provider = renamed.get(before.provider or "", before.provider)
    if before_provider != after.provider:
        reasons.append(
            f"it moves to another provider ({before.provider} → {after.provider}): another "
            "account or Region"
        )
    former = before.name if before.name != after.name else None
    if reasons:
        action = Action.REPLACE
    elif inputs:
        action = Action.UPDATE
    elif former is not None:
        action = Action.RENAME
    else:
        return None
    return NodeChange(
        after.name,
        after.kind,
        action,
        former_name=former,
        inputs=tuple(inputs),
        reasons=tuple(reasons),
        protected=action is Action.REPLACE and (before.protect or after.protect),
    )


def _renamed(value: Any, renamed: Mapping[str, str]) -> Any:
    """An old plan's value with node names as the new plan says them."""
    if isinstance(value, Ref):
        return Ref(renamed.get(value.node, value.node), value.attr)
    if isinstance(value, Join):
        return Join(tuple(_renamed(p, renamed) for p in value.parts))
    if isinstance(value, Mapping):
        return {k: _renamed(v, renamed) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_renamed(v, renamed) for v in value]
    return value


def _refs(value: Any) -> list[Ref]:
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, Join):
        return [p for p in value.parts if isinstance(p, Ref)]
    if isinstance(value, Mapping):
        return [r for v in value.values() for r in _refs(v)]
    if isinstance(value, list | tuple):
        return [r for v in value for r in _refs(v)]
    return []


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
