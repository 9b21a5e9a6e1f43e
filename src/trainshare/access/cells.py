"""A matrix's decisions: a Cell each, its trace built when first asked for."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from trainshare.access.evaluate import Decision
from trainshare.access.model import AccountNode
from trainshare.access.statements import Effect

if TYPE_CHECKING:
    from trainshare.access.matrix import _Matrix


class Known(NamedTuple):
    """An effect decided once for everyone of a group of accounts: a row's entry where the
    account's path cannot tell it from its group-mates (its trace is built when asked)."""

    effect: Effect
    unknown_keys: frozenset[str]


# A row's entry per (resource, type, action) of its share: decided for the group, or for the
# account alone (its path can tell it apart), trace and all
Entry = Known | Decision


class Cell:
    """One decision of the matrix; its trace is computed when first asked for."""

    __slots__ = (
        "_decision",
        "_matrix",
        "account",
        "action",
        "effect",
        "resource",
        "rtype",
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
        matrix: _Matrix | None = None,
        rtype: str = "",
    ) -> None:
        self.account, self.share, self.resource, self.action = account, share, resource, action
        self._decision = decision
        self._matrix = matrix  # to compute the decision later (no closure per cell)
        self.rtype = rtype
        self.effect = decision.effect if decision is not None else effect
        self.unknown_keys = decision.unknown_keys if decision is not None else unknown_keys

    @property
    def decision(self) -> Decision:
        if self._decision is None:
            assert self._matrix is not None
            share = self._matrix.evaluator.model.shares[self.share]
            self._decision = self._matrix.decide(
                share, self.rtype, self.account, self.resource, self.action
            )
        return self._decision
