"""What the plan builder's parts share: where a node goes (`Where`), the constants of the
graph, the providers (one per account and Region, assuming the account's role) and adding
nodes. The parts: plan/build.py (organization, OUs, accounts, guardrails) and
plan/build_shares.py (RAM shares, billing, policy shares).
"""

from __future__ import annotations

from typing import TypedDict

from trainshare.catalog import (
    role_arn,
)
from trainshare.plan import kinds
from trainshare.plan.graph import Node, Ref, Value
from trainshare.plan.names import (
    account_node,
    legacy_provider_node,
    provider_node,
    unit_node,
)
from trainshare.plan.renames import FormerNames
from trainshare.spec import (
    ROOT,
    Spec,
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


class Where(TypedDict):
    """Where a node is created: the account, its ID, the Region, and the provider node."""

    account: str
    account_id: str | None
    region: str
    provider: str | None


class BuilderBase:
    """The builder's state (the spec, the nodes so far, the providers by account and Region)
    and the helpers every part uses."""

    management_provider: str

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.org = spec.organization
        self.nodes: list[Node] = []
        self.providers: dict[tuple[str, str], str] = {}
        self._provider_nodes: dict[str, Node] = {}
        self._was = FormerNames(spec)

    # -- helpers ------------------------------------------------------------------------------

    def _add(self, node: Node) -> Node:
        self.nodes.append(node)
        if node.kind == kinds.PROVIDER:
            self._provider_nodes[node.name] = node
        return node

    def _mgmt(self) -> Where:
        return Where(
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
