"""Building blocks of access decisions: effects, trace steps, and whether one statement applies
to one resource of a request (shared by the SCP levels and the resource-policy step).

IAM user guide, "Policy evaluation logic": a statement applies to a request when its Action (or
NotAction) covers the action, its Resource (or NotResource) the resource, and its Condition
holds. A request that names several resources is authorized against each of them on its own
(the IAM guide's `…IfExists` example: "the entire statement is evaluated against every resource
that is required to launch the instance").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from trainshare.access.conditions import NO, YES, Context, Match, Outcome, evaluate_condition
from trainshare.access.variables import Unknown, resolve_resource
from trainshare.policy.match import statement_covers_action
from trainshare.policy.model import Statement
from trainshare.policy.wildcards import glob_match


class Effect(StrEnum):
    ALLOW = "ALLOW"
    DENY = "DENY"
    IMPLICIT_DENY = "IMPLICIT_DENY"
    CONDITIONAL = "CONDITIONAL"


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    DEPENDS = "depends"
    NOTE = "note"


_MARK = {Verdict.PASS: "✓", Verdict.FAIL: "✗", Verdict.DEPENDS: "?", Verdict.NOTE: "·"}


@dataclass(frozen=True, slots=True)
class Step:
    stage: str  # share | permission | scp:<level> | context | resource-policy
    verdict: Verdict
    text: str

    def render(self) -> str:
        return f"{_MARK[self.verdict]} {self.text}"

    def to_json(self) -> dict[str, str]:
        """As `--format json` prints a trace's step."""
        return {"stage": self.stage, "verdict": str(self.verdict), "text": self.text}


class RequestResource(NamedTuple):
    """One resource a request is authorized against, and the account that owns it (the value
    of aws:ResourceAccount while that resource is evaluated; None: not known)."""

    arn: str
    account: str | None = None


def resource_outcome(stmt: Statement, arn: str, ctx: Context) -> Outcome:
    """Whether the statement's Resource (or NotResource) covers `arn`: a pattern matches with
    IAM's wildcards, case-sensitively; its policy variables resolved against the request (one
    whose key is unknown leaves the answer open, naming the key)."""
    if not stmt.variables:
        hit = any(glob_match(p, arn) for p in stmt.resource_patterns)
        return YES if hit != stmt.not_resource else NO
    unknown: set[str] = set()
    hit = False
    for pattern in stmt.resource_patterns:
        resolved = resolve_resource(pattern, ctx.variable)
        if isinstance(resolved, Unknown):
            unknown |= resolved
        elif resolved is not None and glob_match(resolved, arn):
            hit = True
            break
    if not hit and unknown:
        return Outcome(Match.UNKNOWN, frozenset(unknown))
    return YES if hit != stmt.not_resource else NO


def applies(stmt: Statement, arn: str, ctx: Context) -> Outcome:
    """Resource, then Condition, of a statement whose action is already known to be covered."""
    found = resource_outcome(stmt, arn, ctx)
    if found.match is Match.NO:
        return found
    condition = evaluate_condition(stmt.condition, ctx, stmt.variables)
    return Outcome.all_of((found, condition)) if found.match is Match.UNKNOWN else condition


def statement_outcome(stmt: Statement, action: str, arn: str, ctx: Context) -> Outcome:
    """Whether the statement applies to a request for `action` on `arn`."""
    if not statement_covers_action(stmt, action):
        return NO
    return applies(stmt, arn, ctx)
