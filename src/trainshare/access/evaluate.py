"""Effective access: can account A perform action X on shared resource R — and why.

Order of reasoning (RAM user guide, "How RAM works"; Organizations user guide, SCP evaluation):
1. a share must hold R and reach A — directly, through an ancestor OU, or through the whole
   organization — and A must not be R's owner (the owner's access comes from its own IAM);
2. the share's permission for R's type must grant X;
3. SCPs: any matching Deny on the path root → OUs → A denies; every level needs a matching Allow;
   the management account is exempt from SCPs;
4. RCPs: no resource control policy on the path of R's owner may deny (`access.rcp`);
5. for a policy share, the resource's own policy must let A in as well (`resource_policy`).
Each step is kept in the trace, in words; a condition that depends on a key nobody supplied makes
the decision CONDITIONAL, naming the keys.

The Evaluator decides one request at a time and keeps what levels holding the same policies
share; the matrix's grouping of accounts alike is `access.grouping`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from trainshare.access.conditions import Context
from trainshare.access.levels import (
    LevelResult,
    LevelVerdict,
    PathPart,
    Relevant,
    outcomes,
    path_effect,
    verdict,
)
from trainshare.access.model import AccessModel, AccountNode, Grant, Level, ShareModel
from trainshare.access.rcp import rcp_side
from trainshare.access.request import (
    Question,
    request_context,
    request_region,
    request_resources,
    resource_contexts,
)
from trainshare.access.resource_policy import resource_policy_effect
from trainshare.access.statements import Effect, RequestResource, Step, Verdict
from trainshare.catalog import load_catalog
from trainshare.errors import TrainshareError
from trainshare.policy.match import statement_covers_action
from trainshare.policy.model import PolicyDocument, Statement, UnparsablePolicy
from trainshare.policy.wildcards import action_matches
from trainshare.spec import ROOT, PrincipalKind


class AccessError(TrainshareError):
    """A question the model cannot answer (an unknown account or resource)."""


@dataclass(frozen=True, slots=True)
class Decision:
    effect: Effect
    trace: tuple[Step, ...]
    unknown_keys: frozenset[str] = frozenset()

    def explain(self) -> str:
        lines = [step.render() for step in self.trace]
        if self.unknown_keys:
            keys = ", ".join(sorted(self.unknown_keys))
            lines.append(f"depends on {keys}: answer with --context KEY=VALUE")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "effect": str(self.effect),
            "unknown_keys": sorted(self.unknown_keys),
            "trace": [step.to_json() for step in self.trace],
        }


@dataclass(frozen=True, slots=True)
class Request:
    account: str  # key or 12-digit ID
    resource: str  # ARN of the shared resource
    action: str
    context: Context = field(default_factory=Context)
    share: str | None = None  # restrict to one share holding the resource


class ScpSide(NamedTuple):
    """The SCPs' side of a request: its effect, the steps that say why, the keys it needs."""

    effect: Effect
    steps: tuple[Step, ...]
    unknown: frozenset[str]


class RelevantSet(NamedTuple):
    """A set of policies' statements relevant to one action, and its number: sets holding the
    same statements have the same number, whatever the policies around them."""

    items: tuple[Relevant, ...]
    number: int


# -- step 1: the share --------------------------------------------------------------------------


def reach(model: AccessModel, share: ShareModel, account: AccountNode) -> str | None:
    """How the share reaches the account, in words, or None."""
    for kind, target in share.principals:
        if kind is PrincipalKind.ORGANIZATION and not account.external:
            return "through the organization"
        if (
            kind is PrincipalKind.UNIT
            and not account.external
            and (account.unit == target or account.unit.startswith(target + "/"))
        ):
            return f"through OU {model.unit_name(target)}"
        if kind is PrincipalKind.ACCOUNT and account.key == target:
            return "directly"
        if kind is PrincipalKind.ACCOUNT_ID and account.id == target:
            return "directly, by account ID" + (
                " (outside the organization)" if account.external else ""
            )
    return None


def _whereabouts(model: AccessModel, account: AccountNode) -> str:
    if account.external:
        return "outside the organization"
    return "in the root" if account.unit == ROOT else f"in OU {model.unit_name(account.unit)}"


def granting(grant: Grant, action: str) -> tuple[str, ...]:
    """The permission's actions that cover `action` (none where they are not `known`)."""
    return tuple(a for a in grant.actions if action_matches(a, action))


