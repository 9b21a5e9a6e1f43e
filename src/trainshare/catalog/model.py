"""Typed views of the catalog data files."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from ruamel.yaml import YAML

from trainshare.catalog.arns import Arn
from trainshare.findings import Severity

_PERMISSION_ARN_PREFIX = ":ram::aws:permission/"


@dataclass(frozen=True, slots=True)
class ManagedPermission:
    name: str
    resource_type: str
    actions: tuple[str, ...] | None  # None: the source does not list them
    assumed_actions: tuple[str, ...] | None = None  # believed, not verified (catalog `M`)
    source: str = ""  # where the actions come from (V: listed there; M: believed from it)

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
class StatementGroup:
    """Actions granted together on the same resources (ARN templates: `{arn}`, `{package_arn}`;
    empty where the policy's resource is implied, as in ECR repository policies)."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PolicyShareType:
    """A resource RAM cannot share; it is shared with a resource policy instead
    (catalog/data/policy_shares.yaml)."""

    name: str
    service: str
    resource_prefix: str
    pulumi_type: str = ""
    name_input: str = ""  # the Pulumi input naming the resource (bucket, key_id, …)
    policy_input: str = "policy"
    levels: Mapping[str, tuple[StatementGroup, ...]] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)
    perimeter_actions: tuple[str, ...] = ()
    perimeter_resources: tuple[str, ...] = ()
    owner_statement: tuple[str, tuple[str, ...]] | None = None  # (Sid, actions)
    max_chars: int = 0  # the longest policy the service accepts
    source: str = ""
    verified: str = "M"
    # AWS CLI calls that read, write and delete the resource's policy (`{name}` is the
    # resource's name, "$1" the document): what trainshare runs to keep and restore the policy
    # it found. `delete` is empty where the resource always has a policy (KMS keys).
    cli: Mapping[str, str] = field(default_factory=dict)

    def matches(self, arn: Arn) -> bool:
        return arn.service == self.service and arn.resource.startswith(self.resource_prefix)

    def level(self, name: str) -> str | None:
        """The canonical level for `name` (itself or an alias), or None if the type has none."""
        name = self.aliases.get(name, name)
        return name if name in self.levels else None

    def resource_name(self, arn: Arn) -> str:
        """The name the Pulumi resource takes: bucket name, key ID, repository or group name."""
        return arn.resource.removeprefix(self.resource_prefix)

    def expand(self, templates: tuple[str, ...], arn: str) -> list[str]:
        """ARN templates filled in for one resource."""
        parsed = arn.split(":", 5)
        resource = parsed[5].replace("model-package-group/", "model-package/")
        package = ":".join([*parsed[:5], resource])
        return [t.format(arn=arn, package_arn=package) for t in templates]


@dataclass(frozen=True, slots=True)
class ReplaceRule:
    """Inputs of one resource kind whose change replaces the resource (replace_inputs.yaml)."""

    kind: str
    inputs: tuple[str, ...]
    why: str
    source: str
    verified: str


@functools.cache
def replace_rules() -> Mapping[str, ReplaceRule]:
    """Resource kind (Pulumi type token) → what replaces it, read once from the package data."""
    raw = _read("data/replace_inputs.yaml")
    return {
        kind: ReplaceRule(
            kind=kind,
            inputs=tuple(entry["inputs"]),
            why=str(entry["why"]),
            source=str(entry["source"]),
            verified=str(entry["verified"]),
        )
        for kind, entry in raw["kinds"].items()
    }


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
    type: str = "scp"  # a key of Catalog.policy_types


@dataclass(frozen=True, slots=True)
class AwsManagedPolicy:
    """The policy AWS attaches to every root, OU and account once the type is enabled."""

    name: str
    id: str
    detachable: bool


@dataclass(frozen=True, slots=True)
class ManagementSyntax:
    """The grammar of a management policy type (catalog/policy_syntax/<type>.yaml)."""

    top: str  # the one key the document starts with
    child_control: tuple[str, ...]  # values @@operators_allowed_for_child_policies may hold
    schema: Mapping[str, Any]  # the key tree; see catalog/policy_syntax/README.md
    source: str
    checked: str


