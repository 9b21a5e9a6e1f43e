"""The rows a spec change can change, decided on each side by the matrix itself, and the cells
whose effect differs between the sides.

The rows of the scope's accounts and of its shares are decided once on each side by
`access_rows`, so the diff keeps every shortcut the matrix takes: accounts a share cannot tell
apart share one row (one `Entries`), and a pair of rows is compared once however many accounts
share it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from trainshare.access.conditions import Context
from trainshare.access.matrix import AccessMatrix, access_rows
from trainshare.access.model import AccessModel, AccountNode
from trainshare.access.statements import Effect
from trainshare.diff.renames import Renames
from trainshare.diff.scope import Scope

# An absent cell: the share does not reach the account, does not hold the resource, or one of
# them is not in the model. Its effect is IMPLICIT_DENY, as `access --explain` would say.
NOT_REACHED = Effect.IMPLICIT_DENY

RowKey = tuple[str, str]  # (account key, share key), as the new model names them


class Decided(NamedTuple):
    """A cell's effect on one side, with the RAM type of its resource."""

    rtype: str
    effect: Effect
    unknown_keys: frozenset[str]


Cells = dict[tuple[str, str], Decided]  # (resource, action) → as decided


class CellChange(NamedTuple):
    """A cell whose effect or open keys differ between the old side and the new."""

    resource: str
    rtype: str
    action: str
    was_effect: Effect
    was_keys: frozenset[str]
    now_effect: Effect
    now_keys: frozenset[str]


class _Where(NamedTuple):
    account: AccountNode
    matrix: int  # which of the side's matrices
    row: int  # which of its rows


class DecidedRows:
    """One side's rows that can change, keyed in the new model's names."""

    def __init__(self, model: AccessModel) -> None:
        self.model = model
        self.matrices: list[AccessMatrix] = []
        self.rows: dict[RowKey, _Where] = {}
        self._memo: dict[tuple[int, int], Cells] = {}  # by entries_id

    def account(self, key: RowKey) -> AccountNode | None:
        found = self.rows.get(key)
        return found.account if found is not None else None

    def entries_id(self, key: RowKey) -> tuple[int, int] | None:
        """Which entries the row has (its matrix, `Entries.number`): group-mates share them."""
        found = self.rows.get(key)
        if found is None:
            return None
        return found.matrix, self.matrices[found.matrix].rows[found.row].entries.number

    def cells(self, key: RowKey) -> Cells | None:
        found = self.rows.get(key)
        if found is None:
            return None
        matrix = self.matrices[found.matrix]
        _, share, entries = matrix.rows[found.row]
        cached = self._memo.get((found.matrix, entries.number))
        if cached is None:
            cached = self._memo[found.matrix, entries.number] = {
                (arn, action): Decided(rtype, entry.effect, entry.unknown_keys)
                for (arn, rtype, action), entry in zip(
                    matrix.questions[share], entries, strict=True
                )
            }
        return cached


def decide_rows(
    model: AccessModel, scope: Scope, context: Context, renames: Renames
) -> DecidedRows:
    """The model's rows of the scope's accounts and shares, decided by the matrix; `renames`:
    the model's keys under the new model's names (none for the new model itself)."""
    accounts, shares = renames.accounts, renames.shares
    out = DecidedRows(model)
    if scope.everything:
        runs = [access_rows(model, context)]
    else:
        runs = []
        mine = [k for k in model.accounts if accounts.get(k, k) in scope.accounts]
        if mine:
            runs.append(access_rows(model, context, accounts=mine))
        theirs = [k for k in model.shares if shares.get(k, k) in scope.shares]
        if theirs:
            runs.append(access_rows(model, context, shares=theirs))
    for number, matrix in enumerate(runs):
        out.matrices.append(matrix)
        for index, (account, share, _) in enumerate(matrix.rows):
            key = (accounts.get(account.key, account.key), shares.get(share, share))
            out.rows.setdefault(key, _Where(account, number, index))
    return out


def compare_cells(before: Cells | None, after: Cells | None) -> tuple[CellChange, ...]:
    """Each cell whose effect or open keys differ; a cell on one side only meets NOT_REACHED
    on the other."""
    old: Mapping[tuple[str, str], Decided] = before or {}
    new: Mapping[tuple[str, str], Decided] = after or {}
    out = []
    for cell in dict.fromkeys((*old, *new)):
        was = old.get(cell)
        now = new.get(cell)
        was_effect, was_keys = (was.effect, was.unknown_keys) if was else (NOT_REACHED, _NONE)
        now_effect, now_keys = (now.effect, now.unknown_keys) if now else (NOT_REACHED, _NONE)
        if was_effect is now_effect and was_keys == now_keys:
            continue
        rtype = (now or was or Decided("", NOT_REACHED, _NONE)).rtype
        out.append(CellChange(cell[0], rtype, cell[1], was_effect, was_keys, now_effect, now_keys))
    return tuple(out)


_NONE: frozenset[str] = frozenset()
