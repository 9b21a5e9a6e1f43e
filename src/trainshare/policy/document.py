"""Policy documents as JSON: load, minify and size what AWS stores.

Organizations stores an SCP verbatim, whitespace included, and the size limit applies to what is
sent (Organizations quotas page; CfCT #75): `minify` is what trainshare uploads and measures.
The typed model a document is read into is `policy.model` (parsed by `policy.parse`).
"""

from __future__ import annotations

import json
from typing import Any

from trainshare.inputs import InputError, load_json
from trainshare.policy.model import PolicyProblem
from trainshare.policy.validate import PolicyType, validate


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


def check_scp_structure(document: dict[str, Any]) -> list[PolicyProblem]:
    """The grammar of an SCP (see `policy.validate.validate_scp`)."""
    return validate(document, PolicyType.SCP)
