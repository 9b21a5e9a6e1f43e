"""Read a live organization into a Snapshot — read-only, paginated, concurrent per account.

Calls (the fewest that give the whole picture; `ClientFactory.pages` asks for the largest page
each API allows): from the management account, DescribeOrganization,
ListRoots, then per parent (root and each OU) ListOrganizationalUnitsForParent and
ListAccountsForParent, which place every account without a ListParents call per account;
ListPolicies (SCPs, and each other policy type of the catalog enabled on the root, as ListRoots
says), then per policy DescribePolicy and ListTargetsForPolicy;
ListAWSServiceAccessForOrganization. In each share owner and Region (assuming `access_role`):
GetResourceShares (SELF), GetResourceShareAssociations for PRINCIPAL and RESOURCE across all its
shares at once, and ListResourceSharePermissions per share. Which of these reads each kind
the plan can emit, and where it lands in the Snapshot: audit/readers.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

from trainshare.audit.client import AuditError, ClientFactory
from trainshare.audit.policy_calls import policy_call, policy_type_of
from trainshare.catalog import load_catalog, role_arn
from trainshare.snapshot import (
    Account,
    Association,
    Policy,
    ResourcePolicy,
    ResourceShare,
    Snapshot,
    Unit,
)

Progress = Callable[[str], None]


def _types_to_read(enabled: Iterable[str]) -> list[str]:
    """SCPs always (the organization's baseline), and every other type of the catalog that is
    enabled on the root: a type that is not enabled has nothing attached."""
    known = [t.aws_name for t in load_catalog().policy_types.values()]
    wanted = {"SERVICE_CONTROL_POLICY", *enabled}
    return [name for name in known if name in wanted]


def _explain(exc: ClientError, what: str) -> AuditError:
    error = exc.response.get("Error", {})
    code, message = error.get("Code", ""), error.get("Message", "")
    operation = exc.operation_name
    if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
        return AuditError(
            f"{what}: access denied to {operation} ({message}); the audit's IAM "
            "policy is docs/audit-permissions.json"
        )
    if code == "AWSOrganizationsNotInUseException":
        return AuditError(f"{what}: these credentials' account is not in an organization")
    return AuditError(f"{what}: {operation} failed: {code} {message}")


_SHAPE_ERRORS = (KeyError, IndexError)  # a member the API documents is missing


def _malformed(what: str, exc: Exception) -> AuditError:
    """An answer without what the API reference says it holds (a proxy or a non-AWS endpoint)."""
    return AuditError(
        f"{what}: an answer lacked what the API documents ({type(exc).__name__}: {exc}); check "
        "that --endpoint-url is an AWS endpoint"
    )


def _tags(items: Iterable[dict[str, str]]) -> dict[str, str]:
    return {t["key"]: t["value"] for t in items}


def caller_account(factory: ClientFactory, require_management: bool = False) -> str:
    """The account the credentials belong to; with `require_management`, refuses a member
    account (the organization's structure and SCPs are readable from the management account)."""
    try:
        account = str(factory.call(factory.client("sts"), "get_caller_identity")["Account"])
        if require_management:
            org = factory.call(factory.client("organizations"), "describe_organization")
            master = org["Organization"].get("MasterAccountId", account)
            if master != account:
                raise AuditError(
                    f"these credentials are for the member account {account}; read the "
                    f"organization with the management account's ({master})"
                )
    except ClientError as exc:
        raise _explain(exc, "checking credentials") from None
    except _SHAPE_ERRORS as exc:
        raise _malformed("checking credentials", exc) from None
    return account


class Reader:
    def __init__(
        self,
        factory: ClientFactory,
        *,
        management_account: str,
        access_role: str,
        partition: str = "aws",
        progress: Progress | None = None,
        max_workers: int = 8,
    ) -> None:
        self.factory = factory
        self.management_account = management_account
        self.access_role = access_role
        self.partition = partition
        self.progress = progress or (lambda _: None)
        self.max_workers = max_workers
        self._organization: dict[str, Any] | None = None
        self._sessions: dict[str, Any] = {}
        self._session_lock = threading.Lock()
        self._account_locks: dict[str, threading.Lock] = {}

    # -- the management account -----------------------------------------------------------------

    def _check_identity(self) -> None:
        account = caller_account(self.factory)
        if account != self.management_account:
            raise AuditError(
                f"these credentials are for account {account}, not the management "
                f"account {self.management_account} the spec names; use the management account's"
            )

    def read_organization(self) -> dict[str, Any]:
        """The organization side, read once per Reader (--all-accounts needs it before the
        shares, and `read` needs it again)."""
        if self._organization is None:
            self._organization = self._read_organization()
        return self._organization

    def _read_organization(self) -> dict[str, Any]:
        self._check_identity()
        org = self.factory.client("organizations")
        call, pages = self.factory.call, self.factory.pages
        try:
            described = call(org, "describe_organization")["Organization"]
            roots = list(pages(org, "list_roots", "Roots"))
            root_id = roots[0]["Id"]
            units: list[Unit] = []
            accounts: list[Account] = []
            parents = [root_id]
            while parents:
                parent = parents.pop(0)
                for ou in pages(
                    org,
                    "list_organizational_units_for_parent",
                    "OrganizationalUnits",
                    ParentId=parent,
                ):
                    units.append(Unit(ou["Id"], ou["Name"], parent))
                    parents.append(ou["Id"])
                for a in pages(org, "list_accounts_for_parent", "Accounts", ParentId=parent):
                    accounts.append(
                        Account(a["Id"], a["Name"], a.get("Email", ""), a.get("Status", ""), parent)
                    )
            self.progress(f"organization: {len(units)} OUs, {len(accounts)} accounts")
            enabled = tuple(
                sorted(
                    t["Type"] for t in roots[0].get("PolicyTypes", []) if t["Status"] == "ENABLED"
                )
            )
            policies = []
            access: tuple[str, ...] = ()
            # Without all features an organization has no policies and no trusted access
            # (Organizations User Guide, "Feature sets"): nothing to read, and nothing to ask.
            if described.get("FeatureSet", "ALL") == "ALL":
                for policy_type in _types_to_read(enabled):
                    policies += self._policies(org, policy_type)
                self.progress(f"organization policies: {len(policies)}")
                access = tuple(
                    sorted(
                        s["ServicePrincipal"]
                        for s in pages(
                            org,
                            "list_aws_service_access_for_organization",
                            "EnabledServicePrincipals",
                        )
                    )
                )
        except ClientError as exc:
            raise _explain(exc, "reading the organization") from None
        except _SHAPE_ERRORS as exc:
            raise _malformed("reading the organization", exc) from None
        return {
            "organization": described,
            "root_id": root_id,
            "units": tuple(units),
            "accounts": tuple(accounts),
            "policies": tuple(policies),
            "service_access": access,
            "root_policy_types": enabled,
        }

    def _policies(self, org: Any, policy_type: str) -> list[Policy]:
        """Every policy of one type: ListPolicies, then DescribePolicy and ListTargetsForPolicy
        per policy."""
        call, pages = self.factory.call, self.factory.pages
        found = []
        for summary in pages(org, "list_policies", "Policies", Filter=policy_type):
            content = call(org, "describe_policy", PolicyId=summary["Id"])["Policy"]["Content"]
            targets = tuple(
                t["TargetId"]
                for t in pages(org, "list_targets_for_policy", "Targets", PolicyId=summary["Id"])
            )
            found.append(
                Policy(
                    summary["Id"],
                    summary["Name"],
                    content,
                    bool(summary.get("AwsManaged")),
                    targets,
                    policy_type,
                )
            )
        return found

    # -- share owners ---------------------------------------------------------------------------

    def _session(self, account: str) -> Any:
        """The account's session: assumed once per account (shares in several Regions and
        resource policies reuse it), under a lock per account so threads do not race to it."""
        if account == self.management_account:
            return self.factory.session
        with self._session_lock:
            lock = self._account_locks.setdefault(account, threading.Lock())
        with lock:
            if account not in self._sessions:
                self._sessions[account] = self._assume(account)
            return self._sessions[account]

    def _assume(self, account: str) -> Any:
        sts = self.factory.client("sts", session=self.factory.session)
        role = role_arn(self.partition, account, self.access_role)
        try:
            creds = self.factory.call(
                sts, "assume_role", RoleArn=role, RoleSessionName="trainshare-audit"
            )["Credentials"]
        except ClientError as exc:
            raise _explain(exc, f"assuming {role}") from None
        except _SHAPE_ERRORS as exc:
            raise _malformed(f"assuming {role}", exc) from None
        return boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )

    def read_shares(self, account: str, region: str) -> list[ResourceShare]:
        ram = self.factory.client("ram", region, session=self._session(account))
        pages = self.factory.pages
        try:
            raw = [
                s
                for s in pages(ram, "get_resource_shares", "resourceShares", resourceOwner="SELF")
                if s.get("status") != "DELETED"
            ]
            arns = [s["resourceShareArn"] for s in raw]
            by_share: dict[str, dict[str, list[Association]]] = {
                a: {"PRINCIPAL": [], "RESOURCE": []} for a in arns
            }
            for kind in ("PRINCIPAL", "RESOURCE"):
                for chunk in (arns[i : i + 100] for i in range(0, len(arns), 100)):
                    for item in pages(
                        ram,
                        "get_resource_share_associations",
                        "resourceShareAssociations",
                        associationType=kind,
                        resourceShareArns=chunk,
                    ):
                        if item["resourceShareArn"] in by_share:
                            by_share[item["resourceShareArn"]][kind].append(
                                Association(
                                    item["associatedEntity"],
                                    item["status"],
                                    bool(item.get("external")),
                                    item.get("statusMessage", ""),
                                )
                            )
            shares = []
            for s in raw:
                permissions = tuple(
                    sorted(
                        p["arn"]
                        for p in pages(
                            ram,
                            "list_resource_share_permissions",
                            "permissions",
                            resourceShareArn=s["resourceShareArn"],
                        )
                    )
                )
                assoc = by_share[s["resourceShareArn"]]
                shares.append(
                    ResourceShare(
                        arn=s["resourceShareArn"],
                        name=s["name"],
                        owner=account,
                        region=region,
                        status=s.get("status", ""),
                        allow_external=bool(s.get("allowExternalPrincipals")),
                        principals=tuple(sorted(assoc["PRINCIPAL"], key=lambda a: a.entity)),
                        resources=tuple(sorted(assoc["RESOURCE"], key=lambda a: a.entity)),
                        permissions=permissions,
                        tags=_tags(s.get("tags", [])),
                    )
                )
        except ClientError as exc:
            raise _explain(exc, f"reading the shares of {account} in {region}") from None
        except _SHAPE_ERRORS as exc:
            raise _malformed(f"reading the shares of {account} in {region}", exc) from None
        self.progress(f"shares of {account} in {region}: {len(shares)}")
        return shares

    def read_resource_policy(self, arn: str, owner: str, region: str, name: str) -> ResourcePolicy:
        """The one policy of a bucket, key, repository or model package group, read as the
        plan's scripts read it (the catalog's `cli.get`, audit/policy_calls.py)."""
        call = policy_call(policy_type_of(arn), "get", name)
        client = self.factory.client(call.client, region, session=self._session(owner))
        try:
            document = self.factory.call(client, call.method, **call.params).get(call.answer)
        except ClientError as exc:
            if call.missing and exc.response.get("Error", {}).get("Code") == call.missing:
                document = None
            else:
                raise _explain(exc, f"reading the policy of {arn}") from None
        self.progress(f"policy of {arn}")
        return ResourcePolicy(arn, owner, region, document)

    def read(
        self,
        owners: Iterable[tuple[str, str]],
        resources: Iterable[tuple[str, str, str, str]] = (),
    ) -> Snapshot:
        """The organization, the shares of `owners` ((account, Region) pairs) and the policies
        of `resources` ((ARN, owner, Region, name) of each policy-shared resource)."""
        org = self.read_organization()
        owners = sorted(set(owners))
        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            results = list(pool.map(lambda o: self.read_shares(*o), owners))
            policies = list(pool.map(lambda r: self.read_resource_policy(*r), sorted(resources)))
        described = org["organization"]
        if not isinstance(described.get("Id"), str) or not isinstance(described.get("Arn"), str):
            raise _malformed("reading the organization", KeyError("Organization.Id/Arn"))
        return Snapshot(
            management_account=self.management_account,
            organization_id=described["Id"],
            organization_arn=described["Arn"],
            feature_set=described.get("FeatureSet", ""),
            root_id=org["root_id"],
            units=org["units"],
            accounts=org["accounts"],
            policies=org["policies"],
            service_access=org["service_access"],
            shares=tuple(sorted((s for r in results for s in r), key=lambda s: (s.owner, s.name))),
            owners_read=tuple(owners),
            taken_at=datetime.now(UTC).isoformat(timespec="seconds"),
            resource_policies=tuple(policies),
            root_policy_types=org["root_policy_types"],
        )
