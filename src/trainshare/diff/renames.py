"""Renames between two specs: the accounts and shares of the old model under their new keys
(`renamed_from`), and back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Renames:
    """Keys of the old model under their new names (`renamed_from`): the same account or share."""

    accounts: Mapping[str, str] = field(default_factory=dict)  # old key → new key
    shares: Mapping[str, str] = field(default_factory=dict)

    def old_account(self, new_key: str) -> str:
        """The old model's key of an account the new model has as `new_key`."""
        return _old_key(self.accounts, new_key)

    def old_share(self, new_key: str) -> str:
        """The old model's key of a share the new model has as `new_key`."""
        return _old_key(self.shares, new_key)


def _old_key(renames: Mapping[str, str], new_key: str) -> str:
    for old, new in renames.items():
        if new == new_key:
            return old
    return new_key
