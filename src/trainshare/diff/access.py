"""Who gains or loses what between two access models: every (account, share, resource, action)
whose effect changes, grouped so that accounts moving together read as one change.

Only rows that can change are decided. A row's effects are a function of its sides (see
`access.matrix`): the share (what it grants, on which resources, to whom, its resource
policies), the account's SCP path (the policies at each level, its OU, its ID), the RCPs on the
owner's path, and what the whole model shares (partition, management account, organization
IDs). `changed_scope` compares those, policy by policy, between the two models; every other row
is the same on both sides and is never decided. The rows that can change are decided once on
each side by the matrix itself (`access_rows` for those accounts, and for those shares), so the
diff keeps every shortcut the matrix takes: accounts a share cannot tell apart share one row.

A change is then reported once per group of accounts whose rows change alike and whose paths
say so for the same reason: the reason on each side is read from the trace of one member's
decision (`Side.decision`), and the accounts are named by the OUs they fill (`describe`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from trainshare.access.conditions import Context
from trainshare.access.evaluate import Decision, Evaluator, decide_in, reach
from trainshare.access.matrix import AccessMatrix, access_rows
from trainshare.access.model import AccessModel, AccountNode, AttachedPolicy, Level, ShareModel
from trainshare.access.request import Question
from trainshare.access.statements import Effect, Step, Verdict
from trainshare.spec import ROOT, PrincipalKind

# An absent cell: the share does not reach the account, does not hold the resource, or one of
# them is not in the model. Its effect is IMPLICIT_DENY, as `access --explain` would say.
NOT_REACHED = Effect.IMPLICIT_DENY

_ALLOWED = (Effect.ALLOW, Effect.CONDITIONAL)

# reasons traced (a decision with its trace, per group of accounts and changing cell) before
# the diff traces one account per change instead: at 20,000 about 2 s
REASON_BUDGET = 20_000


@dataclass(frozen=True)
class Renames:
    """Keys of the old model under their new names (`renamed_from`): the same account or share."""

    accounts: Mapping[str, str] = field(default_factory=dict)  # old key → new key
    shares: Mapping[str, str] = field(default_factory=dict)


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


# -- which rows can change ------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The rows that can change: those of these accounts, and of these shares (keys as the
    new model names them; removed ones by their old key). `everything`: compare every row."""

    accounts: frozenset[str]
    shares: frozenset[str]
    everything: bool = False


class _Contents:
    """Policies numbered by what they are (name and document), across both models: a level's
    signature is the numbers of the policies it holds."""

    def __init__(self) -> None:
        self._numbers: dict[tuple[str, Any], int] = {}
        self._by_id: dict[int, int] = {}
        self._levels: dict[int, tuple[int, ...]] = {}
        self._keep: list[object] = []  # what id() keys refer to lives as long as this

    def policy(self, policy: AttachedPolicy) -> int:
        found = self._by_id.get(id(policy))
        if found is None:
            key = (policy.name, policy.document)
            found = self._by_id[id(policy)] = self._numbers.setdefault(key, len(self._numbers))
            self._keep.append(policy)
        return found

    def level(self, level: Level) -> tuple[int, ...]:
        found = self._levels.get(id(level))
        if found is None:
            found = self._levels[id(level)] = tuple(self.policy(p) for p in level.policies)
            self._keep.append(level)
        return found

    def policies(self, policies: Iterable[AttachedPolicy]) -> tuple[int, ...]:
        return tuple(self.policy(p) for p in policies)


def _global(model: AccessModel) -> tuple[Any, ...]:
    ids = model.ids
    return (
        model.partition,
        model.management_account,
        model.org_id,
        model.principal_role,
        None if ids is None else (ids.org, ids.root),
    )


