"""ARN parsing: `arn:partition:service:region:account-id:resource`.

Source: IAM user guide, reference-arns.html (the resource part may itself contain colons).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ARN = re.compile(
    r"^arn:(?P<partition>aws(?:-[a-z]+)*):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):"
    r"(?P<account>\d{12}|aws|):(?P<resource>.+)$"
)


@dataclass(frozen=True, slots=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return ":".join(
            ["arn", self.partition, self.service, self.region, self.account, self.resource]
        )


def parse_arn(text: str) -> Arn | None:
    """The parts of an ARN, or None when `text` is not shaped like one."""
    match = _ARN.match(text)
    if match is None:
        return None
    return Arn(**match.groupdict())


_OU_ARN = re.compile(r"^arn:[\w-]+:organizations::\d{12}:ou/o-\w+/(ou-[\w-]+)$")
_ORG_ARN = re.compile(r"^arn:[\w-]+:organizations::\d{12}:organization/o-\w+$")


def ou_id_of(principal: str) -> str | None:
    """The OU ID of an OU principal ARN (arn:…:organizations::<mgmt>:ou/o-…/ou-…), else None."""
    match = _OU_ARN.match(principal)
    return match.group(1) if match else None


def is_organization_arn(principal: str) -> bool:
    """Whether a principal is an organization ARN (arn:…:organizations::<mgmt>:organization/o-…)."""
    return _ORG_ARN.match(principal) is not None


# -- the principals and organization ARNs trainshare writes (IAM user guide, reference-arns;
# Organizations API reference, OrganizationalUnit.Arn) -----------------------------------------


def role_arn(partition: str, account: str, role: str) -> str:
    """`arn:aws:iam::111122223333:role/NAME` (a role name may carry its path: `path/NAME`)."""
    prefix, suffix = role_arn_around_account(partition, role)
    return f"{prefix}{account}{suffix}"


def role_arn_around_account(partition: str, role: str) -> tuple[str, str]:
    """A role ARN's text before and after the account ID, for an account whose ID is known only
    once it exists (the plan joins them around a reference)."""
    return f"arn:{partition}:iam::", f":role/{role}"


def account_root_arn(partition: str, account: str) -> str:
    """The account as a principal: `arn:aws:iam::111122223333:root`."""
    prefix, suffix = account_root_arn_around_account(partition)
    return f"{prefix}{account}{suffix}"


def account_root_arn_around_account(partition: str) -> tuple[str, str]:
    """An account principal's text before and after the account ID (see
    `role_arn_around_account`)."""
    return f"arn:{partition}:iam::", ":root"


def ou_arn_prefix(partition: str, management_account: str) -> str:
    """What an OU's ARN starts with; the organization ID and `/ou-…` follow."""
    return f"arn:{partition}:organizations::{management_account}:ou/"
