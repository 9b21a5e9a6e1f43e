"""`plan --against OLD`: what `pulumi up` does to the stack deployed from the old spec."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from trainshare.diff.jsondiff import json_diff, parse
from trainshare.plan import value_to_json
from trainshare.plan.changes import Action, NodeChange, PlanChanges
from trainshare.plan.graph import Join

_SIGNS = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.RENAME: "→",
    Action.REPLACE: "±",
    Action.DELETE: "-",
}


def _short(value: Any) -> str:
    text = json.dumps(value_to_json(value), ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _document(value: Any) -> Any | None:
    """A policy document an input holds (its text, or a Join of text and IDs known at deploy
    time, shown as `${node.attr}`), parsed; None for anything else."""
    if isinstance(value, str | Join):
        return parse(str(value))
    return None


def _lines(change: NodeChange, documents: bool = False) -> list[str]:
    kind = change.kind.rsplit(":", 1)[-1]
    head = f"  {_SIGNS[change.action]} {change.name}  [{kind}]"
    if change.former_name:
        head += f"  (was {change.former_name})"
    if change.protected:
        head += "  PROTECTED: pulumi up stops here"
    if change.kept:
        head += "  (kept in AWS: retain_on_delete)"
    lines = [head]
    lines += [f"      because {reason}" for reason in change.reasons]
    for item in change.inputs:
        mark = " (replaces)" if item.replaces else ""
        before, after = item.before, item.after
        was, now = (_document(before), _document(after)) if documents else (None, None)
        if was is not None and now is not None:  # a policy document: its JSON diff
            lines.append(f"      {item.key}{mark}:")
            lines += [f"        {d.render()}" for d in json_diff(was, now)]
            continue
        if isinstance(before, Mapping) and isinstance(after, Mapping):
            for sub in sorted(set(before) | set(after)):  # only the entries that change
                if before.get(sub) != after.get(sub):
                    old, new = _short(before.get(sub)), _short(after.get(sub))
                    lines.append(f"      {item.key}.{sub}{mark}: {old} → {new}")
            continue
        lines.append(f"      {item.key}{mark}: {_short(before)} → {_short(after)}")
    return lines


def render_changes(changes: PlanChanges, old: str, new: str, documents: bool = False) -> str:
    """`documents`: show the policy documents that change as a JSON diff (`trainshare
    diff`), else each value before and after, shortened."""
    counts = ", ".join(
        f"{len(changes.of(action))} to {action.value}" for action in Action if changes.of(action)
    )
    lines = [f"Changes from {old} to {new}: {counts or 'none'}"]
    if changes.blocked:
        lines.append(
            f"{len(changes.blocked)} protected resource(s) would be replaced or deleted: "
            "pulumi up refuses"
        )
    lines.append("")
    for action in (Action.REPLACE, Action.DELETE, Action.CREATE, Action.UPDATE, Action.RENAME):
        for change in changes.of(action):
            lines += _lines(change, documents)
    return "\n".join(lines).rstrip() + "\n"


def changes_to_json(changes: PlanChanges) -> dict[str, Any]:
    return {
        "changes": [
            {
                "name": c.name,
                "kind": c.kind,
                "action": c.action.value,
                "former_name": c.former_name,
                "protected": c.protected,
                "kept": c.kept,
                "reasons": list(c.reasons),
                "inputs": [
                    {
                        "key": i.key,
                        "before": value_to_json(i.before),
                        "after": value_to_json(i.after),
                        "replaces": i.replaces,
                    }
                    for i in c.inputs
                ],
            }
            for c in changes.changes
        ]
    }
