"""The effective policy of a management policy type (AI services opt-out, tag, EC2 declarative,
backup) for one account: the policies on its path root → OUs → account merged as AWS merges them.

Rules (Organizations user guide, orgs_manage_policies_inheritance_mgmt and its six "Policy
inheritance examples"; AI opt-out syntax page for child control on keys):

- Levels merge from the root down. At a setting (an object holding value operators):
  `@@assign` replaces the inherited value (a list whole), `@@append` adds to an inherited list,
  `@@remove` takes values out of it; a list emptied by `@@remove` leaves the effective policy
  (example 3: `enforced_for` removed, "compliance is not enforced").
- `@@operators_allowed_for_child_policies` limits the value-setting operators of every level
  *below* the one it is attached at (`@@all` the default, `@@none` none). An inherited limit can't
  be widened lower down: limits intersect down the tree, and across the policies attached to one
  target (example 5). On a key that holds keys (`services`, a service, `default`) `@@none` stops
  lower policies adding keys under it (AI opt-out syntax, example 1); trainshare reads any other
  list there as allowing new keys [M: AWS documents only @@none on such keys].
- Policies attached to the same target apply in attachment order and a conflicting `@@assign`
  keeps the first one's value (example 6). Where the order is unknown (Pulumi attaches in
  parallel) the caller passes the spec's order; `Ignored.kind == "conflict"` says where it
  mattered.
- The effective document has no operators: it shows values only, as DescribeEffectivePolicy
  does, and is not itself a policy.

Pure data in, data out: no AWS calls. A level's value operators are applied assign → append →
remove [M: AWS does not document the order of different operators at one level].
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from trainshare.policy.management import CHILD_CONTROL, VALUE_OPERATORS

KeyPath = tuple[str, ...]
_ALL = frozenset(VALUE_OPERATORS)


@dataclass(frozen=True, slots=True)
class Attached:
    """One policy attached to a target: its name and parsed document."""

    name: str
    document: Any


@dataclass(frozen=True, slots=True)
class Level:
    """A target on the account's path (`root`, an OU, the account) and the policies of one type
    attached to it, in attachment order."""

    target: str
    policies: tuple[Attached, ...]


@dataclass(frozen=True, slots=True)
class Ignored:
    """A value operator AWS leaves out of the effective policy, and why.

    kind: `locked` (a policy higher up forbids the operator here) or `conflict` (an earlier
    policy on the same target assigned another value)."""

    policy: str
    target: str
    path: KeyPath
    operator: str
    kind: Literal["locked", "conflict"]
    reason: str

    @property
    def where(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True, slots=True)
class Effective:
    document: dict[str, Any]
    ignored: tuple[Ignored, ...] = ()


@dataclass(slots=True)
class _Limit:
    allowed: frozenset[str]
    by: list[tuple[str, str]] = field(default_factory=list)  # (policy, target)


@dataclass(slots=True)
class _State:
    values: dict[KeyPath, Any] = field(default_factory=dict)  # setting → value, in order
    keys: set[KeyPath] = field(default_factory=set)  # every key path holding a setting
    limits: dict[KeyPath, _Limit] = field(default_factory=dict)

    def copy(self) -> _State:
        return _State(
            dict(self.values),
            set(self.keys),
            {p: _Limit(lim.allowed, list(lim.by)) for p, lim in self.limits.items()},
        )


@dataclass(slots=True)
class _Op:
    policy: str
    operator: str
    operand: Any


@dataclass(slots=True)
class _LevelView:
    """One level's policies folded: per setting its operators in attachment order, per key path
    the child-control lists they hold."""

    ops: dict[KeyPath, list[_Op]] = field(default_factory=dict)
    controls: dict[KeyPath, list[tuple[str, frozenset[str]]]] = field(default_factory=dict)


def operators_allowed(value: Any) -> frozenset[str]:
    """What `@@operators_allowed_for_child_policies: value` lets lower policies use."""
    items = value if isinstance(value, list) else []
    if "@@all" in items:
        return _ALL
    return frozenset(i for i in items if i in _ALL)


def _fold(view: _LevelView, policy: str, node: Any, path: KeyPath) -> None:
    if not isinstance(node, dict):
        return  # not a grammar the linter accepts; nothing to merge
    if CHILD_CONTROL in node:
        allowed = operators_allowed(node[CHILD_CONTROL])
        view.controls.setdefault(path, []).append((policy, allowed))
    if any(k in VALUE_OPERATORS for k in node):
        for operator in VALUE_OPERATORS:
            if operator in node:
                op = _Op(policy, operator, node[operator])
                view.ops.setdefault(path, []).append(op)
        return
    for key, child in node.items():
        if key != CHILD_CONTROL:
            _fold(view, policy, child, (*path, str(key)))


def _describe(limit: _Limit) -> str:
    who = ", ".join(f"{policy!r} on {target}" for policy, target in limit.by)
    allowed = (
        "no operators (@@none)"
        if not limit.allowed
        else "only " + ", ".join(o for o in VALUE_OPERATORS if o in limit.allowed)
    )
    return f"{who} allow{'s' if len(limit.by) == 1 else ''} {allowed} below it"


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


class _Merger:
    def __init__(self, state: _State, level: Level) -> None:
        self.state = state
        self.level = level
        self.ignored: list[Ignored] = []

    def skip(self, op: _Op, path: KeyPath, kind: Literal["locked", "conflict"], why: str) -> None:
        self.ignored.append(Ignored(op.policy, self.level.target, path, op.operator, kind, why))

    def new_key_lock(self, path: KeyPath) -> tuple[KeyPath, _Limit] | None:
        """The limit that forbids adding `path`'s first new key, if one does."""
        if path in self.state.keys:
            return None
        for end in range(len(path) - 1, -1, -1):
            parent = path[:end]
            if end == 0 or parent in self.state.keys:
                limit = self.state.limits.get(parent)
                return (parent, limit) if limit is not None and not limit.allowed else None
        return None

    def apply(self, view: _LevelView) -> None:
        for path, ops in view.ops.items():
            blocked = self.new_key_lock(path)
            if blocked is not None:
                parent, lock = blocked
                for op in ops:
                    where = ".".join(parent) or "the top"
                    self.skip(op, path, "locked", f"no new keys under {where}: {_describe(lock)}")
                continue
            limit = self.state.limits.get(path)
            allowed = [op for op in ops if limit is None or op.operator in limit.allowed]
            for op in ops:
                if limit is not None and op.operator not in limit.allowed:
                    self.skip(op, path, "locked", _describe(limit))
            self.setting(path, allowed)
        self.add_limits(view)

    def setting(self, path: KeyPath, ops: Sequence[_Op]) -> None:
        values = self.state.values
        assigns = [op for op in ops if op.operator == "@@assign"]
        if assigns:
            first = assigns[0]
            for later in assigns[1:]:
                if later.operand != first.operand:
                    why = f"{first.policy!r}, attached to {self.level.target} first, assigned it"
                    self.skip(later, path, "conflict", why)
            values[path] = copy.deepcopy(first.operand)
        for op in ops:
            if op.operator == "@@append":
                current = _as_list(values.get(path))
                values[path] = current + [v for v in _as_list(op.operand) if v not in current]
        for op in ops:
            if op.operator == "@@remove" and path in values:
                gone = _as_list(op.operand)
                kept = [v for v in _as_list(values[path]) if v not in gone]
                if kept:
                    values[path] = kept
                else:
                    del values[path]
        if path in values:
            self.state.keys.update(path[:end] for end in range(1, len(path) + 1))

    def add_limits(self, view: _LevelView) -> None:
        """This level's child-control lists, for the levels below: intersected with each other
        and with what is inherited."""
        for path, controls in view.controls.items():
            limit = self.state.limits.get(path)
            allowed = limit.allowed if limit is not None else _ALL
            by = list(limit.by) if limit is not None else []
            for policy, listed in controls:
                if listed != _ALL:
                    allowed &= listed
                    by.append((policy, self.level.target))
            if by:
                self.state.limits[path] = _Limit(allowed, by)


