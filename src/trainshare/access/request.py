"""A request as the analysis builds it from the model: who asks, for what, on which resources,
in which Region, with which context.

Assumption (said in every trace): the caller is a workload role, `arn:…:iam::<account>:role/
<AccessModel.principal_role>`, whose session name and tags trainshare does not know; a role has
no aws:username (IAM user guide, "Principal key values": not present for assumed roles).
`--context aws:PrincipalArn=…` names another caller.
"""

from __future__ import annotations

from typing import NamedTuple

from trainshare.access.conditions import Context
from trainshare.access.model import AccessModel, AccountNode, ShareModel
from trainshare.access.statements import RequestResource, Step, Verdict
from trainshare.catalog import load_catalog, parse_arn

RESOURCE_ACCOUNT = "aws:ResourceAccount"


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


def workload_arn(model: AccessModel, ident: str) -> str:
    return f"arn:{model.partition}:iam::{ident}:role/{model.principal_role}"


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
    note = Step(
        "context",
        Verdict.NOTE,
        f"context filled: {filled} (a workload role is assumed; --context overrides)",
    )
    filled_ctx = ctx.with_values(auto).without("aws:username")
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
