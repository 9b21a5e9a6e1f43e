"""Who gains or loses what between two access models: every (account, share, resource, action)
whose effect changes, grouped so that accounts moving together read as one change.

Only rows that can change are decided (`diff.scope`), once on each side, by the matrix itself
(`diff.decided`), so the diff keeps every shortcut the matrix takes. A change is then reported
once per group of accounts whose rows change alike and whose paths say so for the same reason:
the reason on each side is read from the trace of one member's decision (`diff.reasons`), and
the accounts are named by the OUs they fill (`diff.describe`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from trainshare.access.conditions import Context
from trainshare.access.model import AccessModel, AccountNode
from trainshare.access.statements import Effect
from trainshare.diff.decided import CellChange, compare_cells, decide_rows
from trainshare.diff.describe import Describer
from trainshare.diff.reasons import Reasons, Side
from trainshare.diff.renames import Renames
from trainshare.diff.scope import Signatures, changed_scope

__all__ = ["AccessChange", "AccessChanges", "Because", "access_changes"]

_ALLOWED = (Effect.ALLOW, Effect.CONDITIONAL)

# reasons traced (a decision with its trace, per group of accounts and changing cell) before
# the diff traces one account per change instead: at 20,000 about 2 s
REASON_BUDGET = 20_000


@dataclass(frozen=True, slots=True)
class Because:
    """Why some decisions of a change change: the reason on each side, and the (resource,
    action) pairs it is the reason for."""

    cells: tuple[tuple[str, str], ...]
    before: Side
    after: Side

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(action for _, action in self.cells))

    @property
    def resources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(arn for arn, _ in self.cells))


@dataclass(frozen=True)
class AccessChange:
    """Accounts whose access to some actions of a share changes the same way: one line."""

    share: str
    accounts: tuple[AccountNode, ...]  # as the new model has them (the old where removed)
    where: str  # the accounts in words: `ml/training (412 accounts)`
    before: Effect
    after: Effect
    actions: tuple[str, ...]
    resources: tuple[str, ...]  # the share's resources concerned (all of them, or some)
    all_resources: bool
    reasons: tuple[Because, ...]  # one per distinct pair of reasons
    cells: int  # decisions that change this way: accounts × the reasons' cells
    keys_before: frozenset[str] = frozenset()  # what a CONDITIONAL depends on
    keys_after: frozenset[str] = frozenset()

    @property
    def gained(self) -> bool:
        return self.after in _ALLOWED and self.before not in _ALLOWED

    @property
    def lost(self) -> bool:
        return self.before in _ALLOWED and self.after not in _ALLOWED


@dataclass(frozen=True)
class AccessChanges:
    changes: tuple[AccessChange, ...]
    decided: int  # rows (account, share) decided, both sides together
    # more reasons to trace than REASON_BUDGET: each change's reasons were traced for one of
    # its accounts (named in the reason), not for each OU and account level among them
    sampled: bool = False

    @property
    def accounts(self) -> int:
        return len({a.key for c in self.changes for a in c.accounts})

    @property
    def cells(self) -> int:
        return sum(c.cells for c in self.changes)


# -- the changes, grouped ----------------------------------------------------------------------


class _Group(NamedTuple):
    """Rows that change alike: of one share, the same cells the same way, and (unless the
    reasons are sampled) the same whereabouts (`Signatures.whereabouts`) on each side."""

    share: str
    changes: tuple[CellChange, ...]
    was_where: Any
    now_where: Any


_Members = list[tuple[AccountNode | None, AccountNode | None]]  # (old side's, new side's)


class _Way(NamedTuple):
    """How a cell changes for some accounts, and why on each side: one line of a change."""

    share: str
    resource: str
    action: str
    was_effect: Effect
    was_keys: frozenset[str]
    now_effect: Effect
    now_keys: frozenset[str]
    was_reason: str
    now_reason: str


class _Line:
    def __init__(self, before: Side, after: Side) -> None:
        self.before, self.after = before, after
        self.accounts: dict[str, AccountNode] = {}


class _Change(NamedTuple):
    """What makes lines one change: the same accounts of a share changing the same way."""

    share: str
    accounts: frozenset[str]
    was_effect: Effect
    was_keys: frozenset[str]
    now_effect: Effect
    now_keys: frozenset[str]


class _Merged:
    def __init__(self, line: _Line) -> None:
        self.line = line
        self.cells: dict[tuple[str, str], None] = {}  # (resource, action)


def access_changes(
    old: AccessModel,
    new: AccessModel,
    *,
    renames: Renames | None = None,
    context: Context | None = None,
) -> AccessChanges:
    """Every access decision that differs between the models, grouped (see the module)."""
    renames = renames or Renames()
    ctx = context or Context()
    scope = changed_scope(old, new, renames)
    before = decide_rows(old, scope, ctx, renames)
    after = decide_rows(new, scope, ctx, Renames())
    compared: dict[tuple[Any, Any], tuple[CellChange, ...]] = {}
    groups: dict[_Group, _Members] = {}
    contents: dict[tuple[str, Any], int] = {}
    was, now = Signatures(old, contents), Signatures(new, contents)
    for key in dict.fromkeys((*before.rows, *after.rows)):
        pair = (before.entries_id(key), after.entries_id(key))
        changes = compared.get(pair)
        if changes is None:
            changes = compared[pair] = compare_cells(before.cells(key), after.cells(key))
        if not changes:
            continue
        was_account = before.account(key) or old.accounts.get(renames.old_account(key[0]))
        now_account = after.account(key) or new.accounts.get(key[0])
        group = _Group(key[1], changes, was.whereabouts(was_account), now.whereabouts(now_account))
        groups.setdefault(group, []).append((was_account, now_account))
    # a reason is traced per group and cell; past the budget, per share and way of changing
    # (one account's trace, which the reason names): the cost stays bounded
    sampled = sum(len(group.changes) for group in groups) > REASON_BUDGET
    groups = _coarse(groups) if sampled else groups
    lines = _lines(groups, Reasons(old, new, ctx, renames, sampled=sampled))
    describer = Describer(old, new, renames)
    out = []
    for way, parts in _merged(lines).items():
        held = _resources(old, new, way.share, renames)
        accounts = tuple(next(iter(parts.values())).line.accounts.values())
        cells = [cell for part in parts.values() for cell in part.cells]
        resources = tuple(dict.fromkeys(arn for arn, _ in cells))
        out.append(
            AccessChange(
                share=way.share,
                accounts=accounts,
                where=describer.describe(accounts, way.share),
                before=way.was_effect,
                after=way.now_effect,
                actions=tuple(dict.fromkeys(action for _, action in cells)),
                resources=resources,
                all_resources=set(resources) >= set(held),
                reasons=tuple(
                    Because(tuple(p.cells), p.line.before, p.line.after) for p in parts.values()
                ),
                cells=len(accounts) * len(cells),
                keys_before=way.was_keys,
                keys_after=way.now_keys,
            )
        )
    out.sort(key=lambda c: (c.share, -len(c.accounts), c.where, c.actions))
    decided = sum(len(m.rows) for m in before.matrices) + sum(len(m.rows) for m in after.matrices)
    return AccessChanges(tuple(out), decided, sampled)


def _lines(groups: dict[_Group, _Members], reasons: Reasons) -> dict[_Way, _Line]:
    """One line per cell (resource, action) that changes one way for one pair of reasons,
    with the accounts it changes for; the reasons traced for the first member of a group."""
    lines: dict[_Way, _Line] = {}
    for group, members in groups.items():
        share = group.share
        was_account, now_account = members[0]
        for cell in group.changes:
            was_side = reasons.side(False, share, was_account, cell)
            now_side = reasons.side(True, share, now_account, cell)
            way = _Way(
                share,
                cell.resource,
                cell.action,
                cell.was_effect,
                cell.was_keys,
                cell.now_effect,
                cell.now_keys,
                was_side.reason,
                now_side.reason,
            )
            line = lines.get(way)
            if line is None:
                line = lines[way] = _Line(was_side, now_side)
            for was_member, now_member in members:
                member = now_member or was_member
                assert member is not None
                line.accounts[member.key] = member
    return lines


def _merged(lines: dict[_Way, _Line]) -> dict[_Change, dict[tuple[str, str], _Merged]]:
    """Lines of the same accounts changing the same way become one change, each pair of
    reasons with its cells."""
    merged: dict[_Change, dict[tuple[str, str], _Merged]] = {}
    for way, line in lines.items():
        change = _Change(
            way.share,
            frozenset(line.accounts),
            way.was_effect,
            way.was_keys,
            way.now_effect,
            way.now_keys,
        )
        why = (way.was_reason, way.now_reason)
        because = merged.setdefault(change, {}).get(why)
        if because is None:
            because = merged[change][why] = _Merged(line)
        because.cells[way.resource, way.action] = None
    return merged


def _coarse(groups: dict[_Group, _Members]) -> dict[_Group, _Members]:
    """The groups merged per share and way of changing (their OUs and levels aside)."""
    out: dict[_Group, _Members] = {}
    for group, members in groups.items():
        out.setdefault(_Group(group.share, group.changes, None, None), []).extend(members)
    return out


def _resources(old: AccessModel, new: AccessModel, share: str, renames: Renames) -> list[str]:
    found = new.shares.get(share)
    if found is None:
        found = old.shares.get(renames.old_share(share))
    return [arn for arn, _ in found.resources] if found is not None else []