def share_steps(
    model: AccessModel, share: ShareModel, rtype: str, account: AccountNode, action: str
) -> tuple[list[Step], bool]:
    steps: list[Step] = []
    if account.key == share.owner or account.id == share.owner_id:
        text = (
            f"{account.label} owns this resource: its access comes from its own IAM "
            f"policies, not from share {share.key}"
        )
        return [Step("share", Verdict.FAIL, text)], False
    how = reach(model, share, account)
    if how is None:
        whom = ", ".join(model.principal_name(k, t) for k, t in share.principals)
        text = (
            f"share {share.key} does not reach {account.label}: it is shared with {whom}, "
            f"and {account.display} is {_whereabouts(model, account)}"
        )
        return [Step("share", Verdict.FAIL, text)], False
    steps.append(Step("share", Verdict.PASS, f"share {share.key} reaches {account.label} {how}"))
    grant = share.grants[rtype]
    if not grant.known:
        text = (
            f"{grant.permission} for {rtype}: the actions it grants are not in the "
            "catalog (aws ram get-permission lists them)"
        )
        steps.append(Step("permission", Verdict.DEPENDS, text))
        return steps, True
    caveat = " (assumed: the catalog marks these actions unverified)" if grant.assumed else ""
    if not granting(grant, action):
        text = (
            f"{grant.permission} does not grant {action}; it grants "
            f"{', '.join(grant.actions)}{caveat}"
        )
        steps.append(Step("permission", Verdict.FAIL, text))
        return steps, False
    steps.append(Step("permission", Verdict.PASS, f"{grant.permission} grants {action}{caveat}"))
    return steps, True


# -- step 3: SCPs -------------------------------------------------------------------------------

# Context keys whose value is the requesting account's own (aws:PrincipalArn only through its
# account segment; see independent_of_account).
ACCOUNT_KEYS = load_catalog().key_sets["caller_account"]


def shared_context(ctx: Context) -> tuple[Any, ...]:
    """The part of a request context that is the same for every account."""
    return (
        tuple(sorted((k, v) for k, v in ctx.values.items() if k.split("/")[0] not in ACCOUNT_KEYS)),
        ctx.absent,
        ctx.closed,
        ctx.unknown,
    )