@dataclass(frozen=True, slots=True)
class PolicyType:
    """An Organizations policy type (catalog/data/policy_types.yaml): what a guardrail's `type:`
    names. `max_chars` and `per_target` are limit names (catalog limits, overridable)."""

    key: str  # scp, rcp, ai-opt-out, tag, declarative-ec2, backup
    aws_name: str  # SERVICE_CONTROL_POLICY, …
    title: str
    category: str  # authorization | management
    syntax: str  # iam-scp | iam-rcp | policy_syntax/<file>
    max_chars: str
    per_target: str
    per_organization: int
    aws_managed: AwsManagedPolicy | None
    management_account: bool  # whether it affects the management account
    effective_policy: bool  # DescribeEffectivePolicy answers for it
    trusted_access_required: tuple[str, ...]
    trusted_access_optional: tuple[str, ...]
    source: str
    verified: str
    management_syntax: ManagementSyntax | None = None

    @property
    def is_management(self) -> bool:
        return self.category == "management"

    @property
    def label(self) -> str:
        """How messages name a policy of this type: `SCP`, else its title."""
        return "SCP" if self.key == "scp" else self.title


@dataclass(frozen=True, slots=True)
class FindingKind:
    """A finding's stable code, its severity, a title and a generic fix (findings.yaml)."""

    code: str
    severity: Severity
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
    perimeter_sid: str = "TrainshareDataPerimeter"
    policy_types: Mapping[str, PolicyType] = field(default_factory=dict)  # by key (scp, rcp, …)
    trusted_services_checked: str = ""  # the date the trusted-access list was transcribed
    # principals known not to support trusted access (an error, where an unknown one warns)
    trusted_services_unsupported: frozenset[str] = frozenset()
    # the date the global-keys list was checked against the IAM guide (a key missing from it
    # may be newer than this)
    global_condition_keys_checked: str = ""
    # keys a service sets on the role session, present in requests to every service
    cross_service_condition_keys: Mapping[str, str] = field(default_factory=dict)
    # OIDC claims every web-identity provider's keys may use (`<provider>:sub`) → type
    federated_claims: Mapping[str, str] = field(default_factory=dict)
    # ARN-format variables (`${BucketName}`) → characters their values never hold
    arn_variable_excludes: Mapping[str, str] = field(default_factory=dict)
    # `service:Action` (lower-case) → ARN formats AWS authorizes it against that the Service
    # Authorization Reference does not list (action_arn_formats.yaml)
    action_arn_formats: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # named sets of global condition keys, lower-case (key_sets.yaml): what each set means
    key_sets: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def aws_managed(self, policy_type: str) -> AwsManagedPolicy:
        """The policy AWS attaches everywhere for a type that has one: `scp` → FullAWSAccess
        (p-FullAWSAccess), `rcp` → RCPFullAWSAccess (policy_types.yaml)."""
        found = self.policy_types[policy_type].aws_managed
        if found is None:
            raise KeyError(f"policy type {policy_type} has no AWS-managed policy")
        return found

    def policy_type(self, aws_name: str) -> PolicyType | None:
        """The type whose Organizations name is `aws_name` (SERVICE_CONTROL_POLICY, …)."""
        return next((t for t in self.policy_types.values() if t.aws_name == aws_name), None)

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
                source=" ".join(str(p.get("source", "")).split()),
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


