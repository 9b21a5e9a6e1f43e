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

This module builds the organization, OUs, accounts and guardrails; plan/build_shares.py the
shares and resource policies; plan/build_base.py holds what both use (providers, `Where`).
"""

from __future__ import annotations

from collections import defaultdict

from trainshare.catalog import (
    load_catalog,
)
from trainshare.plan import kinds
from trainshare.plan.build_base import (
    ADOPTED_ACCOUNT_IGNORES,
    ADOPTED_UNIT_IGNORES,
    MANAGED_BY,
    MANAGEMENT,
    ORGANIZATION,
    RAM_ORG_SHARING,
    RAM_SERVICE,
)
from trainshare.plan.build_shares import ShareNodes, legacy_policy_names
from trainshare.plan.commands import (
    full_aws_access_inputs,
)
from trainshare.plan.graph import Mode, Node, Plan, Ref, Value, in_dependency_order
from trainshare.plan.names import (
    account_node,
    attachment_node,
    detach_full_access_node,
    policy_node,
    principal_node,
    service_access_node,
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
from trainshare.spec import (
    ROOT,
    Account,
    PrincipalKind,
    ShareKind,
    Spec,
    Unit,
)


def build_plan(spec: Spec) -> Plan:
    """The desired-state graph of `spec`, nodes in dependency order."""
    return _Builder(spec).build()


class _Builder(ShareNodes):
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
        self._legacy_names = legacy_policy_names(self.spec)
        for policy in self.spec.managed_policies.values():
            self._resource_policy(policy)
        return Plan(in_dependency_order(self.nodes))

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
                "feature_set": self.org.feature_set,
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


# what importers of plan.build read (the constants live in plan/build_base.py)
__all__ = ["ADOPTED_ACCOUNT_IGNORES", "MANAGED_BY", "ORGANIZATION", "RAM_SERVICE", "build_plan"]
