"""A matrix's decisions: a row's entries, and a Cell per decision whose trace is built when
first asked for."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from trainshare.access.evaluate import Decision
from trainshare.access.model import AccountNode
from trainshare.access.request import Question
from trainshare.access.statements import Effect

if TYPE_CHECKING:
    from trainshare.access.sides import MatrixSides


class Known(NamedTuple):
    """An effect decided once for everyone of a group of accounts: a row's entry where the
    account's path cannot tell it from its group-mates (its trace is built when asked)."""

    effect: Effect
    unknown_keys: frozenset[str]


# A row's entry per question of its share: decided for the group, or for the account alone
# (its path can tell it apart), trace and all
Entry = Known | Decision


class Entries(list[Entry]):
    """A row's entries, one per question of its share, in order. Accounts a share cannot tell
    apart share one Entries; `number` (distinct within a matrix, in the order they were made)
    keys what is worked out once per distinct row, such as its counts."""

    __slots__ = ("number",)
    number: int


class Cell:
    """One decision of the matrix; its trace is computed when first asked for."""

    __slots__ = (
        "_decision",
        "_sides",
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
        question: Question,
        entry: Entry,
        sides: MatrixSides | None = None,
    ) -> None:
        self.account, self.share = account, share
        self.resource, self.rtype, self.action = question
        self.effect: Effect = entry.effect
        self.unknown_keys: frozenset[str] = entry.unknown_keys
        self._decision = entry if isinstance(entry, Decision) else None
        self._sides = sides  # to decide it later, trace and all (no closure per cell)

    @property
    def decision(self) -> Decision:
        if self._decision is None:
            assert self._sides is not None  # a Known entry comes from the matrix's sides
            share = self._sides.evaluator.model.shares[self.share]
            question = Question(self.resource, self.rtype, self.action)
            self._decision = self._sides.decide(share, self.account, question)
        return self._decision
