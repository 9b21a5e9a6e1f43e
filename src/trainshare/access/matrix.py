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

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from trainshare.access.conditions import Context, evaluate_operator
from trainshare.access.evaluate import (
    Decision,
    Evaluator,
    Request,
    both_sides,
    decide_in,
    scp_effect,
)
from trainshare.access.model import AccessModel, AccountNode, ShareModel
from trainshare.access.resource_policy import principal_context, resource_policy_effect
from trainshare.access.statements import Effect
from trainshare.policy.lint import as_list, statements


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
        "shareable",
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
        shareable: bool = False,
    ) -> None:
        self.account, self.share, self.resource, self.action = account, share, resource, action
        self._decision = decision
        self._matrix = matrix  # to compute the decision later (no closure per cell)
        self.rtype = rtype
        self.shareable = shareable  # its effect holds for every account of its group
        self.effect = decision.effect if decision is not None else effect
        self.unknown_keys = decision.unknown_keys if decision is not None else unknown_keys

    def alike(self, account: AccountNode, matrix: _Matrix) -> Cell:
        """The same decision for a group-mate: the effect now, the trace when asked for."""
        return Cell(
            account,
            self.share,
            self.resource,
            self.action,
            effect=self.effect,
            unknown_keys=self.unknown_keys,
            matrix=matrix,
            rtype=self.rtype,
            shareable=True,
        )

    @property
    def decision(self) -> Decision:
        if self._decision is None:
            assert self._matrix is not None
            share = self._matrix.evaluator.model.shares[self.share]
            self._decision = self._matrix.decide(
                share, self.rtype, self.account, self.resource, self.action
            )
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
        pairs = [
            (arn, rtype, action)
            for arn, rtype in share.resources
            for action in _actions(share, rtype, wanted_actions)
        ]
        actions = {action for _, _, action in pairs}
        # A resource policy sees an account's OU path — through its aws:PrincipalOrgPaths
        # conditions only — and its ID only where it names it
        named = named_accounts(share.policies.values(), share.owner_id) if share.policies else None
        conditions = org_path_conditions(share.policies.values())
        by_unit: dict[str, tuple[Any, ...]] = {}  # OU → outcome of each of those conditions
        # (group, variant, resource, action) → the first cell decided
        seen: dict[tuple[Any, Any, str, str], Cell] = {}
        for account in reached(model, share):
            if only_accounts and not ({account.key, account.id} & only_accounts):
                continue
            group = matrix.evaluator.group(account)
            if group is None or (share.policies and named is None):
                cells += [matrix.cell(share, r, account, a, x, group=None) for a, r, x in pairs]
                continue
            variant = None
            if named is not None:
                ident = model.principal_id(account)
                outcomes = by_unit.get(account.unit)
                if outcomes is None:
                    ctx = principal_context(model, account, matrix.context)
                    outcomes = tuple(
                        evaluate_operator(op, ORG_PATHS, values, ctx) for op, values in conditions
                    )
                    by_unit[account.unit] = outcomes
                variant = (outcomes, ident if ident in named else None)
            groups = {action: matrix.evaluator.action_group(account, action) for action in actions}
            for arn, rtype, action in pairs:
                group = groups[action]
                first = seen.get((group, variant, arn, action))
                if first is not None and first.shareable:  # a group-mate decided it already
                    cells.append(first.alike(account, matrix))
                    continue
                cell = matrix.cell(share, rtype, account, arn, action, group=group, variant=variant)
                seen.setdefault((group, variant, arn, action), cell)
                cells.append(cell)
    return cells


