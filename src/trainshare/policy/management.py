"""Management policy types (AI services opt-out, tag, EC2 declarative, backup): their grammar.

These are not IAM documents. Each starts with one fixed key and sets values with inheritance
operators (`@@assign`, `@@append`, `@@remove`) while `@@operators_allowed_for_child_policies`
limits what policies lower in the tree may do (Organizations user guide,
orgs_manage_policies_inheritance_mgmt). The keys each type accepts are data
(catalog/policy_syntax/<type>.yaml, described in its README); this module walks a document
against that tree. What the tree cannot say is a small rule per type (`TYPE_RULES`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from trainshare.catalog import PolicyType, finding
from trainshare.findings import Finding, Location
from trainshare.policy.document import minify
from trainshare.yamlsource import Path_

CHILD_CONTROL = "@@operators_allowed_for_child_policies"
VALUE_OPERATORS = ("@@assign", "@@append", "@@remove")
_LIST_ONLY = ("@@append", "@@remove")
ACCOUNT_VARIABLE = "$account"


@dataclass(frozen=True, slots=True)
class _Where:
    source: str
    lines: Mapping[Path_, int]

    def at(self, path: Path_) -> Location:
        line = None
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                break
        return Location(self.source, line, path=_dotted(path))


def _dotted(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


class _Walker:
    def __init__(self, ptype: PolicyType, where: _Where) -> None:
        assert ptype.management_syntax is not None
        self.ptype = ptype
        self.syntax = ptype.management_syntax
        self.where = where
        self.findings: list[Finding] = []

    def add(self, code: str, path: Path_, message: str) -> None:
        self.findings.append(finding(code, self.where.at(path), message))

    def run(self, document: Any) -> list[Finding]:
        if not isinstance(document, dict):
            self.add(
                "MGMT_POLICY_STRUCTURE",
                (),
                f"a {self.ptype.title} is a JSON object starting with {self.syntax.top!r}",
            )
            return self.findings
        self.node(document, self.syntax.schema, ())
        return self.findings

    # -- the key tree -------------------------------------------------------------------------

    def node(self, value: Any, schema: Mapping[str, Any], path: Path_) -> None:
        if "$leaf" in schema:
            self.leaf(value, schema, path)
            return
        if not isinstance(value, dict):
            self.add(
                "MGMT_POLICY_STRUCTURE",
                path,
                f"must be an object of keys, got {_kind(value)}",
            )
            return
        children = {k: v for k, v in value.items() if k != CHILD_CONTROL}
        if CHILD_CONTROL in value:
            self.child_control(value[CHILD_CONTROL], (*path, CHILD_CONTROL))
        limit = schema.get("$max_keys")
        if limit is not None and len(children) > int(limit):
            self.add(
                "MGMT_POLICY_VALUE",
                path,
                f"{len(children)} entries; AWS accepts at most {limit}",
            )
        for key, child in children.items():
            self.key(str(key), child, schema, (*path, str(key)))

    def key(self, key: str, value: Any, schema: Mapping[str, Any], path: Path_) -> None:
        if key.startswith("@@"):
            self.add(
                "MGMT_POLICY_OPERATOR",
                path,
                f"{key} sets a value, but {_dotted(path[:-1]) or 'the top'} holds keys, not a "
                "value",
            )
            return
        if key in schema and not key.startswith("$"):
            self.node(value, schema[key], path)
            return
        if "$any" in schema:
            self.any_key(key, value, schema, path)
            return
        known = ", ".join(k for k in schema if not k.startswith("$"))
        severity_code = (
            "MGMT_POLICY_KEY_NOT_LISTED"
            if schema.get("$unknown") == "warning"
            else "MGMT_POLICY_UNKNOWN_KEY"
        )
        self.add(
            severity_code,
            path,
            f"{key!r} is not a key of a {self.ptype.title} here (known: {known}; grammar "
            f"checked {self.syntax.checked})",
        )

    def any_key(self, key: str, value: Any, schema: Mapping[str, Any], path: Path_) -> None:
        name = schema.get("$any_name", "key")
        pattern = schema.get("$key_pattern")
        if pattern is not None and not re.fullmatch(str(pattern), key):
            self.add("MGMT_POLICY_UNKNOWN_KEY", path, f"{key!r} is not a valid {name}")
            return
        known = schema.get("$known")
        if known is not None and key not in known:
            close = [k for k in known if k.lower() == key.lower()]
            if close:
                self.add(
                    "MGMT_POLICY_UNKNOWN_KEY",
                    path,
                    f"{key!r}: AWS spells this {name} {close[0]!r} (keys are case-sensitive)",
                )
                return
            self.add(
                "MGMT_POLICY_KEY_NOT_LISTED",
                path,
                f"{key!r} is not among the {name}s AWS listed as of "
                f"{schema.get('$known_checked', self.syntax.checked)}",
            )
        self.node(value, schema["$any"], path)

    def child_control(self, value: Any, path: Path_) -> None:
        allowed = self.syntax.child_control
        if not isinstance(value, list) or not value:
            self.add(
                "MGMT_POLICY_OPERATOR",
                path,
                f"must be a non-empty list of {', '.join(allowed)}",
            )
            return
        for item in value:
            if item not in allowed:
                self.add(
                    "MGMT_POLICY_OPERATOR",
                    path,
                    f"{item!r} is not allowed here; a {self.ptype.title} accepts "
                    f"{', '.join(allowed)}",
                )
        if len(value) > 1 and ("@@none" in value or "@@all" in value):
            self.add(
                "MGMT_POLICY_OPERATOR",
                path,
                "@@none and @@all stand alone; list either one of them or the operators allowed",
            )

    # -- values -------------------------------------------------------------------------------

    def leaf(self, value: Any, schema: Mapping[str, Any], path: Path_) -> None:
        if not isinstance(value, dict) or not value:
            self.add(
                "MGMT_POLICY_STRUCTURE",
                path,
                f'takes an operator object such as {{"@@assign": …}}, got {_kind(value)}',
            )
            return
        kind = str(schema["$leaf"])
        default = VALUE_OPERATORS if kind == "strings" else ("@@assign",)
        allowed = tuple(schema.get("$operators", default))
        for operator, operand in value.items():
            at = (*path, str(operator))
            if operator == CHILD_CONTROL:
                self.child_control(operand, at)
                continue
            if operator not in VALUE_OPERATORS:
                self.add(
                    "MGMT_POLICY_OPERATOR",
                    at,
                    f"{operator!r} is not an inheritance operator (use {', '.join(allowed)})",
                )
                continue
            if operator not in allowed:
                why = "it holds one value" if operator in _LIST_ONLY else "AWS allows only"
                self.add(
                    "MGMT_POLICY_OPERATOR",
                    at,
                    f"{operator} is not allowed here ({why}: {', '.join(allowed)})",
                )
                continue
            self.operand(operand, schema, at)

    def operand(self, value: Any, schema: Mapping[str, Any], path: Path_) -> None:
        kind = str(schema["$leaf"])
        if kind == "strings":
            items = value if isinstance(value, list) else None
            if items is None or not all(isinstance(i, str) for i in items):
                self.add(
                    "MGMT_POLICY_VALUE", path, f"must be a list of strings, got {_kind(value)}"
                )
                return
            for index, item in enumerate(items):
                self.scalar(item, "string", schema, (*path, index))
            return
        self.scalar(value, kind, schema, path)

    def scalar(self, value: Any, kind: str, schema: Mapping[str, Any], path: Path_) -> None:
        problem = _scalar_problem(value, kind, schema)
        if problem:
            self.add("MGMT_POLICY_VALUE", path, problem)
            return
        if (
            isinstance(value, str)
            and ACCOUNT_VARIABLE in value
            and not schema.get("$account_variable")
        ):
            self.add(
                "MGMT_POLICY_VALUE",
                path,
                f"{ACCOUNT_VARIABLE} is replaced only in ARN elements of a {self.ptype.title}; "
                "here it stays as typed",
            )


def _scalar_problem(value: Any, kind: str, schema: Mapping[str, Any]) -> str | None:
    if kind == "enum":
        values = [str(v) for v in schema["$values"]]
        if value in values:
            return None
        close = [v for v in values if isinstance(value, str) and v.lower() == value.lower()]
        if close:
            return f"{value!r} must be written {close[0]!r} (values are case-sensitive)"
        return f"{value!r} is not one of {', '.join(values)}"
    if kind == "integer":
        number = _integer(value)
        if number is None:
            return f"must be a whole number, got {value!r}"
        low, high = schema.get("$min"), schema.get("$max")
        if (low is not None and number < int(low)) or (high is not None and number > int(high)):
            bounds = f"{low if low is not None else '…'} to {high if high is not None else '…'}"
            return f"{number} is outside {bounds}"
        return None
    if kind == "boolean":
        ok = isinstance(value, bool) or value in ("true", "false")
        return None if ok else f'must be true or false (or "true"/"false"), got {value!r}'
    if not isinstance(value, str):
        return f"must be a string, got {_kind(value)}"
    allowed = schema.get("$values")
    if allowed is not None and value not in allowed:
        return f"{value!r} is not one of {', '.join(map(str, allowed))}"
    pattern = schema.get("$pattern")
    if pattern is not None and not re.fullmatch(str(pattern), value):
        return f"{value!r} is not in the form AWS accepts here"
    return None


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,12}", value):
        return int(value)
    return None


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else "null"
    )


# -- what the key tree cannot say, per type --------------------------------------------------


def _tag_rules(document: Mapping[str, Any], walker: _Walker) -> None:
    """Tag policies (orgs_manage_policies_tag-policies-syntax): the policy key and the
    `tag_key` it assigns name the same tag, ignoring case; a tag value holds at most one `*`."""
    tags = document.get("tags")
    if not isinstance(tags, dict):
        return
    for key, body in tags.items():
        if not isinstance(body, dict):
            continue
        tag_key = body.get("tag_key")
        assigned = tag_key.get("@@assign") if isinstance(tag_key, dict) else None
        if isinstance(assigned, str) and assigned.lower() != str(key).lower():
            walker.add(
                "TAG_POLICY_KEY_MISMATCH",
                ("tags", str(key), "tag_key", "@@assign"),
                f"tag_key {assigned!r} differs from its policy key {key!r}; they must be the "
                "same tag, ignoring case",
            )
        values = body.get("tag_value")
        for operator, operand in values.items() if isinstance(values, dict) else ():
            for index, item in enumerate(operand if isinstance(operand, list) else []):
                if isinstance(item, str) and item.count("*") > 1:
                    walker.add(
                        "TAG_POLICY_WILDCARD",
                        ("tags", str(key), "tag_value", str(operator), index),
                        f"{item!r} has {item.count('*')} wildcards; a tag value may hold one",
                    )


TYPE_RULES: Mapping[str, Callable[[Mapping[str, Any], _Walker], None]] = {
    "tag": _tag_rules,
}


def lint_management_policy(
    document: Any,
    ptype: PolicyType,
    source: str = "(policy)",
    lines: Mapping[Path_, int] | None = None,
    max_chars: int | None = None,
) -> list[Finding]:
    """Every finding for one parsed management policy: its grammar, the type's own rules, and
    its size (the minified document, as trainshare uploads it)."""
    walker = _Walker(ptype, _Where(source, lines or {}))
    findings = walker.run(document)
    rules = TYPE_RULES.get(ptype.key)
    if rules is not None and isinstance(document, dict):
        rules(document, walker)
    if max_chars is not None:
        findings += size_findings(len(minify(document)), max_chars, ptype, source)
    return findings


def size_findings(size: int, limit: int, ptype: PolicyType, source: str) -> list[Finding]:
    """Over the type's size limit (an error), or over 90% of it (a warning)."""
    if size > limit:
        return [
            finding(
                "POLICY_TOO_LARGE",
                Location(source),
                f"the minified {ptype.title} is {size:,} characters; the limit is {limit:,}",
            )
        ]
    if size > 0.9 * limit:
        return [
            finding(
                "POLICY_NEAR_SIZE_LIMIT",
                Location(source),
                f"the minified {ptype.title} is {size:,} of {limit:,} characters "
                f"({size / limit:.0%})",
            )
        ]
    return []


def ai_opt_out_document(services: str | list[str]) -> dict[str, Any]:
    """The AI services opt-out policy of the one-line form `ai_services_opt_out: all` (every AI
    service, including future ones, opted out and locked below: the syntax page's first example)
    or `ai_services_opt_out: [rekognition, lex]` (those services opted out)."""
    lock = {CHILD_CONTROL: ["@@none"]}
    if services == "all":
        return {
            "services": {
                **lock,
                "default": {**lock, "opt_out_policy": {**lock, "@@assign": "optOut"}},
            }
        }
    return {"services": {name: {"opt_out_policy": {"@@assign": "optOut"}} for name in services}}
