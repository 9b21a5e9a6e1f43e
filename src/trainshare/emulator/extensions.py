"""Where moto falls short of AWS for this project, one small extension each.

Each function is named after the AWS behaviour it adds, cites the AWS document it follows, and is
applied once (`apply_extensions`) before the emulator serves a request. Everything else is moto's
own behaviour, unpatched. Each has its own test (tests/integration/test_emulator_extensions.py).
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.core.utils import utcnow
from moto.iam import models as iam_models
from moto.kms.models import kms_backends
from moto.organizations.models import (
    FakeAccount,
    FakeOrganizationalUnit,
    organizations_backends,
)
from moto.organizations.utils import DEFAULT_SCP_POLICY_ID
from moto.ram import models as ram_models
from moto.ram import urls as ram_urls
from moto.ram.exceptions import InvalidParameterException, UnknownResourceException
from moto.ram.responses import ResourceAccessManagerResponse
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.responses import SageMakerResponse
from moto.utilities.utils import PARTITION_NAMES, get_partition

from trainshare.catalog import (
    is_organization_arn,
    load_catalog,
    ou_id_of,
    parse_arn,
    permission_arn,
)
from trainshare.catalog.model import permission_name
from trainshare.emulator import org_policies
from trainshare.emulator.capacity_wire import ec2_serves_capacity as serve_capacity
from trainshare.emulator.organization import management_backend

_APPLIED: set[str] = set()

# The AI-training resource types of the catalog, as the resource part of their ARNs.
AI_RESOURCE_TYPES = (
    "capacity-reservation",
    "placement-group",
    "feature-group",
    "pipeline",
    "hub",
    "sagemaker-catalog",
)


def _once(name: str) -> bool:
    if name in _APPLIED:
        return False
    _APPLIED.add(name)
    return True


def ram_shares_ai_resource_types() -> None:
    """RAM shares Capacity Reservations (and Capacity Blocks), placement groups and SageMaker
    feature groups, pipelines, hubs and catalogs (RAM user guide, shareable.html)."""
    if not _once("ai-types"):
        return
    shareable = ram_models.ResourceShare.SHAREABLE_RESOURCES
    shareable.extend(t for t in AI_RESOURCE_TYPES if t not in shareable)


def ram_accepts_org_and_ou_principals_from_members() -> None:
    """A member account can share with its own organization and any OU in it, at any depth, as
    ARNs (RAM API reference, AssociateResourceShare: principals). moto checks only OUs directly
    under the root, and only in the share owner's own Organizations backend."""
    if not _once("org-principals"):
        return
    original = ram_models.ResourceShare.add_principals

    def add_principals(self: Any, principals: list[str]) -> None:
        backend = management_backend(self.account_id)
        plain = []
        for principal in principals:
            org, ou = is_organization_arn(principal), ou_id_of(principal)  # any partition
            if not (org or ou):
                plain.append(principal)
                continue
            if backend is None or backend.org is None:
                raise UnknownResourceException(f"Organization for {principal} could not be found.")
            if org and principal != backend.org.arn:
                org_id = principal.rsplit("/", 1)[1]
                raise UnknownResourceException(f"Organization {org_id} could not be found.")
            if ou and not any(unit.arn == principal for unit in backend.ou):
                raise UnknownResourceException(f"OrganizationalUnit {ou} could not be found.")
        original(self, plain)
        self.principals.extend(p for p in principals if p not in plain)

    setattr(ram_models.ResourceShare, "add_principals", add_principals)  # noqa: B010


def ram_associates_and_disassociates() -> None:
    """AssociateResourceShare / DisassociateResourceShare add or remove principals and resources
    of an existing share (RAM API reference). moto implements neither."""
    if not _once("associate"):
        return

    def associate(self: Any) -> str:
        params = self.request_params
        share = _share(self.ram_backend, params.get("resourceShareArn"))
        share.add_principals(params.get("principals", []))
        share.add_resources(params.get("resourceArns", []))
        return json.dumps({"resourceShareAssociations": _associations(share, params)})

    def disassociate(self: Any) -> str:
        params = self.request_params
        share = _share(self.ram_backend, params.get("resourceShareArn"))
        share.principals = [p for p in share.principals if p not in params.get("principals", [])]
        share.resource_arns = [
            r for r in share.resource_arns if r not in params.get("resourceArns", [])
        ]
        return json.dumps(
            {"resourceShareAssociations": _associations(share, params, "DISASSOCIATED")}
        )

    ResourceAccessManagerResponse.associate_resource_share = associate  # type: ignore[attr-defined]
    ResourceAccessManagerResponse.disassociate_resource_share = disassociate  # type: ignore[attr-defined]
    ram_urls.url_paths["{0}/associateresourceshare$"] = ResourceAccessManagerResponse.dispatch
    ram_urls.url_paths["{0}/disassociateresourceshare$"] = ResourceAccessManagerResponse.dispatch