class _Matrix:
    """One matrix computation: the evaluator, the context, and the effects decided per group."""

    def __init__(self, evaluator: Evaluator, context: Context) -> None:
        self.evaluator = evaluator
        self.context = context
        self.grouped: dict[tuple[Any, ...], tuple[Effect, frozenset[str]]] = {}
        self.scp_sides: dict[tuple[Any, ...], tuple[Effect, frozenset[str]]] = {}
        self.policy_sides: dict[tuple[Any, ...], tuple[Effect, frozenset[str]]] = {}

    def _both_sides(
        self,
        share: ShareModel,
        rtype: str,
        account: AccountNode,
        arn: str,
        action: str,
        *,
        scp_class: tuple[Any, ...],
        variant: Any,
    ) -> Cell:
        """A policy share's cell: the caller's side (SCPs) shared by everyone of its group, the
        resource's side by everyone its policy cannot tell apart (`variant`), each decided once;
        the trace on demand."""
        scp_key = (*scp_class, share.owner_id, action)
        caller = self.scp_sides.get(scp_key)
        if caller is None:
            caller = scp_effect(
                self.evaluator, share, account, resource=arn, action=action, context=self.context
            )
            self.scp_sides[scp_key] = caller
        policy_key = (arn, action, variant)
        resource = self.policy_sides.get(policy_key)
        if resource is None:
            effect, _, keys = resource_policy_effect(
                self.evaluator.model,
                account,
                share.policies[arn],
                arn=arn,
                rtype=rtype,
                action=action,
                context=self.context,
            )
            resource = (effect, keys)
            self.policy_sides[policy_key] = resource
        return Cell(
            account,
            share.key,
            arn,
            action,
            effect=both_sides(caller[0], resource[0]),
            unknown_keys=caller[1] | resource[1],
            matrix=self,
            rtype=rtype,
            shareable=True,
        )

    def decide(
        self, share: ShareModel, rtype: str, account: AccountNode, arn: str, action: str
    ) -> Decision:
        return decide_in(
            self.evaluator, share, rtype, account, resource=arn, action=action, context=self.context
        )

    def cell(
        self,
        share: ShareModel,
        rtype: str,
        account: AccountNode,
        arn: str,
        action: str,
        *,
        group: int | None,
        variant: Any = None,
    ) -> Cell:
        """`variant`: what else an effect depends on besides the group — for a share with
        resource policies, how its aws:PrincipalOrgPaths conditions judge the account's OU, and
        whether the policies name it."""
        if group is None or not self.evaluator.independent_path(account, action, group):
            return Cell(
                account, share.key, arn, action, self.decide(share, rtype, account, arn, action)
            )
        resource_class = self.evaluator.resource_class(account, action, arn, group)
        if share.policies:
            scp_class = (group, resource_class)
            return self._both_sides(
                share, rtype, account, arn, action, scp_class=scp_class, variant=variant
            )
        key = (group, variant, share.key, rtype, action, resource_class)
        known = self.grouped.get(key)
        if known is not None:  # same policies along the path: same effect, trace on demand
            return Cell(
                account,
                share.key,
                arn,
                action,
                effect=known[0],
                unknown_keys=known[1],
                matrix=self,
                rtype=rtype,
                shareable=True,
            )
        decision = self.decide(share, rtype, account, arn, action)
        self.grouped[key] = (decision.effect, decision.unknown_keys)
        cell = Cell(account, share.key, arn, action, decision, rtype=rtype)
        cell.shareable = True
        return cell


_PER_ACCOUNT_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:userid",
        "aws:username",
        "aws:SourceAccount",
    )
)


ORG_PATHS = "aws:PrincipalOrgPaths"


def org_path_conditions(documents: Iterable[Mapping[str, Any]]) -> list[tuple[str, Any]]:
    """(operator, values) of every condition on aws:PrincipalOrgPaths in the documents: the only
    way a resource policy tells one OU from another."""
    found = []
    for document in documents:
        for _, stmt in statements(document):
            block = stmt.get("Condition")
            if not isinstance(block, Mapping):
                continue
            for operator, keys in block.items():
                if isinstance(keys, Mapping):
                    found += [
                        (str(operator), v)
                        for k, v in keys.items()
                        if k.lower() == ORG_PATHS.lower()
                    ]
    return found


def named_accounts(documents: Iterable[Mapping[str, Any]], owner_id: str) -> set[str] | None:
    """The accounts resource policies name as principals (IDs, or the model's stand-ins), the
    owner aside — or None when they can tell any two accounts apart (NotPrincipal, or a
    condition on a per-account key such as aws:PrincipalAccount)."""
    named: set[str] = set()
    for document in documents:
        for _, stmt in statements(document):
            if "NotPrincipal" in stmt:
                return None
            principal = stmt.get("Principal", "*")
            values = as_list(principal.get("AWS", [])) if isinstance(principal, Mapping) else []
            for value in values:
                if value != "*":
                    named.add(value.split(":")[4] if value.startswith("arn:") else value)
            block = stmt.get("Condition")
            if isinstance(block, Mapping):
                for keys in block.values():
                    if isinstance(keys, Mapping) and any(
                        k.lower() in _PER_ACCOUNT_KEYS for k in keys
                    ):
                        return None
    return named - {owner_id}


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
