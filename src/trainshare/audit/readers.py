"""Which read of the audit reader reads each kind the plan can emit (issue #24): the API calls,
the Reader method that makes them and the Snapshot field the answer lands in, or why the audit
does not read that kind.

Data, keyed by `plan.kinds`, next to the reader (audit/reader.py). A test
(tests/pulumi/test_audit_readers.py) fails when a kind the component can register or read has no
entry, when a call is not one the read-only guard lets through (`client.READ_OPERATIONS`) or
that the reader does not make, and when a kind said to be read has no object in the snapshot
of the example deployed into the emulator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore import xform_name
from botocore.session import get_session

from trainshare.audit.client import iam_name
from trainshare.audit.policy_calls import policy_call, policy_type_of
from trainshare.audit.reader import Reader
from trainshare.catalog import load_catalog
from trainshare.catalog.model import PolicyShareType
from trainshare.plan import kinds
from trainshare.plan.build_base import RAM_SERVICE
from trainshare.snapshot import Snapshot


@dataclass(frozen=True, slots=True)
class Read:
    """How the audit reads one kind's live state."""

    calls: tuple[str, ...]  # the API calls, as IAM names them (client.READ_OPERATIONS)
    method: Callable[..., Any]  # the Reader method that makes them
    # where the answer lands: a Snapshot field, or `field.member` for a member of each item
    field: str
    # which of the field's objects are of this kind (None: all of them)
    only: Callable[[Any], bool] | None = None

    def objects(self, snapshot: Snapshot) -> tuple[Any, ...]:
        """The live objects of this kind in `snapshot`."""
        found: tuple[Any, ...] = (snapshot,)
        for name in self.field.split("."):
            values = [getattr(item, name) for item in found]
            found = tuple(v for value in values for v in _items(value))
        return tuple(o for o in found if self.only is None or self.only(o))


@dataclass(frozen=True, slots=True)
class NotRead:
    """A kind the audit does not read, and why."""

    why: str


def _items(value: Any) -> tuple[Any, ...]:
    """A field's value as the objects it holds: a tuple's items; nothing for None or ""."""
    if isinstance(value, tuple):
        return value
    return () if value is None or value == "" else (value,)


def _resource_policy(ptype: PolicyShareType) -> Read:
    """The type's policy, read as the plan's scripts read it (the catalog's `cli.get`)."""
    call = policy_call(ptype, "get", "{name}")
    service = get_session().get_service_model(call.client)
    [operation] = [o for o in service.operation_names if xform_name(o) == call.method]
    return Read(
        (iam_name(service.signing_name, operation),),
        Reader.read_resource_policy,
        "resource_policies",
        only=lambda live: policy_type_of(live.arn).pulumi_type == ptype.pulumi_type,
    )


# The organization's own inputs land beside it: `feature_set`, `service_access` (its
# aws_service_access_principals) and `root_policy_types` (its enabled_policy_types).
_ORGANIZATION = Read(
    ("organizations:DescribeOrganization", "organizations:ListRoots"),
    Reader.read_organization,
    "organization_id",
)
_SERVICE_ACCESS = ("organizations:ListAWSServiceAccessForOrganization",)
_ASSOCIATIONS = ("ram:GetResourceShareAssociations",)

AUDIT_READERS: Mapping[str, Read | NotRead] = {
    kinds.ORGANIZATION: _ORGANIZATION,
    kinds.GET_ORGANIZATION: _ORGANIZATION,
    kinds.ORGANIZATIONAL_UNIT: Read(
        ("organizations:ListOrganizationalUnitsForParent",), Reader.read_organization, "units"
    ),
    kinds.ACCOUNT: Read(
        ("organizations:ListAccountsForParent",), Reader.read_organization, "accounts"
    ),
    kinds.POLICY: Read(
        ("organizations:ListPolicies", "organizations:DescribePolicy"),
        Reader.read_organization,
        "policies",
    ),
    kinds.POLICY_ATTACHMENT: Read(
        ("organizations:ListTargetsForPolicy",), Reader.read_organization, "policies.targets"
    ),
    kinds.AWS_SERVICE_ACCESS: Read(_SERVICE_ACCESS, Reader.read_organization, "service_access"),
    # EnableSharingWithAwsOrganization turns on RAM's trusted access (RAM User Guide, "Enable
    # resource sharing within AWS Organizations"): read as that service principal
    kinds.SHARING_WITH_ORGANIZATION: Read(
        _SERVICE_ACCESS, Reader.read_organization, "service_access", only=RAM_SERVICE.__eq__
    ),
    kinds.RESOURCE_SHARE: Read(
        ("ram:GetResourceShares", "ram:ListResourceSharePermissions"), Reader.read_shares, "shares"
    ),
    kinds.RESOURCE_ASSOCIATION: Read(_ASSOCIATIONS, Reader.read_shares, "shares.resources"),
    kinds.PRINCIPAL_ASSOCIATION: Read(_ASSOCIATIONS, Reader.read_shares, "shares.principals"),
    **{t.pulumi_type: _resource_policy(t) for t in load_catalog().policy_share_types.values()},
    kinds.PROVIDER: NotRead("a provider holds no cloud state"),
    kinds.COMMAND: NotRead(
        "a script, not a cloud object; each one's effect is read where it lands: "
        "enable-policy-type in the root's policy types (ListRoots, `root_policy_types`), the "
        "FullAWSAccess detach in the policies' targets (POLICY_ATTACHMENT's read), "
        "ram-permission in the share's permissions (RESOURCE_SHARE's read), a billing owner in "
        "`capacity` (audit/capacity.py), keep-policy in the policy it keeps (the resource "
        "policy's read; the policy it recorded is the stack's, not AWS's)"
    ),
}
