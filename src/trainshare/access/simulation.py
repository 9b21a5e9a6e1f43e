"""`trainshare simulate` and `trainshare.access.simulate(request)`: one request with every policy
layer given, the answer and why.

The request (format version 1, a public interface: new keys may come, none changes meaning):

    action, resources [{arn, account?}], principal {account, arn?, org_id?, org_paths?, tags?},
    management_account, scp_levels, rcp_levels, identity_policies, permissions_boundary,
    resource_policy, context {key: value(s)}, unknown [key]

A key of `context` not given is absent; keys listed in `unknown` are unknown (the answer is then
CONDITIONAL where they matter, naming them). A layer given as null is not considered (the trace
says what is assumed instead). The answer is a `Decision`: `{"effect", "trace"}` as JSON.

Evaluation follows the IAM user guide, "Policy evaluation logic"
(reference_policies_evaluation-logic) and "Cross-account policy evaluation logic":
- an explicit Deny in any policy denies;
- SCPs (levels root first, each needing an Allow; never for the management account) and RCPs
  (each level also holds the AWS-managed RCPFullAWSAccess) must allow;
- within one account the identity-based policies allow (and the permissions boundary, where
  there is one), or the resource's policy allows the caller: naming its session or user, or
  everyone, is enough on its own; naming its role is enough within the boundary; naming its
  account is not (the account's own policies must allow);
- across accounts both the identity-based policies (within the boundary) and the resource's
  policy must allow.
Session policies, VPC endpoint policies and service-linked roles are not modelled (README).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from trainshare.access.conditions import Context, Match, Outcome
from trainshare.access.evaluate import Decision
from trainshare.access.levels import LevelResult, LevelVerdict, Relevant, outcomes, verdict
from trainshare.access.model import FULL_AWS_ACCESS_DOCUMENT, AttachedPolicy, Level
from trainshare.access.principals import identities, naming, principal_outcome, unlisted
from trainshare.access.request import Caller, session_role
from trainshare.access.statements import Effect, RequestResource, Step, Verdict, applies
from trainshare.catalog import account_root_arn, load_catalog, parse_arn
from trainshare.errors import TrainshareError
from trainshare.policy.match import statement_covers_action
from trainshare.policy.model import PolicyDocument
from trainshare.policy.parse import parse_document

VERSION: Literal[1] = 1
_ACCOUNT = r"^\d{12}$"
_STRICT = ConfigDict(extra="forbid", strict=True)
Documents = list[Any]


class SimulateError(TrainshareError):
    """A simulate request that does not fit the format, located (`resources[0].account: …`)."""


class _Principal(BaseModel):
    model_config = _STRICT
    account: Annotated[str, Field(pattern=_ACCOUNT)]
    arn: str | None = None
    org_id: str | None = None
    org_paths: list[str] | None = None
    tags: dict[str, str] | None = None


class _Resource(BaseModel):
    model_config = _STRICT
    arn: Annotated[str, Field(min_length=1)]
    account: Annotated[str, Field(pattern=_ACCOUNT)] | None = None


class SimulateRequest(BaseModel):
    """The request, as its JSON says it (`simulate`'s docstring)."""

    model_config = _STRICT
    version: Literal[1] = VERSION
    action: Annotated[str, Field(pattern=r"^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$")]
    resources: Annotated[list[_Resource], Field(min_length=1, max_length=100)]
    principal: _Principal
    management_account: bool = False
    scp_levels: Annotated[list[Documents], Field(max_length=10)] | None = None
    rcp_levels: Annotated[list[Documents], Field(max_length=10)] | None = None
    identity_policies: Documents | None = None
    permissions_boundary: dict[str, Any] | None = None
    resource_policy: dict[str, Any] | None = None
    context: dict[str, str | list[str]] = Field(default_factory=dict)
    unknown: list[str] = Field(default_factory=list)


def parse_request(data: Any) -> SimulateRequest:
    """The request, or a SimulateError naming the first field that does not fit."""
    try:
        return SimulateRequest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in first["loc"]).replace(
            ".[", "["
        )
        raise SimulateError(f"{where or '(request)'}: {first['msg']}") from None


def _document(value: Any, where: str) -> PolicyDocument:
    parsed = parse_document(value)
    if not isinstance(parsed, PolicyDocument):
        raise SimulateError(f"{where}: {parsed.reason}")
    return parsed


