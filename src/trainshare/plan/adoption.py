"""An import file (`pulumi import --file`'s format, what `trainshare import` writes as
pulumi-import.json) read against a plan: which nodes `OrgSharing(..., adopt=FILE)` imports
instead of creating. The component and `trainshare plan --adopt` read it the same way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from trainshare import inputs
from trainshare.errors import PlanError
from trainshare.plan import kinds
from trainshare.plan.graph import Plan


@dataclass
class Adoption:
    ids: dict[str, str] = field(default_factory=dict)  # plan node name → import ID
    skipped: list[str] = field(default_factory=list)  # listed names that are not in the plan


def read_adoption(
    adopt: str | Path | Mapping[str, Any], plan: Plan, component: str | None = None
) -> Adoption:
    """The nodes of `plan` that `adopt` lists under `component` (default: the file's own
    OrgSharing entry). Refuses a file that is not an import file, or one that lists a node as
    another type: that resource would be imported as the wrong thing."""
    if isinstance(adopt, Mapping):
        document: Any = adopt
    else:
        try:
            document = inputs.read_json(adopt, inputs.IMPORT_FILE)
        except inputs.InputError as exc:
            raise PlanError(f"cannot read the import file {adopt}: {exc}") from None
    entries = document.get("resources") if isinstance(document, Mapping) else None
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise PlanError(
            f"{adopt}: an import file is an object whose `resources` is a list of objects "
            "(`pulumi import --file`'s format); regenerate it with `trainshare import`"
        )
    if component is None:
        owners = [str(e.get("name", "")) for e in entries if e.get("type") == kinds.COMPONENT]
        if len(owners) != 1:
            raise PlanError(
                f"{adopt}: lists {len(owners)} {kinds.COMPONENT} components, not one; "
                "regenerate it with `trainshare import`"
            )
        component = owners[0]
    prefix = f"{component}/"
    found = Adoption()
    for entry in entries:
        name, resource_id = str(entry.get("name", "")), entry.get("id")
        if not name.startswith(prefix) or not resource_id:
            continue  # the component itself, or another program's resource
        node_name = name.removeprefix(prefix)
        if node_name not in plan:
            found.skipped.append(name)
            continue
        if entry.get("type") != plan[node_name].kind:
            raise PlanError(
                f"{adopt}: {name} is listed as {entry.get('type')} but the spec makes it a "
                f"{plan[node_name].kind}; regenerate the file with `trainshare import`"
            )
        found.ids[node_name] = str(resource_id)
    return found


def adopted_plan(plan: Plan, ids: Mapping[str, str]) -> Plan:
    """`plan` with each node `ids` names adopted by that ID, as the component registers it."""
    return Plan(
        tuple(
            replace(node, import_id=ids[node.name])
            if node.name in ids and node.import_id is None
            else node
            for node in plan.nodes
        )
    )
