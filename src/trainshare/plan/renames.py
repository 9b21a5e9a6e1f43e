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
        # only what was renamed: most specs rename nothing, and lookups stay cheap
        self._units = {p: old for p in spec.units if (old := old_path(p, spec.units)) != p}
        self._accounts = {k: a.renamed_from for k, a in spec.accounts.items() if a.renamed_from}
        self._guardrails = {k: g.renamed_from for k, g in spec.guardrails.items() if g.renamed_from}
        self._shares = {k: s.renamed_from for k, s in spec.shares.items() if s.renamed_from}

    def unit(self, path: str) -> tuple[str, ...]:
        return _both(path, self._units.get(path))

    def account(self, key: str) -> tuple[str, ...]:
        return _both(key, self._accounts.get(key))

    def guardrail(self, key: str) -> tuple[str, ...]:
        return _both(key, self._guardrails.get(key))

    def share(self, key: str) -> tuple[str, ...]:
        return _both(key, self._shares.get(key))

    def target(self, target: str) -> tuple[str, ...]:
        """`root`, an OU path or an account key (guardrail targets, share principals); an OU
        path and an account key never clash (validate: AMBIGUOUS_NAME)."""
        if target == ROOT:
            return (ROOT,)
        if target in self._units:
            return (target, self._units[target])
        return self.account(target)

    @staticmethod
    def aliases(name: Callable[..., str], *choices: tuple[str, ...]) -> tuple[str, ...]:
        """Every name `name(*args)` had, each argument taken now or before, but today's."""
        for choice in choices:
            if len(choice) > 1:
                break
        else:
            return ()  # nothing renamed: the common case, kept cheap
        now = name(*(c[0] for c in choices))
        names = dict.fromkeys(name(*args) for args in itertools.product(*choices))
        names.pop(now, None)
        return tuple(names)


def _both(now: str, before: str | None) -> tuple[str, ...]:
    return (now,) if before is None or before == now else (now, before)
