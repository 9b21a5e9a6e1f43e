"""The logical names plan nodes had before the renames a spec declares (`renamed_from`).

Every node named from spec keys gets, as aliases, its name with each renamed key put back: an
attachment of a renamed guardrail to a renamed OU has three former names (either key old, or
both), since a rename may have been deployed before the other. Pulumi moves a resource found
under an alias to its new name; an alias matching nothing costs nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from trainshare.spec import ROOT, Spec
from trainshare.spec.changes import old_path


class FormerNames:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self._units = {path: old_path(path, spec.units) for path in spec.units}

    def unit(self, path: str) -> tuple[str, ...]:
        return _both(path, self._units.get(path, path))

    def account(self, key: str) -> tuple[str, ...]:
        account = self.spec.accounts.get(key)
        return _both(key, account.renamed_from if account else None)

    def guardrail(self, key: str) -> tuple[str, ...]:
        return _both(key, self.spec.guardrails[key].renamed_from)

    def share(self, key: str) -> tuple[str, ...]:
        return _both(key, self.spec.shares[key].renamed_from)

    def target(self, target: str) -> tuple[str, ...]:
        """`root`, an OU path or an account key (guardrail targets, share principals)."""
        if target == ROOT:
            return (ROOT,)
        if target in self.spec.units:
            return self.unit(target)
        return self.account(target)

    @staticmethod
    def aliases(name: Callable[..., str], *choices: tuple[str, ...]) -> tuple[str, ...]:
        """Every name `name(*args)` had, each argument taken now or before, but today's."""
        now = name(*(c[0] for c in choices))
        if all(len(c) == 1 for c in choices):
            return ()
        names = dict.fromkeys(name(*args) for args in itertools.product(*choices))
        names.pop(now, None)
        return tuple(names)


def _both(now: str, before: str | None) -> tuple[str, ...]:
    return (now,) if before is None or before == now else (now, before)