def _account_signature(
    model: AccessModel, account: AccountNode, contents: _Contents, units: dict[Any, Any]
) -> Any:
    """Everything of the model a row of the account reads, besides its share. The part of
    its OU (its org path, the policies root → OU) is kept per OU in `units`."""
    key = (id(model), account.unit)
    above = units.get(key)
    if above is None:
        ids = model.ids
        org_path = (
            ids.org_path(account.unit)
            if ids is not None and account.unit and not account.external
            else None
        )
        path = model.index.unit_path(account) if account.unit else ()
        above = units[key] = (org_path, tuple(contents.level(level) for level in path))
    return (
        account.unit,
        account.id,
        account.management,
        account.external,
        model.principal_id(account),
        above,
        contents.level(model.index.account_level(account.key)),
    )


def _rcp_path(model: AccessModel, share: ShareModel, contents: _Contents) -> Any:
    """The RCPs on the owner's path root → OUs → owner, as the RCP side reads them."""
    if not model.rcps:
        return ()
    owner = model.accounts.get(share.owner)
    unit = owner.unit if owner is not None else ROOT
    levels = [ROOT]
    if unit and unit != ROOT:
        parts = unit.split("/")
        levels += ["/".join(parts[: i + 1]) for i in range(len(parts))]
    levels.append(share.owner)
    return tuple((key, contents.policies(model.rcps.get(key, ()))) for key in levels)


def _share_signature(model: AccessModel, share: ShareModel, contents: _Contents) -> Any:
    owner = model.accounts.get(share.owner)
    return (
        share.owner,
        share.owner_id,
        share.region,
        share.resources,
        share.principals,
        dict(share.grants),
        share.allow_external,
        dict(share.policies),
        owner.unit if owner is not None else None,
        _rcp_path(model, share, contents),
    )


def changed_scope(old: AccessModel, new: AccessModel, renames: Renames) -> Scope:
    """The accounts and shares whose rows can differ between the models (see the module)."""
    if _global(old) != _global(new):
        return Scope(frozenset(), frozenset(), everything=True)
    contents = _Contents()
    units: dict[Any, Any] = {}

    def account(model: AccessModel, node: AccountNode) -> Any:
        return _account_signature(model, node, contents, units)

    def share(model: AccessModel, found: ShareModel) -> Any:
        return _share_signature(model, found, contents)

    return Scope(
        _changed(
            old.accounts,
            new.accounts,
            renames.accounts,
            lambda a, b: account(old, a) != account(new, b),
        ),
        _changed(
            old.shares, new.shares, renames.shares, lambda a, b: share(old, a) != share(new, b)
        ),
    )


def _changed(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    renames: Mapping[str, str],
    differ: Callable[[Any, Any], bool],
) -> frozenset[str]:
    """Keys (the new model's) of entries removed, added, renamed, or that `differ`."""
    found: set[str] = set()
    for key, before in old.items():
        now = renames.get(key, key)
        after = new.get(now)
        if after is None or now != key or differ(before, after):
            found.add(now)
    kept = {renames.get(key, key) for key in old}
    return frozenset(found | (set(new) - kept))


# -- the rows, decided -------------------------------------------------------------------------

# (account key, share key) in the new model's names → (account, its cells by (resource, action))
_Cells = dict[tuple[str, str], tuple[str, Effect, frozenset[str]]]


class _Decided:
    """One side's rows that can change, keyed in the new model's names."""

    def __init__(self, model: AccessModel) -> None:
        self.model = model
        self.matrices: list[AccessMatrix] = []
        # (account, share) as the new model names them → (account, matrix, row)
        self.rows: dict[tuple[str, str], tuple[AccountNode, int, int]] = {}
        self._memo: dict[tuple[int, int], _Cells] = {}  # by entries_id

    def account(self, key: tuple[str, str]) -> AccountNode | None:
        found = self.rows.get(key)
        return found[0] if found is not None else None

    def entries_id(self, key: tuple[str, str]) -> tuple[int, int] | None:
        """Which entries the row has: group-mates share them (`AccessMatrix`)."""
        found = self.rows.get(key)
        if found is None:
            return None
        _, matrix, index = found
        return matrix, self.matrices[matrix].rows[index].entries.number

    def cells(self, key: tuple[str, str]) -> _Cells | None:
        found = self.rows.get(key)
        if found is None:
            return None
        _, matrix, index = found
        rows = self.matrices[matrix]
        _, share, entries = rows.rows[index]
        cached = self._memo.get((matrix, entries.number))
        if cached is None:
            cached = self._memo[matrix, entries.number] = {
                (arn, action): (rtype, entry.effect, entry.unknown_keys)
                for (arn, rtype, action), entry in zip(rows.questions[share], entries, strict=True)
            }
        return cached


