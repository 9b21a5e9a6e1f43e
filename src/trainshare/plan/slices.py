"""A plan deployed as several stacks: the organization's, and one per owner account and Region.

- `org`: everything the management account does for the organization — the organization (or
  its read), trusted access, RAM's org sharing, OUs, accounts, guardrails and their attachments.
- `owner:<account>/<region>`: one owner's RAM shares (with their associations and permission
  commands) and the resource policies it writes, in one Region; `owner:<account>` takes all of
  that owner's Regions.

Each slice holds the providers its nodes use. What an owner's nodes read from the org slice (an
OU's ARN, a created account's ID, the organization's ID) is the org stack's output
`REFS_OUTPUT`, keyed `<node>.<attr>` (`exported_refs`), which the owner stack reads through a
`StackReference`. Dependencies across slices are not recorded: the org stack deploys first, the
owners after it (in parallel with each other), so what an owner's association needs exists. One
consequence: an account moved into an OU can arrive there before that OU's shares do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from trainshare.errors import PlanError
from trainshare.plan import kinds
from trainshare.plan.graph import Node, Plan, Ref, refs_in
from trainshare.plan.names import is_billing_acceptance, share_node

ORG = "org"
REFS_OUTPUT = "trainshare_refs"
_OWNER_PREFIXES = (share_node(""), "policy/")
_PART = re.compile(r"^owner:(?P<account>[^/\s]+)(?:/(?P<region>[a-z0-9-]+))?$")


@dataclass(frozen=True)
class Part:
    """Which slice: the org's, or an owner's (account ID, and a Region or all of them)."""

    owner: str | None = None  # account ID; None for the org slice
    region: str | None = None

    def __str__(self) -> str:
        if self.owner is None:
            return ORG
        return f"owner:{self.owner}" + (f"/{self.region}" if self.region else "")

    def holds(self, node: Node) -> bool:
        """Whether `node` (not a provider) belongs to this slice."""
        if not is_owner_node(node):
            return self.owner is None
        return node.account_id == self.owner and self.region in (None, node.region)


def is_owner_node(node: Node) -> bool:
    """A share's node or a resource policy's: made in the owner's account. Not a billing
    owner's acceptance of a reservation's billing: it runs in the billing owner's account,
    which the org stack reaches through its access role (an owner stack's credentials do not),
    so the org slice holds it."""
    return node.name.startswith(_OWNER_PREFIXES) and not is_billing_acceptance(node.name)


def parse_part(text: str, plan: Plan, account_ids: dict[str, str]) -> Part:
    """`org`, or `owner:<account key or ID>[/<region>]` naming an owner of `plan`."""
    if text == ORG:
        return Part()
    match = _PART.match(text)
    if match is None:
        raise PlanError(
            f"part {text!r}: write 'org' or 'owner:<account>[/<region>]', e.g. "
            "owner:shared-services/us-east-1"
        )
    account = account_ids.get(match["account"], match["account"])
    part = Part(account, match["region"])
    if not any(part.holds(n) for n in plan.nodes if n.kind != kinds.PROVIDER):
        known = ", ".join(str(p) for p in owner_parts(plan)) or "none"
        raise PlanError(f"part {text!r}: that account owns nothing there; the owners are: {known}")
    return part


def owner_parts(plan: Plan) -> list[Part]:
    """Every owner slice of the plan, one per (account ID, Region), in plan order."""
    found = dict.fromkeys(
        Part(n.account_id, n.region) for n in plan.nodes if is_owner_node(n) and n.account_id
    )
    return list(found)


def stack_name(part: Part) -> str:
    """The stack `trainshare init --split` names for a slice: `org`, `owner-<id>-<region>`."""
    if part.owner is None:
        return ORG
    return f"owner-{part.owner}" + (f"-{part.region}" if part.region else "")


def all_parts(plan: Plan) -> list[Part]:
    """The org slice, then every owner slice: the order in which to deploy them."""
    return [Part(), *owner_parts(plan)]


def select(plan: Plan, part: Part) -> list[Node]:
    """The nodes of `part`, in plan order, with the providers they use."""
    chosen = [n for n in plan.nodes if n.kind != kinds.PROVIDER and part.holds(n)]
    used = {n.provider for n in chosen if n.provider}
    return [n for n in plan.nodes if n.name in used or n in chosen]


def exported_refs(plan: Plan) -> list[Ref]:
    """Every org-slice value an owner slice reads (exported under `str(ref)`, i.e.
    `<node>.<attr>`), sorted."""
    org = {n.name for n in plan.nodes if not is_owner_node(n) and n.kind != kinds.PROVIDER}
    found = {
        ref
        for node in plan.nodes
        if is_owner_node(node)
        for ref in refs_in(dict(node.inputs))
        if ref.node in org
    }
    return sorted(found, key=str)
