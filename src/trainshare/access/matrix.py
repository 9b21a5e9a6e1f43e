"""The access matrix: every (account reached, share, resource, action) decision of a model.

Accounts a share cannot tell apart share a row of entries (`AccessMatrix`): the same statements
relevant to each action along their paths (`access.grouping`), and the same outcome of what the
share's resource policies can tell of an account — how their aws:PrincipalOrgPaths conditions
judge its OU, and where they name it (`variant`). A row is decided for the first account of its
kind, each side of each decision once for everyone who shares it (`access.sides`); a Cell's
trace is built for its own account when asked (`Cell.decision`). Accounts whose path can tell
them apart (`independent_of_account`) go through the Evaluator one by one, whose level and
root→OU memos are exact. Accounts a share does not reach get no cells.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import NamedTuple, TypedDict, Unpack

from trainshare.access.cells import Cell, Entries, Known
from trainshare.access.conditions import Context, Outcome, evaluate
from trainshare.access.evaluate import Evaluator, Request
from trainshare.access.grouping import named_accounts, org_path_conditions
from trainshare.access.model import AccessModel, AccountNode, ShareModel
from trainshare.access.request import Question
from trainshare.access.resource_policy import principal_context
from trainshare.access.sides import MatrixSides
from trainshare.access.statements import Effect

__all__ = [
    "AccessMatrix",
    "Cell",
    "Known",
    "Question",
    "Row",
    "access_matrix",
    "access_rows",
    "collector_paused",
    "naive_matrix",
    "reached",
    "share_actions",
    "summarize",
]

_EFFECTS = tuple(Effect)  # iterating an Enum class is slow; a matrix counts per row


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


class Row(NamedTuple):
    """An (account, share) the share reaches, and its entries: decided for it, or for a
    group-mate (then the very same Entries)."""

    account: AccountNode
    share: str  # the share's key
    entries: Entries


class AccessMatrix:
    """Every decision of a matrix, factorised: one row per (account, share) reached, an entry
    per question of the share (`questions`). Accounts a share cannot tell apart — the same
    statements relevant to each action along their paths, the same outcome of its resource
    policies' conditions — share one row, decided for the first of them; `cells()` hands each
    account its own Cells (effects as decided, traces built for that account when asked), and
    `summary()` counts without making them."""

    def __init__(
        self, sides: MatrixSides, questions: Mapping[str, list[Question]], rows: list[Row]
    ) -> None:
        self._sides = sides
        self.questions = questions  # share key → its questions, in the order of entries
        self.rows = rows

    def cells(self) -> Iterator[Cell]:
        """One Cell per decision, in the order of shares, accounts reached, resources, actions."""
        sides = self._sides
        for account, share, entries in self.rows:
            for question, entry in zip(self.questions[share], entries, strict=True):
                yield Cell(account, share, question, entry, sides)

    def summary(self) -> dict[tuple[str, str], dict[Effect, int]]:
        """(account key, share) → count of decisions per effect, as `summarize` gives it.
        Its dicts, one per row, are made with the collector paused, as the matrix was: at
        10,000 accounts they would set off collections that rescan the whole matrix."""
        counted: dict[int, dict[Effect, int]] = {}  # Entries.number → its counts
        out: dict[tuple[str, str], dict[Effect, int]] = {}
        with collector_paused():
            for account, share, entries in self.rows:
                counts = counted.get(entries.number)
                if counts is None:
                    counts = counted[entries.number] = _count(entry.effect for entry in entries)
                into = out.get((account.key, share))
                if into is None:  # rows are one per (account, share): the common case
                    out[account.key, share] = dict(counts)
                    continue
                for effect, n in counts.items():
                    into[effect] += n
        return out


class Only(TypedDict, total=False):
    """What a matrix may be narrowed to (each: every one when not given)."""

    accounts: Iterable[str] | None  # account keys or IDs
    shares: Iterable[str] | None  # share keys
    actions: Iterable[str] | None  # instead of the ones each permission grants


def access_matrix(
    model: AccessModel, context: Context | None = None, **only: Unpack[Only]
) -> list[Cell]:
    """Decisions for every reached account × share × resource × action (narrowed to `only`),
    one Cell each (see `access_rows` for the same decisions without a Cell per account)."""
    rows = access_rows(model, context, **only)
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
    only_accounts = set(accounts) if accounts else None
    only_shares = set(shares) if shares else None
    wanted = list(actions) if actions else None
    rows: list[Row] = []
    questions: dict[str, list[Question]] = {}
    with collector_paused():
        sides = MatrixSides(Evaluator(model), context or Context())
        for share in model.shares.values():
            if only_shares and share.key not in only_shares:
                continue
            asked = questions[share.key] = [
                Question(arn, rtype, action)
                for arn, rtype in share.resources
                for action in (wanted if wanted is not None else share.grants[rtype].actions)
            ]
            _share_rows(sides, share, asked, only_accounts, rows)
    return AccessMatrix(sides, questions, rows)


# All a row of a share depends on besides the share: each action's action group, and what the
# share's resource policies tell of the account (`MatrixSides.variant`; None: the share has
# none). A plain tuple, built per account reached and only hashed (as `sides.EffectKey`)
_RowKind = tuple[tuple[int, ...], int | None]


def _share_rows(
    sides: MatrixSides,
    share: ShareModel,
    questions: list[Question],
    only_accounts: set[str] | None,
    rows: list[Row],
) -> None:
    """The rows of the accounts the share reaches, added to `rows`."""
    model = sides.evaluator.model
    grouping = sides.grouping
    actions = tuple(dict.fromkeys(question.action for question in questions))
    # A resource policy sees an account's OU path — through its aws:PrincipalOrgPaths
    # conditions only — and its ID only in the statements that name it
    named = (
        named_accounts(share.policies.values(), share.owner_id, model.partition)
        if share.policies
        else None
    )
    conditions = org_path_conditions(share.policies.values())
    by_unit: dict[str, tuple[Outcome, ...]] = {}  # OU → the outcome of each of those conditions
    shared_rows: dict[_RowKind, Entries] = {}  # a row every cell of which holds for its kind
    for account in reached(model, share):
        if only_accounts and not ({account.key, account.id} & only_accounts):
            continue
        group = grouping.group(account)
        if group is None or (share.policies and named is None):
            entries, _ = sides.row(share, account, questions, dict.fromkeys(actions))
            rows.append(Row(account, share.key, entries))
            continue
        variant = None
        if named is not None:
            ident = model.principal_id(account)
            outcomes = by_unit.get(account.unit)
            if outcomes is None:
                ctx = principal_context(model, account, sides.context)
                outcomes = tuple(
                    evaluate(condition, ctx, variables) for condition, variables in conditions
                )
                by_unit[account.unit] = outcomes
            variant = sides.variant(outcomes, named.get(ident))
        groups, in_order = sides.action_groups(account, group, actions)
        kind: _RowKind = (in_order, variant)
        mates = shared_rows.get(kind)
        if mates is not None:  # a group-mate's row: the same effects, cell by cell
            rows.append(Row(account, share.key, mates))
            continue
        entries, shared = sides.row(share, account, questions, groups, variant)
        if shared:
            shared_rows[kind] = entries
        rows.append(Row(account, share.key, entries))


def _count(effects: Iterable[Effect]) -> dict[Effect, int]:
    counts = dict.fromkeys(_EFFECTS, 0)
    for effect in effects:
        counts[effect] += 1
    return counts


def naive_matrix(model: AccessModel, context: Context | None = None) -> list[Cell]:
    """The same cells, each evaluated from scratch (for benchmarks and equivalence tests)."""
    ctx = context or Context()
    cells = []
    for share in model.shares.values():
        for account in reached(model, share):
            for arn, rtype in share.resources:
                for action in share.grants[rtype].actions:
                    request = Request(account.key, arn, action, ctx, share.key)
                    decision = Evaluator(model).decide(request)
                    cells.append(Cell(account, share.key, Question(arn, rtype, action), decision))
    return cells


def summarize(cells: Iterable[Cell]) -> dict[tuple[str, str], dict[Effect, int]]:
    """(account key, share) → count of decisions per effect."""
    out: dict[tuple[str, str], dict[Effect, int]] = {}
    for cell in cells:
        counts = out.setdefault((cell.account.key, cell.share), dict.fromkeys(Effect, 0))
        counts[cell.effect] += 1
    return out
