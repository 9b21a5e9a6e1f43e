"""What every AWS provider the component creates inherits: the stack's AWS configuration, or
an explicit base provider.

An explicit `aws.Provider` is configured independently of the stack's `aws:*` config (by design
in pulumi-aws: pulumi/pulumi-aws#1307, #3259), so a component that only passes `region` to its
providers silently deploys with whatever the default credential chain finds. Here the base is
read once — from `pulumi.Config("aws")`, from an `aws.ProviderArgs`, or from an `aws.Provider`
resource — and every provider the plan asks for is that base plus its own Region, its
`allowed_account_ids` pin and, in member accounts, one more role at the end of the assume-role
chain (pulumi-aws v7 `assumeRoles` is a list, assumed in order: pulumi/pulumi-aws#5563).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

# Stack config key (aws:<key>) → provider argument, for the settings that say who deploys and
# how calls reach AWS. Region is not here: each provider gets its node's Region, and the stack's
# `aws:region` is the spec's default Region (see `default_region`).
_CONFIG_STRINGS = {
    "profile": "profile",
    "stsRegion": "sts_region",
    "retryMode": "retry_mode",
    "customCaBundle": "custom_ca_bundle",
    "httpProxy": "http_proxy",
    "httpsProxy": "https_proxy",
    "noProxy": "no_proxy",
    "ec2MetadataServiceEndpoint": "ec2_metadata_service_endpoint",
    "ec2MetadataServiceEndpointMode": "ec2_metadata_service_endpoint_mode",
}
_CONFIG_SECRETS = {"accessKey": "access_key", "secretKey": "secret_key", "token": "token"}
_CONFIG_LISTS = {
    "sharedCredentialsFiles": "shared_credentials_files",
    "sharedConfigFiles": "shared_config_files",
}
_CONFIG_BOOLS = {
    "skipCredentialsValidation": "skip_credentials_validation",
    "skipMetadataApiCheck": "skip_metadata_api_check",
    "skipRequestingAccountId": "skip_requesting_account_id",
    "useFipsEndpoint": "use_fips_endpoint",
    "useDualstackEndpoint": "use_dualstack_endpoint",
    "insecure": "insecure",
}
_CONFIG_INTS = {"maxRetries": "max_retries"}

# Set per provider by the component; never inherited from a base.
_OWN = frozenset({"region", "allowed_account_ids", "forbidden_account_ids", "assume_roles"})
# String outputs an `aws.Provider` resource exposes (the SDK exposes no list or object input).
_PROVIDER_OUTPUTS = ("profile", "access_key", "secret_key", "token", "sts_region", "retry_mode")


@dataclass(frozen=True)
class AwsBase:
    """The settings every provider starts from.

    `settings` are `aws.Provider` keyword arguments (profile, shared_credentials_files, …);
    `assume_roles` the chain that reaches the management account (each a mapping of
    `ProviderAssumeRoleArgs` keywords); `provider` an explicit provider used as is for the
    management account's resources.
    """

    settings: Mapping[str, Any] = field(default_factory=dict)
    assume_roles: tuple[Mapping[str, Any], ...] = ()
    region: str | None = None
    provider: aws.Provider | None = None

    def provider_args(self, node_inputs: Mapping[str, Any]) -> dict[str, Any]:
        """A provider's keyword arguments: the base, then the node's own Region and pin, the
        node's roles (if any) after the base's chain."""
        args: dict[str, Any] = dict(self.settings)
        args.update({k: v for k, v in node_inputs.items() if k != "assume_roles"})
        chain = [*self.assume_roles, *node_inputs.get("assume_roles", ())]
        if chain:
            args["assume_roles"] = [aws.ProviderAssumeRoleArgs(**dict(role)) for role in chain]
        return args


# What STS accepts (AssumeRole API reference, "Request Parameters", read 2026-11-30): the
# chain's hops are handed to the plan's shell scripts space- and `|`-separated (`role_chain`),
# which these characters never contain.
_STS_PATTERNS = {
    "external_id": re.compile(r"[\w+=,.@:/-]{2,1224}"),
    "session_name": re.compile(r"[\w+=,.@-]{2,64}"),
}


def role_chain(roles: Sequence[Mapping[str, Any]]) -> Any:
    """The chain as the plan's commands read it (`TRAINSHARE_ROLE_CHAIN`, plan/commands.py):
    one `role ARN|external ID|session name` hop per role, space-separated — each hop with its
    own external ID and session name, as the providers assume them. An Output when any part
    is one (a secret external ID stays secret)."""
    parts: list[Any] = []
    for role in roles:
        parts += [
            " " if parts else "",
            role["role_arn"],
            "|",
            role.get("external_id") or "",
            "|",
            role.get("session_name") or "",
        ]
    if all(isinstance(part, str) for part in parts):
        return "".join(parts)
    return pulumi.Output.concat(*parts)


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def _roles(value: Any, where: str) -> tuple[Mapping[str, Any], ...]:
    """`aws:assumeRoles` (a list) or `aws:assumeRole` (one object), camelCase keys."""
    items = value if isinstance(value, list) else [value]
    roles = []
    for item in items:
        if not isinstance(item, Mapping) or not item.get("roleArn"):
            raise pulumi.RunError(
                f"{where}: each assumed role needs a roleArn, got {item!r} — e.g. "
                'pulumi config set --path "aws:assumeRoles[0].roleArn" arn:aws:iam::…:role/…'
            )
        role = {_snake(k): v for k, v in item.items()}
        for key, pattern in _STS_PATTERNS.items():
            value = role.get(key)
            if isinstance(value, str) and not pattern.fullmatch(value):
                raise pulumi.RunError(
                    f"{where}: {key} {value!r} is not one STS accepts ({pattern.pattern}, "
                    "AssumeRole API reference) — fix it in the stack config"
                )
        roles.append(role)
    return tuple(roles)


def from_stack_config() -> AwsBase:
    """The stack's `aws:*` configuration, as the default provider would read it."""
    config = pulumi.Config("aws")
    settings: dict[str, Any] = {}
    for key, arg in _CONFIG_STRINGS.items():
        if (text := config.get(key)) is not None:
            settings[arg] = text
    for key, arg in _CONFIG_SECRETS.items():
        if config.get(key) is not None:
            settings[arg] = config.get_secret(key)
    for key, arg in _CONFIG_LISTS.items():
        if (items := config.get_object(key)) is not None:
            settings[arg] = list(items) if isinstance(items, list) else [items]
    for key, arg in _CONFIG_BOOLS.items():
        if (flag := config.get_bool(key)) is not None:
            settings[arg] = flag
    for key, arg in _CONFIG_INTS.items():
        if (number := config.get_int(key)) is not None:
            settings[arg] = number
    roles: tuple[Mapping[str, Any], ...] = ()
    if (chain := config.get_object("assumeRoles")) is not None:
        roles = _roles(chain, "aws:assumeRoles")
    elif (single := config.get_object("assumeRole")) is not None:
        roles = _roles(single, "aws:assumeRole")
    return AwsBase(settings, roles, config.get("region"))


