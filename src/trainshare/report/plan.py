"""The plan as a readable tree: grouped by account and Region, every policy document shown.

`+` a resource to create, `=` one adopted by ID (imported, not created), `read` an invoke. Given
the live organization (an audit snapshot), an adopted account that `pulumi up` will move says
so: `~ move from ou-… (old/path) to new/path`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from trainshare.catalog import load_catalog
from trainshare.plan import Mode, Node, Plan, kinds, value_to_json
from trainshare.plan.graph import Join, Ref, Value
from trainshare.plan.names import account_node
from trainshare.snapshot import Snapshot
from trainshare.spec import ROOT, Spec

_INDENT = "    "


def _short_kind(kind: str) -> str:
    return "Provider" if kind == kinds.PROVIDER else kind.rsplit(":", 1)[-1]


def _show(value: Value) -> str:
    if isinstance(value, Ref | Join):
        return f"← {value}"  # known at deploy time
    return json.dumps(value_to_json(value), ensure_ascii=False)


def _group_title(node: Node, plan: Plan) -> str:
    ident = node.account_id or "(new account)"
    provider = plan[node.provider] if node.provider else None
    how = "the stack's credentials"
    if provider is not None and "assume_roles" in provider.inputs:
        roles: Any = provider.inputs["assume_roles"]
        how = f"assumes {roles[0]['role_arn']}"
    environment = node.inputs.get("environment")
    if node.kind == kinds.COMMAND and isinstance(environment, Mapping):
        role = environment.get("TRAINSHARE_ROLE_ARN")
        if role:  # a command assumes the account's role itself (trainshare.plan.commands)
            how = f"assumes {role}"
    return f"{node.account} ({ident}) · {node.region} — {how}"


def moves(spec: Spec, live: Snapshot) -> dict[str, str]:
    """Adopted account node → `from <live parent> to <unit>`, for each adopted account whose
    live parent is not the one the spec gives it (`pulumi up` moves it)."""
    names = {u.id: u for u in live.units}
    paths: dict[str, str] = {live.root_id: ROOT}

    def path(parent_id: str) -> str:
        if parent_id not in paths:
            unit = names.get(parent_id)
            if unit is None:
                return "unknown"
            above = path(unit.parent_id)
            paths[parent_id] = unit.name if above == ROOT else f"{above}/{unit.name}"
        return paths[parent_id]

    parents = {a.id: a.parent_id for a in live.accounts}
    found: dict[str, str] = {}
    for key, account in spec.accounts.items():
        if not account.adopted or account.id not in parents:
            continue
        unit = spec.units.get(account.unit)
        want = live.root_id if account.unit == ROOT else (unit.id if unit else None)
        current = parents[account.id or ""]
        if want != current:
            found[account_node(key)] = f"from {current} ({path(current)}) to {account.unit}"
    return found


def _node_lines(node: Node, limits: Mapping[str, int], move: str | None = None) -> list[str]:
    sign = "read" if node.mode == Mode.READ else "=" if node.import_id else "+"
    head = f"  {sign} {node.name}  [{_short_kind(node.kind)}]"
    flags = [f"adopt {node.import_id}"] if node.import_id else []
    flags += [
        f
        for f, on in (("protected", node.protect), ("kept on delete", node.retain_on_delete))
        if on
    ]
    if node.kind == kinds.POLICY:
        size = len(str(node.inputs["content"]))
        ptype = load_catalog().policy_type(str(node.inputs.get("type")))
        limit = limits[ptype.max_chars] if ptype is not None else limits["scp_max_chars"]
        flags.append(f"{size:,} / {limit:,} chars")
    if flags:
        head += "  (" + ", ".join(flags) + ")"
    lines = [head]
    if node.note:
        lines.append(f"{_INDENT}note: {node.note}")
    if move is not None:
        lines.append(f"{_INDENT}~ move {move}")
    environment = node.inputs.get("environment")
    if node.kind == kinds.COMMAND and isinstance(environment, Mapping):
        # a fixed script (trainshare.plan.commands): what it does is its action and variables
        lines.append(f"{_INDENT}runs: {environment.get('TRAINSHARE_ACTION')}")
        lines += [
            f"{_INDENT}{key} = {_show(value)}"
            for key, value in environment.items()
            if key != "TRAINSHARE_ACTION" and value not in ("", None)
        ]
        return lines + _order_lines(node)
    for key, value in node.inputs.items():
        document = key == "content" or (
            node.kind in kinds.RESOURCE_POLICIES and key in ("policy", "resource_policy")
        )
        if document:
            # refs show as ${node.attr} inside the JSON strings: still JSON, and readable
            pretty = json.dumps(json.loads(str(value)), indent=2, ensure_ascii=False)
            known = " (IDs in ${…} are known at deploy time)" if isinstance(value, Join) else ""
            lines.append(f"{_INDENT}{key} ={known}")
            lines += [f"{_INDENT}  {line}" for line in pretty.splitlines()]
        else:
            lines.append(f"{_INDENT}{key} = {_show(value)}")
    return lines + _order_lines(node)


def _order_lines(node: Node) -> list[str]:
    lines = []
    if node.depends_on:
        lines.append(f"{_INDENT}after: {', '.join(node.depends_on)}")
    if node.waits_for:
        lines.append(f"{_INDENT}created once these exist: {', '.join(node.waits_for)}")
    return lines


def render_plan(
    plan: Plan,
    limits: Mapping[str, int],
    source: str = "",
    moved: Mapping[str, str] | None = None,
) -> str:
    """`moved`: what `moves()` finds against the live organization, if it was read."""
    groups: dict[tuple[str, str], list[Node]] = {}
    for node in plan.nodes:
        if node.kind == kinds.PROVIDER:
            continue
        groups.setdefault((node.account, node.region), []).append(node)
    managed = [n for n in plan.nodes if n.mode == Mode.CREATE and n.kind != kinds.PROVIDER]
    adopts = sum(1 for n in managed if n.import_id)
    title = f"Plan{f' for {source}' if source else ''}: {len(managed) - adopts} resources to create"
    if adopts:
        title += f", {adopts} to adopt"
    if moved:
        title += f", {len(moved)} account(s) to move"
    providers = len(plan.of_kind(kinds.PROVIDER))
    lines = [f"{title}, {providers} provider(s), {len(groups)} account/Region group(s)", ""]
    for nodes in groups.values():
        lines.append(_group_title(nodes[0], plan))
        for node in nodes:
            lines += _node_lines(node, limits, (moved or {}).get(node.name))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
