"""The resource-policy step of a policy share: does the resource's own policy let the account in?

Cross-account access needs both sides (IAM user guide, "Cross-account policy evaluation logic"):
the caller's side (its SCPs, evaluated by `evaluate`) and the resource's policy, where an
explicit Deny wins, and an Allow must name the caller — by its account, or `*` narrowed by
conditions such as aws:PrincipalOrgPaths. The request context holds what AWS sets for a role in
the account: aws:PrincipalAccount, aws:PrincipalOrgID and aws:PrincipalOrgPaths (its OU path;
none for an account outside the organization), aws:PrincipalIsAWSService = false.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trainshare.access.conditions import Context, Match
from trainshare.access.model import AccessModel, AccountNode
from trainshare.access.statements import Effect, Step, Verdict, statement_outcome
from trainshare.catalog import load_catalog
from trainshare.policy.lint import as_list, statements

ORG_KEYS = ("aws:PrincipalOrgID", "aws:PrincipalOrgPaths")


def principal_context(model: AccessModel, account: AccountNode, context: Context) -> Context:
    """What AWS puts in the request context for a role in `account`, called over HTTPS
    (aws:SecureTransport true: the SDKs' default); the user's --context values win. Outside the
    organization the org keys are absent, not unknown."""
    assert model.ids is not None
    values: dict[str, str | list[str]] = {
        "aws:PrincipalAccount": model.principal_id(account),
        "aws:PrincipalIsAWSService": "false",
        "aws:SecureTransport": "true",
    }
    if account.external:
        given = context.with_values(values)
        absent = frozenset(k.lower() for k in ORG_KEYS if k.lower() not in given.values)
        return Context(given.values, given.absent | absent, given.closed)
    values["aws:PrincipalOrgID"] = model.ids.org
    values["aws:PrincipalOrgPaths"] = [model.ids.org_path(account.unit)]
    return context.with_values(values)


def request_resource(rtype: str, arn: str, action: str) -> str:
    """What the request names: the resource, or for object-level actions (s3:GetObject) an
    object inside it — the first resource template of the statement group granting the action."""
    ptype = load_catalog().policy_share_types[rtype]
    for groups in ptype.levels.values():
        for group in groups:
            if action in group.actions and group.resources:
                return ptype.expand(group.resources[:1], arn)[0]
    return arn


def _names_principal(stmt: Mapping[str, Any], account_arn: str, account_id: str) -> bool | None:
    """Whether the statement's Principal covers a role of the account (None: cannot tell)."""
    if "NotPrincipal" in stmt:
        return None
    principal = stmt.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    for value in as_list(principal.get("AWS", [])):
        if value in ("*", account_arn, account_id):
            return True
    return False


def resource_policy_effect(
    model: AccessModel,
    account: AccountNode,
    document: Mapping[str, Any],
    *,
    arn: str,
    rtype: str,
    action: str,
    context: Context,
) -> tuple[Effect, Step, frozenset[str]]:
    """The effect of one resource policy on one request, the step that says why, and the keys
    it depends on."""
    ident = model.principal_id(account)
    account_arn = f"arn:{model.partition}:iam::{ident}:root"
    ctx = principal_context(model, account, context)
    resource = request_resource(rtype, arn, action)
    allows: list[str] = []
    depends: list[tuple[str, frozenset[str]]] = []
    for index, stmt in statements(document):
        sid = stmt.get("Sid") or f"Statement[{index}]"
        named = _names_principal(stmt, account_arn, ident)
        if named is False:
            continue
        outcome = statement_outcome(stmt, action, [resource], ctx)
        if outcome.match is Match.NO:
            continue
        if named is None or outcome.match is Match.UNKNOWN:
            keys = outcome.unknown_keys | ({"NotPrincipal"} if named is None else set())
            depends.append((sid, frozenset(keys)))
            continue
        if stmt.get("Effect") == "Deny":
            why = ""
            if sid == load_catalog().perimeter_sid:
                why = " (the data perimeter: principals outside the organization)"
            text = f"the policy of {arn} denies {action} to {account.label}: Sid {sid}{why}"
            return Effect.DENY, Step("resource-policy", Verdict.FAIL, text), frozenset()
        allows.append(sid)
    if depends:
        keys = frozenset().union(*(k for _, k in depends))
        sids = ", ".join(s for s, _ in depends)
        text = f"the policy of {arn}: {sids} depend(s) on {', '.join(sorted(keys))}"
        return Effect.CONDITIONAL, Step("resource-policy", Verdict.DEPENDS, text), keys
    if allows:
        text = f"the policy of {arn} allows {action} to {account.label} ({', '.join(allows)})"
        return Effect.ALLOW, Step("resource-policy", Verdict.PASS, text), frozenset()
    text = f"no statement of {arn}'s policy allows {action} to {account.label}"
    return Effect.IMPLICIT_DENY, Step("resource-policy", Verdict.FAIL, text), frozenset()
