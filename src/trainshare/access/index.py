"""The index of an access model: what is looked up often, built once, immutable afterwards.

- each account's SCP path (root → OUs → account), and the OU part shared by its siblings;
- who a share reaches (accounts at or below an OU, by account ID), and who holds a resource;
- small integers for the policies attached anywhere, and for each distinct *set* of policies a
  level holds (`policy_set`), so that work keyed by "these policies" is shared by every level
  that holds them, without keying anything by object identity outside this index.
"""

from __future__ import annotations

from collections.abc import Mapping

from trainshare.access.model import AccessModel, AccountNode, AttachedPolicy, Level, ShareModel
from trainshare.spec import ROOT, PrincipalKind


class ModelIndex:
    def __init__(self, model: AccessModel) -> None:
        self._model = model
        self._no_level = {  # an account with no SCPs of its own has an empty level
            key: Level(key, "account", ())
            for key in model.accounts
            if key not in model.account_levels
        }
        self.order: Mapping[str, int] = {key: i for i, key in enumerate(model.accounts)}
        self.by_id: Mapping[str, AccountNode] = {
            a.id: a for a in model.accounts.values() if a.id is not None
        }
        by_name: dict[str, list[AccountNode]] = {}
        for account in model.accounts.values():
            if account.name:
                by_name.setdefault(account.name, []).append(account)
        self.by_name = {name: found[0] for name, found in by_name.items() if len(found) == 1}
        by_unit: dict[str, list[AccountNode]] = {}
        for account in model.accounts.values():
            if not account.external:
                by_unit.setdefault(account.unit, []).append(account)
        under: dict[str, list[AccountNode]] = {}  # OU → the accounts at or below it
        for unit, members in by_unit.items():
            for above in (ROOT, *_ancestors(unit)):
                under.setdefault(above, []).extend(members)
        self.under: Mapping[str, list[AccountNode]] = under
        holding: dict[str, list[tuple[ShareModel, str]]] = {}
        for share in model.shares.values():
            for arn, rtype in share.resources:
                holding.setdefault(arn, []).append((share, rtype))
        self.holding: Mapping[str, list[tuple[ShareModel, str]]] = holding
        # policies by number; a level by the number of the set of policies it holds
        self.policies: list[AttachedPolicy] = []
        self.policy_sets: list[tuple[int, ...]] = []
        self._policy_numbers: dict[int, int] = {}  # id() of a policy the model holds → number
        self._set_numbers: dict[tuple[int, ...], int] = {}
        self._level_sets: dict[int, int] = {}  # id() of a level the model holds → its set
        for level in (
            *model.units.values(),
            *model.account_levels.values(),
            *self._no_level.values(),
        ):
            self._level_sets[id(level)] = self._number_set(level.policies)
        self._unit_paths: dict[str, tuple[Level, ...]] = {}
        self._paths: dict[str, tuple[Level, ...]] = {}
        for account in model.accounts.values():
            self._paths[account.key] = self._path(account)

    def _number_set(self, policies: tuple[AttachedPolicy, ...]) -> int:
        numbers = []
        for policy in policies:
            # id() is safe here: the model holds every policy for as long as this index lives
            number = self._policy_numbers.get(id(policy))
            if number is None:
                number = self._policy_numbers[id(policy)] = len(self.policies)
                self.policies.append(policy)
            numbers.append(number)
        key = tuple(numbers)
        found = self._set_numbers.get(key)
        if found is None:
            found = self._set_numbers[key] = len(self.policy_sets)
            self.policy_sets.append(key)
        return found

    def policy_set(self, level: Level) -> int:
        """The number of the set of policies the level holds (levels of the model only)."""
        return self._level_sets[id(level)]

    def unit_level(self, unit: str) -> Level:
        return self._model.units[unit]

    def account_level(self, key: str) -> Level:
        return self._model.account_levels.get(key) or self._no_level[key]

    def _path(self, account: AccountNode) -> tuple[Level, ...]:
        above = self._unit_paths.get(account.unit)
        if above is None:
            units = (ROOT, *_ancestors(account.unit)) if account.unit else (ROOT,)
            above = self._unit_paths[account.unit] = tuple(self.unit_level(u) for u in units)
        return (*above, self.account_level(account.key))

    def path(self, account: AccountNode) -> tuple[Level, ...]:
        """Levels root → OUs → account (Organizations user guide, SCP evaluation)."""
        return self._paths[account.key]

    def unit_path(self, account: AccountNode) -> tuple[Level, ...]:
        """The root → OU part of the account's path, one tuple for every account of its OU."""
        return self._unit_paths[account.unit]

    def account(self, ref: str) -> AccountNode | None:
        """By key, by 12-digit ID, or by name where one account has it."""
        return self._model.accounts.get(ref) or self.by_id.get(ref) or self.by_name.get(ref)

    def reached(self, share: ShareModel) -> list[AccountNode]:
        """Accounts the share reaches (not its owner), in model order."""
        found: dict[str, AccountNode] = {}
        accounts = self._model.accounts
        for kind, target in share.principals:
            if kind in (PrincipalKind.ORGANIZATION, PrincipalKind.UNIT):
                found.update((a.key, a) for a in self.under.get(target, []))
            elif kind is PrincipalKind.ACCOUNT and target in accounts:
                found[target] = accounts[target]
            elif kind is PrincipalKind.ACCOUNT_ID:
                by_id = self.by_id.get(target) or accounts.get(target)
                if by_id is not None:
                    found[by_id.key] = by_id
        order = self.order
        return sorted(
            (a for a in found.values() if a.key != share.owner and a.id != share.owner_id),
            key=lambda a: order[a.key],
        )


def _ancestors(unit: str) -> tuple[str, ...]:
    """`a/b/c` → (`a`, `a/b`, `a/b/c`); ROOT and "" → ()."""
    if not unit or unit == ROOT:
        return ()
    parts = unit.split("/")
    return tuple("/".join(parts[: i + 1]) for i in range(len(parts)))
