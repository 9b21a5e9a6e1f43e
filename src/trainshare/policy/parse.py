"""Parse a policy document (JSON already loaded) into the typed model, once.

The grammar is the one every policy type shares (IAM user guide, "Grammar of the IAM JSON
policy language"): what AWS rejects whatever the policy's type. What one type adds (an SCP has no
Principal, a resource policy needs one) is that type's validator (`policy.validate`).

`parse_document` gives a `PolicyDocument`, or an `UnparsablePolicy` with every problem;
`read_document` gives both the statements that parse and the problems of the others (the linter
reports the problems and still checks the good statements).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

from trainshare.inputs import InputError, load_json
from trainshare.policy.model import (
    VARIABLES_VERSION,
    VERSIONS,
    Condition,
    ConditionBlock,
    ParsedPolicy,
    PolicyDocument,
    PolicyProblem,
    Principal,
    Statement,
    StatementEffect,
    UnparsablePolicy,
)
from trainshare.policy.operators import parse_operator
from trainshare.policy.variables import variable_keys

_TOP_KEYS = ("Version", "Id", "Statement")
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
_EFFECTS = {"Allow": StatementEffect.ALLOW, "Deny": StatementEffect.DENY}
_PRINCIPAL_KINDS = {
    "AWS": "aws",
    "Service": "service",
    "Federated": "federated",
    "CanonicalUser": "canonical_user",
}


@dataclass(frozen=True, slots=True)
class Reading:
    """A document as far as it parses: its good statements, and the problems of the rest."""

    document: PolicyDocument
    problems: tuple[PolicyProblem, ...]


def parse_document(value: Any) -> ParsedPolicy:
    """The typed document, or an UnparsablePolicy naming every problem."""
    reading = read_document(value)
    if reading.problems:
        return UnparsablePolicy(reading.problems)
    return reading.document


def parse_policy_json(text: str) -> ParsedPolicy:
    """Parse policy JSON text (a snapshot's, a user's) as strict JSON (`inputs.load_json`):
    NaN, Infinity, huge numbers and deep nesting are not JSON, and AWS never returns them."""
    try:
        value = load_json(text, "policy")
    except InputError as exc:
        message = exc.message.replace("not JSON:", "not valid JSON:", 1)
        return UnparsablePolicy((PolicyProblem("(document)", message, exc.fix),))
    return parse_document(value)


@functools.lru_cache(maxsize=4096)
def parse_stored(text: str) -> ParsedPolicy:
    """`parse_policy_json` for a document trainshare itself holds as text (a guardrail's
    minified document), parsed once however many times it is read."""
    return parse_policy_json(text)


def read_document(value: Any) -> Reading:
    problems: list[PolicyProblem] = []
    if not isinstance(value, dict):
        problems.append(
            PolicyProblem("(document)", "a policy must be a JSON object", 'write {"Version": …}')
        )
        return Reading(PolicyDocument(()), tuple(problems))
    version = value.get("Version")
    if version is not None and version not in VERSIONS:
        problems.append(version_problem(version))
    problems += [
        PolicyProblem(str(key), "unknown top-level element", "keep Version, Id and Statement")
        for key in value
        if key not in _TOP_KEYS
    ]
    doc_id = value.get("Id")
    if doc_id is not None and not isinstance(doc_id, str):
        problems.append(PolicyProblem("Id", "must be a string", 'write "Id": "…" or remove it'))
    raw = value.get("Statement")
    if raw is None:
        problems.append(PolicyProblem("Statement", "missing", 'add "Statement": [ … ]'))
        items: list[Any] = []
    elif isinstance(raw, dict):
        items = [raw]
    elif isinstance(raw, list):
        items = raw
    else:
        problems.append(
            PolicyProblem("Statement", "must be an object or a non-empty list", "add a statement")
        )
        items = []
    statements = []
    variables = version == VARIABLES_VERSION
    for index, item in enumerate(items):
        stmt, found = _statement(index, item, variables)
        problems += found
        if stmt is not None:
            statements.append(stmt)
    document = PolicyDocument(
        tuple(statements),
        version if isinstance(version, str) else None,
        doc_id if isinstance(doc_id, str) else None,
    )
    return Reading(document, tuple(problems))


def version_problem(version: Any) -> PolicyProblem:
    return PolicyProblem(
        "Version", f"must be {VERSIONS[0]!r}, got {version!r}", f'set "Version": "{VERSIONS[0]}"'
    )


def _strings(value: Any) -> tuple[str, ...] | None:
    """A string or a non-empty list of strings, as a tuple; None for anything else."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _statement(
    index: int, raw: Any, variables: bool
) -> tuple[Statement | None, list[PolicyProblem]]:
    fast = _well_formed(index, raw, variables)
    if fast is not None:
        return fast, []
    return _checked_statement(index, raw, variables)


