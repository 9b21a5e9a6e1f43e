"""The resource-policy step of a policy share: does the resource's own policy let the account in?

Cross-account access needs both sides (IAM user guide, "Cross-account policy evaluation logic"):
the caller's side (its SCPs, evaluated by `evaluate`) and the resource's policy, where an
explicit Deny wins, and an Allow must name the caller — by its account, or `*` narrowed by
conditions such as aws:PrincipalOrgPaths. The request context holds what AWS sets for a role in
the account: aws:PrincipalAccount, aws:PrincipalOrgID and aws:PrincipalOrgPaths (its OU path;
none for an account outside the organization), aws:PrincipalIsAWSService = false.
"""

from __future__ import annotations

from trainshare.access.conditions import Context, Match, Outcome
from trainshare.access.model import AccessModel, AccountNode
from trainshare.access.principals import principal_outcome
from trainshare.access.request import as_aws_sets_it, caller_of, workload_arn
from trainshare.access.statements import Effect, Step, Verdict, statement_outcome
from trainshare.catalog import load_catalog
from trainshare.policy.model import ParsedPolicy, UnparsablePolicy

ORG_KEYS = ("aws:PrincipalOrgID", "aws:PrincipalOrgPaths")


def principal_context(model: AccessModel, account: AccountNode, context: Context) -> Context:
    """What AWS puts in the request context for a role in `account`, called over HTTPS
    (aws:SecureTransport true: the SDKs' default); the user's --context values win. Outside the
    organization the org keys are absent, not unknown; a role has no aws:username."""
    assert model.ids is not None
    ident = model.principal_id(account)
    values: dict[str, str | list[str]] = {
        "aws:PrincipalAccount": ident,
        "aws:PrincipalArn": workload_arn(model, ident),
        "aws:PrincipalIsAWSService": "false",
        "aws:SecureTransport": "true",
    }
    absent = ["aws:username"]
    if account.external:
        absent += ORG_KEYS
    else:
        values["aws:PrincipalOrgID"] = model.ids.org
        values["aws:PrincipalOrgPaths"] = [model.ids.org_path(account.unit)]
    return as_aws_sets_it(context).with_values(values).without(*absent)


def request_resource(rtype: str, arn: str, action: str) -> str:
    """What the request names: the resource, or for object-level actions (s3:GetObject) an
    object inside it — the first resource template of the statement group granting the action."""
    ptype = load_catalog().policy_share_types[rtype]
    for groups in ptype.levels.values():
        for group in groups:
            if action in group.actions and group.resources:
                return ptype.expand(group.resources[:1], arn)[0]
    return arn


def _why(outcome: Outcome) -> frozenset[str]:
    return outcome.unknown_keys | frozenset(outcome.notes)


def resource_policy_effect(
    model: AccessModel,
    account: AccountNode,
    document: ParsedPolicy,
    *,
    arn: str,
    rtype: str,
    action: str,
    context: Context,
) -> tuple[Effect, Step, frozenset[str]]:
    """The effect of one resource policy on one request, the step that says why, and the keys
    it depends on."""
    if isinstance(document, UnparsablePolicy):
        text = (
            f"the policy of {arn} cannot be read ({document.reason}): whether it lets "
            f"{account.label} in is unknown"
        )
        return Effect.CONDITIONAL, Step("resource-policy", Verdict.DEPENDS, text), frozenset()
    caller = caller_of(model, account, context)
    ctx = principal_context(model, account, context)
    resource = request_resource(rtype, arn, action)
    allows: list[str] = []
    depends: list[tuple[str, Outcome]] = []
    for stmt in document.statements:
        sid = stmt.sid or f"Statement[{stmt.index}]"
        named = principal_outcome(stmt, caller)
        if named.match is Match.NO:
            continue
        outcome = statement_outcome(stmt, action, resource, ctx)
        if outcome.match is Match.NO:
            continue
        outcome = Outcome.all_of((named, outcome))
        if outcome.match is Match.UNKNOWN:
            depends.append((sid, outcome))
            continue
        if stmt.is_deny:
            why = ""
            if sid == load_catalog().perimeter_sid:
                why = " (the data perimeter: principals outside the organization)"
            text = f"the policy of {arn} denies {action} to {account.label}: Sid {sid}{why}"
            return Effect.DENY, Step("resource-policy", Verdict.FAIL, text), frozenset()
        allows.append(sid)
    if depends:
        keys = frozenset().union(*(o.unknown_keys for _, o in depends))
        reasons = sorted(frozenset().union(*(_why(o) for _, o in depends)))
        sids = ", ".join(s for s, _ in depends)
        text = f"the policy of {arn}: {sids} depend(s) on {', '.join(reasons)}"
        return Effect.CONDITIONAL, Step("resource-policy", Verdict.DEPENDS, text), keys
    if allows:
        text = f"the policy of {arn} allows {action} to {account.label} ({', '.join(allows)})"
        return Effect.ALLOW, Step("resource-policy", Verdict.PASS, text), frozenset()
    text = f"no statement of {arn}'s policy allows {action} to {account.label}"
    return Effect.IMPLICIT_DENY, Step("resource-policy", Verdict.FAIL, text), frozenset()