def _decide(
    model: AccessModel,
    scope: Scope,
    context: Context,
    accounts: Mapping[str, str],
    shares: Mapping[str, str],
) -> _Decided:
    """The model's rows of the scope's accounts and shares (`accounts`, `shares`: the model's
    keys → the new model's), decided by the matrix."""
    out = _Decided(model)
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
            out.rows.setdefault(key, (account, number, index))
    return out


# -- the changes, grouped ----------------------------------------------------------------------

_CellChange = tuple[str, str, str, Effect, frozenset[str], Effect, frozenset[str]]


def _compare(before: _Cells | None, after: _Cells | None) -> tuple[_CellChange, ...]:
    """(resource, type, action, old effect, old keys, new effect, new keys) for each cell whose
    effect or open keys differ; a cell on one side only meets NOT_REACHED on the other."""
    old = before or {}
    new = after or {}
    out = []
    for cell in dict.fromkeys((*old, *new)):
        was = old.get(cell)
        now = new.get(cell)
        was_effect, was_keys = (was[1], was[2]) if was else (NOT_REACHED, frozenset[str]())
        now_effect, now_keys = (now[1], now[2]) if now else (NOT_REACHED, frozenset[str]())
        if was_effect is now_effect and was_keys == now_keys:
            continue
        rtype = (now or was or ("", None, None))[0]
        out.append((cell[0], rtype, cell[1], was_effect, was_keys, now_effect, now_keys))
    return tuple(out)


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
    before = _decide(old, scope, ctx, renames.accounts, renames.shares)
    after = _decide(new, scope, ctx, {}, {})
    compared: dict[tuple[Any, Any], tuple[_CellChange, ...]] = {}
    # (share, the cells' changes, the account's OU and own policies on each side) → accounts
    groups: _Groups = {}
    contents = _Contents()
    for key in dict.fromkeys((*before.rows, *after.rows)):
        pair = (before.entries_id(key), after.entries_id(key))
        changes = compared.get(pair)
        if changes is None:
            changes = compared[pair] = _compare(before.cells(key), after.cells(key))
        if not changes:
            continue
        was_account = before.account(key) or old.accounts.get(_old_key(renames.accounts, key[0]))
        now_account = after.account(key) or new.accounts.get(key[0])
        group = (
            key[1],
            changes,
            _whereabouts(old, was_account, contents),
            _whereabouts(new, now_account, contents),
        )
        groups.setdefault(group, []).append((was_account, now_account))
    # a reason is traced per group and cell; past the budget, per share and way of changing
    # (one account's trace, which the reason names): the cost stays bounded
    sampled = sum(len(key[1]) for key in groups) > REASON_BUDGET
    groups = _coarse(groups) if sampled else groups
    reasons = _Reasons(old, new, ctx, renames, sampled=sampled)
    # one line per cell (resource, action) that changes one way for one pair of reasons
    lines: dict[tuple[Any, ...], _Line] = {}
    for (share, changes, _, _), members in groups.items():
        was_account, now_account = members[0]
        for cell in changes:
            arn, _, action, was_effect, was_keys, now_effect, now_keys = cell
            was_side = reasons.side(False, share, was_account, cell)
            now_side = reasons.side(True, share, now_account, cell)
            cell_key = (share, arn, action, was_effect, was_keys, now_effect, now_keys)
            line_key = (*cell_key, was_side.reason, now_side.reason)
            line = lines.get(line_key)
            if line is None:
                line = lines[line_key] = _Line(was_side, now_side)
            for was_member, now_member in members:
                member = now_member or was_member
                assert member is not None
                line.accounts[member.key] = member
    # lines of the same accounts changing the same way become one, each reason with its cells
    merged: dict[tuple[Any, ...], dict[tuple[str, str], _Merged]] = {}
    for (
        share,
        arn,
        action,
        was_effect,
        was_keys,
        now_effect,
        now_keys,
        *why,
    ), line in lines.items():
        same = (share, frozenset(line.accounts), was_effect, was_keys, now_effect, now_keys)
        because = merged.setdefault(same, {}).get((why[0], why[1]))
        if because is None:
            because = merged[same][why[0], why[1]] = _Merged(line)
        because.cells[arn, action] = None
    describer = _Describer(old, new, renames)
    out = []
    for (share, _, was_effect, was_keys, now_effect, now_keys), parts in merged.items():
        held = _resources(old, new, share, renames)
        accounts = tuple(next(iter(parts.values())).line.accounts.values())
        cells = [cell for part in parts.values() for cell in part.cells]
        resources = tuple(dict.fromkeys(arn for arn, _ in cells))
        out.append(
            AccessChange(
                share=share,
                accounts=accounts,
                where=describer.describe(accounts, share),
                before=was_effect,
                after=now_effect,
                actions=tuple(dict.fromkeys(action for _, action in cells)),
                resources=resources,
                all_resources=set(resources) >= set(held),
                reasons=tuple(
                    Because(tuple(p.cells), p.line.before, p.line.after) for p in parts.values()
                ),
                cells=len(accounts) * len(cells),
                keys_before=was_keys,
                keys_after=now_keys,
            )
        )
    out.sort(key=lambda c: (c.share, -len(c.accounts), c.where, c.actions))
    decided = sum(len(m.rows) for m in before.matrices) + sum(len(m.rows) for m in after.matrices)
    return AccessChanges(tuple(out), decided, sampled)


