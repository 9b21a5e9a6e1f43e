"""Which rows of the access matrix a spec change can change (`changed_scope`).

A row's effects are a function of its sides (see `access.matrix` and `access.sides`): the share
(what it grants, on which resources, to whom, its resource policies), the account's SCP path
(the policies at each level, its OU, its ID), the RCPs on the owner's path, and what the whole
model shares (partition, management account, organization IDs). `changed_scope` compares those,
policy by policy, between the two models; every other row is the same on both sides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from trainshare.access.index import ancestors
from trainshare.access.model import AccessModel, AccountNode, Level, ShareModel
from trainshare.diff.renames import Renames
from trainshare.spec import ROOT


@dataclass(frozen=True)
class Scope:
    """The rows that can change: those of these accounts, and of these shares (keys as the
    new model names them; removed ones by their old key). `everything`: compare every row."""

    accounts: frozenset[str]
    shares: frozenset[str]
    everything: bool = False


class Signatures:
    """What the rows of one model read, as values comparable with the other model's: a policy
    by a number for its name and document (`contents`, shared by both models' Signatures), a
    level by the numbers of the policies it holds. Each set of policies the model's index
    numbers (`ModelIndex.policy_set`, `rcp_set`) is read once."""

    def __init__(self, model: AccessModel, contents: dict[tuple[str, Any], int]) -> None:
        self.model = model
        self._contents = contents
        self._policies: dict[int, int] = {}  # the index's policy number → its contents' number
        self._sets: dict[int, tuple[int, ...]] = {}  # the index's policy set → its contents
        self._units: dict[str, Any] = {}  # OU → what the rows of its accounts read of it

    def policy_set(self, number: int) -> tuple[int, ...]:
        """The contents of the index's policy set `number`, in order."""
        found = self._sets.get(number)
        if found is None:
            index = self.model.index
            out = []
            for policy_number in index.policy_sets[number]:
                content = self._policies.get(policy_number)
                if content is None:
                    policy = index.policies[policy_number]
                    key = (policy.name, policy.document)
                    content = self._contents.setdefault(key, len(self._contents))
                    self._policies[policy_number] = content
                out.append(content)
            found = self._sets[number] = tuple(out)
        return found

    def level(self, level: Level) -> tuple[int, ...]:
        """The contents of a level of the model (its index's)."""
        return self.policy_set(self.model.index.policy_set(level))

    def account(self, account: AccountNode) -> Any:
        """Everything of the model a row of the account reads, besides its share. The part of
        its OU (its org path, the policies root → OU) is kept per OU."""
        model = self.model
        above = self._units.get(account.unit)
        if above is None:
            ids = model.ids
            org_path = (
                ids.org_path(account.unit)
                if ids is not None and account.unit and not account.external
                else None
            )
            path = model.index.unit_path(account) if account.unit else ()
            above = self._units[account.unit] = (org_path, tuple(map(self.level, path)))
        return (
            account.unit,
            account.id,
            account.management,
            account.external,
            model.principal_id(account),
            above,
            self.level(model.index.account_level(account.key)),
        )

    def whereabouts(self, account: AccountNode | None) -> Any:
        """What an account's trace names besides the account: its OU and its own policies."""
        if account is None:
            return None
        level = self.model.index.account_level(account.key)
        return (account.unit, account.management, account.external, self.level(level))

    def share(self, share: ShareModel) -> Any:
        """Everything of the model a row of the share reads, besides its account."""
        owner = self.model.accounts.get(share.owner)
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
            self._rcp_path(share, owner),
        )

    def _rcp_path(self, share: ShareModel, owner: AccountNode | None) -> Any:
        """The RCPs on the owner's path root → OUs → owner, as the RCP side reads them."""
        model = self.model
        if not model.rcps:
            return ()
        unit = owner.unit if owner is not None else ROOT
        levels = (ROOT, *ancestors(unit), share.owner)
        return tuple((key, self.policy_set(model.index.rcp_set(key))) for key in levels)


def _global(model: AccessModel) -> tuple[Any, ...]:
    ids = model.ids
    return (
        model.partition,
        model.management_account,
        model.org_id,
        model.principal_role,
        None if ids is None else (ids.org, ids.root),
    )


def changed_scope(old: AccessModel, new: AccessModel, renames: Renames) -> Scope:
    """The accounts and shares whose rows can differ between the models (see the module)."""
    if _global(old) != _global(new):
        return Scope(frozenset(), frozenset(), everything=True)
    contents: dict[tuple[str, Any], int] = {}
    was, now = Signatures(old, contents), Signatures(new, contents)
    return Scope(
        _changed(
            old.accounts,
            new.accounts,
            renames.accounts,
            lambda a, b: was.account(a) != now.account(b),
        ),
        _changed(old.shares, new.shares, renames.shares, lambda a, b: was.share(a) != now.share(b)),
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
