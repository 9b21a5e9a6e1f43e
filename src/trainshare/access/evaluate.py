"""Effective access: can account A perform action X on shared resource R — and why.

Order of reasoning (RAM user guide, "How RAM works"; Organizations user guide, SCP evaluation):
1. a share must hold R and reach A — directly, through an ancestor OU, or through the whole
   organization — and A must not be R's owner (the owner's access comes from its own IAM);
2. the share's permission for R's type must grant X;
3. SCPs: any matching Deny on the path root → OUs → A denies; every level needs a matching Allow;
   the management account is exempt from SCPs.
Each step is kept in the trace, in words; a condition that depends on a key nobody supplied makes
the decision CONDITIONAL, naming the keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from trainshare.access.conditions import (
    Context,
    Match,
    Outcome,
    evaluate_condition,
    evaluate_operator,
)
from trainshare.access.model import (
    AccessModel,
    AccountNode,
    AttachedPolicy,
    Grant,
    Level,
    ShareModel,
)
from trainshare.access.resource_policy import resource_policy_effect
from trainshare.access.statements import (
    Effect,
    Step,
    Verdict,
    resource_matches,
    resource_patterns,
)
from trainshare.catalog import load_catalog, parse_arn
from trainshare.errors import TrainshareError
from trainshare.policy.lint import as_list, statements
from trainshare.policy.match import statement_covers_action
from trainshare.policy.wildcards import action_matches, glob_match
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
            "trace": [
                {"stage": s.stage, "verdict": str(s.verdict), "text": s.text} for s in self.trace
            ],
        }


@dataclass(frozen=True, slots=True)
class Request:
    account: str  # key or 12-digit ID
    resource: str  # ARN of the shared resource
    action: str
    context: Context = field(default_factory=Context)
    share: str | None = None  # restrict to one share holding the resource


# -- step 1: the share --------------------------------------------------------------------------


def reach(share: ShareModel, account: AccountNode) -> str | None:
    """How the share reaches the account, in words, or None."""
    for kind, target in share.principals:
        if kind is PrincipalKind.ORGANIZATION and not account.external:
            return "through the organization"
        if (
            kind is PrincipalKind.UNIT
            and not account.external
            and (account.unit == target or account.unit.startswith(target + "/"))
        ):
            return f"through OU {target}"
        if kind is PrincipalKind.ACCOUNT and account.key == target:
            return "directly"
        if kind is PrincipalKind.ACCOUNT_ID and account.id == target:
            return "directly, by account ID" + (
                " (outside the organization)" if account.external else ""
            )
    return None


def _whereabouts(account: AccountNode) -> str:
    if account.external:
        return "outside the organization"
    return "in the root" if account.unit == ROOT else f"in OU {account.unit}"


def _shares_holding(model: AccessModel, request: Request) -> list[tuple[ShareModel, str]]:
    return [
        (share, rtype)
        for share, rtype in model.holding(request.resource)
        if request.share in (None, share.key)
    ]


def granting(grant: Grant, action: str) -> list[str] | None:
    """The permission's actions that cover `action`; None when they are not in the catalog
    (the grant is then only maybe)."""
    if grant.actions is None:
        return None
    return [a for a in grant.actions if action_matches(a, action)]


def share_steps(
    share: ShareModel, rtype: str, account: AccountNode, action: str
) -> tuple[list[Step], bool]:
    steps: list[Step] = []
    if account.key == share.owner or account.id == share.owner_id:
        steps.append(
            Step(
                "share",
                Verdict.FAIL,
                f"{account.label} owns this resource: its access comes from its own IAM "
                f"policies, not from share {share.key}",
            )
        )
        return steps, False
    how = reach(share, account)
    if how is None:
        whom = ", ".join(t for _, t in share.principals)
        steps.append(
            Step(
                "share",
                Verdict.FAIL,
                f"share {share.key} does not reach {account.label}: it is shared with {whom}, "
                f"and {account.key} is {_whereabouts(account)}",
            )
        )
        return steps, False
    steps.append(Step("share", Verdict.PASS, f"share {share.key} reaches {account.label} {how}"))
    grant = share.grants[rtype]
    if grant.actions is None:
        steps.append(
            Step(
                "permission",
                Verdict.DEPENDS,
                f"{grant.permission} for {rtype}: the actions it grants are not in the "
                "catalog (aws ram get-permission lists them)",
            )
        )
        return steps, True
    granted = granting(grant, action) or []
    caveat = " (assumed: the catalog marks these actions unverified)" if grant.assumed else ""
    if not granted:
        steps.append(
            Step(
                "permission",
                Verdict.FAIL,
                f"{grant.permission} does not grant {action}; it grants "
                f"{', '.join(grant.actions)}{caveat}",
            )
        )
        return steps, False
    steps.append(Step("permission", Verdict.PASS, f"{grant.permission} grants {action}{caveat}"))
    return steps, True


# -- step 3: SCPs -------------------------------------------------------------------------------


def _name(policy: str, index: int, stmt: Mapping[str, Any]) -> str:
    sid = stmt.get("Sid")
    return f"{policy} Statement[{index}]" + (f" (Sid {sid})" if isinstance(sid, str) else "")


def _keys(outcome: Outcome) -> str:
    parts = sorted(outcome.unknown_keys) + list(outcome.notes)
    return ", ".join(parts) or "a condition"


class LevelResult(StrEnum):
    DENY = "deny"
    NONE = "none"  # no Allow at this level
    MAYBE = "maybe"  # depends on unknown keys
    ALLOW = "allow"


Relevant = tuple[tuple[str, int, Mapping[str, Any]], ...]
PathPart = tuple[
    list[Step], list[LevelResult], frozenset[str], bool
]  # steps, results, keys, denied

# Context keys whose value is the requesting account's own (aws:PrincipalArn only through its
# account segment; see independent_of_account).
_ACCOUNT_KEYS = frozenset(
    {
        "aws:principalaccount",
        "aws:principalarn",
        "aws:userid",
        "aws:username",
        "aws:principalorgpaths",
        "aws:principaltag",
    }
)


_OWNER_KEY = "aws:resourceaccount"


def _condition_blocks(stmt: Mapping[str, Any]) -> list[Any]:
    """The key → values blocks of a statement's Condition, one per operator."""
    block = stmt.get("Condition")
    return list(block.values()) if isinstance(block, Mapping) else []