_Groups = dict[tuple[Any, ...], list[tuple[AccountNode | None, AccountNode | None]]]


def _coarse(groups: _Groups) -> _Groups:
    """The groups merged per share and way of changing (their OUs and levels aside)."""
    out: _Groups = {}
    for (share, changes, _, _), members in groups.items():
        out.setdefault((share, changes, None, None), []).extend(members)
    return out


def _as_for(side: Side, account: AccountNode | None) -> Side:
    """A side whose reason was traced for one account of a larger group: it says which."""
    if account is None:
        return side
    return replace(side, reason=f"as for {account.label}: {side.reason}")


class _Line:
    def __init__(self, before: Side, after: Side) -> None:
        self.before, self.after = before, after
        self.accounts: dict[str, AccountNode] = {}


class _Merged:
    def __init__(self, line: _Line) -> None:
        self.line = line
        self.cells: dict[tuple[str, str], None] = {}  # (resource, action)


def _old_key(renames: Mapping[str, str], new_key: str) -> str:
    for old, new in renames.items():
        if new == new_key:
            return old
    return new_key


def _resources(old: AccessModel, new: AccessModel, share: str, renames: Renames) -> list[str]:
    found = new.shares.get(share)
    if found is None:
        found = old.shares.get(_old_key(renames.shares, share))
    return [arn for arn, _ in found.resources] if found is not None else []


def _whereabouts(model: AccessModel, account: AccountNode | None, contents: _Contents) -> Any:
    """What an account's trace names besides the account: its OU and its own policies."""
    if account is None:
        return None
    level = model.index.account_level(account.key)
    return (account.unit, account.management, account.external, contents.level(level))


# -- why, on each side -------------------------------------------------------------------------


class _Reasons:
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
        self, newer: bool, share_key: str, account: AccountNode | None, cell: _CellChange
    ) -> Side:
        found = self._side(newer, share_key, account, cell)
        return _as_for(found, account) if self.sampled else found

    def _side(
        self, newer: bool, share_key: str, account: AccountNode | None, cell: _CellChange
    ) -> Side:
        """The cell's side (`newer`: the new model's) with its effect as the matrix decided
        it, and the reason from the trace."""
        arn, rtype, action = cell[:3]
        effect, keys = (cell[5], cell[6]) if newer else (cell[3], cell[4])
        model = self.models[newer]
        name = share_key if newer else _old_key(self.renames.shares, share_key)
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


