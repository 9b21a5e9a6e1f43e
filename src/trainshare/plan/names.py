"""Logical names of plan nodes, derived from spec keys. The single place they are spelled.

They become Pulumi resource names (`<component>/<name>`), so changing one replaces the resource:
add an alias in the component when a name must change.
"""


def unit_node(path: str) -> str:
    return f"ou/{path}"


def account_node(key: str) -> str:
    return f"account/{key}"


def policy_node(key: str, policy_type: str = "scp") -> str:
    """A guardrail's policy, named by its type (a catalog key): `scp/<key>`, `rcp/<key>`, …"""
    return f"{policy_type}/{key}"


def attachment_node(guardrail: str, target: str, policy_type: str = "scp") -> str:
    """A guardrail attached to `root`, an OU path or an account key."""
    return f"{policy_node(guardrail, policy_type)}/attach/{target}"


def share_node(key: str) -> str:
    return f"share/{key}"


def resource_association_node(share: str, arn: str) -> str:
    """`share/<key>/resource/<service>/<resource part of the ARN>`."""
    parts = arn.split(":", 5)
    return f"{share_node(share)}/resource/{parts[2]}/{parts[5]}"


def billing_node(share: str, reservation_id: str, step: str) -> str:
    """A command of the billing assignment of one reservation: `assign` or `accept`."""
    return f"{share_node(share)}/billing/{reservation_id}/{step}"


def is_billing_acceptance(name: str) -> bool:
    """A billing owner's acceptance (`billing_node(…, "accept")`): it runs in the billing
    owner's account, not the share owner's."""
    head, _, step = name.rpartition("/")
    return step == "accept" and head.rpartition("/")[0].endswith("/billing")


def share_permission_node(share: str, resource_type: str) -> str:
    """The command keeping a share's permission for one RAM resource type (`ec2:Subnet`)."""
    return f"{share_node(share)}/permission/{resource_type.replace(':', '/')}"


def keep_policy_node(policy: str) -> str:
    """The command that records a resource's policy before trainshare's, and restores it."""
    return f"{policy}/keep"


def principal_node(share: str, target: str) -> str:
    """A share's principal: `root`, an OU path, an account key or a 12-digit ID."""
    return f"{share_node(share)}/principal/{target}"


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


def resource_policy_node(service: str, account_id: str, region: str, name: str) -> str:
    """The policy of a resource a policy share grants on, named with what makes the resource
    unique: one repository name exists in every account and Region (`policy/ecr/<account>/
    <region>/<name>`). S3 bucket names are global, yet named alike for one rule."""
    return f"policy/{service}/{account_id}/{region}/{name}"


def legacy_resource_policy_node(service: str, name: str) -> str:
    """The name trainshare gave a resource policy before it named the account and Region: the
    component aliases it, so a stack deployed then keeps its policies."""
    return f"policy/{service}/{name}"
