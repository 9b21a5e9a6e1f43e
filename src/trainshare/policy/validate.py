"""What each policy type adds to the grammar every policy shares, one validator per type.

The shared grammar is `policy.parse`; a type's validator returns the parse's problems and its
own, each with the finding code it is reported as. Add a policy type by adding a validator to
`VALIDATORS` (resource control policies, for one, have rules of their own: AWS-FACTS §6).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from trainshare.policy.model import PolicyProblem
from trainshare.policy.parse import read_document, version_problem
from trainshare.policy.rcp import validate_rcp


class PolicyType(StrEnum):
    SCP = "scp"  # service control policy
    RESOURCE = "resource"  # a policy attached to a resource (a bucket's, a model group's)
    IDENTITY = "identity"  # an IAM identity-based policy, or a permissions boundary
    RCP = "rcp"  # resource control policy (policy.rcp)


def _raw_statements(value: Any) -> list[tuple[int, Mapping[str, Any]]]:
    raw = value.get("Statement") if isinstance(value, dict) else None
    items = [raw] if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    return [(i, s) for i, s in enumerate(items) if isinstance(s, dict)]


def validate_scp(value: Any) -> list[PolicyProblem]:
    """The grammar of an SCP (Organizations user guide, orgs_reference_scp_syntax): a Version,
    at least one statement, and no Principal (an SCP applies to every principal of the
    accounts it targets). Since September 2025 the rest of the IAM language is allowed
    (AWS-FACTS §7).

    Assumption: only what AWS rejects at upload is checked here; semantics (unknown actions,
    condition keys) belong to the linter."""
    problems = list(read_document(value).problems)
    if isinstance(value, dict):
        if value.get("Version") is None:
            problems.insert(0, version_problem(None))
        if value.get("Statement") == []:
            problems.append(
                PolicyProblem(
                    "Statement", "must be an object or a non-empty list", "add a statement"
                )
            )
    for index, stmt in _raw_statements(value):
        problems += [
            PolicyProblem(
                f"Statement[{index}].{key}",
                "not allowed in a service control policy",
                "an SCP applies to every principal of the accounts it targets: remove it",
                "PRINCIPAL_IN_SCP",
            )
            for key in ("Principal", "NotPrincipal")
            if key in stmt
        ]
    return problems


def _missing_version(value: Any) -> list[PolicyProblem]:
    """A resource or identity policy without Version is accepted (AWS's default VPC endpoint
    policy has none) and read as 2008-10-17, where `${…}` are literal text (IAM user guide,
    "IAM JSON policy elements: Version"): a warning, which says so when the policy writes one."""
    if not isinstance(value, dict) or "Version" in value:
        return []
    message = "missing: AWS reads the policy as version 2008-10-17"
    if "${" in json.dumps(value, ensure_ascii=False):
        message += ", so its ${…} are compared as literal text, not as policy variables"
    return [PolicyProblem("Version", message, 'add "Version": "2012-10-17"', "MISSING_VERSION")]


def validate_resource_policy(value: Any) -> list[PolicyProblem]:
    """A resource-based policy names whom it applies to: every statement has a Principal or a
    NotPrincipal (IAM user guide, "AWS JSON policy elements: Principal")."""
    problems = _missing_version(value) + list(read_document(value).problems)
    problems += [
        PolicyProblem(
            f"Statement[{index}]",
            "the statement has no Principal",
            'add "Principal": {"AWS": [...]}',
            "MISSING_PRINCIPAL",
        )
        for index, stmt in _raw_statements(value)
        if "Principal" not in stmt and "NotPrincipal" not in stmt
    ]
    return problems


def validate_identity_policy(value: Any) -> list[PolicyProblem]:
    """An identity-based policy never names a principal: it applies to whom it is attached to
    (IAM user guide, "AWS JSON policy elements: Principal")."""
    problems = _missing_version(value) + list(read_document(value).problems)
    for index, stmt in _raw_statements(value):
        problems += [
            PolicyProblem(
                f"Statement[{index}].{key}",
                "not allowed in an identity-based policy",
                "remove it: the policy applies to the identity it is attached to",
            )
            for key in ("Principal", "NotPrincipal")
            if key in stmt
        ]
    return problems


VALIDATORS: Mapping[PolicyType, Callable[[Any], list[PolicyProblem]]] = {
    PolicyType.SCP: validate_scp,
    PolicyType.RESOURCE: validate_resource_policy,
    PolicyType.IDENTITY: validate_identity_policy,
    PolicyType.RCP: validate_rcp,
}


def validate(value: Any, policy_type: PolicyType) -> list[PolicyProblem]:
    """Every problem AWS would reject the document for, as a policy of this type: the
    document's own first, then each statement's in order."""
    return sorted(VALIDATORS[policy_type](value), key=_statement_index)


def _statement_index(problem: PolicyProblem) -> int:
    head = problem.where.partition(".")[0]
    if head.startswith("Statement[") and head.endswith("]"):
        return int(head[len("Statement[") : -1])
    return -1
