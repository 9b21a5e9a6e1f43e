"""Building blocks of access decisions: effects, trace steps, and one statement's outcome for
a request (shared by the SCP evaluation and the resource-policy step)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from trainshare.access.conditions import Context, Match, Outcome, evaluate_condition
from trainshare.policy.lint import as_list
from trainshare.policy.match import statement_covers_action
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
    stage: str  # share | permission | scp:<level> | context
    verdict: Verdict
    text: str

    def render(self) -> str:
        return f"{_MARK[self.verdict]} {self.text}"


def resource_patterns(stmt: Mapping[str, Any]) -> tuple[bool, list[str]]:
    """(negated, patterns) of Resource or NotResource; a missing element means "*"."""
    if "NotResource" in stmt:
        return True, [p for p in as_list(stmt["NotResource"]) if isinstance(p, str)]
    return False, [p for p in as_list(stmt.get("Resource", "*")) if isinstance(p, str)]


def resource_matches(stmt: Mapping[str, Any], resources: Sequence[str]) -> bool:
    """Deny applies when any request resource matches; Allow only when all do (a request is
    authorized against each resource it names)."""
    negated, patterns = resource_patterns(stmt)
    hits = [any(glob_match(p, r) for p in patterns) != negated for r in resources]
    return any(hits) if stmt.get("Effect") == "Deny" else all(hits)


def statement_outcome(
    stmt: Mapping[str, Any], action: str, resources: Sequence[str], ctx: Context
) -> Outcome:
    if not statement_covers_action(stmt, action) or not resource_matches(stmt, resources):
        return Outcome(Match.NO)
    return evaluate_condition(stmt.get("Condition"), ctx)