def ram_keeps_share_permissions() -> None:
    """A share keeps the managed permissions it was created with, one per resource type, and
    ListResourceSharePermissions returns them; for a resource type given no permission, RAM
    attaches that type's default (RAM API reference, CreateResourceShare `permissionArns`).
    moto drops them."""
    if not _once("permissions"):
        return
    original_init = ram_models.ResourceShare.__init__

    def init(self: Any, account_id: str, region: str, **kwargs: Any) -> None:
        original_init(self, account_id, region, **kwargs)
        self.permission_arns = list(kwargs.get("permissionArns") or [])

    def list_permissions(self: Any) -> str:
        share = _share(self.ram_backend, self._get_param("resourceShareArn"))
        arns = list(share.permission_arns)
        catalog = load_catalog()
        for resource in share.resource_arns:
            parsed = parse_arn(resource)
            rtype = catalog.resource_type_for(parsed) if parsed else None
            if rtype is None or rtype.default_permission is None:
                continue
            if not any(permission_name(a) in rtype.permissions for a in arns):
                arns.append(permission_arn(rtype.default_permission, share.partition))
        return json.dumps(
            {
                "permissions": [
                    {
                        "arn": arn,
                        "name": arn.rsplit("/", 1)[-1],
                        "version": "1",
                        "defaultVersion": True,
                        "status": "ATTACHABLE",
                        "isResourceTypeDefault": True,
                    }
                    for arn in arns
                ]
            }
        )

    setattr(ram_models.ResourceShare, "__init__", init)  # noqa: B010
    ResourceAccessManagerResponse.list_resource_share_permissions = list_permissions  # type: ignore[attr-defined]
    ram_urls.url_paths["{0}/listresourcesharepermissions$"] = ResourceAccessManagerResponse.dispatch


def ram_replaces_a_permission_only_without_its_resources() -> None:
    """AssociateResourceSharePermission sets the permission of one resource type: with
    `replace` false only where the type has none; with `replace` true only while no resource
    of that type is in the share (RAM API reference, AssociateResourceSharePermission). The
    error code AWS answers in the second case is not documented: OperationNotPermitted is
    assumed. moto has no such call."""
    if not _once("associate-permission"):
        return

    def associate_permission(self: Any) -> str:
        params = self.request_params
        share = _share(self.ram_backend, params.get("resourceShareArn"))
        wanted = str(params.get("permissionArn") or "")
        catalog = load_catalog()
        permission = catalog.permission(permission_name(wanted))
        if permission is None:
            raise InvalidParameterException(f"{wanted} is not a permission RAM knows")
        rtype = catalog.resource_types[permission.resource_type]
        explicit = [a for a in share.permission_arns if permission_name(a) in rtype.permissions]
        held = [r for r in share.resource_arns if _is_of(catalog, r, rtype.name)]
        current = explicit[0] if explicit else None
        if current is None and held and rtype.default_permission:
            current = permission_arn(rtype.default_permission, share.partition)
        if current != wanted:
            if current is not None and not params.get("replace"):
                raise InvalidParameterException(
                    f"the resource share already has a permission for {rtype.name}; "
                    "set replace to true to replace it"
                )
            if current is not None and held:
                raise _OperationNotPermittedError(
                    f"the permission for {rtype.name} can be replaced only while no resource "
                    "of that type is in the resource share"
                )
            share.permission_arns = [a for a in share.permission_arns if a not in explicit]
            share.permission_arns.append(wanted)
        return json.dumps({"returnValue": True})

    ResourceAccessManagerResponse.associate_resource_share_permission = associate_permission  # type: ignore[attr-defined]
    ram_urls.url_paths["{0}/associateresourcesharepermission$"] = (
        ResourceAccessManagerResponse.dispatch
    )