def _account_blind(pattern: str) -> bool:
    """Whether an ARN pattern matches the same for every account: `*`, or an ARN whose account
    segment is `*` or empty (the account ID only ever appears in that segment)."""
    parts = pattern.split(":", 5)
    if len(parts) < 6:
        return parts[-1] == "*"
    return parts[4] in ("*", "")


def independent_of_account(stmt: Mapping[str, Any]) -> bool:
    """Whether a statement's outcome can differ between two accounts under the same OUs."""
    _, patterns = resource_patterns(stmt)
    if not all(_account_blind(p) for p in patterns):
        return False
    for keys in _condition_blocks(stmt):
        for key, values in keys.items() if isinstance(keys, Mapping) else ():
            low = str(key).lower()
            if low == "aws:principalarn":
                if not all(isinstance(v, str) and _account_blind(v) for v in as_list(values)):
                    return False
            elif low.split("/")[0] in _ACCOUNT_KEYS:
                return False
    return True


def _shared_context(ctx: Context) -> tuple[Any, ...]:
    """The part of a request context that is the same for every account."""
    return (
        tuple(
            sorted((k, v) for k, v in ctx.values.items() if k.split("/")[0] not in _ACCOUNT_KEYS)
        ),
        ctx.absent,
        ctx.closed,
    )


class PathFacts(NamedTuple):
    """What the statements relevant to an action along a path (an `action_group`) let the
    matrix share between accounts and shares."""

    pattern_set: int  # their Resource/NotResource patterns other than `*`, interned
    independent: bool  # none can tell an account from others of its group
    # one has a condition on aws:ResourceAccount: the only part of the request context that
    # names the resource's owner (`request_context`); where none does, shares of different
    # owners get the same effect from the SCPs
    reads_owner: bool


