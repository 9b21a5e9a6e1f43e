"""The access matrix: every (account reached, share, resource, action) decision of a model.

Work is shared at two depths. Accounts whose whole SCP path is the same — the same OUs, the same
policies on the account itself — and on which nothing can tell accounts apart
(`independent_of_account`) form a group: a (share, resource class, action) is decided once per
group — resources of one share whose Region and Resource-pattern matches agree form a class —
and the other accounts' cells keep only its effect, their account-specific trace being built on
demand (`Cell.decision`). Everything else goes through one Evaluator, whose level and root→OU
memos are exact. Accounts a share does not reach get no cells.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from trainshare.access.conditions import Context
from trainshare.access.evaluate import Decision, Evaluator, Request, decide_in
from trainshare.access.model import AccessModel, AccountNode, ShareModel
from trainshare.access.statements import Effect


class Cell:
    """One decision of the matrix; its trace is computed when first asked for."""

    __slots__ = (
        "_compute",
        "_decision",
        "account",
        "action",
        "effect",
        "resource",
        "share",
        "unknown_keys",
    )

    def __init__(
        self,
        account: AccountNode,
        share: str,
        resource: str,
        action: str,
        decision: Decision | None = None,
        *,
        effect: Effect | None = None,
        unknown_keys: frozenset[str] = frozenset(),
        compute: Callable[[], Decision] | None = None,
    ) -> None:
        self.account, self.share, self.resource, self.action = account, share, resource, action
        self._decision = decision
        self._compute = compute
        self.effect = decision.effect if decision is not None else effect
        self.unknown_keys = decision.unknown_keys if decision is not None else unknown_keys

    @property
    def decision(self) -> Decision:
        if self._decision is None:
            assert self._compute is not None
            self._decision = self._compute()
        return self._decision


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
    matrix = _Matrix(Evaluator(model), context or Context())
    only_accounts = set(accounts) if accounts else None
    only_shares = set(shares) if shares else None
    wanted_actions = list(actions) if actions else None
    cells: list[Cell] = []
    for share in model.shares.values():
        if only_shares and share.key not in only_shares:
            continue
        for account in reached(model, share):
            if only_accounts and not ({account.key, account.id} & only_accounts):
                continue
            for arn, rtype in share.resources:
                cells += [
                    matrix.cell(share, rtype, account, arn, action)
                    for action in _actions(share, rtype, wanted_actions)
                ]
    return cells


class _Matrix:
    """One matrix computation: the evaluator, the context, and the effects decided per group."""

    def __init__(self, evaluator: Evaluator, context: Context) -> None:
        self.evaluator = evaluator
        self.context = context
        self.grouped: dict[tuple[Any, ...], tuple[Effect, frozenset[str]]] = {}

    def cell(
        self, share: ShareModel, rtype: str, account: AccountNode, arn: str, action: str
    ) -> Cell:
        def compute() -> Decision:
            return decide_in(
                self.evaluator,
                share,
                rtype,
                account,
                resource=arn,
                action=action,
                context=self.context,
            )

        group = self.evaluator.group(account)
        if (
            group is None
            or share.policies  # a resource policy tells accounts apart by ID and OU path
            or not self.evaluator.independent_path(account, action)
        ):
            return Cell(account, share.key, arn, action, compute())
        key = (group, share.key, rtype, action, self.evaluator.resource_class(account, action, arn))
        known = self.grouped.get(key)
        if known is not None:  # same policies along the path: same effect, trace on demand
            return Cell(
                account,
                share.key,
                arn,
                action,
                effect=known[0],
                unknown_keys=known[1],
                compute=compute,
            )
        decision = compute()
        self.grouped[key] = (decision.effect, decision.unknown_keys)
        return Cell(account, share.key, arn, action, decision)


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
        assert cell.effect is not None
        counts[cell.effect] += 1
    return out
