"""The access matrix: every (account reached, share, resource, action) decision of a model.

A decision is put together from sides, as `decide_in` does, and each side is decided once for
everyone who shares it: the share's (reached, granted: per share), the SCPs' (per group of
accounts whose paths hold the same statements relevant to the action, per resource class and
Region, and per owner only where a condition reads aws:ResourceAccount — across shares), and
the RCPs' on the owner's path (per share, resource and action), and for a policy share the
resource policy's (per shape of the policy and per outcome of what it can tell apart,
`variant`). A cell whose sides all match a decided cell's takes its effect.
Accounts a share cannot tell apart share a row of cells (`AccessMatrix`); a Cell's trace is
built for its own account when asked (`Cell.decision`). Accounts whose path can tell them
apart (`independent_of_account`) go through the Evaluator one by one, whose level and root→OU
memos are exact. Accounts a share does not reach get no cells.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from trainshare.access.cells import Cell, Entry, Known
from trainshare.access.conditions import Context, evaluate
from trainshare.access.evaluate import (
    Decision,
    Evaluator,
    Request,
    both_sides,
    decide_in,
    granting,
)
from trainshare.access.grouping import (
    Grouping,
    named_accounts,
    org_path_conditions,
    policy_shape,
)
from trainshare.access.model import AccessModel, AccountNode, ShareModel
from trainshare.access.rcp import covers, rcp_side, reads_the_caller
from trainshare.access.resource_policy import principal_context, resource_policy_effect
from trainshare.access.statements import Effect
from trainshare.catalog import load_catalog

__all__ = [
    "AccessMatrix",
    "Cell",
    "Known",
    "access_matrix",
    "access_rows",
    "collector_paused",
    "naive_matrix",
    "reached",
    "share_actions",
    "summarize",
]

_EFFECTS = tuple(Effect)
_NONE: set[str] = set()  # iterating an Enum class is slow; a matrix counts per row


def share_actions(
    share: ShareModel, actions: Iterable[str] | None = None
) -> Iterator[tuple[str, str]]:
    """(resource, action) pairs: the permission's actions, or the ones asked for."""
    wanted = list(actions) if actions else None
    for arn, rtype in share.resources:
        granted = share.grants[rtype].actions
        for action in wanted if wanted is not None else granted:
            yield arn, action


def reached(model: AccessModel, share: ShareModel) -> list[AccountNode]:
    """The accounts a share reaches, by the model's index (see `reach` for one account)."""
    return model.reached(share)


class AccessMatrix:
    """Every decision of a matrix, factorised: one row per (account, share) reached, an entry
    per (resource, type, action) of the share (`pairs`). Accounts a share cannot tell apart —
    the same statements relevant to each action along their paths, the same outcome of its
    resource policies' conditions — share one row, decided for the first of them; `cells()`
    hands each account its own Cells (effects as decided, traces built for that account when
    asked), and `summary()` counts without making them."""

    def __init__(
        self,
        matrix: _Matrix,
        pairs: Mapping[str, list[tuple[str, str, str]]],
        rows: list[tuple[AccountNode, str, list[Entry]]],
    ) -> None:
        self._matrix = matrix
        self.pairs = pairs  # share key → its (resource, type, action), in the order of entries
        self.rows = rows  # (account, share key, entries decided for it or for a group-mate)

    def cells(self) -> Iterator[Cell]:
        """One Cell per decision, in the order of shares, accounts reached, resources, actions."""
        matrix = self._matrix
        for account, share, row in self.rows:
            for (arn, rtype, action), entry in zip(self.pairs[share], row, strict=True):
                if isinstance(entry, Known):
                    yield Cell(
                        account,
                        share,
                        arn,
                        action,
                        effect=entry.effect,
                        unknown_keys=entry.unknown_keys,
                        matrix=matrix,
                        rtype=rtype,
                    )
                else:
                    yield Cell(account, share, arn, action, entry)

    def summary(self) -> dict[tuple[str, str], dict[Effect, int]]:
        """(account key, share) → count of decisions per effect, as `summarize` gives it.
        Its dicts, one per row, are made with the collector paused, as the matrix was: at
        10,000 accounts they would set off collections that rescan the whole matrix."""
        counted: dict[int, dict[Effect, int]] = {}  # id(shared row) → counts
        out: dict[tuple[str, str], dict[Effect, int]] = {}
        with collector_paused():
            for account, share, row in self.rows:
                counts = counted.get(id(row))
                if counts is None:
                    counts = counted[id(row)] = _count(entry.effect for entry in row)
                into = out.get((account.key, share))
                if into is None:  # rows are one per (account, share): the common case
                    out[account.key, share] = dict(counts)
                    continue
                for effect, n in counts.items():
                    into[effect] += n
        return out


