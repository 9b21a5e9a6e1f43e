"""One level of SCPs (the root, an OU, an account) on one request: denied, allowed, or not.

Organizations user guide, "SCP evaluation": a Deny that applies anywhere on the path denies; each
level root → OUs → account needs an Allow. A request authorized against several resources is
allowed at a level only when each resource is allowed there, each by any statement, and denied
when any statement denies any of them (IAM user guide, policy evaluation logic; the `…IfExists`
example of the Condition operators page).

`outcomes` computes what a level can see of a request — for each relevant statement, whether it
applies to each resource — and `verdict` turns that into the level's result and its trace; the
Evaluator keeps verdicts per outcomes, so levels that see a request alike are decided once.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum, StrEnum
from typing import NamedTuple

from trainshare.access.conditions import NO, Context, Match, Outcome, evaluate_condition
from trainshare.access.model import Level
from trainshare.access.statements import (
    Effect,
    RequestResource,
    Step,
    Verdict,
    applies,
    resource_outcome,
)
from trainshare.policy.model import Statement, UnparsablePolicy

RESOURCE_ACCOUNT = "aws:resourceaccount"


class Relevant(NamedTuple):
    """A statement of a level whose Action/NotAction covers the action asked about — or an SCP
    that cannot be read, which might say anything."""

    policy: str  # the SCP's name
    statement: Statement | UnparsablePolicy


class LevelResult(StrEnum):
    DENY = "deny"
    NONE = "none"  # no Allow at this level
    MAYBE = "maybe"  # depends on unknown keys
    ALLOW = "allow"


class LevelVerdict(NamedTuple):
    steps: tuple[Step, ...]
    result: LevelResult
    unknown: frozenset[str]
    names_resources: bool  # the steps name a resource: they hold for this request only
    allows: Match = Match.NO  # whether every resource is allowed: surely, perhaps, or not
    maybe_denied: bool = False  # a Deny applies unless an open condition rules it out


class PathPart(NamedTuple):
    """Some levels of a path, in order, as far as the first that denies."""

    steps: tuple[Step, ...]
    results: tuple[LevelResult, ...]
    unknown: frozenset[str]
    denied: bool
    names_resources: bool = False  # a step names a resource: the part holds for this request only


class _Unreadable(Enum):
    UNREADABLE = "an SCP that cannot be read: it may say anything"


UNREADABLE = _Unreadable.UNREADABLE

# One request as a level sees it: per relevant statement, its outcome on each resource, or
# UNREADABLE for an SCP that cannot be read
Outcomes = tuple[tuple[Outcome, ...] | _Unreadable, ...]


def outcomes(
    relevant: Sequence[Relevant],
    resources: Sequence[RequestResource],
    contexts: Sequence[Context],
) -> Outcomes:
    """`contexts[i]`: the request context while resources[i] is evaluated (they differ in
    aws:ResourceAccount only)."""
    alike = all(c is contexts[0] for c in contexts)
    out: list[tuple[Outcome, ...] | _Unreadable] = []
    for item in relevant:
        stmt = item.statement
        if isinstance(stmt, UnparsablePolicy):
            out.append(UNREADABLE)
        elif alike or RESOURCE_ACCOUNT not in stmt.keys_read:
            out.append(_row(stmt, resources, contexts[0]))
        else:
            out.append(
                tuple(applies(stmt, r.arn, c) for r, c in zip(resources, contexts, strict=True))
            )
    return tuple(out)


def _row(
    stmt: Statement, resources: Sequence[RequestResource], ctx: Context
) -> tuple[Outcome, ...]:
    """The statement on each resource, its Condition evaluated once."""
    condition: Outcome | None = None
    row = []
    for resource in resources:
        found = resource_outcome(stmt, resource.arn, ctx)
        if found.match is Match.NO:
            row.append(NO)
            continue
        if condition is None:
            condition = evaluate_condition(stmt.condition, ctx, stmt.variables)
        row.append(condition if found.match is Match.YES else Outcome.all_of((found, condition)))
    return tuple(row)


def _keys(outcome: Outcome) -> str:
    parts = sorted(outcome.unknown_keys) + list(outcome.notes)
    return ", ".join(parts) or "a condition"


def verdict(
    level: Level,
    relevant: Sequence[Relevant],
    seen: Outcomes,
    action: str,
    resources: Sequence[RequestResource],
) -> LevelVerdict:
    stage, where = level.stage, level.where
    allowed: list[list[str]] = [[] for _ in resources]  # per resource, who allows it
    maybe: list[list[str]] = [[] for _ in resources]  # …and who only perhaps
    unknown: set[str] = set()
    denies: list[Step] = []
    notes: list[Step] = []
    for item, row in zip(relevant, seen, strict=True):
        if row is UNREADABLE:
            assert isinstance(item.statement, UnparsablePolicy)
            text = (
                f"{where}: {item.policy} cannot be read ({item.statement.reason}): it may "
                f"allow or deny {action}"
            )
            denies.append(Step(stage, Verdict.DEPENDS, text))
            for names in maybe:
                names.append(item.policy)
            continue
        stmt = item.statement
        assert isinstance(stmt, Statement)
        name = f"{item.policy} {stmt.name}"
        notes += [
            Step(stage, Verdict.NOTE, f"{where}: {name}: {w}; it matches nothing")
            for w in dict.fromkeys(w for o in row for w in o.warnings)
        ]
        if stmt.is_deny:
            if any(o.match is Match.YES for o in row):
                text = f"{where}: {name} denies {action}"
                return LevelVerdict(
                    (Step(stage, Verdict.FAIL, text),), LevelResult.DENY, frozenset(), False
                )
            open_ = [o for o in row if o.match is Match.UNKNOWN]
            if open_:
                merged = Outcome.all_of(open_)
                unknown |= merged.unknown_keys
                text = f"{where}: {name} denies {action} unless {_keys(merged)} rules it out"
                denies.append(Step(stage, Verdict.DEPENDS, text))
            continue
        for i, outcome in enumerate(row):
            if outcome.match is Match.YES:
                allowed[i].append(name)
            elif outcome.match is Match.UNKNOWN:
                unknown |= outcome.unknown_keys
                maybe[i].append(name)
    return _conclude(
        level, action, resources, who=(allowed, maybe), unknown=unknown, steps=(denies, notes)
    )


def _conclude(
    level: Level,
    action: str,
    resources: Sequence[RequestResource],
    *,
    who: tuple[list[list[str]], list[list[str]]],
    unknown: set[str],
    steps: tuple[list[Step], list[Step]],
) -> LevelVerdict:
    """The level's result once no statement denied outright: `who` allows each resource
    (definitely, perhaps); `steps` are the open denials and the notes."""
    stage, where = level.stage, level.where
    allowed, maybe = who
    denies, notes = steps
    missing = [i for i in range(len(resources)) if not allowed[i] and not maybe[i]]
    if missing:
        attached = ", ".join(p.name for p in level.policies) or "nothing"
        partial = len(missing) < len(resources)
        on = f" on {resources[missing[0]].arn}" if partial else ""
        every = "; every level needs an Allow" if level.kind != "set" else ""
        text = f"{where}: no statement allows {action}{on} (attached: {attached}){every}"
        return LevelVerdict(
            (Step(stage, Verdict.FAIL, text), *notes),
            LevelResult.NONE,
            frozenset(),
            partial,
            maybe_denied=bool(denies),
        )
    open_resources = [i for i in range(len(resources)) if not allowed[i]]
    names_resources = False
    if open_resources:
        first_text = (
            f"{where}: allowed by {maybe[open_resources[0]][0]} only if "
            f"{', '.join(sorted(unknown)) or 'a condition'} match"
        )
        first = Step(stage, Verdict.DEPENDS, first_text)
    else:
        common = [n for n in allowed[0] if all(n in names for names in allowed[1:])]
        if common:
            first = Step(stage, Verdict.PASS, f"{where}: allowed by {common[0]}")
        else:
            names_resources = True
            each = "; ".join(
                f"{names[0]} for {r.arn}" for names, r in zip(allowed, resources, strict=True)
            )
            first = Step(stage, Verdict.PASS, f"{where}: allowed by {each}")
    result = LevelResult.MAYBE if denies or open_resources else LevelResult.ALLOW
    return LevelVerdict(
        (first, *denies, *notes),
        result,
        frozenset(unknown),
        names_resources,
        allows=Match.UNKNOWN if open_resources else Match.YES,
        maybe_denied=bool(denies),
    )


def path_effect(
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
