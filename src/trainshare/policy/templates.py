"""Render a guardrail template (catalog/guardrails/*.yaml) into a policy document.

A template's document is ordinary policy JSON with three additions, all resolved here:
`{"$param": NAME}` (optionally with `"$prefix"` and `"$suffix"`) stands for a parameter's value,
and a list parameter inside a list is spliced into it; a statement with
`"$when": NAME` is kept only when that bool parameter is true; one with `"$each": NAME` is repeated
for each item of that list parameter, with `${item}` and `${item_sid}` set (in a mapping, its
keys are repeated: a tag policy's `"${item}": {…}` per tag); `${access_role}`,
`${partition}` and string parameters (`${tag_key}`) are replaced in keys and strings. IAM policy
variables such as `${aws:username}` are left as they are. A condition whose values render to an
empty list is dropped, since an empty condition
value list is rejected by AWS.

`${org_id}` is the organization's ID (`o-…`): replaced when the spec names it
(`organization.id`), else left as `ORG_ID_PLACEHOLDER` for the plan to fill in at deploy time
(resource control policies name the organization they fence).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from trainshare.catalog import GuardrailTemplate

ORG_ID_PLACEHOLDER = "${org_id}"
# An organization ID is `o-` and 10 to 32 lowercase letters or digits (Organizations API
# reference, Organization.Id pattern ^o-[a-z0-9]{10,32}$): the longest the placeholder can become.
ORG_ID_MAX_CHARS = 34


def _fits(kind: str, value: Any) -> bool:
    """Whether `value` has the parameter type `kind` (string_list, string or bool)."""
    if kind == "string_list":
        return isinstance(value, list) and all(isinstance(v, str) and v for v in value)
    if kind == "string":
        return isinstance(value, str)
    return isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    param: str
    message: str
    fix: str


def _check_params(template: GuardrailTemplate, params: Mapping[str, Any]) -> list[TemplateProblem]:
    problems = []
    for name in params:
        if name not in template.params:
            known = ", ".join(sorted(template.params)) or "none"
            problems.append(
                TemplateProblem(
                    name,
                    f"template {template.name!r} has no parameter {name!r}",
                    f"use one of: {known}",
                )
            )
    for name, spec in template.params.items():
        if name not in params:
            if spec.required:
                problems.append(
                    TemplateProblem(
                        name,
                        f"parameter {name!r} is required ({spec.description})",
                        f"add params: {{{name}: …}}",
                    )
                )
            continue
        value = params[name]
        if not _fits(spec.type, value):
            problems.append(
                TemplateProblem(
                    name,
                    f"parameter {name!r} must be a {spec.type.replace('_', ' ')}",
                    f"got {value!r}",
                )
            )
    return problems


def _substitute(text: str, context: Mapping[str, str]) -> str:
    for key, value in context.items():
        text = text.replace("${" + key + "}", value)
    return text


def _render(node: Any, values: Mapping[str, Any], context: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        if "$each" in node:  # keys of a mapping, once per item (a tag policy's tag keys)
            body = {k: v for k, v in node.items() if k != "$each"}
            merged: dict[str, Any] = {}
            for item in values[str(node["$each"])]:
                item_context = {**context, "item": item, "item_sid": _sid_part(item)}
                merged.update(_render(body, values, item_context))
            return merged
        if "$param" in node:
            value = values[node["$param"]]
            prefix = _substitute(node.get("$prefix", ""), context)
            suffix = node.get("$suffix", "")
            if isinstance(value, list):
                return [prefix + _substitute(v, context) + suffix for v in value]
            return _render(value, values, context)
        out: dict[str, Any] = {}
        for key, child in node.items():
            rendered = _render(child, values, context)
            if isinstance(rendered, dict) and not rendered and key != "Condition":
                continue  # an operator whose keys were all dropped
            if rendered == []:
                continue  # an empty value list: drop the condition key
            out[_substitute(key, context)] = rendered
        if "Condition" in out and not out["Condition"]:
            del out["Condition"]
        return out
    if isinstance(node, list):
        return [item for child in node for item in _render_item(child, values, context)]
    if isinstance(node, str):
        return _substitute(node, context)
    return node


def _render_item(node: Any, values: Mapping[str, Any], context: Mapping[str, str]) -> list[Any]:
    """A list item: a statement may be conditional (`$when`) or repeated (`$each`)."""
    if not isinstance(node, dict):
        return [_render(node, values, context)]
    if "$param" in node:  # a list parameter splices into the list it stands in
        rendered = _render(node, values, context)
        return rendered if isinstance(rendered, list) else [rendered]
    when, each = node.get("$when"), node.get("$each")
    body = {k: v for k, v in node.items() if k not in ("$when", "$each")}
    if when is not None and not values.get(str(when)):
        return []
    if each is None:
        return [_render(body, values, context)]
    items = values[str(each)]
    return [
        _render(body, values, {**context, "item": item, "item_sid": sid})
        for item, sid in zip(items, _sid_parts(items), strict=True)
    ]


def _sid_part(text: str) -> str:
    """`cost-center` → `CostCenter`: a Sid takes letters and digits only (IAM JSON reference)."""
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[^A-Za-z0-9]+", text))


def _sid_parts(items: list[Any]) -> list[str]:
    """One Sid part per item, unique: items that spell the same (`team`, `team-`) get 2, 3, …
    after the first, since AWS rejects an SCP whose statements share a Sid."""
    parts: list[str] = []
    for item in items:
        part = base = _sid_part(str(item))
        n = 1
        while part in parts:
            n += 1
            part = f"{base}{n}"
        parts.append(part)
    return parts


def render_template(
    template: GuardrailTemplate, params: Mapping[str, Any], context: Mapping[str, str]
) -> tuple[dict[str, Any] | None, list[TemplateProblem]]:
    """The rendered document, or the parameter problems that prevent rendering."""
    problems = _check_params(template, params)
    if problems:
        return None, problems
    values = {name: p.default for name, p in template.params.items()} | dict(params)
    strings = {name: value for name, value in values.items() if isinstance(value, str)}
    document = _render(template.document, values, {**context, **strings})
    return document, []