def _render(values: Mapping[KeyPath, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for path, value in values.items():
        node = document
        for key in path[:-1]:
            child = node.setdefault(key, {})
            if not isinstance(child, dict):  # a key both a setting and a parent: keep the first
                break
            node = child
        else:
            node[path[-1]] = copy.deepcopy(value)
    return document


class EffectiveMerger:
    """Effective policies of many accounts that share parts of their paths: each prefix of
    levels is merged once (`merge` is memoized by the targets whose policies it has seen)."""

    def __init__(self) -> None:
        self._states: dict[tuple[str, ...], tuple[_State, tuple[Ignored, ...]]] = {
            (): (_State(), ())
        }

    def merge(self, levels: Sequence[Level]) -> Effective:
        with_policies = [lv for lv in levels if lv.policies]
        state, ignored = self._state(with_policies)
        return Effective(_render(state.values), ignored)

    def _state(self, levels: Sequence[Level]) -> tuple[_State, tuple[Ignored, ...]]:
        key = tuple(lv.target for lv in levels)
        known = self._states.get(key)
        if known is not None:
            return known
        parent, ignored = self._state(levels[:-1])
        level = levels[-1]
        view = _LevelView()
        for policy in level.policies:
            _fold(view, policy.name, policy.document, ())
        merger = _Merger(parent.copy(), level)
        merger.apply(view)
        answer = (merger.state, (*ignored, *merger.ignored))
        self._states[key] = answer
        return answer


def effective_policy(levels: Sequence[Level]) -> Effective:
    """The effective policy of the account at the end of `levels` (root first)."""
    return EffectiveMerger().merge(levels)