def _policy_share_types(raw: Mapping[str, Any]) -> dict[str, PolicyShareType]:
    out = {}
    for name, e in raw.items():
        owner = e.get("owner_statement")
        out[name] = PolicyShareType(
            name=name,
            service=e["service"],
            resource_prefix=e["resource_prefix"],
            pulumi_type=e["pulumi_type"],
            name_input=e["name_input"],
            policy_input=e["policy_input"],
            levels={
                level: tuple(
                    StatementGroup(tuple(g["actions"]), tuple(g["resources"])) for g in groups
                )
                for level, groups in e["levels"].items()
            },
            aliases=dict(e.get("aliases") or {}),
            perimeter_actions=tuple(e["perimeter_actions"]),
            perimeter_resources=tuple(e["perimeter_resources"]),
            owner_statement=(owner["sid"], tuple(owner["actions"])) if owner else None,
            max_chars=int(e["max_chars"]),
            source=" ".join(str(e["source"]).split()),
            verified=e["verified"],
            cli={op: str(e["cli"].get(op) or "") for op in ("get", "put", "delete", "missing")},
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
        type=str(raw.get("type", "scp")),
    )


def _policy_types(raw: Mapping[str, Any]) -> dict[str, PolicyType]:
    out = {}
    for key, e in raw["types"].items():
        managed = e.get("aws_managed")
        syntax = str(e["syntax"])
        management = None
        if syntax.startswith("policy_syntax/"):
            grammar = _read(syntax)
            management = ManagementSyntax(
                top=str(grammar["top"]),
                child_control=tuple(grammar["child_control"]),
                schema=grammar["schema"],
                source=" ".join(str(grammar["source"]).split()),
                checked=str(grammar["checked"]),
            )
        out[key] = PolicyType(
            key=key,
            aws_name=e["aws_name"],
            title=e["title"],
            category=e["category"],
            syntax=syntax,
            max_chars=e["max_chars"],
            per_target=e["per_target"],
            per_organization=int(e["per_organization"]),
            aws_managed=AwsManagedPolicy(**managed) if managed else None,
            management_account=bool(e["management_account"]),
            effective_policy=bool(e["effective_policy"]),
            trusted_access_required=tuple(e["trusted_access"]["required"]),
            trusted_access_optional=tuple(e["trusted_access"]["optional"]),
            source=" ".join(str(e["source"]).split()),
            verified=e["verified"],
            management_syntax=management,
        )
    return out


@functools.cache
def load_catalog() -> Catalog:
    """The catalog, read once from the package data."""
    ram = _read("data/ram_resource_types.yaml")
    policy_shares = _read("data/policy_shares.yaml")
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
    trusted = _read("data/trusted_services.yaml")
    keys = _read("data/global_condition_keys.yaml")
    return Catalog(
        checked=str(ram["checked"]),
        resource_types=_resource_types(ram["resource_types"]),
        policy_share_types=_policy_share_types(policy_shares["types"]),
        perimeter_sid=str(policy_shares["perimeter_sid"]),
        limits=limits,
        regions=dict(_read("data/regions.yaml")["regions"]),
        guardrails=guardrails,
        global_condition_keys=dict(keys["keys"]),
        global_condition_keys_checked=str(keys["checked"]),
        cross_service_condition_keys=dict(keys["cross_service"]),
        federated_claims=dict(keys["federated_claims"]),
        arn_variable_excludes={
            name: str(entry["excludes"])
            for name, entry in _read("data/arn_variables.yaml")["variables"].items()
        },
        action_arn_formats={
            action.lower(): tuple(entry["formats"])
            for action, entry in _read("data/action_arn_formats.yaml")["actions"].items()
        },
        key_sets={
            name: frozenset(str(k).lower() for k in keys)
            for name, keys in _read("data/key_sets.yaml")["sets"].items()
        },
        trusted_services=frozenset(trusted["services"]),
        trusted_services_checked=str(trusted["checked"]),
        trusted_services_unsupported=frozenset(trusted.get("not_supported") or ()),
        policy_types=_policy_types(_read("data/policy_types.yaml")),
        action_resources={
            action: tuple(arns) for action, arns in _read("data/action_resources.yaml").items()
        },
        findings={
            code: FindingKind(code, Severity(entry["severity"]), entry["title"], entry["fix"])
            for code, entry in _read("data/findings.yaml").items()
        },
    )
