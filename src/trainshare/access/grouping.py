"""The matrix's shortcut: accounts whose SCP paths cannot tell them apart get their SCP side
decided once.

- A *group* is the accounts holding the same policies at each level root → OUs → account.
- An *action group* is finer, per action: the accounts whose paths hold the same statements
  relevant to the action at each level (an account's SCPs about other services no longer set
  it apart).
- Where none of an action group's statements can tell one account from another
  (`evaluate.independent_of_account`), each level's result is a function of what the level can
  see of the request — its statements, how the resource matches their patterns
  (`resource_class`), the Region, the action's other resources, the owner where a statement
  reads aws:ResourceAccount, and the context given — and is kept per those (`group_scps`).

What the semantics are is `access.evaluate` and `access.levels`; this module only decides who
may share whose answer. The property test in tests/property/test_matrix_equivalence.py holds it
to the per-cell evaluation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from trainshare.access.conditions import Context
from trainshare.access.evaluate import Evaluator, independent_of_account, shared_context
from trainshare.access.levels import LevelResult, outcomes, path_effect, verdict
from trainshare.access.model import AccountNode, Level, ShareModel
from trainshare.access.request import (
    request_context,
    request_region,
    request_resources,
    resource_contexts,
)
from trainshare.access.statements import Effect, RequestResource
from trainshare.catalog import account_root_arn, load_catalog
from trainshare.policy.model import Condition, ParsedPolicy, PolicyDocument, Statement
from trainshare.policy.wildcards import glob_match

_OWNER_KEY = "aws:resourceaccount"


class PathFacts(NamedTuple):
    """What the statements relevant to an action along a path (an `action_group`) let the
    matrix share between accounts and shares."""

    pattern_set: int  # their Resource/NotResource patterns other than `*`, interned
    independent: bool  # none can tell an account from others of its group
    # one reads aws:ResourceAccount (a condition key or a variable): the only part of the
    # request context that names the resource's owner; where none does, shares of different
    # owners get the same effect from the SCPs
    reads_owner: bool


class LevelOutcome(NamedTuple):
    """A level's result on a request, and the keys it depends on (`levels.verdict` without
    its steps)."""

    result: LevelResult
    unknown: frozenset[str]


class Grouping:
    """Groups, action groups and their facts for one Evaluator's model, and each level's result
    kept per what it can see of a request."""

    def __init__(self, evaluator: Evaluator) -> None:
        self.evaluator = evaluator
        self.model = evaluator.model
        self.index = evaluator.index
        self._groups: dict[str, int | None] = {}  # account key → group
        self._group_numbers: dict[tuple[int, ...], int] = {}  # policy sets along a path → group
        self._group_paths: list[tuple[Level, ...]] = []  # group → the levels of one of its paths
        self._action_groups: dict[tuple[int | str, str], int] = {}
        self._action_group_numbers: dict[tuple[int | bool, ...], int] = {}
        self._facts: list[PathFacts] = []  # action group → its facts
        self._pattern_sets: dict[tuple[str, ...], int] = {}
        self._pattern_list: list[tuple[str, ...]] = []  # pattern set → its patterns
        self._classes: dict[tuple[int, str], int] = {}  # (pattern set, ARN) → class
        self._class_numbers: dict[tuple[Any, ...], int] = {}
        # (relevant statements, what the level sees of the request) → its result
        self._level_results: dict[tuple[Any, ...], LevelOutcome] = {}

    def group(self, account: AccountNode) -> int | None:
        """Accounts of one group get the same effects wherever their path is account-independent:
        the same policies at each level root → OUs → account (names play no part in an effect,
        only in the trace). A small integer; None for management and external accounts, which
        are never grouped."""
        if account.management or account.external:
            return None
        if account.key in self._groups:
            return self._groups[account.key]
        key = self.index.path_sets(account)
        found = self._group_numbers.get(key)
        if found is None:
            found = self._group_numbers[key] = len(self._group_paths)
            self._group_paths.append(self.index.path(account))
        self._groups[account.key] = found
        return found

    def action_group(self, account: AccountNode, action: str) -> int:
        """A finer `group` for one action: accounts whose paths hold the same statements
        *relevant to the action* at each level. A function of the policies along the path, so
        kept per (group, action)."""
        group = self.group(account)
        key = (account.key if group is None else group, action.lower())
        found = self._action_groups.get(key)
        if found is None:
            sets = self.index.path_sets(account)
            relevant = [self.evaluator.relevant_in_set(number, action) for number in sets]
            # Whether the action is also authorized against resources of the caller's own is
            # part of the group: there aws:ResourceAccount is the caller's, so the same
            # statements can tell accounts apart for one action and not for another.
            extra = bool(load_catalog().action_resources.get(action))
            signature = (*(r.number for r in relevant), extra)
            found = self._action_group_numbers.get(signature)
            if found is None:
                found = self._action_group_numbers[signature] = len(self._facts)
                statements = [
                    item.statement
                    for r in relevant
                    for item in r.items
                    if isinstance(item.statement, Statement)
                ]
                self._facts.append(self._path_facts(statements, extra=extra))
            self._action_groups[key] = found
        return found

    def facts(self, action_group: int) -> PathFacts:
        """What the statements of an `action_group` let the matrix share (see PathFacts)."""
        return self._facts[action_group]

    def _path_facts(self, statements: list[Statement], *, extra: bool) -> PathFacts:
        patterns = tuple(
            pattern for stmt in statements for pattern in stmt.resource_patterns if pattern != "*"
        )
        pattern_set = self._pattern_sets.setdefault(patterns, len(self._pattern_sets))
        if pattern_set == len(self._pattern_list):
            self._pattern_list.append(patterns)
        return PathFacts(
            pattern_set,
            all(independent_of_account(stmt, extra) for stmt in statements),
            any(_OWNER_KEY in stmt.keys_read for stmt in statements),
        )

    def resource_class(self, pattern_set: int, arn: str) -> int:
        """All an effect can see of a shared resource: its Region (for aws:RequestedRegion) and
        which patterns of the set match it, as a small integer — or the ARN itself where a
        pattern holds a policy variable (whether it matches depends on the request). Resources
        of one share and type with the same class get the same effect; each ARN is matched
        once per pattern set."""
        found = self._classes.get((pattern_set, arn))
        if found is None:
            parts = arn.split(":", 4)
            region = parts[3] if len(parts) > 3 else ""
            patterns = self._pattern_list[pattern_set]
            if any("${" in pattern for pattern in patterns):
                matches: tuple[Any, ...] = (region, arn)
            else:
                matches = (region, tuple(glob_match(pattern, arn) for pattern in patterns))
            found = self._class_numbers.setdefault(matches, len(self._class_numbers))
            self._classes[(pattern_set, arn)] = found
        return found

    def group_scps(
        self,
        share: ShareModel,
        account: AccountNode,
        *,
        resource: str,
        action: str,
        action_group: int,
        context: Context,
    ) -> tuple[Effect, frozenset[str]]:
        """The effect and unknown keys `Evaluator.scps` finds for the request, for every
        account of its action group whose path cannot tell it apart (`PathFacts.independent`).
        Each level's result is kept per what the level can see of the request, so levels
        holding the same policies — the root, an OU above many groups — are decided once for
        all actions and groups that see them alike."""
        facts = self.facts(action_group)
        pattern_set = facts.pattern_set
        region = request_region(share, resource)
        owner = share.owner_id if facts.reads_owner else None
        extra = load_catalog().action_resources.get(action, ())
        common = (
            pattern_set,
            self.resource_class(pattern_set, resource),
            region,
            extra,
            owner,
            shared_context(context),
        )
        results: list[LevelResult] = []
        unknown: set[str] = set()
        request: tuple[tuple[RequestResource, ...], tuple[Context, ...]] | None = None
        group = self.group(account)
        assert group is not None  # only accounts of the organization are grouped
        for level in self._group_paths[group]:
            relevant = self.evaluator.relevant(level, action)
            key = (relevant.number, common)
            found = self._level_results.get(key)
            if found is None:
                if request is None:  # built once, and only for a level not decided yet
                    ctx, _ = request_context(self.model, account, share, region, context)
                    resources = request_resources(
                        self.model, account, share, resource=resource, action=action, region=region
                    )
                    request = (resources, resource_contexts(ctx, resources, context))
                resources, contexts = request
                seen = outcomes(relevant.items, resources, contexts)
                decided = verdict(level, relevant.items, seen, action, resources)
                found = self._level_results[key] = LevelOutcome(decided.result, decided.unknown)
            if found.result is LevelResult.DENY:
                return path_effect(results, frozenset(), True)
            results.append(found.result)
            unknown |= found.unknown
        return path_effect(results, frozenset(unknown), False)


# -- what a share's resource policies can tell apart ----------------------------------------

_PER_ACCOUNT_KEYS = load_catalog().key_sets["resource_policy_per_account"]


ORG_PATHS = "aws:PrincipalOrgPaths"


def policy_shape(document: ParsedPolicy, arn: str) -> tuple[Any, ...] | None:
    """The policy with its own resource's ARN taken out of every Resource and NotResource: two
    resources whose policies have the same shape get the same effect for the same request on
    each. None when a pattern is anything but `*`, the ARN, or the ARN followed by `/…` (a
    pattern such as `bucket-2*` matches some ARNs and not others, so it must stay per ARN),
    and for a policy that cannot be read."""
    if not isinstance(document, PolicyDocument):
        return None

    def placeholder(pattern: str) -> str | None:
        if pattern == "*":
            return "*"
        if pattern == arn or pattern.startswith(arn + "/"):
            return "\0" + pattern[len(arn) :]
        return None

    shaped = []
    for stmt in document.statements:
        patterns = [placeholder(p) for p in stmt.resources or ()]
        if None in patterns:
            return None
        resources = None if stmt.resources is None else tuple(p for p in patterns if p)
        # the statement as it decides, its resources shaped (its index and Sid play no part)
        shaped.append(
            (
                stmt.effect,
                stmt.actions,
                stmt.not_action,
                resources,
                stmt.not_resource,
                stmt.principal,
                stmt.not_principal,
                stmt.condition,
                stmt.variables,
            )
        )
    return tuple(shaped)


def org_path_conditions(documents: Iterable[ParsedPolicy]) -> list[tuple[Condition, bool]]:
    """Every condition on aws:PrincipalOrgPaths in the documents, and whether its values hold
    policy variables: the only way a resource policy tells one OU from another."""
    return [
        (condition, stmt.variables)
        for document in documents
        if isinstance(document, PolicyDocument)
        for stmt in document.statements
        for condition in stmt.condition.conditions
        if condition.key.lower() == ORG_PATHS.lower()
    ]


def named_accounts(
    documents: Iterable[ParsedPolicy], owner_id: str, partition: str
) -> dict[str, frozenset[tuple[int, int, Any]]] | None:
    """Each account resource policies name as a principal (by ID, or the model's stand-in),
    the owner aside, with where: (document, statement, True) where the statement names the
    account itself — its ID or root ARN — or the value, for anything else in its account (a
    role, a session). Accounts named in the same places get the same effect from the
    policies. None when the policies can tell any two accounts apart (NotPrincipal, a
    condition or variable on a per-account key such as aws:PrincipalAccount, a policy that
    cannot be read)."""
    named: dict[str, set[tuple[int, int, Any]]] = {}
    for d, document in enumerate(documents):
        if not isinstance(document, PolicyDocument):
            return None
        for stmt in document.statements:
            if stmt.not_principal or stmt.keys_read & _PER_ACCOUNT_KEYS:
                return None
            values = stmt.principal.aws if stmt.principal is not None else ()
            for value in values:
                if value == "*":
                    continue
                ident = value.split(":")[4] if value.startswith("arn:") else value
                itself = value in (ident, account_root_arn(partition, ident))
                named.setdefault(ident, set()).add((d, stmt.index, True if itself else value))
    named.pop(owner_id, None)
    return {ident: frozenset(places) for ident, places in named.items()}
