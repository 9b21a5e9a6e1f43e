"""Typed views of the catalog data files."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ruamel.yaml import YAML

from trainshare.catalog.arns import Arn

_PERMISSION_ARN_PREFIX = ":ram::aws:permission/"


@dataclass(frozen=True, slots=True)
class ManagedPermission:
    name: str
    resource_type: str
    actions: tuple[str, ...] | None  # None: the source does not list them
    assumed_actions: tuple[str, ...] | None = None  # believed, not verified (catalog `M`)

    @property
    def granted_actions(self) -> tuple[tuple[str, ...] | None, bool]:
        """The actions to evaluate, and whether they are assumed rather than verified."""
        if self.actions is not None:
            return self.actions, False
        return self.assumed_actions, self.assumed_actions is not None


@dataclass(frozen=True, slots=True)
class ResourceType:
    """A RAM-shareable resource type (`ec2:CapacityReservation`, …)."""

    name: str
    service: str
    resource_prefix: str
    external: bool
    default_permission: str | None
    permissions: Mapping[str, ManagedPermission]
    source: str
    verified: str
    external_note: str = ""

    def matches(self, arn: Arn) -> bool:
        return arn.service == self.service and (
            arn.resource.startswith(self.resource_prefix)
            if self.resource_prefix.endswith("/")
            else arn.resource == self.resource_prefix
            or arn.resource.startswith(self.resource_prefix + "/")
        )


@dataclass(frozen=True, slots=True)
class PolicyShareType:
    """A resource RAM cannot share; it is shared with a resource policy instead."""

    name: str
    service: str
    resource_prefix: str

    def matches(self, arn: Arn) -> bool:
        return arn.service == self.service and arn.resource.startswith(self.resource_prefix)


@dataclass(frozen=True, slots=True)
class Limit:
    name: str
    value: int
    description: str
    source: str
    checked: str
    verified: str


@dataclass(frozen=True, slots=True)
class GuardrailParam:
    name: str
    type: str  # string_list | string | bool
    required: bool
    default: Any
    description: str


@dataclass(frozen=True, slots=True)
class GuardrailTemplate:
    name: str
    description: str
    source: str
    params: Mapping[str, GuardrailParam]
    document: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class FindingKind:
    """A linter finding's stable code, default severity ("error"/"warning") and fix text."""

    code: str
    severity: str
    title: str
    fix: str


@dataclass(frozen=True, slots=True)
class Catalog:
    checked: str
    resource_types: Mapping[str, ResourceType]
    policy_share_types: Mapping[str, PolicyShareType]
    limits: Mapping[str, Limit]
    regions: Mapping[str, str]  # Region → partition
    guardrails: Mapping[str, GuardrailTemplate]
    global_condition_keys: Mapping[str, str]  # aws:* key → type; "aws:RequestTag/" = tag keys
    findings: Mapping[str, FindingKind]
    action_resources: Mapping[str, tuple[str, ...]]  # action → extra resource ARN templates
    trusted_services: frozenset[str]  # principals that support Organizations trusted access

    def resource_type_for(self, arn: Arn) -> ResourceType | None:
        return next((t for t in self.resource_types.values() if t.matches(arn)), None)

    def policy_share_type_for(self, arn: Arn) -> PolicyShareType | None:
        return next((t for t in self.policy_share_types.values() if t.matches(arn)), None)

    def permission(self, name: str) -> ManagedPermission | None:
        for rtype in self.resource_types.values():
            if name in rtype.permissions:
                return rtype.permissions[name]
        return None

    def partition(self, region: str) -> str:
        return self.regions.get(region, "aws")


def permission_arn(name: str, partition: str = "aws") -> str:
    """The ARN of an AWS-managed RAM permission (RAM API reference, ListPermissions)."""
    return f"arn:{partition}{_PERMISSION_ARN_PREFIX}{name}"


def permission_name(arn_or_name: str) -> str:
    """`AWSRAM…` from either the bare name or the AWS-managed permission ARN."""
    if arn_or_name.startswith("arn:") and _PERMISSION_ARN_PREFIX in arn_or_name:
        return arn_or_name.rsplit("/", 1)[1]
    return arn_or_name


def _read(name: str) -> Any:
    text = resources.files("trainshare.catalog").joinpath(name).read_text(encoding="utf-8")
    return YAML(typ="safe", pure=True).load(text)


def _resource_types(raw: Mapping[str, Any]) -> dict[str, ResourceType]:
    out = {}
    for name, entry in raw.items():
        perms = {
            pname: ManagedPermission(
                name=pname,
                resource_type=name,
                actions=tuple(p["actions"]) if p.get("actions") is not None else None,
                assumed_actions=(
                    tuple(p["assumed_actions"]) if p.get("assumed_actions") is not None else None
                ),
            )
            for pname, p in (entry.get("permissions") or {}).items()
        }
        out[name] = ResourceType(
            name=name,
            service=entry["service"],
            resource_prefix=entry["resource_prefix"],
            external=bool(entry["external"]),
            default_permission=entry.get("default"),
            permissions=perms,
            source=" ".join(str(entry["source"]).split()),
            verified=entry["verified"],
            external_note=" ".join(str(entry.get("external_note", "")).split()),
        )
    return out


def _guardrail(name: str, raw: Mapping[str, Any]) -> GuardrailTemplate:
    params = {
        pname: GuardrailParam(
            name=pname,
            type=p["type"],
            required=bool(p.get("required", False)),
            default=p.get("default"),
            description=p.get("description", ""),
        )
        for pname, p in (raw.get("params") or {}).items()
    }
    return GuardrailTemplate(
        name=name,
        description=raw["description"],
        source=" ".join(str(raw["source"]).split()),
        params=params,
        document=raw["document"],
    )


@functools.cache
def load_catalog() -> Catalog:
    """The catalog, read once from the package data."""
    ram = _read("data/ram_resource_types.yaml")
    limits = {
        name: Limit(
            name=name,
            value=int(entry["value"]),
            description=entry["description"],
            source=" ".join(str(entry["source"]).split()),
            checked=str(entry["checked"]),
            verified=entry["verified"],
        )
        for name, entry in _read("data/limits.yaml").items()
    }
    guardrail_dir = resources.files("trainshare.catalog").joinpath("guardrails")
    guardrails = {
        item.name.removesuffix(".yaml"): _guardrail(
            item.name.removesuffix(".yaml"),
            YAML(typ="safe", pure=True).load(item.read_text(encoding="utf-8")),
        )
        for item in sorted(guardrail_dir.iterdir(), key=lambda i: i.name)
        if item.name.endswith(".yaml")
    }
    return Catalog(
        checked=str(ram["checked"]),
        resource_types=_resource_types(ram["resource_types"]),
        policy_share_types={
            name: PolicyShareType(name, e["service"], e["resource_prefix"])
            for name, e in ram["policy_shareable"].items()
        },
        limits=limits,
        regions=dict(_read("data/regions.yaml")["regions"]),
        guardrails=guardrails,
        global_condition_keys=dict(_read("data/global_condition_keys.yaml")["keys"]),
        trusted_services=frozenset(_read("data/trusted_services.yaml")["services"]),
        action_resources={
            action: tuple(arns) for action, arns in _read("data/action_resources.yaml").items()
        },
        findings={
            code: FindingKind(code, entry["severity"], entry["title"], entry["fix"])
            for code, entry in _read("data/findings.yaml").items()
        },
    )
