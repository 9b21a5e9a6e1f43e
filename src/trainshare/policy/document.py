"""Policy documents as data: parse, minify and check the grammar AWS enforces at upload.

Organizations stores an SCP verbatim, whitespace included, and the size limit applies to what is
sent (Organizations quotas page; CfCT #75): `minify` is what trainshare uploads and measures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from trainshare.inputs import InputError, load_json

_VERSIONS = ("2012-10-17", "2008-10-17")
_EFFECTS = ("Allow", "Deny")
_STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
        "Principal",
        "NotPrincipal",
    }
)


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """A structural problem; `where` is a JSON path such as `Statement[1].Effect`."""

    where: str
    message: str
    fix: str


def parse_policy(text: str) -> tuple[dict[str, Any] | None, list[PolicyProblem]]:
    """Parse JSON text into a document; a syntax error is a problem, never an exception. Strict
    JSON (`inputs.load_json`): NaN, Infinity, huge numbers and deep nesting are problems too."""
    try:
        value = load_json(text, "policy")
    except InputError as exc:
        where = f"line {exc.line}" if exc.line is not None else "(document)"
        if exc.column is not None:
            where += f" column {exc.column}"
        message = exc.message.replace("not JSON:", "not valid JSON:", 1)
        return None, [PolicyProblem(where=where, message=message, fix=exc.fix)]
    if not isinstance(value, dict):
        return None, [
            PolicyProblem("(document)", "a policy must be a JSON object", 'write {"Version": …}')
        ]
    return value, []


def minify(document: Any) -> str:
    """The compact JSON AWS receives: no insignificant whitespace, key order kept."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def _statements(document: dict[str, Any]) -> tuple[list[Any], list[PolicyProblem]]:
    raw = document.get("Statement")
    if raw is None:
        return [], [PolicyProblem("Statement", "missing", 'add "Statement": [ … ]')]
    items = [raw] if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not items:
        return [], [
            PolicyProblem("Statement", "must be an object or a non-empty list", "add a statement")
        ]
    return items, []


def _strings(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def check_scp_structure(document: dict[str, Any]) -> list[PolicyProblem]:
    """The grammar of an SCP (Organizations user guide, orgs_reference_scp_syntax).

    Assumption: only what AWS rejects at upload is checked here; semantics (unknown actions,
    condition keys) belong to the linter.
    """
    problems: list[PolicyProblem] = []
    version = document.get("Version")
    if version not in _VERSIONS:
        problems.append(
            PolicyProblem(
                "Version",
                f"must be {_VERSIONS[0]!r}, got {version!r}",
                f'set "Version": "{_VERSIONS[0]}"',
            )
        )
    for key in document:
        if key not in ("Version", "Statement", "Id"):
            problems.append(
                PolicyProblem(key, "unknown top-level element", "keep Version, Id and Statement")
            )
    statements, found = _statements(document)
    problems += found
    for index, stmt in enumerate(statements):
        where = f"Statement[{index}]"
        if not isinstance(stmt, dict):
            problems.append(PolicyProblem(where, "must be an object", 'write { "Effect": … }'))
            continue
        problems += _check_statement(where, stmt)
    return problems


def _check_statement(where: str, stmt: dict[str, Any]) -> list[PolicyProblem]:
    problems = [
        PolicyProblem(
            f"{where}.{key}",
            "unknown statement element",
            "use Sid, Effect, Action/NotAction, Resource/NotResource, Condition",
        )
        for key in stmt
        if key not in _STATEMENT_KEYS
    ]
    problems += [
        PolicyProblem(
            f"{where}.{key}",
            "not allowed in a service control policy",
            "an SCP applies to every principal of the accounts it targets: remove it",
        )
        for key in ("Principal", "NotPrincipal")
        if key in stmt
    ]
    if stmt.get("Effect") not in _EFFECTS:
        problems.append(
            PolicyProblem(
                f"{where}.Effect",
                f"must be Allow or Deny, got {stmt.get('Effect')!r}",
                'set "Effect": "Deny" (or "Allow")',
            )
        )
    if ("Action" in stmt) == ("NotAction" in stmt):
        problems.append(
            PolicyProblem(
                where,
                "needs exactly one of Action and NotAction",
                'add "Action": ["service:Operation"]',
            )
        )
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key in stmt and not _strings(stmt[key]):
            problems.append(
                PolicyProblem(
                    f"{where}.{key}",
                    "must be a string or a non-empty list of strings",
                    f'write "{key}": ["…"]',
                )
            )
    if "Resource" in stmt and "NotResource" in stmt:
        problems.append(
            PolicyProblem(where, "has both Resource and NotResource", "keep one of them")
        )
    condition = stmt.get("Condition")
    if condition is not None and not (
        isinstance(condition, dict) and all(isinstance(v, dict) for v in condition.values())
    ):
        problems.append(
            PolicyProblem(
                f"{where}.Condition",
                "must map operators to {key: value(s)} objects",
                'write "Condition": {"StringEquals": {"aws:Key": "value"}}',
            )
        )
    return problems
