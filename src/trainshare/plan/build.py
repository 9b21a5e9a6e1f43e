"""Spec → plan: what `pulumi up` must create, and in which account and Region.

Rules that shape the graph (AWS-FACTS.md §1-§4):
- Organizations resources and `SharingWithOrganization` use the management account's provider;
  RAM shares use one provider per (owner account, Region) that assumes `access_role` there.
- Every provider pins `allowed_account_ids`, so running with the wrong credentials fails before
  any change instead of creating resources in the wrong account.
- Sharing with an OU or the org needs `EnableSharingWithAwsOrganization` from the management
  account (RAM guide, getting-started-sharing); principal associations wait for it.
- OU and organization principals are ARNs, never IDs (terraform-provider-aws #36254, #16321).
- `allow_external_principals` is always sent (API default true, provider default false).
- Accounts are protected and kept on delete unless the spec says otherwise; at most
  `concurrent_create_account` creations run at once (CreateAccount API reference).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any, TypedDict

from trainshare.catalog import (
    PolicyShareType,
    load_catalog,
    ou_arn_prefix,
    parse_arn,
    permission_arn,
    role_arn,
    role_arn_around_account,
)
from trainshare.errors import PlanError
from trainshare.plan import kinds
from trainshare.plan.capacity import (
    accept_billing_inputs,
    assign_billing_inputs,
    billing_applies,
    capacity_note,
)
from trainshare.plan.commands import (
    full_aws_access_inputs,
    keep_policy_inputs,
    ram_permission_inputs,
    where_inputs,
)
from trainshare.plan.graph import Join, Mode, Node, Plan, Ref, Value, in_dependency_order
from trainshare.plan.names import (
    account_node,
    attachment_node,
    billing_node,
    detach_full_access_node,
    keep_policy_node,
    legacy_provider_node,
    legacy_resource_policy_node,
    policy_node,
    principal_node,
    provider_node,
    resource_association_node,
    resource_policy_node,
    service_access_node,
    share_node,
    share_permission_node,
    unit_node,
)
from trainshare.plan.org_policies import (
    adopted_types_to_enable,
    attach_order,
    content_value,
    enable_type_inputs,
    enable_type_node,
    enabled_policy_types,
    gates_arrival,
    required_trusted_access,
)
from trainshare.plan.renames import FormerNames
from trainshare.plan.resource_policies import Id, compose, document_value, worst_case_length
from trainshare.spec import (
    ROOT,
    Account,
    ManagedPolicy,
    Principal,
    PrincipalKind,
    Share,
    ShareKind,
    Spec,
    Unit,
)

MANAGED_BY = {"managed-by": "trainshare"}
CAPACITY_TYPE = "ec2:CapacityReservation"
MANAGEMENT = "management"
ORGANIZATION = "organization"
RAM_SERVICE = "ram.amazonaws.com"
RAM_ORG_SHARING = "ram-organization-sharing"
SESSION_NAME = "trainshare"
# Inputs of adopted resources that AWS cannot change in place (ForceNew in
# terraform-provider-aws account.go and organizational_unit.go, read 2026-12): a difference
# would propose a replacement — deleting the account from the organization, or the OU.
# `closeOnDeletion`/`createGovcloud` only act on create and delete, which an adopted account
# never goes through.
ADOPTED_ACCOUNT_IGNORES = (
    "name",
    "email",
    "roleName",
    "iamUserAccessToBilling",
    "closeOnDeletion",
    "createGovcloud",
)
ADOPTED_UNIT_IGNORES = ("parentId",)


class _Where(TypedDict):
    """Where a node is created: the account, its ID, the Region, and the provider node."""

    account: str
    account_id: str | None
    region: str
    provider: str | None


def build_plan(spec: Spec) -> Plan:
    """The desired-state graph of `spec`, nodes in dependency order."""
    return _Builder(spec).build()


class _Builder:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.org = spec.organization
        self.nodes: list[Node] = []
        self.providers: dict[tuple[str, str], str] = {}
        self._provider_nodes: dict[str, Node] = {}
        self._was = FormerNames(spec)

    def build(self) -> Plan:
        self.management_provider = self._provider(
            MANAGEMENT, self.org.management_account, self.org.region
        )
        self._organization()
        if self.spec.shares_with_org_units:
            # Kept on delete: its delete disables RAM's trusted access for the whole
            # organization and deletes AWSServiceRoleForResourceAccessManager
            # (terraform-provider-aws internal/service/ram/sharing_with_organization.go),
            # which would break every org-wide share, Lake Formation's included.
            self._add(
                Node(
                    kinds.SHARING_WITH_ORGANIZATION,
                    RAM_ORG_SHARING,
                    **self._mgmt(),
                    inputs={},
                    depends_on=(ORGANIZATION,),
                    retain_on_delete=True,
                )
            )
        for unit in self.spec.units.values():
            self._unit(unit)
        self._arrival = _arrival(self.spec)
        self._accounts()
        self._guardrails()
        self._detach_full_aws_access()
        for share in self.spec.shares.values():
            if share.kind is ShareKind.RAM:
                self._share(share)
        self._legacy_names = _legacy_policy_names(self.spec)
        for policy in self.spec.managed_policies.values():
            self._resource_policy(policy)
        return Plan(in_dependency_order(self.nodes))

    # -- helpers ------------------------------------------------------------------------------

    def _add(self, node: Node) -> Node:
        self.nodes.append(node)
        if node.kind == kinds.PROVIDER:
            self._provider_nodes[node.name] = node
        return node

    def _mgmt(self) -> _Where:
        return _Where(
            account=MANAGEMENT,
            account_id=self.org.management_account,
            region=self.org.region,
            provider=self.management_provider,
        )

    def _provider(self, account: str, account_id: str, region: str) -> str:
        """One explicit provider per (account ID, Region); member accounts assume `access_role`.
        Named by the ID, so a renamed account key keeps its provider (and what uses it)."""
        key = (account_id, region)
        if key in self.providers:
            return self.providers[key]
        name = provider_node(account_id, region)
        inputs: dict[str, Value] = {"region": region, "allowed_account_ids": [account_id]}
        if account_id != self.org.management_account:
            inputs["assume_roles"] = [self._role(account_id)]
        self._add(
            Node(
                kinds.PROVIDER,
                name,
                account=account,
                account_id=account_id,
                region=region,
                inputs=inputs,
                aliases=(legacy_provider_node(account, region),),
            )
        )
        self.providers[key] = name
        return name

    def _role(self, account_id: str) -> dict[str, Value]:
        """The role the deploy assumes in a member account: the account's own `access_role`,
        `external_id` and `session_name` where the spec sets them, else the organization's."""
        account = next((a for a in self.spec.accounts.values() if a.id == account_id), None)
        name = (account.access_role if account else None) or self.org.access_role
        role: dict[str, Value] = {
            "role_arn": role_arn(self.org.partition, account_id, name),
            "session_name": (account.session_name if account else None) or SESSION_NAME,
        }
        if account is not None and account.external_id:
            role["external_id"] = account.external_id
        return role

    def _target_id(self, target: str) -> str | Ref:
        """The ID of the root, an OU (by path) or an account (by key)."""
        if target == ROOT:
            return Ref(ORGANIZATION, "roots[0].id")
        unit = self.spec.units.get(target)
        if unit is not None:
            return unit.id if unit.id else Ref(unit_node(unit.path), "id")
        account = self.spec.accounts[target]
        return account.id if account.id else Ref(account_node(account.key), "id")

    # -- organization -------------------------------------------------------------------------

    def _trusted_services(self) -> list[str]:
        services = list(self.org.trusted_services)
        if self.spec.shares_with_org_units and RAM_SERVICE not in services:
            services.append(RAM_SERVICE)
        services += [s for s in required_trusted_access(self.spec) if s not in services]
        return sorted(services)

    def _organization(self) -> None:
        if self.org.create:
            inputs: dict[str, Value] = {
                "feature_set": "ALL",
                "aws_service_access_principals": list(self._trusted_services()),
            }
            if self.spec.guardrails:
                inputs["enabled_policy_types"] = list(enabled_policy_types(self.spec))
            # Deleting the organization is never what a user of this tool wants.
            self._add(
                Node(
                    kinds.ORGANIZATION,
                    ORGANIZATION,
                    **self._mgmt(),
                    inputs=inputs,
                    protect=True,
                    retain_on_delete=True,
                )
            )
            return
        # Adopted: read it, and enable each trusted service on its own. RAM's trusted access is
        # owned by SharingWithOrganization when present (the provider's docs: manage it with
        # that resource, not also as a service principal). Trusted access may predate
        # trainshare and serve others, so it is kept on delete.
        # Assumption: the SCP policy type is already enabled on an adopted organization;
        # `audit` reports it when it is not. Other types are enabled by a command each
        # (plan/org_policies.py), kept on delete.
        self._add(
            Node(kinds.GET_ORGANIZATION, ORGANIZATION, **self._mgmt(), inputs={}, mode=Mode.READ)
        )
        for ptype in adopted_types_to_enable(self.spec):
            self._add(
                Node(
                    kinds.COMMAND,
                    enable_type_node(ptype.aws_name),
                    account=MANAGEMENT,
                    account_id=self.org.management_account,
                    region=self.org.region,
                    inputs=enable_type_inputs(
                        ptype.aws_name, Ref(ORGANIZATION, "roots[0].id"), self.org.region
                    ),
                    retain_on_delete=True,
                )
            )
        for service in self._trusted_services():
            if service == RAM_SERVICE and self.spec.shares_with_org_units:
                continue
            self._add(
                Node(
                    kinds.AWS_SERVICE_ACCESS,
                    service_access_node(service),
                    **self._mgmt(),
                    inputs={"service_principal": service},
                    depends_on=(ORGANIZATION,),
                    retain_on_delete=True,
                )
            )

    # -- OUs and accounts ---------------------------------------------------------------------

    def _unit(self, unit: Unit) -> None:
        """An OU to create, or — with its `id` — an existing one adopted by ID and managed (its
        name and tags update in place). AWS cannot move an OU (`parent_id` is ForceNew in
        terraform-provider-aws organizational_unit.go): an adopted OU ignores a change of
        parent instead of being replaced, and is kept on delete, as it predates the stack."""
        adopted = unit.id is not None
        self._add(
            Node(
                kinds.ORGANIZATIONAL_UNIT,
                unit_node(unit.path),
                **self._mgmt(),
                inputs={
                    "name": unit.name,
                    "parent_id": self._target_id(unit.parent),
                    "tags": {**unit.tags, **MANAGED_BY},
                },
                aliases=self._was.aliases(unit_node, self._was.unit(unit.path)),
                retain_on_delete=adopted,
                ignore_changes=ADOPTED_UNIT_IGNORES if adopted else (),
                import_id=unit.id,
            )
        )

    def _accounts(self) -> None:
        for account in self.spec.accounts.values():
            if account.adopted:
                self._adopted_account(account)
        limit = self.spec.limits["concurrent_create_account"]
        created: list[str] = []
        for account in self.spec.accounts.values():
            if not account.created:
                continue
            name = account_node(account.key)
            # At most `limit` creations in flight: each waits for the one `limit` places before.
            throttle = (created[-limit],) if len(created) >= limit else ()
            self._add(
                Node(
                    kinds.ACCOUNT,
                    name,
                    **self._mgmt(),
                    inputs={
                        "name": account.aws_name,
                        "email": account.email,
                        "parent_id": self._target_id(account.unit),
                        "role_name": self.org.access_role,
                        "close_on_deletion": account.close_on_deletion,
                        "tags": {**account.tags, **MANAGED_BY},
                    },
                    depends_on=self._arrival[account.unit],
                    waits_for=throttle,
                    aliases=self._was.aliases(account_node, self._was.account(account.key)),
                    protect=account.protect,
                    retain_on_delete=not account.close_on_deletion,
                    # The Organizations API cannot read these back (pulumi-aws Account docs): a
                    # configured value would show a diff, and a change a replacement, forever.
                    ignore_changes=("roleName", "iamUserAccessToBilling"),
                )
            )
            created.append(name)

    def _adopted_account(self, account: Account) -> None:
        """An existing account declared with `id` and `email`: imported by ID, protected and
        kept on delete (never closed: trainshare did not create it), its `unit` its parent — a
        change moves it (`parent_id` updates through MoveAccount, terraform-provider-aws
        account.go). Name, email, role name and billing access are ForceNew there: ignored, so
        adopting never proposes a replacement."""
        self._add(
            Node(
                kinds.ACCOUNT,
                account_node(account.key),
                **self._mgmt(),
                inputs={
                    "name": account.aws_name,
                    "email": account.email,
                    "parent_id": self._target_id(account.unit),
                    "tags": {**account.tags, **MANAGED_BY},
                },
                depends_on=self._arrival[account.unit],
                aliases=self._was.aliases(account_node, self._was.account(account.key)),
                protect=account.protect,
                retain_on_delete=True,
                ignore_changes=ADOPTED_ACCOUNT_IGNORES,
                import_id=account.id,
            )
        )

    # -- guardrails ---------------------------------------------------------------------------

    def _guardrails(self) -> None:
        catalog = load_catalog()
        adopted = {t.key for t in adopted_types_to_enable(self.spec)} if not self.org.create else ()
        for guardrail in self.spec.guardrails.values():
            kind = guardrail.type
            ptype = catalog.policy_types[kind]
            policy = policy_node(guardrail.key, kind)
            enabled = (enable_type_node(ptype.aws_name),) if kind in adopted else ()
            self._add(
                Node(
                    kinds.POLICY,
                    policy,
                    **self._mgmt(),
                    inputs={
                        "name": guardrail.name,
                        "description": guardrail.description,
                        "type": ptype.aws_name,
                        "content": content_value(guardrail, Ref(ORGANIZATION, "id")),
                        "tags": dict(MANAGED_BY),
                    },
                    depends_on=(ORGANIZATION,),
                    aliases=self._was.aliases(
                        lambda key, k=kind: policy_node(key, k), self._was.guardrail(guardrail.key)
                    ),
                )
            )
            for target, after in attach_order(self.spec, guardrail).items():
                self._add(
                    Node(
                        kinds.POLICY_ATTACHMENT,
                        attachment_node(guardrail.key, target, kind),
                        **self._mgmt(),
                        inputs={
                            "policy_id": Ref(policy, "id"),
                            "target_id": self._target_id(target),
                        },
                        depends_on=(
                            *enabled,
                            *(attachment_node(guardrail.key, t, kind) for t in after),
                        ),
                        aliases=self._was.aliases(
                            lambda key, at, k=kind: attachment_node(key, at, k),
                            self._was.guardrail(guardrail.key),
                            self._was.target(target),
                        ),
                    )
                )

    def _detach_full_aws_access(self) -> None:
        """Where the spec sets `full_aws_access: false` (the allow-list strategy).

        No pulumi_aws resource detaches a policy it did not attach, so this runs the AWS CLI with
        the deployer's credentials (the management account's), after the level's own guardrails
        are attached: AWS refuses to detach a target's last SCP. Deleting the node re-attaches
        FullAWSAccess, so removing the setting or destroying the stack restores AWS's default.
        Both commands succeed when the policy is already where they would put it (an adopted
        organization, where it was detached by hand): a command cannot be imported.
        """
        levels = [u.path for u in self.spec.units.values() if not u.full_aws_access] + [
            a.key for a in self.spec.accounts.values() if not a.full_aws_access
        ]
        for target in levels:
            target_id = self._target_id(target)
            attached = tuple(
                attachment_node(g.key, target)
                for g in self.spec.guardrails.values()
                if target in g.targets and g.type == "scp"
            )
            self._add(
                Node(
                    kinds.COMMAND,
                    detach_full_access_node(target),
                    account=MANAGEMENT,
                    account_id=self.org.management_account,
                    region=self.org.region,
                    inputs=full_aws_access_inputs(
                        load_catalog().aws_managed("scp").id, target_id, self.org.region
                    ),
                    depends_on=attached,
                    aliases=self._was.aliases(detach_full_access_node, self._was.target(target)),
                )
            )

    # -- shares -------------------------------------------------------------------------------

    def _share(self, share: Share) -> None:
        owner = self.spec.accounts[share.owner]
        account = MANAGEMENT if owner.id == self.org.management_account else owner.key
        provider = self._provider(account, share.owner_id, share.region)
        where = _Where(
            account=owner.key, account_id=share.owner_id, region=share.region, provider=provider
        )
        name = share_node(share.key)
        self._add(
            Node(
                kinds.RESOURCE_SHARE,
                name,
                **where,
                # No `permission_arns`: it forces a replacement (a new ARN, every consumer cut
                # off until re-associated). Each type's permission is its own node, changed in
                # place; the ignore keeps stacks that sent it from a replacement.
                inputs={
                    "name": share.name,
                    "allow_external_principals": share.allow_external,
                    "tags": {**share.tags, **MANAGED_BY},
                },
                ignore_changes=("permissionArns",),
                protect=share.protect,
                aliases=self._was.aliases(share_node, self._was.share(share.key)),
            )
        )
        permission_of_type = self._share_permissions(share, where)
        for resource in share.resources:
            self._add(
                Node(
                    kinds.RESOURCE_ASSOCIATION,
                    resource_association_node(share.key, resource.arn),
                    **where,
                    inputs={"resource_arn": resource.arn, "resource_share_arn": Ref(name, "arn")},
                    # a resource joins the share once its type's permission is the spec's
                    depends_on=(permission_of_type[resource.resource_type],),
                    note=capacity_note(resource, share.owner, share.billing_owner),
                    # a protected share's consumers are not cut off by deleting an association
                    # first (Pulumi deletes dependents before what they depend on)
                    protect=share.protect,
                    aliases=self._was.aliases(
                        resource_association_node, self._was.share(share.key), (resource.arn,)
                    ),
                )
            )
        for principal in share.principals:
            needs_org_sharing = principal.kind in (PrincipalKind.ORGANIZATION, PrincipalKind.UNIT)
            self._add(
                Node(
                    kinds.PRINCIPAL_ASSOCIATION,
                    principal_node(share.key, principal.target),
                    **where,
                    inputs={
                        "principal": self._principal(principal),
                        "resource_share_arn": Ref(name, "arn"),
                    },
                    depends_on=(RAM_ORG_SHARING,) if needs_org_sharing else (),
                    protect=share.protect,
                    aliases=self._was.aliases(
                        principal_node,
                        self._was.share(share.key),
                        self._was.target(principal.target),
                    ),
                )
            )
        self._billing(share, where)

    def _billing(self, share: Share, where: _Where) -> None:
        """Who pays for the unused part of the share's reservations (`billing_owner`): the
        owner requests it once the share reaches the billing owner, and the billing owner
        accepts (trainshare.plan.capacity)."""
        if share.billing_owner is None:
            return
        payer = self.spec.accounts[share.billing_owner]
        payer_id: Value = payer.id or Ref(account_node(payer.key), "id")
        prefix = share_node(share.key) + "/"
        shared = tuple(
            n.name
            for n in self.nodes
            if n.name.startswith(prefix)
            and n.kind in (kinds.RESOURCE_ASSOCIATION, kinds.PRINCIPAL_ASSOCIATION)
        )
        for resource in share.resources:
            if resource.resource_type != CAPACITY_TYPE or not billing_applies(resource):
                continue
            reservation = resource.arn.rsplit("/", 1)[-1]
            assign = billing_node(share.key, reservation, "assign")
            self._add(
                Node(
                    kinds.COMMAND,
                    assign,
                    account=where["account"],
                    account_id=where["account_id"],
                    region=where["region"],
                    inputs=assign_billing_inputs(reservation, payer_id, self._command_where(where)),
                    depends_on=shared,
                    note=f"{payer.key} pays for the unused part of {reservation} once it accepts "
                    "(a request expires after 12 hours)",
                    aliases=self._was.aliases(
                        billing_node, self._was.share(share.key), (reservation,), ("assign",)
                    ),
                )
            )
            self._add(
                Node(
                    kinds.COMMAND,
                    billing_node(share.key, reservation, "accept"),
                    account=payer.key,
                    account_id=payer.id,
                    region=share.region,
                    inputs=accept_billing_inputs(
                        reservation, self._payer_where(payer, share.region)
                    ),
                    depends_on=(assign,),
                    aliases=self._was.aliases(
                        billing_node, self._was.share(share.key), (reservation,), ("accept",)
                    ),
                )
            )

    def _payer_where(self, payer: Account, region: str) -> dict[str, Value]:
        """Where the billing owner's acceptance runs: its own account, through its provider's
        role where it has one, else through its `access_role` (the organization's unless the
        account names its own), with its external ID and session name."""
        if payer.id == self.org.management_account:
            return where_inputs(region, None)
        provider = self.providers.get((payer.id, region)) if payer.id else None
        if provider is not None:
            return self._command_where(
                _Where(account=payer.key, account_id=payer.id, region=region, provider=provider)
            )
        role_name = payer.access_role or self.org.access_role
        prefix, suffix = role_arn_around_account(self.org.partition, role_name)
        role: Value = (
            role_arn(self.org.partition, payer.id, role_name)
            if payer.id
            else Join((prefix, Ref(account_node(payer.key), "id"), suffix))
        )
        return {
            **where_inputs(
                region, None, payer.session_name or SESSION_NAME, payer.external_id or ""
            ),
            "TRAINSHARE_ROLE_ARN": role,
        }

    def _share_permissions(self, share: Share, where: _Where) -> dict[str, str]:
        """One command per resource type that keeps the spec's permission on the share (see
        `trainshare.plan.commands`); resource type → its node's name."""
        catalog = load_catalog()
        partition = self.org.partition
        out: dict[str, str] = {}
        for permission in share.permissions:
            found = catalog.permission(permission)
            assert found is not None  # validated
            rtype = catalog.resource_types[found.resource_type]
            node = share_permission_node(share.key, rtype.name)
            self._add(
                Node(
                    kinds.COMMAND,
                    node,
                    **_local(where),
                    inputs=ram_permission_inputs(
                        Ref(share_node(share.key), "arn"),
                        permission_arn(permission, partition),
                        [permission_arn(p, partition) for p in rtype.permissions],
                        [r.arn for r in share.resources if r.resource_type == rtype.name],
                        self._command_where(where),
                    ),
                    aliases=self._was.aliases(
                        share_permission_node, self._was.share(share.key), (rtype.name,)
                    ),
                )
            )
            out[rtype.name] = node
        return out

    def _command_where(self, where: _Where) -> dict[str, Value]:
        """A command's account and Region: the role the owner's provider assumes, if any."""
        provider = self._provider_nodes.get(where["provider"] or "")
        roles: Any = provider.inputs.get("assume_roles") if provider else None
        if not roles:
            return where_inputs(where["region"], None)
        role = roles[-1]  # the owner's own role: the last of a chain
        return where_inputs(
            where["region"],
            str(role["role_arn"]),
            str(role.get("session_name") or SESSION_NAME),
            str(role.get("external_id") or ""),
        )

    # -- policy shares ------------------------------------------------------------------------

    def _resource_policy(self, policy: ManagedPolicy) -> None:
        """The resource's one policy, written with its owner's provider in its Region."""
        catalog = load_catalog()
        ptype = catalog.policy_share_types[policy.resource_type]
        arn = parse_arn(policy.arn)
        assert arn is not None
        owner = self.spec.accounts[policy.owner]
        account = MANAGEMENT if owner.id == self.org.management_account else owner.key
        provider = self._provider(account, policy.owner_id, policy.region)
        name = ptype.resource_name(arn)
        composed = compose(self.spec, catalog, policy, _PlanIds(self.spec))
        document = document_value(composed)
        longest = worst_case_length(document)
        if longest > ptype.max_chars:
            raise PlanError(
                f"{policy.arn}: the policy composed from shares {', '.join(policy.shares)} can "
                f"reach {longest:,} characters with the longest IDs AWS issues; "
                f"{ptype.name} accepts {ptype.max_chars:,} — grant fewer OU paths or accounts "
                "per resource (a parent OU covers its children), or split the data across "
                "resources"
            )
        node_name = resource_policy_node(ptype.service, policy.owner_id, policy.region, name)
        where = _Where(
            account=owner.key, account_id=policy.owner_id, region=policy.region, provider=provider
        )
        keeper = keep_policy_node(node_name)
        self._add(
            Node(
                kinds.COMMAND,
                keeper,
                **_local(where),
                inputs=keep_policy_inputs(
                    ptype, name, *_kept(ptype, policy, composed), self._command_where(where)
                ),
            )
        )
        legacy = legacy_resource_policy_node(ptype.service, name)
        # Kept on delete: deleting a resource policy leaves the resource with none (a KMS key
        # with AWS's default), so the owner's statements and the perimeter would go with it,
        # and a replacement would leave a window with no policy at all.
        self._add(
            Node(
                ptype.pulumi_type,
                node_name,
                **where,
                inputs={ptype.name_input: name, ptype.policy_input: document},
                depends_on=(keeper,),  # the policy found is recorded before it is replaced
                retain_on_delete=True,
                aliases=(legacy,) if self._legacy_names[legacy] == 1 else (),
            )
        )

    def _principal(self, principal: Principal) -> Value:
        """Account → its ID; OU → its ARN; organization → its ARN (RAM API: Principals)."""
        if principal.kind is PrincipalKind.ORGANIZATION:
            return Ref(ORGANIZATION, "arn")
        if principal.kind is PrincipalKind.UNIT:
            unit = self.spec.units[principal.target]
            if unit.id is None:
                return Ref(unit_node(unit.path), "arn")
            prefix = ou_arn_prefix(self.org.partition, self.org.management_account)
            return Join((prefix, Ref(ORGANIZATION, "id"), f"/{unit.id}"))
        if principal.kind is PrincipalKind.ACCOUNT:
            account: Account = self.spec.accounts[principal.target]
            return account.id if account.id else Ref(account_node(account.key), "id")
        return principal.target


