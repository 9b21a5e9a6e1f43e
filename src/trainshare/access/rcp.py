"""The RCP side of a request: the resource control policies on the resource owner's path.

Organizations user guide, orgs_manage_policies_rcps (stored copy 2026-09-26): RCPs apply to
requests to resources in member accounts, for the services RCPs cover; the RCPs of the resource
owner's account apply — every level root → OUs → the owner. AWS attaches `RCPFullAWSAccess`
everywhere once RCPs are enabled and it cannot be detached, so a level never lacks the Allow:
only a Deny matters, and any Deny that applies on the path denies. RCPs do not apply to the
management account's resources, to AWS-managed KMS keys (`alias/aws/…`), to calls made by
service-linked roles, nor to `kms:RetireGrant`.

Assumptions: the caller is the workload role of `access.request` (not a service-linked role),
calling directly, so the aws:Source* keys are absent and aws:ViaAWSService is false, and over
TLS unless `--context aws:SecureTransport=false`; resource tags are unknown (a condition on
one leaves the decision open, naming the key). Only the shared resource is judged: what else an
action is authorized against is the caller's own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

from trainshare.access.conditions import Context, Match, Outcome
from trainshare.access.index import ancestors
from trainshare.access.model import AccessModel, AccountNode, AttachedPolicy, ShareModel
from trainshare.access.principals import principal_outcome
from trainshare.access.request import Question, caller_of
from trainshare.access.resource_policy import principal_context, request_resource
from trainshare.access.statements import Effect, Step, Verdict, statement_outcome
from trainshare.catalog import load_catalog, parse_arn
from trainshare.policy.match import statement_covers_action
from trainshare.policy.model import Statement, UnparsablePolicy
from trainshare.policy.rcp import covered_services
from trainshare.spec import ROOT

# keys AWS sets only when a service acts on a principal's behalf: absent for a direct call
_SOURCE_KEYS = load_catalog().key_sets["service_source"]
# keys whose value is the caller's own (an RCP reading one can tell callers apart)
ACCOUNT_KEYS = load_catalog().key_sets["rcp_caller"]


class RcpSide(NamedTuple):
    effect: Effect
    steps: tuple[Step, ...]
    unknown: frozenset[str]


def owner_path(model: AccessModel, share: ShareModel) -> tuple[AccountNode | None, list[str]]:
    """The owning account and the keys of its levels, root first."""
    owner = model.index.account(share.owner) or model.index.account(share.owner_id)
    if owner is None:
        return None, []
    return owner, [ROOT, *ancestors(owner.unit), owner.key]


def _where(model: AccessModel, level: str, owner: AccountNode) -> str:
    if level == ROOT:
        return "the root"
    if level == owner.key:
        return f"account {owner.display}"
    return f"OU {model.unit_name(level)}"


def covers(action: str) -> bool:
    """Whether RCPs can apply to the action at all: its service is one they cover."""
    return action.partition(":")[0].lower() in covered_services()


def applies_to(model: AccessModel, share: ShareModel, arn: str, action: str) -> str | None:
    """Why RCPs do not apply to this request (None: they do)."""
    service = action.partition(":")[0].lower()
    if service not in covered_services():
        return f"RCPs do not cover {service}"
    parsed = parse_arn(arn)
    if parsed is not None and parsed.service == "kms" and parsed.resource.startswith("alias/aws/"):
        return "RCPs do not apply to AWS-managed KMS keys"
    if action.lower() == "kms:retiregrant":
        return "RCPs do not affect kms:RetireGrant"
    owner, _ = owner_path(model, share)
    if owner is not None and owner.management:
        return f"{owner.label} is the management account: RCPs do not apply to its resources"
    return None


def _relevant(
    model: AccessModel, levels: Sequence[str], action: str
) -> Iterator[tuple[str, AttachedPolicy, Statement | UnparsablePolicy]]:
    for level in levels:
        for policy in model.rcps.get(level, ()):
            document = policy.document
            if isinstance(document, UnparsablePolicy):
                yield level, policy, document
                continue
            for stmt in document.statements:
                if stmt.is_deny and statement_covers_action(stmt, action):
                    yield level, policy, stmt


def reads_the_caller(side: RcpSide) -> bool:
    """Whether a side decided `blind` depends on a key whose value is the caller's own: then
    callers must be decided one by one."""
    return any(key.lower().split("/")[0] in ACCOUNT_KEYS for key in side.unknown)


def rcp_context(
    model: AccessModel,
    share: ShareModel,
    account: AccountNode,
    ctx: Context,
    *,
    blind: bool = False,
) -> Context:
    """The caller's context (`principal_context`) and the resource's: its account and
    organization, no aws:Source* keys, aws:ViaAWSService false. `blind`: the keys whose value
    is the caller's own left unknown (those the user gave kept), so that a definite answer
    holds for every caller of the organization alike."""
    base = principal_context(model, account, ctx)
    values: dict[str, str] = {"aws:ResourceAccount": share.owner_id, "aws:ViaAWSService": "false"}
    if model.ids is not None:
        values["aws:ResourceOrgID"] = model.ids.org
    given = base.with_values(values)
    absent = frozenset(k for k in _SOURCE_KEYS if k not in given.values)
    kept = given.values
    if blind:
        kept = {
            k: v for k, v in kept.items() if k in ctx.values or k.split("/")[0] not in ACCOUNT_KEYS
        }
    return Context(kept, given.absent | absent, given.closed)


def rcp_side(
    model: AccessModel,
    share: ShareModel,
    account: AccountNode,
    question: Question,
    *,
    context: Context,
    blind: bool = False,
) -> RcpSide | None:
    """The RCPs' effect on the request, with the steps that say why; None when the model has
    no RCP (nothing to say). `blind`: see `rcp_context`."""
    arn, rtype, action = question
    if not model.rcps or not covers(action):
        return None  # a RAM share of EC2 or SageMaker: no RCP side to speak of
    why_not = applies_to(model, share, arn, action)
    if why_not is not None:
        return RcpSide(Effect.ALLOW, (Step("rcp", Verdict.PASS, why_not),), frozenset())
    owner, levels = owner_path(model, share)
    assert owner is not None
    relevant = list(_relevant(model, levels, action))
    resource = request_resource(rtype, arn, action) if share.policies else arn
    ctx = rcp_context(model, share, account, context, blind=blind) if relevant else context
    caller = caller_of(model, account, context)
    unknown: set[str] = set()
    open_steps: list[Step] = []
    for level, policy, stmt in relevant:
        where = _where(model, level, owner)
        if isinstance(stmt, UnparsablePolicy):
            text = (
                f"RCP {policy.name} at {where} cannot be read ({stmt.reason}): it may deny {action}"
            )
            open_steps.append(Step(f"rcp:{level}", Verdict.DEPENDS, text))
            continue
        outcome = Outcome.all_of(
            (principal_outcome(stmt, caller), statement_outcome(stmt, action, resource, ctx))
        )
        if outcome.match is Match.YES:
            text = f"RCP {policy.name} at {where}: {stmt.name} denies {action} on {resource}"
            return RcpSide(Effect.DENY, (Step(f"rcp:{level}", Verdict.FAIL, text),), frozenset())
        if outcome.match is Match.UNKNOWN:
            unknown |= outcome.unknown_keys
            keys = ", ".join(sorted(outcome.unknown_keys | set(outcome.notes))) or "a condition"
            text = (
                f"RCP {policy.name} at {where}: {stmt.name} denies {action} unless {keys} "
                "rules it out"
            )
            open_steps.append(Step(f"rcp:{level}", Verdict.DEPENDS, text))
    if open_steps:
        return RcpSide(Effect.CONDITIONAL, tuple(open_steps), frozenset(unknown))
    attached = [
        f"{_where(model, level, owner)}: {', '.join(p.name for p in model.rcps[level])}"
        for level in levels
        if model.rcps.get(level)
    ]
    on = "; ".join(attached) or "RCPFullAWSAccess only"
    text = f"no RCP on the path of {owner.label} ({on}) denies {action}"
    return RcpSide(Effect.ALLOW, (Step("rcp", Verdict.PASS, text),), frozenset())