class Evaluator:
    """Decisions for one model, with the work shared between requests.

    A level's result depends only on the action, on which of its statements' Resource patterns
    match the request's resources, and on each of their condition operators' outcomes; that
    tuple is the memo key, so accounts under the same OUs share the work exactly.
    """

    def __init__(self, model: AccessModel) -> None:
        self.model = model
        # (id of a level's policies, action) → those policies, their statements relevant to the
        # action, and the statements' ids. Levels holding the same policies share one tuple
        # (`model_from_spec`), and so one entry
        self._relevant: dict[tuple[int, str], tuple[Any, Relevant, tuple[int, ...]]] = {}
        self._relevant_policies: dict[tuple[int, str], tuple[AttachedPolicy, Relevant]] = {}
        self._levels: dict[tuple[Any, ...], tuple[list[Step], LevelResult, frozenset[str]]] = {}
        # what a level can see of a request → its result and unknown keys (`group_scps`)
        self._level_results: dict[tuple[Any, ...], tuple[LevelResult, frozenset[str]]] = {}
        self._paths: dict[tuple[Any, ...], PathPart] = {}
        self._independence: dict[tuple[int, str], bool] = {}  # (id of policies, action)
        self._groups: dict[str, int] = {}  # account key → group
        self._group_ids: dict[tuple[Any, ...], int] = {}
        # OU → the policies at each level root → OU
        self._units: dict[str, tuple[tuple[AttachedPolicy, ...], ...]] = {}
        self._group_levels: list[tuple[tuple[AttachedPolicy, ...], ...]] = []  # group → those
        self._action_groups: dict[tuple[int | str, str], int] = {}  # (group, action) → group
        self._action_group_ids: dict[tuple[Any, ...], int] = {}
        self._facts: list[PathFacts] = []  # action group → its facts
        self._pattern_sets: dict[tuple[str, ...], int] = {}
        self._pattern_list: list[tuple[str, ...]] = []  # pattern set → its patterns
        self._classes: dict[tuple[int, str], int] = {}  # (pattern set, ARN) → class
        self._class_ids: dict[tuple[Any, ...], int] = {}

    def relevant(self, level: Level, action: str) -> Relevant:
        """The level's statements whose Action/NotAction covers `action`."""
        return self._relevant_at(level.policies, action)[1]

    def _relevant_at(
        self, policies: tuple[AttachedPolicy, ...], action: str
    ) -> tuple[Any, Relevant, tuple[int, ...]]:
        key = (id(policies), action.lower())
        found = self._relevant.get(key)
        if found is None:  # the policies are kept in the entry, so their id is not reused
            relevant = tuple(
                item for policy in policies for item in self._relevant_in(policy, action)
            )
            found = (policies, relevant, tuple(id(stmt) for _, _, stmt in relevant))
            self._relevant[key] = found
        return found

    def _relevant_in(self, policy: AttachedPolicy, action: str) -> Relevant:
        """One policy's statements covering the action, kept per policy: an SCP attached to
        many OUs is matched against each action once."""
        key = (id(policy), action.lower())
        entry = self._relevant_policies.get(key)
        if entry is None:  # the policy is kept in the entry, so its id is not reused
            entry = (
                policy,
                tuple(
                    (policy.name, index, stmt)
                    for index, stmt in statements(policy.document)
                    if statement_covers_action(stmt, action)
                ),
            )
            self._relevant_policies[key] = entry
        return entry[1]

    def _signature(
        self, relevant: Relevant, resources: Sequence[str], ctx: Context
    ) -> tuple[Any, ...]:
        parts: list[Any] = []
        for _, _, stmt in relevant:
            _, patterns = resource_patterns(stmt)
            parts.append(tuple(glob_match(p, r) for p in patterns for r in resources))
            block = stmt.get("Condition")
            if isinstance(block, Mapping):
                for op_text, keys in block.items():
                    if isinstance(keys, Mapping):
                        parts += [
                            evaluate_operator(str(op_text), str(k), v, ctx) for k, v in keys.items()
                        ]
        return tuple(parts)

    def level(
        self, level: Level, action: str, resources: Sequence[str], ctx: Context
    ) -> tuple[list[Step], LevelResult, frozenset[str]]:
        relevant = self.relevant(level, action)
        key = (level.name, action.lower(), self._signature(relevant, resources, ctx))
        found = self._levels.get(key)
        if found is None:
            found = _level_steps(level, relevant, action, resources, ctx)
            self._levels[key] = found
        return found

    def scps(
        self, account: AccountNode, action: str, resources: Sequence[str], ctx: Context
    ) -> tuple[Effect, list[Step], frozenset[str]]:
        if account.management:
            return (
                Effect.ALLOW,
                [
                    Step(
                        "scp",
                        Verdict.PASS,
                        f"{account.label} is the management account: SCPs never apply to it",
                    )
                ],
                frozenset(),
            )
        if account.external:
            return (
                Effect.CONDITIONAL,
                [
                    Step(
                        "scp",
                        Verdict.DEPENDS,
                        f"{account.label} is outside the organization: its own SCPs are not known",
                    )
                ],
                (frozenset()),
            )
        path = self.model.path(account)
        shared = self._shared_part(path[:-1], action, resources, ctx)
        steps, results, unknown, denied = shared
        if not denied:
            own = self._path_part(path[-1:], action, resources, ctx)
            steps, results = steps + own[0], results + own[1]
            unknown, denied = unknown | own[2], own[3]
        effect, keys = _path_effect(results, unknown, denied)
        return effect, steps, keys

    def group_scps(
        self,
        share: ShareModel,
        account: AccountNode,
        *,
        resource: str,
        action: str,
        action_group: int,
        context: Context,
    ) -> tuple[Effect, frozenset[str]]:
        """The effect and unknown keys `scps` finds for the request, for every account of its
        action group whose path cannot tell it apart (`PathFacts.independent`). Each level's result
        is kept per what the level can see of the request: its statements relevant to the
        action, how the resource matches the path's patterns (`resource_class`), the Region,
        the action's other resources, the owner where a statement reads aws:ResourceAccount,
        and the context given. So levels holding the same policies — the root, an OU above
        many groups — are decided once for all actions and groups that see them alike."""
        facts = self.facts(action_group)
        pattern_set = facts.pattern_set
        region = request_region(share, resource)
        owner = share.owner_id if facts.reads_owner else None
        extra = load_catalog().action_resources.get(action, ())
        common = (
            pattern_set,
            self.resource_class(pattern_set, resource),
            region,
            extra,
            owner,
            _shared_context(context),
        )
        results: list[LevelResult] = []
        unknown: set[str] = set()
        request: tuple[list[str], Context] | None = None
        group = self.group(account)
        assert group is not None  # only accounts of the organization are grouped
        for policies in self._group_levels[group]:
            _, relevant, ids = self._relevant_at(policies, action)
            key = (ids, common)
            found = self._level_results.get(key)
            if found is None:
                if request is None:  # built once, and only for a level not decided yet
                    ctx, _ = request_context(self.model, account, share, region, context)
                    request = (
                        request_resources(self.model, account, resource, action, region),
                        ctx,
                    )
                where = Level("(a group's level)", "unit", policies)  # its steps are not kept
                _, result, keys = _level_steps(where, relevant, action, *request)
                found = self._level_results[key] = (result, keys)
            if found[0] is LevelResult.DENY:
                return _path_effect(results, frozenset(), True)
            results.append(found[0])
            unknown |= found[1]
        return _path_effect(results, frozenset(unknown), False)

    def _path_part(
        self, names: Sequence[str], action: str, resources: Sequence[str], ctx: Context
    ) -> PathPart:
        steps: list[Step] = []
        unknown: set[str] = set()
        results: list[LevelResult] = []
        for name in names:
            level_steps, result, keys = self.level(self._level(name), action, resources, ctx)
            if result is LevelResult.DENY:
                return steps + level_steps, results, frozenset(), True
            steps += level_steps
            unknown |= keys
            results.append(result)
        return steps, results, frozenset(unknown), False

    def _shared_part(
        self, names: tuple[str, ...], action: str, resources: Sequence[str], ctx: Context
    ) -> PathPart:
        """The root → OU part of a path, computed once for all accounts below it when nothing
        on it can tell those accounts apart (`independent_of_account`); else per account."""
        if not all(self._independent(name, action) for name in names):
            return self._path_part(names, action, resources, ctx)
        key = (names, action.lower(), resources[0], len(resources), _shared_context(ctx))
        found = self._paths.get(key)
        if found is None:
            found = self._path_part(names, action, resources, ctx)
            self._paths[key] = found
        return found

    def group(self, account: AccountNode) -> int | None:
        """Accounts of one group get the same effects wherever their path is account-independent:
        the same policies at each level root → OUs → account (names play no part in an effect,
        only in the trace). A small integer, interned per distinct sequence of policies (by the
        identity of each level's tuple of them, which `model_from_spec` shares between levels
        holding the same policies). Management and external accounts are never grouped."""
        if account.management or account.external:
            return None
        found = self._groups.get(account.key)
        if found is None:
            *units, own = self.model.path(account)
            above = self._units.get(account.unit)  # the root → OU part, kept per OU
            if above is None:
                above = self._units[account.unit] = tuple(self._level(u).policies for u in units)
            levels = (*above, self._level(own).policies)
            key = tuple(map(id, levels))
            found = self._group_ids.get(key)
            if found is None:
                found = self._group_ids[key] = len(self._group_levels)
                self._group_levels.append(levels)  # and so keeps the ids of the key in use
            self._groups[account.key] = found
        return found

    def action_group(self, account: AccountNode, action: str) -> int:
        """A finer `group` for one action: accounts whose paths hold the same statements
        *relevant to the action* at each level (others, and policy names, play no part in its
        effect). An account's own SCPs about other services no longer set it apart. A function
        of the policies along the path, so kept per (group, action)."""
        group = self.group(account)
        key = (account.key if group is None else group, action.lower())
        found = self._action_groups.get(key)
        if found is None:
            levels = (
                self._group_levels[group]
                if group is not None
                else tuple(self._level(name).policies for name in self.model.path(account))
            )
            relevant = [self._relevant_at(p, action) for p in levels]
            signature = tuple(ids for _, _, ids in relevant)
            found = self._action_group_ids.get(signature)
            if found is None:
                found = self._action_group_ids[signature] = len(self._facts)
                self._facts.append(
                    self._path_facts([stmt for _, items, _ in relevant for _, _, stmt in items])
                )
            self._action_groups[key] = found
        return found

    def facts(self, action_group: int) -> PathFacts:
        """What the statements of an `action_group` let the matrix share (see PathFacts)."""
        return self._facts[action_group]

    def _path_facts(self, statements: list[Mapping[str, Any]]) -> PathFacts:
        patterns = tuple(
            pattern
            for stmt in statements
            for pattern in resource_patterns(stmt)[1]
            if pattern != "*"
        )
        pattern_set = self._pattern_sets.setdefault(patterns, len(self._pattern_sets))
        if pattern_set == len(self._pattern_list):
            self._pattern_list.append(patterns)
        return PathFacts(
            pattern_set,
            all(independent_of_account(stmt) for stmt in statements),
            any(
                isinstance(keys, Mapping) and any(k.lower() == _OWNER_KEY for k in keys)
                for stmt in statements
                for keys in _condition_blocks(stmt)
            ),
        )

    def _level(self, name: str) -> Level:
        """The level by name; an account with no SCPs of its own has an empty one."""
        return self.model.levels.get(name) or Level(name, "account", ())

    def resource_class(self, pattern_set: int, arn: str) -> int:
        """All an effect can see of a shared resource: its Region (for aws:RequestedRegion) and
        which patterns of the set match it, as a small integer. Resources of one share and type
        with the same class get the same effect; each ARN is matched once per pattern set."""
        found = self._classes.get((pattern_set, arn))
        if found is None:
            parts = arn.split(":", 4)
            region = parts[3] if len(parts) > 3 else ""
            patterns = self._pattern_list[pattern_set]
            matches = (region, tuple(glob_match(pattern, arn) for pattern in patterns))
            found = self._class_ids.setdefault(matches, len(self._class_ids))
            self._classes[(pattern_set, arn)] = found
        return found

    def _independent(self, name: str, action: str) -> bool:
        policies = self._level(name).policies
        key = (id(policies), action.lower())
        found = self._independence.get(key)
        if found is None:
            found = all(
                independent_of_account(stmt)
                for _, _, stmt in self._relevant_at(policies, action)[1]
            )
            self._independence[key] = found
        return found

    def decide(self, request: Request) -> Decision:
        return _decide(self, request)