def _arrival(spec: Spec) -> defaultdict[str, tuple[str, ...]]:
    """Per OU path (or root): what must be in place before an account arrives there — the
    guardrails attached to it and to every level above it, the FullAWSAccess detach of each,
    and the shares that name the OU itself. An account moved (or created) before them would
    sit in the OU without its guardrails, or without what it was moved there to use."""
    guarding: defaultdict[str, list[str]] = defaultdict(list)
    for guardrail in spec.guardrails.values():
        if not gates_arrival(guardrail):
            continue
        for target in guardrail.targets:
            guarding[target].append(attachment_node(guardrail.key, target, guardrail.type))
    for unit in spec.units.values():
        if not unit.full_aws_access:
            guarding[unit.path].append(detach_full_access_node(unit.path))
    shared: defaultdict[str, list[str]] = defaultdict(list)
    for share in spec.shares.values():
        if share.kind is ShareKind.RAM:
            for principal in share.principals:
                if principal.kind is PrincipalKind.UNIT:
                    shared[principal.target].append(principal_node(share.key, principal.target))
    above: dict[str, tuple[str, ...]] = {ROOT: tuple(guarding[ROOT])}
    arrival: defaultdict[str, tuple[str, ...]] = defaultdict(tuple, {ROOT: above[ROOT]})
    for path, unit in spec.units.items():  # parents before children
        above[path] = (*above[unit.parent], *guarding[path])
        arrival[path] = (*above[path], *shared[path])
    return arrival