def _resources(request: SimulateRequest) -> tuple[RequestResource, ...]:
    out = []
    for i, resource in enumerate(request.resources):
        arn = parse_arn(resource.arn)
        account = resource.account or (arn.account if arn is not None else "") or None
        if account is None:
            raise SimulateError(
                f"resources[{i}].account: {resource.arn} names no account; give the account "
                "that owns it"
            )
        out.append(RequestResource(resource.arn, account))
    return tuple(out)


def _role_arn(arn: str) -> str | None:
    """The role of a role or assumed-role session ARN (a session's: with no path, which its ARN
    does not say)."""
    return session_role(arn) or (
        arn if re.fullmatch(r"arn:[^:]+:iam::\d{12}:role/.+", arn) else None
    )


def request_context(
    request: SimulateRequest, resources: Sequence[RequestResource]
) -> tuple[list[Context], Step]:
    """The context of each resource's evaluation: the request's keys, what the principal and the
    resources say, every other key absent but those listed as unknown."""
    principal = request.principal
    auto: dict[str, str | list[str]] = {
        "aws:PrincipalAccount": principal.account,
        "aws:PrincipalIsAWSService": "false",
    }
    given = {k.lower() for k in request.context}
    open_keys = [k for k in request.unknown if k.lower() not in given]
    assumed: list[str] = []
    kinds = {i.kind for i in identities(Caller(principal.account, principal.arn))}
    if principal.arn is None:
        auto["aws:PrincipalArn"] = account_root_arn("aws", principal.account)
        auto["aws:PrincipalType"] = "Account"
    elif "role" in kinds:
        auto["aws:PrincipalArn"] = _role_arn(principal.arn) or principal.arn
        auto["aws:PrincipalType"] = "AssumedRole"
        if ":assumed-role/" in principal.arn and "aws:principalarn" not in given:
            assumed.append("a session's role taken to have no path")
        if "aws:userid" not in given | {k.lower() for k in open_keys}:
            open_keys.append("aws:userid")  # role-id:session, and the role's ID is not given
    else:
        auto["aws:PrincipalArn"] = principal.arn
        if "user" in kinds:
            auto["aws:PrincipalType"] = "User"
            auto["aws:username"] = principal.arn.rsplit("/", 1)[-1]
    if principal.org_id is not None:
        auto["aws:PrincipalOrgID"] = principal.org_id
    if principal.org_paths is not None:
        auto["aws:PrincipalOrgPaths"] = principal.org_paths
    for key, value in (principal.tags or {}).items():
        auto[f"aws:PrincipalTag/{key}"] = value
    arn = parse_arn(resources[0].arn)
    if arn is not None and arn.region:
        auto["aws:RequestedRegion"] = arn.region
    unknown = frozenset(k.lower() for k in open_keys)
    base = Context.of(request.context, closed=True, unknown=unknown).with_values(auto)
    filled = ", ".join(
        f"{k}={v if isinstance(v, str) else ','.join(v)}"
        for k, v in auto.items()
        if k.lower() not in given
    )
    unknown_text = f"; unknown: {', '.join(open_keys)}" if open_keys else ""
    assumed_text = "".join(f"; {a}" for a in assumed)
    note = Step(
        "context",
        Verdict.NOTE,
        f"context filled: {filled} (any other key is absent{unknown_text}{assumed_text})",
    )
    contexts = [
        base
        if "aws:resourceaccount" in given
        else base.with_values({"aws:ResourceAccount": r.account or ""})
        for r in resources
    ]
    return contexts, note


# -- the layers ----------------------------------------------------------------------------------

_RCP_FULL_AWS_ACCESS = AttachedPolicy(
    load_catalog().aws_managed("rcp").name, FULL_AWS_ACCESS_DOCUMENT
)


def _level(
    name: str, kind: str, policy_type: str, documents: Sequence[tuple[str, PolicyDocument]]
) -> Level:
    return Level(name, kind, tuple(AttachedPolicy(n, d) for n, d in documents), policy_type)


