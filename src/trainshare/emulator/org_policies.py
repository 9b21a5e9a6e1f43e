"""Organizations policy types where moto 5.2 falls short of AWS: one small patch each.

moto creates, attaches and lists SCPs, RCPs, tag and AI opt-out policies, but (observed, see
notes/research-orgpolicies.md §4) has no backup or EC2 declarative policies, attaches
RCPFullAWSAccess everywhere whether or not RCPs are enabled, attaches a type that is not enabled,
checks neither sizes nor per-target limits nor content, lets RCPFullAWSAccess and a target's last
SCP be detached, leaves a disabled type's policies attached, and trusts only its own list of
service principals. Each function below names the AWS behaviour it adds and its source; the
limits and grammars are trainshare's catalog, so the emulator refuses what `validate` refuses.
`apply()` installs them all, once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.organizations import models
from moto.organizations.exceptions import (
    ConstraintViolationException,
    OrganizationsClientError,
    PolicyTypeNotEnabledException,
)
from moto.organizations.utils import DEFAULT_RCP_POLICY_ID

from trainshare.catalog import load_catalog
from trainshare.findings import Severity
from trainshare.policy.management import lint_management_policy
from trainshare.policy.rcp import validate_rcp

RCP = "RESOURCE_CONTROL_POLICY"
SCP = "SERVICE_CONTROL_POLICY"
_APPLIED: set[str] = set()


def _once(name: str) -> bool:
    if name in _APPLIED:
        return False
    _APPLIED.add(name)
    return True


def _wrap(cls: type, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    setattr(cls, name, make(getattr(cls, name)))


class MalformedPolicyDocumentError(OrganizationsClientError):
    """AWS's MalformedPolicyDocumentException."""

    def __init__(self, message: str) -> None:
        super().__init__("MalformedPolicyDocumentException", message)


def _constraint(reason: str, message: str) -> ConstraintViolationException:
    """ConstraintViolationException with its `Reason` (Organizations API reference, Errors)."""
    error = ConstraintViolationException(message)
    error.reason = reason  # type: ignore[attr-defined]  # serialized as the model's Reason
    return error


def _enabled(backend: models.OrganizationsBackend, policy_type: str) -> bool:
    root = backend.ou[0] if backend.ou else None
    types = getattr(root, "policy_types", [])
    return any(t["Type"] == policy_type and t["Status"] == "ENABLED" for t in types)


def _targets(backend: models.OrganizationsBackend) -> list[Any]:
    """The root, every OU and every account: where AWS-managed defaults are attached."""
    return [*backend.ou, *backend.accounts]


def organizations_knows_every_policy_type_of_the_catalog() -> None:
    """CreatePolicy, EnablePolicyType and ListPolicies accept every type of the catalog
    (Organizations API reference, PolicyType), with ARNs `…:policy/o-…/<type in lower case>/p-…`.
    moto lacks DECLARATIVE_POLICY_EC2 and has no ARN for BACKUP_POLICY."""
    if not _once("types"):
        return
    names = [t.aws_name for t in load_catalog().policy_types.values()]
    for cls in (models.FakeRoot, models.FakePolicy):
        supported = cls.SUPPORTED_POLICY_TYPES
        supported.extend(n for n in names if n not in supported)

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def init(self: Any, organization: Any, **kwargs: Any) -> None:
            wanted = kwargs.get("Type", "")
            if wanted in ("BACKUP_POLICY", "DECLARATIVE_POLICY_EC2"):
                original(self, organization, **{**kwargs, "Type": SCP})
                self.type = wanted
                self._arn_format = (
                    "arn:{0}:organizations::{1}:policy/{2}/" + wanted.lower() + "/{3}"
                )
                return
            original(self, organization, **kwargs)

        return init

    _wrap(models.FakePolicy, "__init__", make)


def organizations_trusts_the_catalogs_services() -> None:
    """EnableAWSServiceAccess accepts the principals of trainshare's dated list
    (catalog/data/trusted_services.yaml, from orgs_integrate_services_list); moto's is older."""
    if not _once("trusted"):
        return
    trusted = models.FakeServiceAccess.TRUSTED_SERVICES
    trusted.extend(sorted(s for s in load_catalog().trusted_services if s not in trusted))


