"""A request as the analysis builds it from the model: who asks, for what, on which resources,
in which Region, with which context.

Assumption (said in every trace): the caller is a workload role, `arn:…:iam::<account>:role/
<AccessModel.principal_role>`, whose session name and tags trainshare does not know; a role has
no aws:username (IAM user guide, "Principal key values": not present for assumed roles).
`--context aws:PrincipalArn=…` names another caller: a role, a user, or a session of a role
(`arn:…:sts::<account>:assumed-role/<role>/<session>`), whose aws:PrincipalArn is then its role's
ARN, as AWS sets it (IAM user guide, aws:PrincipalArn), with no path (a session's ARN does not say
it).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from trainshare.access.conditions import Context
from trainshare.access.model import AccessModel, AccountNode, ShareModel
from trainshare.access.statements import RequestResource, Step, Verdict
from trainshare.catalog import load_catalog, parse_arn, role_arn

RESOURCE_ACCOUNT = "aws:ResourceAccount"


class Question(NamedTuple):
    """What one decision answers: may the account perform `action` on `resource`, a resource
    of RAM type (or policy-share type) `rtype` held by the share asked about?"""

    resource: str
    rtype: str
    action: str


class Caller(NamedTuple):
    """Who makes the request: its account, and its ARN where known (a role, a user, or an
    assumed-role session)."""

    account: str
    arn: str | None = None


def caller_of(model: AccessModel, account: AccountNode, ctx: Context) -> Caller:
    """The workload role of `account`, or the principal `--context aws:PrincipalArn` names."""
    ident = model.principal_id(account)
    given = ctx.values.get("aws:principalarn")
    if given and len(given) == 1:
        return Caller(ident, given[0])
    return Caller(ident, workload_arn(model, ident))


_SESSION = re.compile(r"arn:([^:]+):sts::(\d{12}):assumed-role/([^/]+)/.+")


def session_role(arn: str) -> str | None:
    """The ARN of the role an assumed-role session ARN is a session of (with no path), or None
    for any other ARN."""
    found = _SESSION.fullmatch(arn)
    return role_arn(found[1], found[2], found[3]) if found else None


def as_aws_sets_it(ctx: Context) -> Context:
    """The user's context with aws:PrincipalArn as AWS sets it: a session named there (the
    caller, `caller_of`) has its role's ARN as aws:PrincipalArn."""
    given = ctx.values.get("aws:principalarn")
    role = session_role(given[0]) if given and len(given) == 1 else None
    return ctx if role is None else ctx.replacing("aws:PrincipalArn", role)


def workload_arn(model: AccessModel, ident: str) -> str:
    return role_arn(model.partition, ident, model.principal_role)


def request_resources(
    model: AccessModel,
    account: AccountNode,
    share: ShareModel,
    *,
    resource: str,
    action: str,
    region: str,
) -> tuple[RequestResource, ...]:
    """The shared resource, plus what the action is also authorized against (catalog data:
    for ec2:RunInstances, the instance, which is the caller's)."""
    templates = load_catalog().action_resources.get(action, ())
    ident = account.id or account.key
    return (
        RequestResource(resource, share.owner_id),
        *(
            RequestResource(
                t.format(partition=model.partition, region=region, account=ident), account.id
            )
            for t in templates
        ),
    )


def request_region(share: ShareModel, resource: str) -> str:
    """The Region a request for the resource is made in: its ARN's, or for an ARN without one
    (a bucket's) its share's."""
    arn = parse_arn(resource)
    return arn.region if arn and arn.region else share.region


def request_context(
    model: AccessModel, account: AccountNode, share: ShareModel, region: str, ctx: Context
) -> tuple[Context, Step]:
    """Keys AWS always sets, filled from the model (the user's own values win)."""
    ident = account.id or account.key
    auto: dict[str, str] = {
        RESOURCE_ACCOUNT: share.owner_id,
        "aws:RequestedRegion": region,
        "aws:PrincipalArn": workload_arn(model, ident),
    }
    if account.id:
        auto["aws:PrincipalAccount"] = account.id
    if model.org_id and not account.external:
        auto["aws:PrincipalOrgID"] = model.org_id
    given = [k for k in auto if k.lower() in ctx.values]
    filled = ", ".join(f"{k}={v}" for k, v in auto.items() if k not in given)
    aws = as_aws_sets_it(ctx)
    session = ""
    if aws is not ctx:
        role = aws.values["aws:principalarn"][0]
        session = f"; aws:PrincipalArn={role}, the session's role, taken to have no path"
    note = Step(
        "context",
        Verdict.NOTE,
        f"context filled: {filled} (a workload role is assumed; --context overrides{session})",
    )
    filled_ctx = aws.with_values(auto).without("aws:username")
    return filled_ctx, note


def resource_contexts(
    ctx: Context, resources: tuple[RequestResource, ...], given: Context
) -> tuple[Context, ...]:
    """The context while each resource is evaluated: aws:ResourceAccount is that resource's
    owner's (unless the user gave it)."""
    first = resources[0].account
    if RESOURCE_ACCOUNT.lower() in given.values:
        return tuple(ctx for _ in resources)
    out = []
    for resource in resources:
        if resource.account is None or resource.account == first:
            out.append(ctx)
        else:
            out.append(ctx.replacing(RESOURCE_ACCOUNT, resource.account))
    return tuple(out)