def from_provider_args(args: aws.ProviderArgs) -> AwsBase:
    """Everything an `aws.ProviderArgs` sets; its roles become the chain to the management
    account."""
    values = {k: v for k, v in vars(args).items() if v is not None}
    roles: list[Mapping[str, Any]] = []
    for role in values.get("assume_roles") or ():
        roles.append(role if isinstance(role, Mapping) else vars(role))
    settings = {k: v for k, v in values.items() if k not in _OWN}
    region = values.get("region")
    return AwsBase(settings, tuple(roles), region if isinstance(region, str) else None)


def from_provider(provider: aws.Provider) -> AwsBase:
    """An explicit provider: used as is for the management account; member-account providers
    inherit what it exposes (profile, keys, STS Region). Its assume-role chain is not readable
    from the resource — pass an `aws.ProviderArgs` (or use stack config) when it has one."""
    settings = {name: getattr(provider, name) for name in _PROVIDER_OUTPUTS}
    return AwsBase(settings, (), None, provider)


def base_provider(opts: pulumi.ResourceOptions | None) -> aws.Provider | None:
    """The `aws` provider the component was given through its options, if any."""
    if opts is None:
        return None
    candidates: list[Any] = []
    providers = opts.providers
    if isinstance(providers, Mapping):
        candidates.append(providers.get("aws"))
    elif isinstance(providers, Sequence):
        candidates += list(providers)
    candidates.append(opts.provider)
    return next((p for p in candidates if isinstance(p, aws.Provider)), None)


def resolve_base(
    provider: aws.Provider | aws.ProviderArgs | None, opts: pulumi.ResourceOptions | None
) -> AwsBase:
    """`provider=` first, then `opts.providers["aws"]`/`opts.provider`, then stack config."""
    if isinstance(provider, aws.ProviderArgs):
        return from_provider_args(provider)
    explicit = provider if provider is not None else base_provider(opts)
    if explicit is not None:
        return from_provider(explicit)
    return from_stack_config()