def _well_formed(index: int, raw: Any, variables: bool) -> Statement | None:
    """The statement when every element has its usual shape (what AWS hands back, what
    trainshare composes), without building the problems the careful reading collects; None
    sends it to that reading (`_checked_statement`), which says what is wrong."""
    if type(raw) is not dict or not raw.keys() <= _STATEMENT_KEYS:
        return None
    effect = raw.get("Effect")
    sid = raw.get("Sid")
    if (
        type(effect) is not str
        or effect not in _EFFECTS
        or (sid is not None and type(sid) is not str)
    ):
        return None
    not_action = "NotAction" in raw
    if not_action == ("Action" in raw) or ("Resource" in raw and "NotResource" in raw):
        return None
    actions = _strings(raw["NotAction" if not_action else "Action"])
    not_resource = "NotResource" in raw
    resources = None
    if not_resource or "Resource" in raw:
        resources = _strings(raw["NotResource" if not_resource else "Resource"])
        if resources is None:
            return None
    if actions is None or ("Principal" in raw and "NotPrincipal" in raw):
        return None
    principal = None
    not_principal = "NotPrincipal" in raw
    if not_principal or "Principal" in raw:
        principal, problems = _principal("", raw["NotPrincipal" if not_principal else "Principal"])
        if problems:
            return None
    condition, problems = _condition("", raw.get("Condition"))
    if problems:
        return None
    return _typed(
        index,
        effect=effect,
        sid=sid,
        actions=(actions, not_action),
        resources=(resources, not_resource),
        principal=(principal, not_principal),
        condition=condition,
        variables=variables,
    )


def _checked_statement(
    index: int, raw: Any, variables: bool
) -> tuple[Statement | None, list[PolicyProblem]]:
    """Every problem of a statement, or the statement."""
    where = f"Statement[{index}]"
    if not isinstance(raw, dict):
        return None, [PolicyProblem(where, "must be an object", 'write { "Effect": … }')]
    problems = [
        PolicyProblem(
            f"{where}.{key}",
            "unknown statement element",
            "use Sid, Effect, Action/NotAction, Resource/NotResource, Principal, Condition",
        )
        for key in raw
        if key not in _STATEMENT_KEYS
    ]
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        problems.append(PolicyProblem(f"{where}.Sid", "must be a string", 'write "Sid": "…"'))
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        problems.append(
            PolicyProblem(
                f"{where}.Effect",
                f"must be Allow or Deny, got {effect!r}",
                'set "Effect": "Deny" (or "Allow")',
            )
        )
    if ("Action" in raw) == ("NotAction" in raw):
        problems.append(
            PolicyProblem(
                where,
                "needs exactly one of Action and NotAction",
                'add "Action": ["service:Operation"]',
            )
        )
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key not in raw:
            continue
        found = _strings(raw[key])
        if found is None:
            problems.append(_not_strings(where, key))
        else:
            lists[key] = found
    if "Resource" in raw and "NotResource" in raw:
        problems.append(
            PolicyProblem(where, "has both Resource and NotResource", "keep one of them")
        )
    if "Principal" in raw and "NotPrincipal" in raw:
        problems.append(
            PolicyProblem(where, "has both Principal and NotPrincipal", "keep one of them")
        )
    principal = None
    for key in ("Principal", "NotPrincipal"):
        if key in raw:
            principal, found_problems = _principal(f"{where}.{key}", raw[key])
            problems += found_problems
    condition, found_problems = _condition(f"{where}.Condition", raw.get("Condition"))
    problems += found_problems
    if problems:
        return None, problems
    not_action = "NotAction" in raw
    not_resource = "NotResource" in raw
    return (
        _typed(
            index,
            effect=str(effect),
            sid=sid,
            actions=(lists["NotAction" if not_action else "Action"], not_action),
            resources=(lists.get("NotResource" if not_resource else "Resource"), not_resource),
            principal=(principal, "NotPrincipal" in raw),
            condition=condition,
            variables=variables,
        ),
        [],
    )


