"""`EmulatorMocks`: a pulumi.runtime.Mocks that deploys to the emulator for real.

Every resource the program registers reaches `new_resource` with its type and inputs; here each
supported pulumi_aws type becomes the boto3 calls `pulumi up` would make, in the account and Region
of the resource's provider (a provider that assumes a role becomes sts:AssumeRole into that
account). The IDs and ARNs the emulator assigns flow back as outputs, so the program's own
references (an OU's ARN into a principal association) carry real values. Invokes are answered
from the emulator too. A type it does not support is an error naming the type.

Use it in your own tests:

    with running_emulator("111111111111") as emulator:
        mocks = EmulatorMocks(emulator)
        pulumi.runtime.set_mocks(mocks, preview=False)
        ...   # construct your resources inside @pulumi.runtime.test
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pulumi
from botocore.exceptions import ClientError

from trainshare.audit.policy_calls import policy_call
from trainshare.catalog import load_catalog
from trainshare.catalog.model import PolicyShareType
from trainshare.emulator.server import Emulator
from trainshare.errors import TrainshareError
from trainshare.plan import kinds


class EmulatorError(TrainshareError):
    """The emulator cannot play a registration (an unsupported type or command)."""


@dataclass(frozen=True)
class Target:
    account: str
    region: str


def _tags(tags: Any, lower: bool = False) -> list[dict[str, str]]:
    key, value = ("key", "value") if lower else ("Key", "Value")
    return [{key: k, value: v} for k, v in (tags or {}).items()]


def _json_or_value(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        return json.loads(value)
    return value


@dataclass
class EmulatorMocks(pulumi.runtime.Mocks):
    emulator: Emulator
    progress: Callable[[str], None] = lambda _: None
    providers: dict[str, Target] = field(default_factory=dict)
    created: list[tuple[str, str, str]] = field(default_factory=list)  # (type, name, id)
    imported: list[tuple[str, str, str]] = field(default_factory=list)  # (type, name, id)

    # -- pulumi.runtime.Mocks -------------------------------------------------------------------

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        if not args.custom:
            return None, {}  # component resources have no cloud side
        if args.typ == kinds.PROVIDER:
            return self._provider(args.name, dict(args.inputs))
        handler = _HANDLERS.get(args.typ)
        if handler is None:
            raise EmulatorError(f"the emulator does not support {args.typ} ({args.name})")
        if args.resource_id:
            # `import_`: Pulumi reads the live resource, then (since Pulumi 3.174, pulumi#19339)
            # updates in place what the program sets differently — an adopted account's parent
            # (MoveAccount), an adopted OU's name. Inputs it ignores never reach here changed.
            rid = args.resource_id
            self.imported.append((args.typ, args.name, rid))
            self.progress(f"= {args.typ.rsplit(':', 1)[-1]:<24} {args.name}  ({rid})")
            state = {"arn": rid} if args.typ == kinds.RESOURCE_SHARE else {}
            update = _UPDATES.get(args.typ)
            if update is not None:
                state.update(update(self, self._target(args.provider), rid, dict(args.inputs)))
            return rid, {**dict(args.inputs), **state}
        target = self._target(args.provider)
        rid, state = handler(self, target, dict(args.inputs))
        self.created.append((args.typ, args.name, rid))
        self.progress(f"+ {args.typ.rsplit(':', 1)[-1]:<24} {args.name}  ({rid})")
        return rid, {**dict(args.inputs), **state}

    def call(  # type: ignore[override]  # the SDK also accepts a plain dict
        self, args: pulumi.runtime.MockCallArgs
    ) -> dict[str, Any]:
        if args.token == kinds.GET_ORGANIZATION:
            org = self.emulator.client("organizations")
            described = org.describe_organization()["Organization"]
            roots = org.list_roots()["Roots"]
            return {
                "id": described["Id"],
                "arn": described["Arn"],
                "featureSet": described.get("FeatureSet", "ALL"),
                "masterAccountId": described["MasterAccountId"],
                "roots": [
                    {"id": r["Id"], "arn": r["Arn"], "name": r["Name"], "policyTypes": []}
                    for r in roots
                ],
            }
        raise EmulatorError(f"the emulator does not answer the invoke {args.token}")

    # -- providers ------------------------------------------------------------------------------

    def _provider(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        region = inputs.get("region") or "us-east-1"
        allowed = _json_or_value(inputs.get("allowedAccountIds")) or []
        roles = _json_or_value(inputs.get("assumeRoles")) or []
        account = self.emulator.management_account
        if roles:
            match = re.match(r"^arn:[\w-]+:iam::(\d{12}):role/", roles[0].get("roleArn", ""))
            if not match:
                raise EmulatorError(f"provider {name}: cannot read the role to assume: {roles}")
            account = match.group(1)
        if allowed and account not in allowed:
            # what the real provider does with allowed_account_ids: refuse before any change
            raise EmulatorError(
                f"provider {name}: account {account} is not in allowed_account_ids {allowed}"
            )
        rid = f"{name}-id"
        self.providers[rid] = Target(account, region)
        return rid, inputs

    def _target(self, provider: str | None) -> Target:
        if provider:
            rid = provider.rsplit("::", 1)[-1]
            if rid in self.providers:
                return self.providers[rid]
        return Target(self.emulator.management_account, "us-east-1")

    def client(self, service: str, target: Target) -> Any:
        return self.emulator.client(service, target.account, target.region)


# -- one handler per pulumi_aws type -----------------------------------------------------------

Handler = Callable[[EmulatorMocks, Target, dict[str, Any]], tuple[str, dict[str, Any]]]


def _organization(m: EmulatorMocks, t: Target, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    org = m.client("organizations", t)
    described = org.create_organization(FeatureSet=i.get("featureSet", "ALL"))["Organization"]
    roots = org.list_roots()["Roots"]
    for policy_type in i.get("enabledPolicyTypes") or []:
        org.enable_policy_type(RootId=roots[0]["Id"], PolicyType=policy_type)
    for service in i.get("awsServiceAccessPrincipals") or []:
        org.enable_aws_service_access(ServicePrincipal=service)
    return described["Id"], {
        "arn": described["Arn"],
        "roots": [
            {"id": r["Id"], "arn": r["Arn"], "name": r["Name"], "policyTypes": []} for r in roots
        ],
    }


def _service_access(m: EmulatorMocks, t: Target, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    m.client("organizations", t).enable_aws_service_access(ServicePrincipal=i["servicePrincipal"])
    return i["servicePrincipal"], {}


def _sharing(m: EmulatorMocks, t: Target, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    m.client("ram", t).enable_sharing_with_aws_organization()
    return t.account, {}


def _unit(m: EmulatorMocks, t: Target, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    unit = m.client("organizations", t).create_organizational_unit(
        ParentId=i["parentId"], Name=i["name"], Tags=_tags(i.get("tags"))
    )["OrganizationalUnit"]
    return unit["Id"], {"arn": unit["Arn"]}


def _account(m: EmulatorMocks, t: Target, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    org = m.client("organizations", t)
    request = org.create_account(
        Email=i["email"],
        AccountName=i["name"],
        RoleName=i.get("roleName") or "OrganizationAccountAccessRole",
        Tags=_tags(i.get("tags")),
    )["CreateAccountStatus"]
    status = org.describe_create_account_status(CreateAccountRequestId=request["Id"])
    status = status["CreateAccountStatus"]
    if status["State"] != "SUCCEEDED":
        raise EmulatorError(f"CreateAccount {i['name']}: {status.get('FailureReason')}")
    account_id = status["AccountId"]
    parent = org.list_parents(ChildId=account_id)["Parents"][0]["Id"]
    if i.get("parentId") and i["parentId"] != parent:
        org.move_account(
            AccountId=account_id, SourceParentId=parent, DestinationParentId=i["parentId"]
        )
    arn = org.describe_account(AccountId=account_id)["Account"]["Arn"]
    return account_id, {"arn": arn}


def _policy(m: EmulatorMocks, t: Target, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    policy = m.client("organizations", t).create_policy(
        Content=i["content"],
        Description=i.get("description") or "",
        Name=i["name"],
        Type=i["type"],
        Tags=_tags(i.get("tags")),
    )["Policy"]["PolicySummary"]
    return policy["Id"], {"arn": policy["Arn"]}


def _attachment(m: EmulatorMocks, t: Target, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    m.client("organizations", t).attach_policy(PolicyId=i["policyId"], TargetId=i["targetId"])
    return f"{i['targetId']}:{i['policyId']}", {}


def _share(m: EmulatorMocks, t: Target, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    share = m.client("ram", t).create_resource_share(
        name=i["name"],
        allowExternalPrincipals=bool(i.get("allowExternalPrincipals")),
        permissionArns=i.get("permissionArns") or [],
        tags=_tags(i.get("tags"), lower=True),
    )["resourceShare"]
    return share["resourceShareArn"], {"arn": share["resourceShareArn"]}


def _association(member: str, parameter: str) -> Handler:
    """A share's association with one member, the input `member` (a resource ARN or a
    principal): AssociateResourceShare with it in `parameter`."""

    def create(m: EmulatorMocks, t: Target, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        share = i["resourceShareArn"]
        m.client("ram", t).associate_resource_share(
            resourceShareArn=share, **{parameter: [i[member]]}
        )
        return f"{share},{i[member]}", {}

    return create


def _resource_policy(ptype: PolicyShareType) -> Handler:
    """The provider's create of a policy-shared type's policy: the catalog's `cli.put`, as the
    plan's scripts run it (audit/policy_calls.py)."""
    name_input, policy_input = _camel(ptype.name_input), _camel(ptype.policy_input)

    def create(m: EmulatorMocks, t: Target, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        call = policy_call(ptype, "put", i[name_input], i[policy_input])
        call.run(m.client(call.client, t))
        return i[name_input], {}

    return create


def _camel(snake: str) -> str:
    """A Pulumi input as the mocks see it: `key_id` → `keyId`."""
    head, *rest = snake.split("_")
    return head + "".join(word.title() for word in rest)


# -- updates of imported resources (what the provider's Update does) ---------------------------

Update = Callable[[EmulatorMocks, Target, str, dict[str, Any]], dict[str, Any]]


def _tag(org: Any, resource_id: str, tags: Any) -> None:
    if tags:
        org.tag_resource(ResourceId=resource_id, Tags=_tags(tags))


def _update_account(m: EmulatorMocks, t: Target, rid: str, i: dict[str, Any]) -> dict[str, Any]:
    """terraform-provider-aws account.go Update: MoveAccount when parent_id changes; tags."""
    org = m.client("organizations", t)
    parent = org.list_parents(ChildId=rid)["Parents"][0]["Id"]
    if i.get("parentId") and i["parentId"] != parent:
        org.move_account(AccountId=rid, SourceParentId=parent, DestinationParentId=i["parentId"])
        m.progress(f"~ {'Account':<24} {rid}  moved from {parent} to {i['parentId']}")
    _tag(org, rid, i.get("tags"))
    return {"arn": org.describe_account(AccountId=rid)["Account"]["Arn"]}


def _update_unit(m: EmulatorMocks, t: Target, rid: str, i: dict[str, Any]) -> dict[str, Any]:
    """organizational_unit.go Update: UpdateOrganizationalUnit when the name changes; tags."""
    org = m.client("organizations", t)
    unit = org.describe_organizational_unit(OrganizationalUnitId=rid)["OrganizationalUnit"]
    if i.get("name") and i["name"] != unit["Name"]:
        org.update_organizational_unit(OrganizationalUnitId=rid, Name=i["name"])
        m.progress(f"~ {'OrganizationalUnit':<24} {rid}  renamed {unit['Name']} → {i['name']}")
    _tag(org, rid, i.get("tags"))
    return {"arn": unit["Arn"]}


_UPDATES: dict[str, Update] = {
    kinds.ACCOUNT: _update_account,
    kinds.ORGANIZATIONAL_UNIT: _update_unit,
}


def _command(m: EmulatorMocks, t: Target, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Only the commands trainshare's plan runs, those that say what they do in
    `TRAINSHARE_ACTION` (trainshare.plan.commands): played from their environment with the
    calls their scripts make."""
    environment = _json_or_value(i.get("environment")) or {}
    action = _ACTIONS.get(str(environment.get("TRAINSHARE_ACTION", "")))
    if action is None:
        raise EmulatorError(f"the emulator does not run the command {i.get('create')!r}")
    return action(m, _command_target(m, environment), environment)


def _command_target(m: EmulatorMocks, environment: dict[str, Any]) -> Target:
    match = re.match(r"^arn:[\w-]+:iam::(\d{12}):role/", environment.get("TRAINSHARE_ROLE_ARN", ""))
    account = match.group(1) if match else m.emulator.management_account
    return Target(account, environment.get("TRAINSHARE_REGION") or "us-east-1")


def _ram_permission(m: EmulatorMocks, t: Target, env: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ram = m.client("ram", t)
    share, wanted = env["TRAINSHARE_SHARE_ARN"], env["TRAINSHARE_PERMISSION_ARN"]
    of_type = set(env["TRAINSHARE_TYPE_PERMISSIONS"].split())
    listed = ram.list_resource_share_permissions(resourceShareArn=share)["permissions"]
    current = next((p["arn"] for p in listed if p["arn"] in of_type), None)
    rid = f"{share},{env['TRAINSHARE_PERMISSION_ARN']}"
    if current == wanted:
        return rid, {"stdout": ""}
    if current is None:
        ram.associate_resource_share_permission(resourceShareArn=share, permissionArn=wanted)
        return rid, {"stdout": ""}
    spec = set(env["TRAINSHARE_RESOURCES"].split())
    associations = ram.get_resource_share_associations(
        associationType="RESOURCE", resourceShareArns=[share]
    )["resourceShareAssociations"]
    held = [
        a["associatedEntity"]
        for a in associations
        if a["status"] == "ASSOCIATED" and a["associatedEntity"] in spec
    ]
    if held:
        ram.disassociate_resource_share(resourceShareArn=share, resourceArns=held)
    ram.associate_resource_share_permission(
        resourceShareArn=share, permissionArn=wanted, replace=True
    )
    if held:
        ram.associate_resource_share(resourceShareArn=share, resourceArns=held)
    return rid, {"stdout": ""}


def _keep_policy(m: EmulatorMocks, t: Target, env: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The first run of `keep-policy`: what it prints is the policy found, unless trainshare's."""
    ptype = env["TRAINSHARE_POLICY_TYPE"]
    call = policy_call(load_catalog().policy_share_types[ptype], "get", env["TRAINSHARE_NAME"])
    rid = f"keep-{ptype}-{env['TRAINSHARE_NAME']}"
    try:
        found = call.run(m.client(call.client, t))
    except ClientError as exc:
        if call.missing and exc.response.get("Error", {}).get("Code") == call.missing:
            return rid, {"stdout": ""}
        raise
    if any(f'"{sid}"' in found for sid in str(env.get("TRAINSHARE_OWN_SIDS", "")).split()):
        return rid, {"stdout": ""}
    return rid, {"stdout": found}


class _OrganizationsCommand(NamedTuple):
    """A command of the plan that is one idempotent Organizations call: `operation` with
    `arguments` (API parameter → the environment variable holding its value); AWS's error code
    `done` means it is done already, as the plan's scripts treat it, and any other error stands.
    `rid` is the command's ID, formatted from the arguments."""

    operation: str
    arguments: dict[str, str]
    done: str
    rid: str


_ORGANIZATIONS_COMMANDS = {
    # plan/commands.py, on create: FullAWSAccess detached, or already detached
    "full-aws-access": _OrganizationsCommand(
        "detach_policy",
        {"PolicyId": "TRAINSHARE_POLICY_ID", "TargetId": "TRAINSHARE_TARGET_ID"},
        "PolicyNotAttachedException",
        "detach-{TargetId}",
    ),
    # plan/org_policies.py: the policy type enabled, or already enabled
    "enable-policy-type": _OrganizationsCommand(
        "enable_policy_type",
        {"RootId": "TRAINSHARE_ROOT_ID", "PolicyType": "TRAINSHARE_POLICY_TYPE"},
        "PolicyTypeAlreadyEnabledException",
        "enable-{PolicyType}",
    ),
}


def _organizations_command(
    m: EmulatorMocks, t: Target, env: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """One of `_ORGANIZATIONS_COMMANDS`: called, or done already."""
    command = _ORGANIZATIONS_COMMANDS[env["TRAINSHARE_ACTION"]]
    arguments = {parameter: env[name] for parameter, name in command.arguments.items()}
    try:
        getattr(m.client("organizations", t), command.operation)(**arguments)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != command.done:
            raise
    return command.rid.format_map(arguments), {"stdout": ""}


def _assign_billing(m: EmulatorMocks, t: Target, env: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """trainshare.plan.capacity.ASSIGN_BILLING, call for call: another account's live request
    cancelled or revoked, then the billing owner's made unless it is live."""
    ec2 = m.client("ec2", t)
    reservation, payer = env["TRAINSHARE_RESERVATION_ID"], env["TRAINSHARE_BILLING_OWNER"]
    live = [
        r["UnusedReservationBillingOwnerId"]
        for r in ec2.describe_capacity_reservation_billing_requests(
            Role="odcr-owner",
            CapacityReservationIds=[reservation],
            Filters=[{"Name": "status", "Values": ["pending", "accepted"]}],
        )["CapacityReservationBillingRequests"]
    ]
    for other in live:
        if other != payer:
            ec2.disassociate_capacity_reservation_billing_owner(
                CapacityReservationId=reservation, UnusedReservationBillingOwnerId=other
            )
    if payer not in live:
        ec2.associate_capacity_reservation_billing_owner(
            CapacityReservationId=reservation, UnusedReservationBillingOwnerId=payer
        )
    return f"{reservation},{payer}", {"stdout": ""}


def _accept_billing(m: EmulatorMocks, t: Target, env: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """trainshare.plan.capacity.ACCEPT_BILLING: accept the request when it is pending."""
    ec2 = m.client("ec2", t)
    reservation = env["TRAINSHARE_RESERVATION_ID"]
    pending = ec2.describe_capacity_reservation_billing_requests(
        Role="unused-reservation-billing-owner",
        CapacityReservationIds=[reservation],
        Filters=[{"Name": "status", "Values": ["pending"]}],
    )["CapacityReservationBillingRequests"]
    if pending:
        ec2.accept_capacity_reservation_billing_ownership(CapacityReservationId=reservation)
    return f"{reservation},{t.account},accepted", {"stdout": ""}


_ACTIONS: dict[str, Handler] = {
    "ram-permission": _ram_permission,
    "keep-policy": _keep_policy,
    "assign-billing": _assign_billing,
    "accept-billing": _accept_billing,
    **dict.fromkeys(_ORGANIZATIONS_COMMANDS, _organizations_command),
}


_HANDLERS: dict[str, Handler] = {
    kinds.ORGANIZATION: _organization,
    kinds.AWS_SERVICE_ACCESS: _service_access,
    kinds.SHARING_WITH_ORGANIZATION: _sharing,
    kinds.ORGANIZATIONAL_UNIT: _unit,
    kinds.ACCOUNT: _account,
    kinds.POLICY: _policy,
    kinds.POLICY_ATTACHMENT: _attachment,
    kinds.RESOURCE_SHARE: _share,
    kinds.RESOURCE_ASSOCIATION: _association("resourceArn", "resourceArns"),
    kinds.PRINCIPAL_ASSOCIATION: _association("principal", "principals"),
    kinds.COMMAND: _command,
    # a resource policy per policy-shared type of the catalog
    **{t.pulumi_type: _resource_policy(t) for t in load_catalog().policy_share_types.values()},
}
SUPPORTED_TYPES = frozenset(_HANDLERS)