# -- the accounts, in words --------------------------------------------------------------------


class _Describer:
    """Accounts in words, by the OUs they fill (`describe`)."""

    def __init__(self, old: AccessModel, new: AccessModel, renames: Renames) -> None:
        self.old, self.new, self.renames = old, new, renames
        self._eligible: dict[tuple[int, str], dict[str, int]] = {}

    def _model(self, share: str) -> tuple[AccessModel, ShareModel | None]:
        found = self.new.shares.get(share)
        if found is not None:
            return self.new, found
        return self.old, self.old.shares.get(_old_key(self.renames.shares, share))

    def eligible(self, model: AccessModel, owner: str) -> dict[str, int]:
        """OU → the accounts at or below it a share of `owner` could reach (not the owner, not
        the management account)."""
        key = (id(model), owner)
        found = self._eligible.get(key)
        if found is None:
            found = {unit: len(members) for unit, members in model.index.under.items()}
            for account in model.accounts.values():
                if account.key == owner or account.management:
                    for unit in (ROOT, *_ancestors(account.unit)):
                        if unit in found:
                            found[unit] -= 1
            self._eligible[key] = found
        return found

    def describe(self, accounts: Iterable[AccountNode], share: str, most: int = 4) -> str:
        """The accounts as the OUs they fill (every account of the OU the share could reach is
        there), then the others by name: `ml/training (412 accounts)`, `team-a, team-b`, or with
        more parts than `most`, `1,204 accounts in 37 OUs (ml/a, ml/b, ml/c, …)`."""
        members = list(accounts)
        model, found = self._model(share)
        if model is self.new and not any(a.key in model.accounts for a in members):
            # accounts the new spec removed: named by the OUs they filled in the old one
            was = self.old.shares.get(_old_key(self.renames.shares, share))
            if was is not None:
                model, found = self.old, was
        eligible = self.eligible(model, found.owner if found is not None else "")
        inside = [a for a in members if a.key in model.accounts and not a.external and a.unit]
        counts: dict[str, int] = {}
        for account in inside:
            for unit in (ROOT, *_ancestors(account.unit)):
                counts[unit] = counts.get(unit, 0) + 1
        # an OU names two accounts or more; one is named itself
        covered = [u for u, n in counts.items() if n == eligible.get(u, -1) and n > 1]
        top = [u for u in covered if not any(u != v and _within(u, v) for v in covered)]
        # the most specific OU holding the same accounts: `ml (3 accounts)`, not the root
        top = [
            max((v for v in covered if _within(v, u) and counts[v] == counts[u]), key=_depth)
            for u in top
        ]
        parts: list[str] = []
        rest = {a.key for a in members}
        for unit in sorted(top):
            n = counts[unit]
            name = "the organization" if unit == ROOT else model.unit_name(unit)
            parts.append(f"{name} ({n:,} account{'s' if n != 1 else ''})")
            rest -= {a.key for a in inside if _within(a.unit, unit)}
        parts += [a.label for a in members if a.key in rest]
        if len(parts) <= most:
            return ", ".join(parts)
        units = sorted({a.unit for a in members if a.unit})
        shown = [model.unit_name(u) if u != ROOT else "root" for u in units[:3]]
        more = ", …" if len(units) > 3 else ""
        ous = f"{len(units):,} OU{'s' if len(units) != 1 else ''}"
        return f"{len(members):,} accounts in {ous} ({', '.join(shown)}{more})"


def _ancestors(unit: str) -> Iterator[str]:
    if not unit or unit == ROOT:
        return
    parts = unit.split("/")
    for i in range(len(parts)):
        yield "/".join(parts[: i + 1])


def _depth(unit: str) -> int:
    return 0 if unit == ROOT else unit.count("/") + 1


def _within(unit: str, above: str) -> bool:
    return above in (ROOT, unit) or unit.startswith(above + "/")
