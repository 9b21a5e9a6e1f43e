"""The plan as a readable tree: grouped by account and Region, every policy document shown."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from trainshare.plan import Mode, Node, Plan, kinds, value_to_json
from trainshare.plan.graph import Join, Ref, Value

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
    return f"{node.account} ({ident}) · {node.region} — {how}"


def _node_lines(node: Node, limits: Mapping[str, int]) -> list[str]:
    sign = "read" if node.mode == Mode.READ else "+"
    head = f"  {sign} {node.name}  [{_short_kind(node.kind)}]"
    flags = [
        f
        for f, on in (("protected", node.protect), ("kept on delete", node.retain_on_delete))
        if on
    ]
    if node.kind == kinds.POLICY:
        size = len(str(node.inputs["content"]))
        flags.append(f"{size:,} / {limits['scp_max_chars']:,} chars")
    if flags:
        head += "  (" + ", ".join(flags) + ")"
    lines = [head]
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


def render_plan(plan: Plan, limits: Mapping[str, int], source: str = "") -> str:
    groups: dict[tuple[str, str], list[Node]] = {}
    for node in plan.nodes:
        if node.kind == kinds.PROVIDER:
            continue
        groups.setdefault((node.account, node.region), []).append(node)
    creates = sum(1 for n in plan.nodes if n.mode == Mode.CREATE and n.kind != kinds.PROVIDER)
    providers = len(plan.of_kind(kinds.PROVIDER))
    title = f"Plan{f' for {source}' if source else ''}: {creates} resources to create"
    lines = [f"{title}, {providers} provider(s), {len(groups)} account/Region group(s)", ""]
    for nodes in groups.values():
        lines.append(_group_title(nodes[0], plan))
        for node in nodes:
            lines += _node_lines(node, limits)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
