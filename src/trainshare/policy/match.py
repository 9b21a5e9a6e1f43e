"""Matching statements against requests: the pieces of IAM evaluation that are plain data.

Sources: IAM JSON reference — Action/NotAction match case-insensitively with `*` and `?`;
Resource ARNs match case-sensitively (reference_policies_elements_action, _resource).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trainshare.policy.lint import as_list, parse_operator
from trainshare.policy.wildcards import action_matches, glob_match

_NEGATED_ARN_OPERATORS = {"ArnNotLike", "ArnNotEquals", "StringNotLike", "StringNotEquals"}


def statement_covers_action(stmt: Mapping[str, Any], action: str) -> bool:
    """Whether the statement's Action (or NotAction) covers `action`."""
    if "Action" in stmt:
        return any(action_matches(p, action) for p in as_list(stmt["Action"]) if isinstance(p, str))
    if "NotAction" in stmt:
        return not any(
            action_matches(p, action) for p in as_list(stmt["NotAction"]) if isinstance(p, str)
        )
    return False


def exempts_principal(stmt: Mapping[str, Any], principal_arn: str) -> bool:
    """Whether a condition on aws:PrincipalArn with a negated operator leaves `principal_arn` out
    (the way guardrails exempt the deploy role: ArnNotLike aws:PrincipalArn [role ARNs])."""
    block = stmt.get("Condition")
    if not isinstance(block, Mapping):
        return False
    for op_text, keys in block.items():
        operator = parse_operator(str(op_text))
        if operator.base not in _NEGATED_ARN_OPERATORS or not isinstance(keys, Mapping):
            continue
        for key, values in keys.items():
            if str(key).lower() != "aws:principalarn":
                continue
            like = operator.base.endswith("Like")
            for value in as_list(values):
                if isinstance(value, str) and (
                    glob_match(value, principal_arn) if like else value == principal_arn
                ):
                    return True
    return False