def access_matrix(
    model: AccessModel,
    context: Context | None = None,
    accounts: Iterable[str] | None = None,
    shares: Iterable[str] | None = None,
    actions: Iterable[str] | None = None,
) -> list[Cell]:
    """Decisions for every reached account × share × resource × action (filtered if asked),
    one Cell each (see `access_rows` for the same decisions without a Cell per account)."""
    rows = access_rows(model, context, accounts, shares, actions)
    with collector_paused():
        return list(rows.cells())


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a matrix is built, as it was before afterwards.
    A matrix allocates objects by the hundred thousand that live as long as it does and form
    no cycles; the collector would rescan them again and again as they grow (15–30% of the
    matrix's time at 10,000 accounts, measured here). mypy raises its collector's threshold
    for the same reason (`mypy/gctune.py`)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def access_rows(
    model: AccessModel,
    context: Context | None = None,
    accounts: Iterable[str] | None = None,
    shares: Iterable[str] | None = None,
    actions: Iterable[str] | None = None,
) -> AccessMatrix:
    """The matrix of `access_matrix`, factorised into rows shared by accounts alike."""
    with collector_paused():
        return _access_rows(model, context or Context(), accounts, shares, actions)


def _access_rows(
    model: AccessModel,
    context: Context,
    accounts: Iterable[str] | None,
    shares: Iterable[str] | None,
    actions: Iterable[str] | None,
) -> AccessMatrix:
    matrix = _Matrix(Evaluator(model), context)
    grouping = matrix.grouping
    only_accounts = set(accounts) if accounts else None
    only_shares = set(shares) if shares else None
    wanted_actions = list(actions) if actions else None
    rows: list[tuple[AccountNode, str, list[Entry]]] = []
    all_pairs: dict[str, list[tuple[str, str, str]]] = {}
    for share in model.shares.values():
        if only_shares and share.key not in only_shares:
            continue
        pairs = all_pairs[share.key] = [
            (arn, rtype, action)
            for arn, rtype in share.resources
            for action in _actions(share, rtype, wanted_actions)
        ]
        actions = tuple(dict.fromkeys(action for _, _, action in pairs))
        # A resource policy sees an account's OU path — through its aws:PrincipalOrgPaths
        # conditions only — and its ID only in the statements that name it
        named = (
            named_accounts(share.policies.values(), share.owner_id, model.partition)
            if share.policies
            else None
        )
        conditions = org_path_conditions(share.policies.values())
        by_unit: dict[str, tuple[Any, ...]] = {}  # OU → outcome of each of those conditions
        # (each action's group, variant) → a row every cell of which holds for the group
        shared_rows: dict[tuple[Any, ...], list[Entry]] = {}
        for account in reached(model, share):
            if only_accounts and not ({account.key, account.id} & only_accounts):
                continue
            group = grouping.group(account)
            if group is None or (share.policies and named is None):
                row, _ = matrix.row(share, account, pairs, dict.fromkeys(actions))
                rows.append((account, share.key, row))
                continue
            variant = None
            if named is not None:
                ident = model.principal_id(account)
                outcomes = by_unit.get(account.unit)
                if outcomes is None:
                    ctx = principal_context(model, account, matrix.context)
                    outcomes = tuple(
                        evaluate(condition, ctx, variables) for condition, variables in conditions
                    )
                    by_unit[account.unit] = outcomes
                variant = matrix.variant(outcomes, named.get(ident))
            groups, in_order = matrix.action_groups(account, group, actions)
            signature = (in_order, variant)
            mates = shared_rows.get(signature)
            if mates is not None:  # a group-mate's row: the same effects, cell by cell
                rows.append((account, share.key, mates))
                continue
            row, shared = matrix.row(share, account, pairs, groups, variant)
            if shared:
                shared_rows[signature] = row
            rows.append((account, share.key, row))
    return AccessMatrix(matrix, all_pairs, rows)


def _count(effects: Iterable[Effect | None]) -> dict[Effect, int]:
    counts = dict.fromkeys(_EFFECTS, 0)
    for effect in effects:
        assert effect is not None
        counts[effect] += 1
    return counts


class _Matrix:
    """One matrix computation: the evaluator, the context, and each side of a decision as
    decided once for everyone who shares it."""

    def __init__(self, evaluator: Evaluator, context: Context) -> None:
        self.evaluator = evaluator
        self.grouping = Grouping(evaluator)
        self.context = context
        # (share, type, action) → (the share's permission grants it, only maybe)
        self.share_sides: dict[tuple[str, str, str], tuple[bool, bool]] = {}
        # (action group, resource class, owner where a condition reads it, share's Region, the
        # action's other resources) → the SCPs' effect and unknown keys. The Region: an ARN
        # without one (a bucket's) is requested in its share's
        self.scp_sides: dict[tuple[Any, ...], tuple[Effect, frozenset[str]]] = {}
        self.extra_resources = load_catalog().action_resources
        # (policy shape, type, action, variant) → the resource policy's effect and unknown keys
        self.policy_sides: dict[tuple[Any, ...], tuple[Effect, frozenset[str]]] = {}
        # resource → the number of its policy's shape (`policy_shape`; per ARN where it has none)
        self.shapes: dict[str, int] = {}
        self._shape_numbers: dict[Any, int] = {}
        self._action_groups: dict[tuple[Any, ...], tuple[dict[str, int], tuple[int, ...]]] = {}
        # (group, variant, share, type, action, resource class, policy shape) → effect and keys
        self.effects: dict[tuple[Any, ...], Known] = {}
        self.variants: dict[tuple[Any, ...], int] = {}
        # (share, resource, type, action) → the RCPs' effect and keys (None: no RCP side)
        self.rcp_sides: dict[tuple[str, str, str, str], tuple[Effect, frozenset[str]] | None] = {}
        # (share, action) → its RCP side depends on who calls (decided one by one)
        self.rcp_reads: dict[tuple[str, str], bool] = {}
        self.rcp_callers: dict[str, set[str]] = {}  # share → those actions

    def variant(self, outcomes: tuple[Any, ...], named: Any) -> int:
        """What a share's resource policies can tell of an account besides its group — how
        their aws:PrincipalOrgPaths conditions judge its OU, and where they name it — as a
        small integer (it is part of every key of the account's row)."""
        return self.variants.setdefault((outcomes, named), len(self.variants))

    def action_groups(
        self, account: AccountNode, group: int, actions: tuple[str, ...]
    ) -> tuple[dict[str, int], tuple[int, ...]]:
        """Each action's `action_group` for the account, and those groups in order: a function
        of the account's `group` and the actions, so kept per both, across shares."""
        key = (group, actions)
        found = self._action_groups.get(key)
        if found is None:
            groups = {action: self.grouping.action_group(account, action) for action in actions}
            found = self._action_groups[key] = (groups, tuple(groups.values()))
        return found

    def _share_side(self, share: ShareModel, rtype: str, action: str) -> tuple[bool, bool]:
        """Whether the share's permission grants the action, and whether only maybe (its
        actions are not in the catalog): the same for every account of a row, since rows are
        made for the accounts the share reaches (`AccessModel.reached`: never its owner)."""
        key = (share.key, rtype, action)
        found = self.share_sides.get(key)
        if found is None:
            grant = share.grants[rtype]
            found = (bool(granting(grant, action)), False) if grant.known else (True, True)
            self.share_sides[key] = found
        return found

    def _grouped(
        self,
        share: ShareModel,
        rtype: str,
        account: AccountNode,
        arn: str,
        action: str,
        *,
        scp_class: tuple[Any, ...],
        variant: int | None,
    ) -> Known:
        """An effect that holds for everyone of its group, put together from its sides as
        `decide_in` does, each side decided once: the share's (per share), the SCPs' (per
        group, resource class and owner, across shares) and for a policy share the resource
        policy's (per outcome of what it can tell apart, `variant`). The trace on demand."""
        granted, maybe = self._share_side(share, rtype, action)
        effect, keys = Effect.IMPLICIT_DENY, frozenset[str]()
        if granted:
            group = scp_class[0]
            reads_owner = self.grouping.facts(group).reads_owner
            # Not the action: its group holds the statements relevant to it, and what else it
            # is authorized against (`request_resources`) is all it adds to the request
            extra = self.extra_resources.get(action, ())
            scp_key = (*scp_class, share.owner_id if reads_owner else None, share.region, extra)
            caller = self.scp_sides.get(scp_key)
            if caller is None:
                caller = self.scp_sides[scp_key] = self.grouping.group_scps(
                    share,
                    account,
                    resource=arn,
                    action=action,
                    action_group=group,
                    context=self.context,
                )
            effect, keys = caller
            if maybe and effect is Effect.ALLOW:
                effect = Effect.CONDITIONAL
            rcp = self._rcp_side(share, rtype, account, arn, action)
            if rcp is not None:
                effect, keys = both_sides(effect, rcp[0]), keys | rcp[1]
            if share.policies:
                resource = self._policy_side(share, rtype, account, arn, action, variant=variant)
                effect, keys = both_sides(effect, resource[0]), keys | resource[1]
        return Known(effect, keys)

    def _policy_side(
        self,
        share: ShareModel,
        rtype: str,
        account: AccountNode,
        arn: str,
        action: str,
        *,
        variant: int | None,
    ) -> tuple[Effect, frozenset[str]]:
        key = (self._shape(share, arn), rtype, action, variant)
        found = self.policy_sides.get(key)
        if found is None:
            effect, _, keys = resource_policy_effect(
                self.evaluator.model,
                account,
                share.policies[arn],
                arn=arn,
                rtype=rtype,
                action=action,
                context=self.context,
            )
            found = (effect, keys)
            self.policy_sides[key] = found
        return found

    def _rcp_side(
        self, share: ShareModel, rtype: str, account: AccountNode, arn: str, action: str
    ) -> tuple[Effect, frozenset[str]] | None:
        """The RCPs on the owner's path (`access.rcp`), decided once per share, resource and
        action with the caller's own keys left unknown (`blind`): where that answer does not
        depend on them it holds for every caller of a group; where it does, `row` decides
        callers one by one."""
        if not self.evaluator.model.rcps or not covers(action):
            return None
        key = (share.key, arn, rtype, action)
        if key not in self.rcp_sides:
            found = rcp_side(
                self.evaluator.model,
                share,
                rtype,
                account,
                arn=arn,
                action=action,
                context=self.context,
                blind=True,
            )
            self.rcp_sides[key] = None if found is None else (found.effect, found.unknown)
            if found is not None and reads_the_caller(found):
                self.rcp_reads[share.key, action] = True
        return self.rcp_sides[key]

    def reads_the_caller(
        self, share: ShareModel, account: AccountNode, pairs: list[tuple[str, str, str]]
    ) -> set[str]:
        """The actions of the share whose RCP side depends on who calls (once per share)."""
        if not self.evaluator.model.rcps:
            return _NONE
        found = self.rcp_callers.get(share.key)
        if found is None:
            for arn, rtype, action in pairs:
                self._rcp_side(share, rtype, account, arn, action)
            found = self.rcp_callers[share.key] = {
                action for _, _, action in pairs if self.rcp_reads.get((share.key, action))
            }
        return found

    def _shape(self, share: ShareModel, arn: str) -> int:
        shape = self.shapes.get(arn)
        if shape is None:
            found = policy_shape(share.policies[arn], arn) or arn
            numbers = self._shape_numbers
            shape = self.shapes[arn] = numbers.setdefault(found, len(numbers))
        return shape

    def decide(
        self, share: ShareModel, rtype: str, account: AccountNode, arn: str, action: str
    ) -> Decision:
        return decide_in(
            self.evaluator, share, rtype, account, resource=arn, action=action, context=self.context
        )

    def row(
        self,
        share: ShareModel,
        account: AccountNode,
        pairs: list[tuple[str, str, str]],
        groups: Mapping[str, int | None],
        variant: int | None = None,
    ) -> tuple[list[Entry], bool]:
        """The account's entries for each (resource, type, action) of the share, and whether
        they hold for its group-mates too. `groups`: the account's `action_group` per action
        (None: decide each cell for the account alone); `variant`: what a share's resource
        policies can tell of the account besides (`_Matrix.variant`). An entry whose sides all
        match a decided one's is that one."""
        grouping = self.grouping
        patterns: dict[str, int | None] = {}  # action → its pattern set, None: not grouped
        by_caller = self.reads_the_caller(share, account, pairs)
        for action, group in groups.items():
            patterns[action] = None
            if group is not None and action not in by_caller:
                facts = grouping.facts(group)
                if facts.independent:
                    patterns[action] = facts.pattern_set
        shared = None not in patterns.values()
        effects, shapes = self.effects, self.shapes if share.policies else None
        entries: list[Entry] = []
        for arn, rtype, action in pairs:
            pattern_set = patterns[action]
            if pattern_set is None:  # its path can tell it from its group-mates
                entries.append(self.decide(share, rtype, account, arn, action))
                continue
            group = groups[action]
            resource_class = grouping.resource_class(pattern_set, arn)
            shape = None if shapes is None else shapes.get(arn)
            if shape is None and shapes is not None:
                shape = self._shape(share, arn)
            key = (group, variant, share.key, rtype, action, resource_class, shape)
            known = effects.get(key)
            if known is None:
                known = effects[key] = self._grouped(
                    share,
                    rtype,
                    account,
                    arn,
                    action,
                    scp_class=(group, resource_class),
                    variant=variant,
                )
            entries.append(known)
        return entries, shared


def _actions(share: ShareModel, rtype: str, wanted: list[str] | None) -> Iterable[str]:
    return wanted if wanted is not None else share.grants[rtype].actions


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
