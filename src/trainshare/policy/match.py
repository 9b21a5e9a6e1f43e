"""Matching statements against requests: the pieces of IAM evaluation that are plain data.

Sources: IAM JSON reference — Action/NotAction match case-insensitively with `*` and `?`;
Resource ARNs match case-sensitively (reference_policies_elements_action, _resource).
"""

from __future__ import annotations

from trainshare.policy.model import Statement
from trainshare.policy.wildcards import action_matches, glob_match

_NEGATED_ARN_OPERATORS = {"ArnNotLike", "ArnNotEquals", "StringNotLike", "StringNotEquals"}


def statement_covers_action(stmt: Statement, action: str) -> bool:
    """Whether the statement's Action (or NotAction) covers `action`."""
    hit = any(action_matches(p, action) for p in stmt.actions)
    return not hit if stmt.not_action else hit


def exempts_principal(stmt: Statement, principal_arn: str) -> bool:
    """Whether a condition on aws:PrincipalArn with a negated operator leaves `principal_arn` out
    (the way guardrails exempt the deploy role: ArnNotLike aws:PrincipalArn [role ARNs])."""
    for condition in stmt.condition.conditions:
        operator = condition.operator
        if operator.base not in _NEGATED_ARN_OPERATORS:
            continue
        if condition.key.lower() != "aws:principalarn":
            continue
        like = operator.base.endswith("Like")
        for value in condition.values:
            if glob_match(value, principal_arn) if like else value == principal_arn:
                return True
    return False
