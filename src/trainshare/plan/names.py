"""Logical names of plan nodes, derived from spec keys. The single place they are spelled.

They become Pulumi resource names (`<component>/<name>`), so changing one replaces the resource:
add an alias in the component when a name must change.
"""


def unit_node(path: str) -> str:
    return f"ou/{path}"


def account_node(key: str) -> str:
    return f"account/{key}"


def policy_node(key: str) -> str:
    return f"scp/{key}"


def share_node(key: str) -> str:
    return f"share/{key}"


def provider_node(account_id: str, region: str) -> str:
    """Keyed by the account's ID, not its spec key: renaming an owner's key must not move what
    it owns onto a new provider (a provider's URN is part of its resources' identity)."""
    return f"provider/{account_id}/{region}"


def legacy_provider_node(account: str, region: str) -> str:
    """The name providers had before they were keyed by account ID (`provider/<account key or
    management>/<region>`): kept as an alias so stacks deployed then keep their providers."""
    return f"provider/{account}/{region}"


def service_access_node(service: str) -> str:
    return f"service-access/{service}"


def detach_full_access_node(target: str) -> str:
    return f"scp/FullAWSAccess/detach/{target}"


def resource_policy_node(service: str, name: str) -> str:
    """The policy of a resource a policy share grants on: `policy/s3/<bucket>`."""
    return f"policy/{service}/{name}"