class _OperationNotPermittedError(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("OperationNotPermittedException", message)


def _is_of(catalog: Any, arn: str, resource_type: str) -> bool:
    parsed = parse_arn(arn)
    found = catalog.resource_type_for(parsed) if parsed else None
    return found is not None and found.name == resource_type


def _share(backend: Any, arn: str | None) -> Any:
    for share in backend.resource_shares:
        if share.arn == arn:
            return share
    raise UnknownResourceException(f"ResourceShare {arn} could not be found.")


def _associations(share: Any, params: dict[str, Any], status: str = "ASSOCIATED") -> list[Any]:
    entities = [("PRINCIPAL", p) for p in params.get("principals", [])] + [
        ("RESOURCE", r) for r in params.get("resourceArns", [])
    ]
    return [
        {
            "resourceShareArn": share.arn,
            "resourceShareName": share.name,
            "associatedEntity": entity,
            "associationType": kind,
            "status": status,
            "external": False,
        }
        for kind, entity in entities
    ]


def organizations_adopts_existing_account(
    management_account: str, account_id: str, name: str, email: str, parent_id: str | None = None
) -> None:
    """Put an account with a chosen ID into the organization, as if it had joined by invitation
    (Organizations user guide, orgs_manage_accounts_invite-account). moto only creates accounts
    with random IDs; trainshare's "existing" accounts have IDs fixed by the spec."""
    backend = management_backend(management_account)
    if backend is None or backend.org is None:
        raise ValueError(f"no organization managed by {management_account}")
    if any(a.id == account_id for a in backend.accounts):
        return
    account = FakeAccount(backend.org, AccountName=name, Email=email)
    account.id = account_id
    account.parent_id = parent_id or backend.org.root_id
    backend.accounts.append(account)
    # AWS attaches FullAWSAccess to every account; moto does so in its own CreateAccount.
    backend.attach_policy(PolicyId=DEFAULT_SCP_POLICY_ID, TargetId=account_id)
    org_policies.attach_rcp_full_aws_access(backend, account_id)
    partition = get_partition(backend.org.region)
    organizations_backends.master_accounts[account_id] = (management_account, partition)


def organizations_adopts_existing_ou(
    management_account: str, ou_id: str, name: str, parent_id: str
) -> FakeOrganizationalUnit:
    """An OU with the ID the spec names (an OU that existed before trainshare)."""
    backend = management_backend(management_account)
    assert backend is not None and backend.org is not None
    existing = next((u for u in backend.ou if u.id == ou_id), None)
    if existing is not None:
        return existing
    unit = FakeOrganizationalUnit(backend.org, Name=name, ParentId=parent_id)
    unit.id = ou_id  # its ARN is derived from the ID
    backend.ou.append(unit)
    backend.attach_policy(PolicyId=DEFAULT_SCP_POLICY_ID, TargetId=ou_id)
    org_policies.attach_rcp_full_aws_access(backend, ou_id)
    return unit


def ram_org_sharing_enables_trusted_access() -> None:
    """EnableSharingWithAwsOrganization turns on trusted access for ram.amazonaws.com in the
    organization (RAM user guide, getting-started-sharing: "Enable resource sharing within AWS
    Organizations"), which ListAWSServiceAccessForOrganization then shows. moto only checks that
    an organization exists."""
    if not _once("org-sharing"):
        return
    original = ram_models.ResourceAccessManagerBackend.enable_sharing_with_aws_organization

    def enable(self: Any) -> dict[str, Any]:
        result: dict[str, Any] = original(self)
        self.organizations_backend.enable_aws_service_access(ServicePrincipal="ram.amazonaws.com")
        return result

    setattr(  # noqa: B010
        ram_models.ResourceAccessManagerBackend, "enable_sharing_with_aws_organization", enable
    )


def ram_update_changes_only_what_is_given() -> None:
    """UpdateResourceShare changes only the fields in the request: name and
    allowExternalPrincipals are optional (RAM API reference). moto sets an omitted name to
    nothing and an omitted allowExternalPrincipals to true."""
    if not _once("update"):
        return

    def update(self: Any, allow_external_principals: bool | None, name: str | None) -> None:
        if allow_external_principals is not None:
            self.allow_external_principals = allow_external_principals
        if name is not None:
            self.name = name
        self.last_updated_time = utcnow()

    def respond(self: Any) -> str:
        return json.dumps(
            self.ram_backend.update_resource_share(
                self._get_param("resourceShareArn"),
                self._get_param("allowExternalPrincipals"),
                self._get_param("name"),
            )
        )

    setattr(ram_models.ResourceShare, "update", update)  # noqa: B010
    setattr(ResourceAccessManagerResponse, "update_resource_share", respond)  # noqa: B010


def kms_adopts_existing_key(account_id: str, region: str, key_id: str) -> None:
    """A KMS key with the ID the spec names (a key that existed before trainshare): moto draws
    key IDs at random. Its policy is KMS's default: the account administers its key
    (KMS developer guide, key-policy-default.html)."""
    backend = kms_backends[account_id][region]
    if key_id in backend.keys:
        return
    default = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }
    )
    key = backend.create_key(default, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", "", None)
    del backend.keys[key.id]
    key.id = key_id
    key.arn = f"arn:{get_partition(region)}:kms:{region}:{account_id}:key/{key_id}"
    backend.keys[key_id] = key


def sagemaker_model_package_group_policies() -> None:
    """Put/Get/DeleteModelPackageGroupPolicy (SageMaker API reference): a model package group
    keeps one resource policy. moto has no such calls."""
    if not _once("model-package-group-policy"):
        return

    def group(self: Any) -> Any:
        name = self._get_param("ModelPackageGroupName")
        found = self.sagemaker_backend.model_package_groups.get(name)
        if found is None:
            raise ValidationError(f"Model Package Group {name} does not exist.")
        return found

    def put(self: Any) -> str:
        found = group(self)
        found.resource_policy = self._get_param("ResourcePolicy")
        return json.dumps({"ModelPackageGroupArn": found.arn})

    def get(self: Any) -> str:
        policy = getattr(group(self), "resource_policy", None)
        if policy is None:
            raise ValidationError("Cannot find resource policy.")
        return json.dumps({"ResourcePolicy": policy})

    def delete(self: Any) -> str:
        group(self).resource_policy = None
        return "{}"

    SageMakerResponse.put_model_package_group_policy = put  # type: ignore[attr-defined]
    SageMakerResponse.get_model_package_group_policy = get  # type: ignore[attr-defined]
    SageMakerResponse.delete_model_package_group_policy = delete  # type: ignore[attr-defined]


def ec2_serves_capacity() -> None:
    """Capacity Reservations, Capacity Blocks, interruptible reservations, launches into them and
    billing assignment; RAM sharing them by AWS's rules (emulator/capacity/ says which)."""
    if not _once("capacity"):
        return
    serve_capacity()


def organizations_enforces_policy_types() -> None:
    """Every Organizations policy type of the catalog, RCPFullAWSAccess attached once RCPs are
    enabled, sizes, grammars and per-target limits enforced (emulator/org_policies.py says
    which, with AWS's sources)."""
    org_policies.apply()


def moto_finds_the_callers_account_by_its_key_at_once() -> None:
    """Not an AWS behaviour: moto's speed. For every request moto finds the account of the
    caller's access key by looking in each account's IAM backend, in each partition
    (`moto.iam.models.get_account_id_from`): at 10,000 accounts that lookup costs more than the
    call itself (py-spy on an L organization: a third of the emulator's time). Here the
    account and partition a key was found in are remembered; a remembered key is used only
    after checking it is still there, and any other is looked up as moto does, so every answer
    is moto's own.

    Assumption: an access key belongs to one account (moto draws them at random, 20
    characters), so the first account found is the only one."""
    if not _once("caller-by-key"):
        return
    found: dict[str, tuple[str, str]] = {}  # access key → (account, partition)

    def get_account_id_from(access_key: str) -> str:
        hit = found.get(access_key)
        if hit is not None:
            account_id, partition = hit
            backends = iam_models.iam_backends.get(account_id)
            backend = backends.get(partition) if backends is not None else None
            if backend is not None and access_key in backend.access_keys:
                return account_id
            del found[access_key]
        # moto's own lookup, noting where it found the key; a partition's backend not made
        # yet holds no key, so it is not made here (moto's lookup makes an empty one for each
        # partition of each account it passes)
        for account_id, backends in list(iam_models.iam_backends.items()):
            for partition in PARTITION_NAMES:
                backend = backends.get(partition)
                if backend is not None and access_key in backend.access_keys:
                    found[access_key] = (account_id, partition)
                    return account_id
        return DEFAULT_ACCOUNT_ID

    setattr(iam_models, "get_account_id_from", get_account_id_from)  # noqa: B010


def apply_extensions() -> None:
    moto_finds_the_callers_account_by_its_key_at_once()
    organizations_enforces_policy_types()
    sagemaker_model_package_group_policies()
    ram_shares_ai_resource_types()
    ram_accepts_org_and_ou_principals_from_members()
    ram_associates_and_disassociates()
    ram_keeps_share_permissions()
    ram_replaces_a_permission_only_without_its_resources()
    ram_org_sharing_enables_trusted_access()
    ram_update_changes_only_what_is_given()
    ec2_serves_capacity()  # last: it wraps the RAM extensions above