def _content_problem(policy_type: str, content: str) -> Exception | None:
    """What AWS refuses in a policy's content: over the type's size (ConstraintViolation
    POLICY_CONTENT_LIMIT_EXCEEDED; orgs_reference_limits), or not the type's grammar
    (MalformedPolicyDocumentException; the syntax pages of each type)."""
    catalog = load_catalog()
    ptype = catalog.policy_type(policy_type)
    if ptype is None:
        return None
    limit = catalog.limits[ptype.max_chars].value
    if len(content) > limit:
        return _constraint(
            "POLICY_CONTENT_LIMIT_EXCEEDED",
            f"The {ptype.title} is {len(content)} characters; the maximum is {limit}.",
        )
    try:
        document = json.loads(content)
    except (TypeError, ValueError):
        return MalformedPolicyDocumentError("The provided policy document is not valid JSON.")
    if ptype.key == "rcp":
        messages = [f"{p.where}: {p.message}" for p in validate_rcp(document)]
    elif ptype.management_syntax is not None:
        found = lint_management_policy(document, ptype)
        messages = [f.message for f in found if f.severity is Severity.ERROR]
    else:
        return None  # SCPs: moto's own behaviour (it checks nothing), unchanged
    if messages:
        return MalformedPolicyDocumentError(
            f"The provided policy document does not meet the requirements of the specified "
            f"policy type: {messages[0]}"
        )
    return None


