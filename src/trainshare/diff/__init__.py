"""`trainshare diff OLD NEW`: what a spec change does — to the stack's resources (the plans
compared, `plan.changes`), to the guardrails of each OU and account (`diff.guardrails`), and to
who can do what (`diff.access`: only the rows that can change are decided) — with the risks a
reviewer must not miss (`diff.risks`). Pure: the CLI reads the specs and prints.
"""

from __future__ import annotations

from dataclasses import dataclass

from trainshare.access.conditions import Context
from trainshare.access.model import model_from_spec
from trainshare.diff.access import AccessChange, AccessChanges, access_changes
from trainshare.diff.capacity import CapacityChange, capacity_changes
from trainshare.diff.guardrails import GuardrailAction, GuardrailChange, guardrail_changes
from trainshare.diff.reasons import Side
from trainshare.diff.renames import Renames
from trainshare.diff.risks import risk_flags
from trainshare.findings import Finding
from trainshare.plan import build_plan
from trainshare.plan.changes import PlanChanges, compare_plans
from trainshare.spec import Spec

__all__ = [
    "AccessChange",
    "AccessChanges",
    "CapacityChange",
    "GuardrailAction",
    "GuardrailChange",
    "Side",
    "SpecDiff",
    "decide_changes",
    "diff_specs",
]

# a spec that would lock a level out is still compared: the change's risk to flag
ACCEPTED_ERRORS = ("LEVEL_WITHOUT_ALLOW",)


@dataclass(frozen=True)
class SpecDiff:
    old: str  # the specs as the command line named them
    new: str
    resources: PlanChanges
    guardrails: tuple[GuardrailChange, ...]
    access: AccessChanges
    risks: tuple[Finding, ...]
    # what shared reservations are stated to be, and who pays: deploys nothing, still a change
    capacity: tuple[CapacityChange, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(
            self.resources.changes
            or self.guardrails
            or self.access.changes
            or self.risks
            or self.capacity
        )


def renames(new: Spec) -> Renames:
    """The old keys of accounts and shares the new spec renamed (`renamed_from`)."""
    return Renames(
        accounts={a.renamed_from: k for k, a in new.accounts.items() if a.renamed_from},
        shares={s.renamed_from: k for k, s in new.shares.items() if s.renamed_from},
    )


@dataclass(frozen=True)
class Decided:
    """What the two access models tell: the access changes, the guardrails, the risks."""

    guardrails: tuple[GuardrailChange, ...]
    access: AccessChanges
    risks: tuple[Finding, ...]


def decide_changes(old: Spec, new: Spec, context: Context | None = None) -> Decided:
    """Every section but the resources (which compares the two plans)."""
    old_model = model_from_spec(old, old.organization.id)
    new_model = model_from_spec(new, new.organization.id)
    access = access_changes(old_model, new_model, renames=renames(new), context=context)
    guardrails = guardrail_changes(old, new)
    return Decided(
        guardrails=guardrails,
        access=access,
        risks=tuple(risk_flags(old, new, access, old_model, new_model, guardrails=guardrails)),
    )


def diff_specs(
    old: Spec,
    new: Spec,
    *,
    labels: tuple[str, str] = ("old", "new"),
    context: Context | None = None,
) -> SpecDiff:
    decided = decide_changes(old, new, context)
    return SpecDiff(
        old=labels[0],
        new=labels[1],
        resources=compare_plans(build_plan(old), build_plan(new)),
        guardrails=decided.guardrails,
        access=decided.access,
        risks=decided.risks,
        capacity=capacity_changes(old, new),
    )
