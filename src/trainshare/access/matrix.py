"""The access matrix: every (account reached, share, resource, action) decision of a model.

All cells share one Evaluator, so levels common to many accounts are evaluated once per distinct
signature (see Evaluator). Accounts a share does not reach get no decisions, only a note.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from trainshare.access.conditions import Context
from trainshare.access.evaluate import Decision, Effect, Evaluator, Request, decide_in
from trainshare.access.model import AccessModel, AccountNode, ShareModel


@dataclass(frozen=True, slots=True)
class Cell:
    account: AccountNode
    share: str
    resource: str
    action: str
    decision: Decision


def share_actions(
    share: ShareModel, actions: Iterable[str] | None = None
) -> Iterator[tuple[str, str]]:
    """(resource, action) pairs: the permission's actions, or the ones asked for."""
    wanted = list(actions) if actions else None
    for arn, rtype in share.resources:
        granted = share.grants[rtype].actions or ()
        for action in wanted if wanted is not None else granted:
            yield arn, action


def reached(model: AccessModel, share: ShareModel) -> list[AccountNode]:
    """The accounts a share reaches, by the model's index (see `reach` for one account)."""
    return model.reached(share)


def access_matrix(
    model: AccessModel,
    context: Context | None = None,
    accounts: Iterable[str] | None = None,
    shares: Iterable[str] | None = None,
    actions: Iterable[str] | None = None,
) -> list[Cell]:
    """Decisions for every reached account × share × resource × action (filtered if asked)."""
    evaluator = Evaluator(model)
    ctx = context or Context()
    only_accounts = set(accounts) if accounts else None
    cells: list[Cell] = []
    wanted_actions = list(actions) if actions else None
    for share in model.shares.values():
        if shares and share.key not in set(shares):
            continue
        for account in reached(model, share):
            if only_accounts and not ({account.key, account.id} & only_accounts):
                continue
            for arn, rtype in share.resources:
                for action in _actions(share, rtype, wanted_actions):
                    decision = decide_in(
                        evaluator, share, rtype, account, resource=arn, action=action, context=ctx
                    )
                    cells.append(Cell(account, share.key, arn, action, decision))
    return cells


def _actions(share: ShareModel, rtype: str, wanted: list[str] | None) -> Iterable[str]:
    return wanted if wanted is not None else (share.grants[rtype].actions or ())


def naive_matrix(model: AccessModel, context: Context | None = None) -> list[Cell]:
    """The same cells, each evaluated from scratch (for benchmarks and equivalence tests)."""
    ctx = context or Context()
    cells = []
    for share in model.shares.values():
        for account in reached(model, share):
            for arn, action in share_actions(share):
                request = Request(account.key, arn, action, ctx, share.key)
                cells.append(
                    Cell(account, share.key, arn, action, Evaluator(model).decide(request))
                )
    return cells


def summarize(cells: Iterable[Cell]) -> dict[tuple[str, str], dict[Effect, int]]:
    """(account key, share) → count of decisions per effect."""
    out: dict[tuple[str, str], dict[Effect, int]] = {}
    for cell in cells:
        counts = out.setdefault((cell.account.key, cell.share), dict.fromkeys(Effect, 0))
        counts[cell.decision.effect] += 1
    return out