def _decide(
    level: Level,
    action: str,
    resources: Sequence[RequestResource],
    contexts: Sequence[Context],
) -> LevelVerdict:
    relevant = [
        Relevant(policy.name, stmt)
        for policy in level.policies
        if isinstance(policy.document, PolicyDocument)
        for stmt in policy.document.statements
        if statement_covers_action(stmt, action)
    ]
    return verdict(level, relevant, outcomes(relevant, resources, contexts), action, resources)


def _documents(values: Sequence[Any], where: str) -> list[tuple[str, PolicyDocument]]:
    return [(f"{where}[{i}]", _document(v, f"{where}[{i}]")) for i, v in enumerate(values)]


def _org_levels(kind: str, levels: Sequence[Documents], request: SimulateRequest) -> list[Level]:
    """SCP or RCP levels, root first; each RCP level also holds RCPFullAWSAccess, which AWS
    attaches everywhere and which cannot be detached."""
    where = f"{kind.lower()}_levels"
    out = []
    for i, documents in enumerate(levels):
        parsed = _documents(documents, f"{where}[{i}]")
        level = _level(f"{where}[{i}]" + (" (the root)" if i == 0 else ""), "level", kind, parsed)
        if kind == "RCP":
            level = Level(level.name, "level", (_RCP_FULL_AWS_ACCESS, *level.policies), kind)
        out.append(level)
    return out