def _level_steps(
    level: Level, relevant: Relevant, action: str, resources: Sequence[str], ctx: Context
) -> tuple[list[Step], LevelResult, frozenset[str]]:
    allows: list[str] = []
    maybe_allows: list[str] = []
    unknown: set[str] = set()
    denies: list[Step] = []
    where = (
        "SCP at the root"
        if level.kind == "root"
        else (f"SCP at {'OU' if level.kind == 'unit' else 'account'} {level.name}")
    )
    for policy, index, stmt in relevant:
        if not resource_matches(stmt, resources):
            continue
        outcome = evaluate_condition(stmt.get("Condition"), ctx)
        if outcome.match is Match.NO:
            continue
        name = _name(policy, index, stmt)
        if stmt.get("Effect") == "Deny":
            if outcome.match is Match.YES:
                return (
                    [Step(f"scp:{level.name}", Verdict.FAIL, f"{where}: {name} denies {action}")],
                    LevelResult.DENY,
                    frozenset(),
                )
            unknown |= outcome.unknown_keys
            denies.append(
                Step(
                    f"scp:{level.name}",
                    Verdict.DEPENDS,
                    f"{where}: {name} denies {action} unless {_keys(outcome)} rules it out",
                )
            )
        elif outcome.match is Match.YES:
            allows.append(name)
        else:
            unknown |= outcome.unknown_keys
            maybe_allows.append(name)
    if not allows and not maybe_allows:
        attached = ", ".join(p.name for p in level.policies) or "nothing"
        return (
            [
                Step(
                    f"scp:{level.name}",
                    Verdict.FAIL,
                    f"{where}: no statement allows {action} (attached: {attached}); every level "
                    "needs an Allow",
                )
            ],
            LevelResult.NONE,
            frozenset(),
        )
    if allows:
        first = Step(f"scp:{level.name}", Verdict.PASS, f"{where}: allowed by {allows[0]}")
    else:
        first = Step(
            f"scp:{level.name}",
            Verdict.DEPENDS,
            f"{where}: allowed by {maybe_allows[0]} only if {', '.join(sorted(unknown))} match",
        )
    result = LevelResult.MAYBE if denies or not allows else LevelResult.ALLOW
    return [first, *denies], result, frozenset(unknown)