def organizations_checks_policy_content() -> None:
    """CreatePolicy and UpdatePolicy refuse content over the type's size or outside its grammar.
    AWS-managed policies (moto creates FullAWSAccess and RCPFullAWSAccess itself) are exempt."""
    if not _once("content"):
        return

    def create(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_policy(self: Any, **kwargs: Any) -> Any:
            problem = _content_problem(kwargs.get("Type", ""), kwargs.get("Content") or "")
            if problem is not None:
                raise problem
            return original(self, **kwargs)

        return create_policy

    def update(original: Callable[..., Any]) -> Callable[..., Any]:
        def update_policy(self: Any, **kwargs: Any) -> Any:
            if "Content" in kwargs:
                policy = self.get_policy_by_id(kwargs["PolicyId"])
                problem = _content_problem(policy.type, kwargs["Content"] or "")
                if problem is not None:
                    raise problem
            return original(self, **kwargs)

        return update_policy

    _wrap(models.OrganizationsBackend, "create_policy", create)
    _wrap(models.OrganizationsBackend, "update_policy", update)


def organizations_attaches_rcp_full_aws_access_once_rcps_are_enabled() -> None:
    """RCPFullAWSAccess "is automatically attached to the organization root, every OU, and every
    account in your organization, when you enable resource control policies" (Organizations user
    guide, orgs_manage_policies_rcps); until then no RCP is attached anywhere. moto attaches it
    to the root, the management account and every new OU and account from the start."""
    if not _once("rcp-full-access"):
        return

    def detach_unless_enabled(backend: Any, target: Any) -> None:
        if _enabled(backend, RCP):
            return
        policy = next((p for p in backend.policies if p.id == DEFAULT_RCP_POLICY_ID), None)
        if policy is not None and policy in target.attached_policies:
            target.attached_policies.remove(policy)
            policy.attachments.remove(target)

    def organization(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_organization(self: Any, region: str, **kwargs: Any) -> Any:
            result = original(self, region, **kwargs)
            for target in _targets(self):
                detach_unless_enabled(self, target)
            return result

        return create_organization

    def created(targets: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """A create call that appends the new target (an OU, an account) to `backend.<targets>`."""

        def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
            def create(self: Any, **kwargs: Any) -> Any:
                result = original(self, **kwargs)
                detach_unless_enabled(self, getattr(self, targets)[-1])
                return result

            return create

        return wrap

    def enable(original: Callable[..., Any]) -> Callable[..., Any]:
        def enable_policy_type(self: Any, **kwargs: str) -> Any:
            result = original(self, **kwargs)
            if kwargs["PolicyType"] == RCP:
                for target in _targets(self):
                    self.attach_policy(PolicyId=DEFAULT_RCP_POLICY_ID, TargetId=target.id)
            return result

        return enable_policy_type

    backend = models.OrganizationsBackend
    _wrap(backend, "create_organization", organization)
    _wrap(backend, "create_organizational_unit", created("ou"))
    _wrap(backend, "create_account", created("accounts"))
    _wrap(backend, "enable_policy_type", enable)


def attach_rcp_full_aws_access(backend: models.OrganizationsBackend, target_id: str) -> None:
    """For targets trainshare's emulator adds itself (an adopted account or OU): attached when
    RCPs are enabled, as on AWS."""
    if _enabled(backend, RCP):
        backend.attach_policy(PolicyId=DEFAULT_RCP_POLICY_ID, TargetId=target_id)


def organizations_attaches_only_enabled_types_within_limits() -> None:
    """AttachPolicy refuses a policy whose type is not enabled on the root
    (PolicyTypeNotEnabledException; EnablePolicyType: "After you enable a policy type in a root,
    you can attach policies of that type") and one more policy of a type than a target may hold
    (ConstraintViolation MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED; the per-target limits of
    catalog/data/limits.yaml, the AWS-managed default included).

    Assumption: SCPs are left as moto has them (attachable before the type is enabled, as
    moto's own CreateOrganization attaches FullAWSAccess), so organizations built before this
    extension keep working."""
    if not _once("attach"):
        return
    catalog = load_catalog()

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def attach_policy(self: Any, **kwargs: Any) -> Any:
            policy = self.get_policy_by_id(kwargs["PolicyId"])
            target = next((t for t in _targets(self) if t.id == kwargs["TargetId"]), None)
            if policy.type != SCP and not policy.aws_managed and not _enabled(self, policy.type):
                raise PolicyTypeNotEnabledException
            ptype = catalog.policy_type(policy.type)
            if target is not None and ptype is not None and policy not in target.attached_policies:
                limit = catalog.limits[ptype.per_target].value
                count = sum(1 for p in target.attached_policies if p.type == policy.type)
                if count >= limit:
                    raise _constraint(
                        "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
                        f"{target.id} already has {count} policies of type {policy.type}; "
                        f"the maximum is {limit}.",
                    )
            return original(self, **kwargs)

        return attach_policy

    _wrap(models.OrganizationsBackend, "attach_policy", make)


def organizations_keeps_the_authorization_defaults() -> None:
    """DetachPolicy refuses RCPFullAWSAccess ("You cannot detach this policy";
    orgs_manage_policies_rcps) and a target's last SCP (ConstraintViolation
    MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED; DetachPolicy API reference). Assumption: AWS
    answers the first with the same reason; its exact message was not found."""
    if not _once("detach"):
        return

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def detach_policy(self: Any, **kwargs: Any) -> Any:
            policy = self.get_policy_by_id(kwargs["PolicyId"])
            target: Any = next((t for t in _targets(self) if t.id == kwargs["TargetId"]), None)
            attached = target is not None and policy in target.attached_policies
            if attached and policy.id == DEFAULT_RCP_POLICY_ID:
                raise _constraint(
                    "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
                    "You cannot detach RCPFullAWSAccess.",
                )
            if attached and policy.type == SCP:
                scps = [p for p in target.attached_policies if p.type == SCP]
                if len(scps) == 1:
                    raise _constraint(
                        "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
                        f"{target.id} must keep at least one service control policy.",
                    )
            return original(self, **kwargs)

        return detach_policy

    _wrap(models.OrganizationsBackend, "detach_policy", make)


def organizations_disabling_a_type_detaches_its_policies() -> None:
    """DisablePolicyType detaches every policy of that type from every root, OU and account;
    the policies themselves are kept (orgs_manage_policies_enable-disable)."""
    if not _once("disable"):
        return

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def disable_policy_type(self: Any, **kwargs: str) -> Any:
            result = original(self, **kwargs)
            kind = kwargs["PolicyType"]
            for target in _targets(self):
                for policy in [p for p in target.attached_policies if p.type == kind]:
                    target.attached_policies.remove(policy)
                    policy.attachments.remove(target)
            return result

        return disable_policy_type

    _wrap(models.OrganizationsBackend, "disable_policy_type", make)


def apply() -> None:
    organizations_knows_every_policy_type_of_the_catalog()
    organizations_trusts_the_catalogs_services()
    organizations_checks_policy_content()
    organizations_attaches_rcp_full_aws_access_once_rcps_are_enabled()
    organizations_attaches_only_enabled_types_within_limits()
    organizations_keeps_the_authorization_defaults()
    organizations_disabling_a_type_detaches_its_policies()


def is_enabled(management_account: str, policy_type: str) -> bool:
    """Whether `policy_type` is enabled on the root of the organization `management_account`
    manages (for tests and the bridge)."""
    for backend in models.organizations_backends[management_account].values():
        if backend.org:
            return _enabled(backend, policy_type)
    return False