class _Layer:
    """One layer's answer: its steps, whether it denies for sure, whether it allows (surely,
    perhaps, not), whether a Deny may apply, and the keys it needs."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.denied = False
        self.allows = Match.YES
        self.maybe_denied = False
        self.unknown: frozenset[str] = frozenset()

    def add(self, found: LevelVerdict) -> None:
        self.steps += found.steps
        self.unknown |= found.unknown
        if found.result is LevelResult.DENY:
            self.denied = True
        self.allows = _and(self.allows, found.allows)
        self.maybe_denied |= found.maybe_denied

    def note(self, stage: str, text: str, verdict: Verdict = Verdict.NOTE) -> None:
        self.steps.append(Step(stage, verdict, text))


def _and(a: Match, b: Match) -> Match:
    if Match.NO in (a, b):
        return Match.NO
    return Match.UNKNOWN if Match.UNKNOWN in (a, b) else Match.YES


def _or(a: Match, b: Match) -> Match:
    if Match.YES in (a, b):
        return Match.YES
    return Match.UNKNOWN if Match.UNKNOWN in (a, b) else Match.NO


def _path(
    levels: Sequence[Level],
    action: str,
    resources: Sequence[RequestResource],
    contexts: Sequence[Context],
) -> _Layer:
    layer = _Layer()
    for level in levels:
        layer.add(_decide(level, action, resources, contexts))
        if layer.denied:
            break
    return layer


def _resource_side(
    request: SimulateRequest,
    resources: Sequence[RequestResource],
    contexts: Sequence[Context],
    caller: Caller,
) -> tuple[_Layer, str]:
    """The policy of resources[0]: its layer, and how it names the caller where it allows."""
    layer = _Layer()
    document = _document(request.resource_policy, "resource_policy")
    action = request.action
    relevant, rows, how = [], [], "account"
    strength = {"account": 0, "role": 1, "direct": 2}
    for stmt in document.statements:
        named = principal_outcome(stmt, caller)
        if named.match is Match.NO or not statement_covers_action(stmt, action):
            continue
        outcome = applies(stmt, resources[0].arn, contexts[0])
        row = Outcome.all_of((named, outcome)) if outcome.match is not Match.NO else outcome
        relevant.append(Relevant("resource_policy", stmt))
        rows.append((row,))
        if row.match is Match.YES and not stmt.is_deny:
            way = naming(stmt, caller)
            how = way if strength[way] > strength[how] else how
    policy = AttachedPolicy("resource_policy", document)
    level = Level(f"the policy of {resources[0].arn}", "set", (policy,), "resource")
    layer.add(verdict(level, relevant, tuple(rows), action, resources[:1]))
    for stmt in document.statements:
        left_out = unlisted(stmt, caller) if stmt.is_deny else []
        if left_out and statement_covers_action(stmt, action):
            layer.note(
                "resource-policy",
                f"resource_policy {stmt.name}: its NotPrincipal does not list "
                f"{_either(left_out)}, and AWS evaluates the caller's account, role and "
                "session each as a principal",
            )
    return layer, how


def _either(words: Sequence[str]) -> str:
    """`a`, `a or b`, `a, b or c`."""
    return " or ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else words[0]


def _identity_side(
    request: SimulateRequest,
    resources: Sequence[RequestResource],
    contexts: Sequence[Context],
) -> tuple[_Layer, _Layer]:
    identity, boundary = _Layer(), _Layer()
    if request.identity_policies is None:
        identity.note("identity", "identity-based policies: not given, assumed to allow")
    else:
        documents = _documents(request.identity_policies, "identity_policies")
        level = _level("identity-based policies", "set", "identity", documents)
        identity.add(_decide(level, request.action, resources, contexts))
    if request.permissions_boundary is not None:
        where = "permissions_boundary"
        documents = [(where, _document(request.permissions_boundary, where))]
        level = _level("permissions boundary", "set", "boundary", documents)
        boundary.add(_decide(level, request.action, resources, contexts))
    return identity, boundary


def simulate(request: Mapping[str, Any] | SimulateRequest) -> Decision:
    """The decision for one request (the format of this module's docstring)."""
    req = request if isinstance(request, SimulateRequest) else parse_request(request)
    resources = _resources(req)
    contexts, note = request_context(req, resources)
    caller = Caller(req.principal.account, req.principal.arn)
    action = req.action
    scps = _Layer()
    if req.management_account:
        scps.note(
            "scp",
            "the principal's account is the management account: SCPs never apply to it",
            Verdict.PASS,
        )
    elif req.scp_levels is None:
        scps.note("scp", "SCPs: not considered (scp_levels is null)")
    else:
        scps = _path(_org_levels("SCP", req.scp_levels, req), action, resources, contexts)
    rcps = _Layer()
    if req.rcp_levels is None:
        rcps.note("rcp", "RCPs: not considered (rcp_levels is null)")
    else:
        rcps = _path(_org_levels("RCP", req.rcp_levels, req), action, resources, contexts)
    identity, boundary = _identity_side(req, resources, contexts)
    cross = any(r.account != req.principal.account for r in resources)
    if req.resource_policy is None:
        resource, how = _Layer(), "direct"
        resource.allows = Match.YES if cross else Match.NO
        resource.note(
            "resource-policy",
            "resource-based policy: not given"
            + (", assumed to allow (the request is cross-account)" if cross else ""),
        )
    else:
        resource, how = _resource_side(req, resources, contexts, caller)
    layers = [scps, rcps, resource, identity, boundary]
    steps = [note, *(step for layer in layers for step in layer.steps)]
    unknown = frozenset().union(*(layer.unknown for layer in layers))
    if any(layer.denied for layer in layers):
        return Decision(Effect.DENY, tuple(steps))
    own = _and(identity.allows, boundary.allows)
    if cross:
        access = _and(own, resource.allows)
        rule = "cross-account: the identity side and the resource's policy must both allow"
    else:
        by_policy = {
            "direct": resource.allows,
            "role": _and(resource.allows, boundary.allows),
            "account": Match.NO,
        }[how]
        access = _or(own, by_policy)
        rule = (
            "same account: the identity side allows, or the resource's policy names the "
            "caller (its session or user, or its role within the boundary)"
        )
    allowed = _and(_and(scps.allows, rcps.allows), access)
    steps.append(Step("decision", Verdict.NOTE, rule))
    if allowed is Match.NO:
        return Decision(Effect.IMPLICIT_DENY, tuple(steps))
    if allowed is Match.YES and not any(layer.maybe_denied for layer in layers):
        return Decision(Effect.ALLOW, tuple(steps))
    return Decision(Effect.CONDITIONAL, tuple(steps), unknown)


def answer_text(decision: Decision) -> str:
    """The answer as `simulate` prints it: the effect, then the trace."""
    lines = [decision.effect.value, *(step.render() for step in decision.trace)]
    if decision.unknown_keys:
        keys = ", ".join(sorted(decision.unknown_keys))
        lines.append(f"depends on {keys}: give their values in the request's context")
    return "\n".join(lines)


def answer_json(decision: Decision) -> dict[str, Any]:
    """The answer as `simulate -f json` prints it: `{"effect", "trace"}`."""
    return {
        "effect": str(decision.effect),
        "trace": [step.to_json() for step in decision.trace],
    }
