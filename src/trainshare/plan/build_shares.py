"""The plan's share nodes: a RAM share with its associations and permissions, the billing
of its reservations, and the resource policy of each resource shared by policy (with the
command that keeps the policy it found).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from trainshare.catalog import (
    PolicyShareType,
    load_catalog,
    ou_arn_prefix,
    parse_arn,
    permission_arn,
    role_arn,
    role_arn_around_account,
)
from trainshare.catalog.capacity import load_capacity_kinds
from trainshare.errors import PlanError
from trainshare.plan import kinds
from trainshare.plan.build_base import (
    CAPACITY_TYPE,
    MANAGED_BY,
    MANAGEMENT,
    ORGANIZATION,
    RAM_ORG_SHARING,
    SESSION_NAME,
    BuilderBase,
    Where,
)
from trainshare.plan.capacity import (
    accept_billing_inputs,
    assign_billing_inputs,
    billing_applies,
    capacity_note,
)
from trainshare.plan.commands import (
    keep_policy_inputs,
    ram_permission_inputs,
    where_inputs,
)
from trainshare.plan.graph import Join, Node, Ref, Value
from trainshare.plan.names import (
    account_node,
    billing_node,
    keep_policy_node,
    legacy_resource_policy_node,
    principal_node,
    resource_association_node,
    resource_policy_node,
    share_node,
    share_permission_node,
    unit_node,
)
from trainshare.plan.resource_policies import Id, compose, document_value, worst_case_length
from trainshare.spec import (
    Account,
    ManagedPolicy,
    Principal,
    PrincipalKind,
    Share,
    Spec,
)


class ShareNodes(BuilderBase):
    _legacy_names: Counter[str]

    # -- shares -------------------------------------------------------------------------------

    def _share(self, share: Share) -> None:
        owner = self.spec.accounts[share.owner]
        account = MANAGEMENT if owner.id == self.org.management_account else owner.key
        provider = self._provider(account, share.owner_id, share.region)
        where = Where(
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

    def _billing(self, share: Share, where: Where) -> None:
        """Who pays for the unused part of the share's reservations (`billing_owner`): the
        owner requests it once the share reaches the billing owner, and the billing owner
        accepts (trainshare.plan.capacity)."""
        if share.billing_owner is None:
            return
        payer = self.spec.accounts[share.billing_owner]
        expiry_hours = load_capacity_kinds().billing_request_expiry.hours
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
                    f"(a request expires after {expiry_hours} hours)",
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
                Where(account=payer.key, account_id=payer.id, region=region, provider=provider)
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

    def _share_permissions(self, share: Share, where: Where) -> dict[str, str]:
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

    def _command_where(self, where: Where) -> dict[str, Value]:
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
        where = Where(
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


def _local(where: Where) -> Where:
    """Where a command runs: the owner's account and Region, on the deployer's machine (no
    provider: it assumes the owner's role itself)."""
    return Where(
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


def legacy_policy_names(spec: Spec) -> Counter[str]:
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