def _local(where: _Where) -> _Where:
    """Where a command runs: the owner's account and Region, on the deployer's machine (no
    provider: it assumes the owner's role itself)."""
    return _Where(
        account=where["account"],
        account_id=where["account_id"],
        region=where["region"],
        provider=None,
    )


def _kept(
    ptype: PolicyShareType, policy: ManagedPolicy, composed: dict[str, Any]
) -> tuple[list[str], str]:
    """The Sids trainshare writes on the resource, and the document to leave there when it
    stops managing a policy it found none of: the owner's statements (for a key, with the
    statement that lets the owner administer it), or "" (no policy) when there are none."""
    statements = composed["Statement"]
    owners = (1 if ptype.owner_statement else 0) + len(policy.extra_statements)
    own = [str(s["Sid"]) for s in statements[owners:] if "Sid" in s]
    if ptype.owner_statement:
        own.insert(0, ptype.owner_statement[0])
    kept = statements[:owners]
    keep = json.dumps({"Version": "2012-10-17", "Statement": kept}, separators=(",", ":"))
    return own, keep if kept else ""


def _legacy_policy_names(spec: Spec) -> Counter[str]:
    """How many managed policies each pre-Region name would cover: only a name that stood for
    one resource is aliased (two would claim one old resource)."""
    catalog = load_catalog()
    names: Counter[str] = Counter()
    for policy in spec.managed_policies.values():
        ptype = catalog.policy_share_types[policy.resource_type]
        arn = parse_arn(policy.arn)
        assert arn is not None
        names[legacy_resource_policy_node(ptype.service, ptype.resource_name(arn))] += 1
    return names


class _PlanIds:
    """IDs in resource policies as the plan knows them: literals, or refs to deploy time."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec

    def org_id(self) -> Id:
        return Ref(ORGANIZATION, "id")

    def root_id(self) -> Id:
        return Ref(ORGANIZATION, "roots[0].id")

    def unit_id(self, path: str) -> Id:
        unit = self.spec.units[path]
        return unit.id or Ref(unit_node(path), "id")

    def account_id(self, key: str) -> Id:
        account = self.spec.accounts[key]
        return account.id or Ref(account_node(key), "id")