class Evaluator:
    """Decisions for one model, with the work shared between requests: a level's verdict
    depends only on its policies' statements relevant to the action and on how each applies to
    each resource of the request (`levels.outcomes`), so levels that see a request alike are
    decided once; the root → OU part of a path nothing on which can tell accounts apart is
    decided once per OU."""

    def __init__(self, model: AccessModel) -> None:
        self.model = model
        self.index = model.index
        self._in_policy: dict[tuple[int, str], tuple[Relevant, ...]] = {}
        self._relevant: dict[tuple[int, str], RelevantSet] = {}  # (policy set, action)
        self._relevant_numbers: dict[tuple[tuple[int, int], ...], int] = {}
        self._verdicts: dict[tuple[Any, ...], LevelVerdict] = {}
        self._unit_parts: dict[tuple[Any, ...], PathPart] = {}
        self._independent: dict[tuple[int, str, bool], bool] = {}

    def relevant(self, level: Level, action: str) -> RelevantSet:
        """The level's statements whose Action/NotAction covers `action`."""
        return self.relevant_in_set(self.index.policy_set(level), action)

    def relevant_in_set(self, policy_set: int, action: str) -> RelevantSet:
        key = (policy_set, action.lower())
        found = self._relevant.get(key)
        if found is None:
            items: list[Relevant] = []
            ids: list[tuple[int, int]] = []
            for number in self.index.policy_sets[policy_set]:
                for item in self._relevant_in(number, action):
                    items.append(item)
                    stmt = item.statement
                    ids.append((number, stmt.index if isinstance(stmt, Statement) else -1))
            signature = tuple(ids)
            relevant_number = self._relevant_numbers.setdefault(
                signature, len(self._relevant_numbers)
            )
            found = self._relevant[key] = RelevantSet(tuple(items), relevant_number)
        return found

    def _relevant_in(self, number: int, action: str) -> tuple[Relevant, ...]:
        """One policy's statements covering the action, kept per policy: an SCP attached to
        many OUs is matched against each action once."""
        key = (number, action.lower())
        found = self._in_policy.get(key)
        if found is None:
            policy = self.index.policies[number]
            document = policy.document
            if isinstance(document, PolicyDocument):
                found = tuple(
                    Relevant(policy.name, stmt)
                    for stmt in document.statements
                    if statement_covers_action(stmt, action)
                )
            else:
                found = (Relevant(policy.name, document),)
            self._in_policy[key] = found
        return found

    def level(
        self,
        level: Level,
        action: str,
        resources: Sequence[RequestResource],
        contexts: Sequence[Context],
    ) -> LevelVerdict:
        relevant = self.relevant(level, action)
        seen = outcomes(relevant.items, resources, contexts)
        key = (level.kind, level.name, self.index.policy_set(level), action.lower(), seen)
        found = self._verdicts.get(key)
        if found is None:
            found = verdict(level, relevant.items, seen, action, resources)
            if not found.names_resources:  # else its steps hold for this request only
                self._verdicts[key] = found
        return found

    def scps(
        self,
        account: AccountNode,
        action: str,
        resources: Sequence[RequestResource],
        contexts: Sequence[Context],
    ) -> ScpSide:
        if account.management:
            text = f"{account.label} is the management account: SCPs never apply to it"
            return ScpSide(Effect.ALLOW, (Step("scp", Verdict.PASS, text),), frozenset())
        if account.external:
            text = f"{account.label} is outside the organization: its own SCPs are not known"
            return ScpSide(Effect.CONDITIONAL, (Step("scp", Verdict.DEPENDS, text),), frozenset())
        shared = self._unit_part(account, action, resources, contexts)
        steps, results, unknown, denied, _ = shared
        if not denied:
            own = self._path_part(
                (self.index.account_level(account.key),), action, resources, contexts
            )
            steps, results = steps + own.steps, results + own.results
            unknown, denied = unknown | own.unknown, own.denied
        effect, keys = path_effect(results, unknown, denied)
        return ScpSide(effect, steps, keys)

    def _path_part(
        self,
        levels: Sequence[Level],
        action: str,
        resources: Sequence[RequestResource],
        contexts: Sequence[Context],
    ) -> PathPart:
        steps: list[Step] = []
        unknown: set[str] = set()
        results: list[LevelResult] = []
        named = False
        for level in levels:
            found = self.level(level, action, resources, contexts)
            named |= found.names_resources
            if found.result is LevelResult.DENY:
                return PathPart((*steps, *found.steps), tuple(results), frozenset(), True, named)
            steps += found.steps
            unknown |= found.unknown
            results.append(found.result)
        return PathPart(tuple(steps), tuple(results), frozenset(unknown), False, named)

    def _unit_part(
        self,
        account: AccountNode,
        action: str,
        resources: Sequence[RequestResource],
        contexts: Sequence[Context],
    ) -> PathPart:
        """The root → OU part of a path, computed once for all accounts below it when nothing
        on it can tell those accounts apart (`independent_of_account`); else per account."""
        levels = self.index.unit_path(account)
        extra = len(resources) > 1
        if not all(self.independent(level, action, extra) for level in levels):
            return self._path_part(levels, action, resources, contexts)
        first = resources[0]
        key = (account.unit, action.lower(), first, len(resources), shared_context(contexts[0]))
        found = self._unit_parts.get(key)
        if found is None:
            found = self._path_part(levels, action, resources, contexts)
            if not found.names_resources:  # else its steps hold for this request only
                self._unit_parts[key] = found
        return found

    def independent(self, level: Level, action: str, extra: bool) -> bool:
        """Whether the level's statements relevant to the action decide alike for every
        account (`independent_of_account`); `extra`: the request holds resources of the
        caller's own (their aws:ResourceAccount is the caller's)."""
        relevant = self.relevant(level, action)
        key = (relevant.number, action.lower(), extra)
        found = self._independent.get(key)
        if found is None:
            found = self._independent[key] = all(
                independent_of_account(item.statement, extra) for item in relevant.items
            )
        return found

    def decide(self, request: Request) -> Decision:
        return _decide(self, request)


def _account_blind(pattern: str) -> bool:
    """Whether an ARN pattern matches the same for every account: `*`, or an ARN whose account
    segment is `*` or empty (the account ID only ever appears in that segment)."""
    parts = pattern.split(":", 5)
    if len(parts) < 6:
        return parts[-1] == "*"
    return parts[4] in ("*", "")


