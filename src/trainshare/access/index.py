"""The index of an access model: what is looked up often, built once, immutable afterwards.

- each account's SCP path (root → OUs → account), and the OU part shared by its siblings;
- who a share reaches (accounts at or below an OU, by account ID), and who holds a resource;
- small integers for the policies attached anywhere, and for each distinct *set* of policies a
  level holds (`policy_set`; the RCPs of a level: `rcp_set`), so that work keyed by "these
  policies" is shared by every level that holds them, without keying anything by object
  identity outside this index.
"""

from __future__ import annotations

from collections.abc import Mapping

from trainshare.access.model import AccessModel, AccountNode, AttachedPolicy, Level, ShareModel
from trainshare.spec import ROOT, PrincipalKind


class ModelIndex:
    def __init__(self, model: AccessModel) -> None:
        self._model = model
        self._no_level: dict[str, Level] = {}  # an account with no SCPs of its own: empty
        # policies by number; a level by the number of the set of policies it holds
        self.policies: list[AttachedPolicy] = []
        self.policy_sets: list[tuple[int, ...]] = []
        self._policy_numbers: dict[int, int] = {}  # id() of a policy the model holds → number
        self._set_numbers: dict[tuple[int, ...], int] = {}  # ids of a level's policies → set
        self._level_sets: dict[int, int] = {}  # id() of a level the model holds → its set
        for level in (*model.units.values(), *model.account_levels.values()):
            self._level_sets[id(level)] = self._number_set(level.policies)
        self._rcp_sets = {key: self._number_set(rcps) for key, rcps in model.rcps.items()}
        self._no_rcps = self._number_set(())
        self.order: dict[str, int] = {}
        self.by_id: dict[str, AccountNode] = {}
        by_name: dict[str, list[AccountNode]] = {}
        by_unit: dict[str, list[AccountNode]] = {}
        self._unit_paths: dict[str, tuple[Level, ...]] = {}
        self._unit_sets: dict[str, tuple[int, ...]] = {}
        self._paths: dict[str, tuple[Level, ...]] = {}
        self._path_sets: dict[str, tuple[int, ...]] = {}
        for i, account in enumerate(model.accounts.values()):  # one pass: 10,000 at L
            key = account.key
            self.order[key] = i
            if account.id is not None:
                self.by_id[account.id] = account
            if account.name:
                by_name.setdefault(account.name, []).append(account)
            if not account.external:
                by_unit.setdefault(account.unit, []).append(account)
            self._add_path(account)
        self.by_name = {name: found[0] for name, found in by_name.items() if len(found) == 1}
        under: dict[str, list[AccountNode]] = {}  # OU → the accounts at or below it
        for unit, members in by_unit.items():
            for above in (ROOT, *ancestors(unit)):
                under.setdefault(above, []).extend(members)
        self.under: Mapping[str, list[AccountNode]] = under
        holding: dict[str, list[tuple[ShareModel, str]]] = {}
        for share in model.shares.values():
            for arn, rtype in share.resources:
                holding.setdefault(arn, []).append((share, rtype))
        self.holding: Mapping[str, list[tuple[ShareModel, str]]] = holding

    def _number_set(self, policies: tuple[AttachedPolicy, ...]) -> int:
        # id() is safe here: the model holds every policy for as long as this index lives
        ids = tuple(map(id, policies))
        found = self._set_numbers.get(ids)
        if found is None:
            numbers = []
            for policy in policies:
                number = self._policy_numbers.get(id(policy))
                if number is None:
                    number = self._policy_numbers[id(policy)] = len(self.policies)
                    self.policies.append(policy)
                numbers.append(number)
            found = self._set_numbers[ids] = len(self.policy_sets)
            self.policy_sets.append(tuple(numbers))
        return found

    def policy_set(self, level: Level) -> int:
        """The number of the set of policies the level holds (levels of the model only)."""
        return self._level_sets[id(level)]

    def rcp_set(self, key: str) -> int:
        """The number of the set of RCPs attached at a level (ROOT, an OU's or account's key),
        as `policy_set` numbers SCP levels' (RCPFullAWSAccess left out, as the model has it)."""
        return self._rcp_sets.get(key, self._no_rcps)

    def unit_level(self, unit: str) -> Level:
        return self._model.units[unit]

    def account_level(self, key: str) -> Level:
        return self._model.account_levels.get(key) or self._no_level[key]

    def _add_path(self, account: AccountNode) -> None:
        above = self._unit_paths.get(account.unit)
        if above is None:
            units = (ROOT, *ancestors(account.unit)) if account.unit else (ROOT,)
            above = self._unit_paths[account.unit] = tuple(self.unit_level(u) for u in units)
            self._unit_sets[account.unit] = tuple(self.policy_set(level) for level in above)
        own = self._model.account_levels.get(account.key)
        if own is None:
            own = self._no_level[account.key] = Level(account.key, "account", ())
            self._level_sets[id(own)] = self._number_set(())
        self._path_sets[account.key] = (*self._unit_sets[account.unit], self._level_sets[id(own)])
        self._paths[account.key] = (*above, own)

    def path_sets(self, account: AccountNode) -> tuple[int, ...]:
        """The numbers of the policy sets along the account's path (`policy_set`)."""
        return self._path_sets[account.key]

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


def ancestors(unit: str) -> tuple[str, ...]:
    """An OU and the OUs above it, top first, by key: `a/b/c` → (`a`, `a/b`, `a/b/c`); ROOT and
    "" (outside the organization) → ()."""
    if not unit or unit == ROOT:
        return ()
    parts = unit.split("/")
    return tuple("/".join(parts[: i + 1]) for i in range(len(parts)))