def _typed(
    index: int,
    *,
    effect: str,
    sid: str | None,
    actions: tuple[tuple[str, ...], bool],
    resources: tuple[tuple[str, ...] | None, bool],
    principal: tuple[Principal | None, bool],
    condition: ConditionBlock,
    variables: bool,
) -> Statement:
    keys_read = condition.keys()
    uses_variables = False
    if variables:
        texts = [*(resources[0] or ()), *(v for c in condition.conditions for v in c.values)]
        uses_variables = any("${" in text for text in texts)
        if uses_variables:
            keys_read = keys_read.union(*(variable_keys(text) for text in texts))
    return Statement(
        index,
        _EFFECTS[effect],
        actions[0],
        actions[1],
        resources[0],
        resources[1],
        principal[0],
        principal[1],
        condition,
        sid,
        uses_variables,
        keys_read,
    )


_EVERYONE = Principal(everyone=True)


def _principal(where: str, raw: Any) -> tuple[Principal | None, list[PolicyProblem]]:
    if raw == "*":
        return _EVERYONE, []
    if not isinstance(raw, dict) or not raw:
        shape = PolicyProblem(
            where,
            'must be "*" or an object such as {"AWS": ["arn:aws:iam::111122223333:root"]}',
            'write {"AWS": […]}, {"Service": […]}, {"Federated": […]} or {"CanonicalUser": […]}',
        )
        return None, [shape]
    problems = []
    kinds: dict[str, tuple[str, ...]] = {}
    for key, value in raw.items():
        field = _PRINCIPAL_KINDS.get(key)
        found = _strings(value)
        if field is None:
            problems.append(
                PolicyProblem(
                    f"{where}.{key}",
                    "unknown kind of principal",
                    "use AWS, Service, Federated or CanonicalUser",
                )
            )
        elif found is None:
            problems.append(_not_strings(where, key))
        else:
            kinds[field] = found
    if problems:
        return None, problems
    return (
        Principal(
            aws=kinds.get("aws", ()),
            service=kinds.get("service", ()),
            federated=kinds.get("federated", ()),
            canonical_user=kinds.get("canonical_user", ()),
        ),
        [],
    )


_NO_CONDITION = ConditionBlock()


def _condition(where: str, raw: Any) -> tuple[ConditionBlock, list[PolicyProblem]]:
    if raw is None:
        return _NO_CONDITION, []
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        shape = PolicyProblem(
            where,
            "must map operators to {key: value(s)} objects",
            'write "Condition": {"StringEquals": {"aws:Key": "value"}}',
        )
        return _NO_CONDITION, [shape]
    conditions = []
    problems = []
    for op_text, keys in raw.items():
        operator = parse_operator(str(op_text))
        for key, value in keys.items():
            values = _condition_values(value)
            if values is None and (value is None or (isinstance(value, list) and None in value)):
                # JSON null is no value: a condition on it matches nothing the author meant
                problems.append(
                    PolicyProblem(
                        f"{where}.{op_text}.{key}",
                        "null is not a condition value (write a string, number or boolean; to "
                        'match requests without the key, write "Null": {"'
                        + str(key)
                        + '": "true"})',
                        'write "key": ["value"]',
                    )
                )
                continue
            if values is None:
                problems.append(
                    PolicyProblem(
                        f"{where}.{op_text}.{key}",
                        "must be a string, number or boolean, or a non-empty list of them",
                        'write "key": ["value"]',
                    )
                )
                continue
            conditions.append(Condition(operator, str(key), values))
    return ConditionBlock(tuple(conditions)), problems


def _condition_values(value: Any) -> tuple[str, ...] | None:
    items = value if isinstance(value, list) else [value]
    if not items:
        return None
    out = []
    for item in items:
        text = _scalar_text(item)
        if text is None:
            return None
        out.append(text)
    return tuple(out)


def _scalar_text(value: Any) -> str | None:
    """A condition value's text: IAM compares `true` and `"true"`, `10` and `"10"` alike."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:  # beyond Python's digit limit for int → str
            return None
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    return None


def _not_strings(where: str, key: str) -> PolicyProblem:
    """An element that must hold one string or a list of them (Action, Resource, a principal)."""
    return PolicyProblem(
        f"{where}.{key}",
        "must be a string or a non-empty list of strings",
        f'write "{key}": ["…"]',
    )