def independent_of_account(stmt: Statement | UnparsablePolicy, extra: bool = False) -> bool:
    """Whether a statement's outcome can differ between two accounts under the same OUs: it
    names no account in its Resource, and reads no key whose value is the caller's own (as a
    condition key or a policy variable) — aws:ResourceAccount included where the request holds
    a resource of the caller's (`extra`). An SCP that cannot be read is independent: it is an
    open question for everyone alike."""
    if isinstance(stmt, UnparsablePolicy):
        return True
    if not all(_account_blind(p) for p in stmt.resource_patterns):
        return False
    for key in stmt.keys_read:
        if key == "aws:principalarn" and not stmt.variables:
            continue  # judged on its values below
        if key.split("/")[0] in ACCOUNT_KEYS or (extra and key == "aws:resourceaccount"):
            return False
    for condition in stmt.condition.conditions:
        if condition.key.lower() == "aws:principalarn" and not all(
            _account_blind(v) for v in condition.values
        ):
            return False
    return True


# -- the request --------------------------------------------------------------------------------


def _decide(evaluator: Evaluator, request: Request) -> Decision:
    model = evaluator.model
    account = model.account(request.account)
    if account is None:
        raise AccessError(f"no account {request.account!r} in the model")
    holding = [
        (share, rtype)
        for share, rtype in model.holding(request.resource)
        if request.share in (None, share.key)
    ]
    if not holding:
        raise AccessError(
            f"{request.resource} is not a resource of any share"
            + (f" named {request.share!r}" if request.share else "")
        )
    decisions = [
        decide_in(
            evaluator,
            share,
            account,
            Question(request.resource, rtype, request.action),
            context=request.context,
        )
        for share, rtype in holding
    ]
    return next((d for d in decisions if d.effect is not Effect.IMPLICIT_DENY), decisions[0])


def decide_in(
    evaluator: Evaluator,
    share: ShareModel,
    account: AccountNode,
    question: Question,
    *,
    context: Context,
) -> Decision:
    """The decision for one resource of one share (the matrix calls this directly)."""
    resource, rtype, action = question
    model = evaluator.model
    steps, ok = share_steps(model, share, rtype, account, action)
    if not ok:
        return Decision(Effect.IMPLICIT_DENY, tuple(steps))
    said = share.notes.get(resource)
    if said:
        steps.append(Step("share", Verdict.NOTE, f"{resource.rsplit('/', 1)[-1]}: {said}"))
    region = request_region(share, resource)
    ctx, note = request_context(model, account, share, region, context)
    resources = request_resources(
        model, account, share, resource=resource, action=action, region=region
    )
    effect, scp_steps, unknown = evaluator.scps(
        account, action, resources, resource_contexts(ctx, resources, context)
    )
    if not share.grants[rtype].known and effect is Effect.ALLOW:
        effect = Effect.CONDITIONAL
    # the resource's side: the RCPs on its owner's path (`access.rcp`), then its own policy
    rcp = rcp_side(model, share, account, question, context=context)
    if rcp is not None:
        effect, unknown = both_sides(effect, rcp.effect), unknown | rcp.unknown
        scp_steps = (*scp_steps, *rcp.steps)
    document = share.policies.get(resource)
    if document is None:
        return Decision(effect, (*steps, note, *scp_steps), unknown)
    # a policy share: the resource's own policy must let the account in as well
    policy_effect, policy_step, policy_unknown = resource_policy_effect(
        model, account, document, arn=resource, rtype=rtype, action=action, context=context
    )
    return Decision(
        both_sides(effect, policy_effect),
        (*steps, note, *scp_steps, policy_step),
        unknown | policy_unknown,
    )


# the more restrictive effect wins when two sides of a cross-account request are combined
_SEVERITY = [Effect.ALLOW, Effect.CONDITIONAL, Effect.IMPLICIT_DENY, Effect.DENY]


def both_sides(caller: Effect, resource: Effect) -> Effect:
    """A cross-account request's effect from the caller's side (its SCPs) and the resource's
    policy: an explicit Deny on either side, else a missing Allow, else an open question."""
    return max(caller, resource, key=_SEVERITY.index)


def evaluate(model: AccessModel, request: Request) -> Decision:
    """One decision, from scratch (the matrix shares one Evaluator across cells)."""
    return Evaluator(model).decide(request)