def _path_effect(
    results: Sequence[LevelResult], unknown: frozenset[str], denied: bool
) -> tuple[Effect, frozenset[str]]:
    """A path's effect from its levels' results: an explicit Deny anywhere, else a level with
    no Allow, else an open question (and its keys), else allowed."""
    if denied:
        return Effect.DENY, frozenset()
    if LevelResult.NONE in results:
        return Effect.IMPLICIT_DENY, frozenset()
    if LevelResult.MAYBE in results:
        return Effect.CONDITIONAL, unknown
    return Effect.ALLOW, frozenset()


# -- the request --------------------------------------------------------------------------------


def request_resources(
    model: AccessModel, account: AccountNode, resource: str, action: str, region: str
) -> list[str]:
    """The shared resource, plus what the action is also authorized against (catalog data)."""
    templates = load_catalog().action_resources.get(action, ())
    ident = account.id or account.key
    return [resource] + [
        t.format(partition=model.partition, region=region, account=ident) for t in templates
    ]


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
        "aws:ResourceAccount": share.owner_id,
        "aws:RequestedRegion": region,
        "aws:PrincipalArn": f"arn:{model.partition}:iam::{ident}:role/{model.principal_role}",
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
    return ctx.with_values(auto), note


def _decide(evaluator: Evaluator, request: Request) -> Decision:
    model = evaluator.model
    account = model.account(request.account)
    if account is None:
        raise AccessError(f"no account {request.account!r} in the model")
    holding = _shares_holding(model, request)
    if not holding:
        raise AccessError(
            f"{request.resource} is not a resource of any share"
            + (f" named {request.share!r}" if request.share else "")
        )
    decisions = [
        decide_in(
            evaluator,
            share,
            rtype,
            account,
            resource=request.resource,
            action=request.action,
            context=request.context,
        )
        for share, rtype in holding
    ]
    return next((d for d in decisions if d.effect is not Effect.IMPLICIT_DENY), decisions[0])


