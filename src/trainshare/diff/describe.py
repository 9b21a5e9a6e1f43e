"""A change's accounts in words, by the OUs they fill: `ml/training (412 accounts)`."""

from __future__ import annotations

from collections.abc import Iterable

from trainshare.access.index import ancestors
from trainshare.access.model import AccessModel, AccountNode, ShareModel
from trainshare.diff.renames import Renames
from trainshare.spec import ROOT


class Describer:
    """Accounts in words, by the OUs they fill (`describe`)."""

    def __init__(self, old: AccessModel, new: AccessModel, renames: Renames) -> None:
        self.old, self.new, self.renames = old, new, renames
        self._eligible: dict[tuple[bool, str], dict[str, int]] = {}  # (new model?, owner)

    def _model(self, share: str) -> tuple[AccessModel, ShareModel | None]:
        found = self.new.shares.get(share)
        if found is not None:
            return self.new, found
        return self.old, self.old.shares.get(self.renames.old_share(share))

    def eligible(self, model: AccessModel, owner: str) -> dict[str, int]:
        """OU → the accounts at or below it a share of `owner` could reach (not the owner, not
        the management account)."""
        key = (model is self.new, owner)
        found = self._eligible.get(key)
        if found is None:
            found = {unit: len(members) for unit, members in model.index.under.items()}
            for account in model.accounts.values():
                if account.key == owner or account.management:
                    for unit in (ROOT, *ancestors(account.unit)):
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
            was = self.old.shares.get(self.renames.old_share(share))
            if was is not None:
                model, found = self.old, was
        eligible = self.eligible(model, found.owner if found is not None else "")
        inside = [a for a in members if a.key in model.accounts and not a.external and a.unit]
        counts: dict[str, int] = {}
        for account in inside:
            for unit in (ROOT, *ancestors(account.unit)):
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


def _depth(unit: str) -> int:
    return 0 if unit == ROOT else unit.count("/") + 1


def _within(unit: str, above: str) -> bool:
    return above in (ROOT, unit) or unit.startswith(above + "/")
