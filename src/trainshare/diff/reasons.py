"""Why a cell changes, on each side: the reason read from the trace of one account's decision,
in words that hold for every account of its group (`reason`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from trainshare.access.conditions import Context
from trainshare.access.evaluate import Decision, Evaluator, decide_in, reach
from trainshare.access.model import AccessModel, AccountNode
from trainshare.access.request import Question
from trainshare.access.statements import Effect, Step, Verdict
from trainshare.diff.decided import CellChange
from trainshare.diff.renames import Renames
from trainshare.spec import PrincipalKind


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a change: the effect, the keys it depends on, why (in words, the deciding
    steps of the trace), and the decision of one account of the group, trace and all (None
    where the share does not reach it)."""

    effect: Effect
    unknown_keys: frozenset[str]
    reason: str
    decision: Decision | None = None
    account: str | None = None  # the account the decision is for (its key in that model)


class Reasons:
    """The reason of a side, from the trace of one account's decision."""

    def __init__(
        self,
        old: AccessModel,
        new: AccessModel,
        ctx: Context,
        renames: Renames,
        *,
        sampled: bool = False,
    ):
        self.models = {False: old, True: new}
        self.evaluators = {False: Evaluator(old), True: Evaluator(new)}
        self.ctx = ctx
        self.renames = renames
        self.sampled = sampled  # the side stands for accounts it was not traced for: say whose

    def side(
        self, newer: bool, share_key: str, account: AccountNode | None, cell: CellChange
    ) -> Side:
        found = self._side(newer, share_key, account, cell)
        return _as_for(found, account) if self.sampled else found

    def _side(
        self, newer: bool, share_key: str, account: AccountNode | None, cell: CellChange
    ) -> Side:
        """The cell's side (`newer`: the new model's) with its effect as the matrix decided
        it, and the reason from the trace."""
        arn, rtype, action = cell.resource, cell.rtype, cell.action
        effect, keys = (
            (cell.now_effect, cell.now_keys) if newer else (cell.was_effect, cell.was_keys)
        )
        model = self.models[newer]
        name = share_key if newer else self.renames.old_share(share_key)
        share = model.shares.get(name)
        spec = "new" if newer else "old"
        if account is None:
            return Side(effect, keys, f"the account is not in the {spec} spec")
        if share is None:
            return Side(effect, keys, f"there is no share {name} in the {spec} spec")
        if (arn, rtype) not in share.resources:
            return Side(effect, keys, f"share {name} does not hold {arn} in the {spec} spec")
        how = reach(model, share, account)
        if how is None:
            whom = ", ".join(
                "the organization" if k is PrincipalKind.ORGANIZATION else t
                for k, t in share.principals
            )
            return Side(effect, keys, f"share {name} does not reach it (shared with {whom})")
        question = Question(arn, rtype, action)
        decision = decide_in(self.evaluators[newer], share, account, question, context=self.ctx)
        return Side(effect, keys, reason(decision, account, how), decision, account.key)


def _as_for(side: Side, account: AccountNode | None) -> Side:
    """A side whose reason was traced for one account of a larger group: it says which."""
    if account is None:
        return side
    return replace(side, reason=f"as for {account.label}: {side.reason}")


def reason(decision: Decision, account: AccountNode, how: str) -> str:
    """The deciding steps of a decision, in words that hold for every account of its group:
    what denies it, what it depends on, or for an Allow how it is reached and what allows it
    besides FullAWSAccess."""
    if decision.effect is Effect.ALLOW:
        wanted = Verdict.PASS
        steps = [
            s
            for s in decision.trace
            if s.verdict is wanted
            and s.stage not in ("share", "permission")
            and "by FullAWSAccess" not in s.text
        ]
        head = f"reached {how}" if not how.startswith("directly") else "shared with it directly"
        return "; ".join([head, *(_neutral(s, account) for s in steps)])
    wanted = Verdict.DEPENDS if decision.effect is Effect.CONDITIONAL else Verdict.FAIL
    found = [_neutral(s, account) for s in decision.trace if s.verdict is wanted]
    if decision.effect is Effect.CONDITIONAL and decision.unknown_keys:
        found.append(f"depends on {', '.join(sorted(decision.unknown_keys))}")
    return "; ".join(dict.fromkeys(found)) or str(decision.effect)


def _neutral(step: Step, account: AccountNode) -> str:
    """A step's text with the account's own name, label and ID taken out, so that accounts of
    one group read the same."""
    text = step.text.replace(account.label, "the account")
    for name in (account.display, account.key, account.id):
        if name:
            text = re.sub(rf"(?<![\w/.-]){re.escape(name)}(?![\w/.-])", "the account", text)
    return text