def decide_in(
    evaluator: Evaluator,
    share: ShareModel,
    rtype: str,
    account: AccountNode,
    *,
    resource: str,
    action: str,
    context: Context,
) -> Decision:
    """The decision for one resource of one share (the matrix calls this directly)."""
    steps, ok = share_steps(share, rtype, account, action)
    if not ok:
        return Decision(Effect.IMPLICIT_DENY, tuple(steps))
    model = evaluator.model
    note, (effect, scp_steps, unknown) = _caller_side(
        evaluator, share, account, resource=resource, action=action, context=context
    )
    permission_unknown = any(s.verdict is Verdict.DEPENDS for s in steps)
    if permission_unknown and effect is Effect.ALLOW:
        effect = Effect.CONDITIONAL
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


def _caller_side(
    evaluator: Evaluator,
    share: ShareModel,
    account: AccountNode,
    *,
    resource: str,
    action: str,
    context: Context,
) -> tuple[Step, tuple[Effect, list[Step], frozenset[str]]]:
    """The context note, and the SCP path's effect, steps and unknown keys for one request."""
    model = evaluator.model
    region = request_region(share, resource)
    ctx, note = request_context(model, account, share, region, context)
    resources = request_resources(model, account, resource, action, region)
    return note, evaluator.scps(account, action, resources, ctx)


def evaluate(model: AccessModel, request: Request) -> Decision:
    """One decision, from scratch (the matrix shares one Evaluator across cells)."""
    return Evaluator(model).decide(request)
