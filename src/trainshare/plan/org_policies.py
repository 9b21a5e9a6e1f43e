"""Organizations policies of every type in the plan: which types to enable, how, in what order.

- A policy of a type attaches only once the type is enabled on the root (EnablePolicyType API
  reference). A created organization enables them through `enabled_policy_types` (pulumi_aws has
  no other resource for it); an adopted one through a command per type, kept on delete:
  DisablePolicyType detaches every policy of the type, the organization's own included
  (orgs_manage_policies_enable-disable), which is never what removing a guardrail means.
  Assumption: SCPs are already enabled on an adopted organization (`audit` says when not).
- EnablePolicyType is asynchronous: the command waits until the root lists the type ENABLED.
- Resource control policies attach from the bottom of the tree up — accounts, then OUs from the
  deepest, then the root — as AWS advises for untested RCPs (orgs_manage_policies_rcps: "test
  … on individual accounts … then OUs"); an attachment failing stops those wider than it.
- A type's required trusted access (catalog `trusted_access.required`) is enabled with the
  organization's other trusted services.
- `${org_id}` in a document (a template's placeholder when the spec does not name
  `organization.id`) becomes the organization's ID at deploy time.
"""

from __future__ import annotations

from trainshare.catalog import PolicyType, load_catalog
from trainshare.plan.commands import ASSUME, where_inputs
from trainshare.plan.graph import Join, Ref, Value
from trainshare.policy.templates import ORG_ID_PLACEHOLDER
from trainshare.spec import ROOT, Guardrail, Spec

SCP = "scp"
RCP = "rcp"

# The script of `enable-policy-type`: with the stack's credentials and role chain, enable,
# accept "already enabled", wait for ENABLED.
ENABLE_POLICY_TYPE = (
    ASSUME
    + """\
status() {
  aws organizations list-roots \\
    --query "Roots[0].PolicyTypes[?Type=='$TRAINSHARE_POLICY_TYPE'].Status" --output text
}
if [ "$(status)" != "ENABLED" ]; then
  out=$(aws organizations enable-policy-type --root-id "$TRAINSHARE_ROOT_ID" \\
      --policy-type "$TRAINSHARE_POLICY_TYPE" 2>&1) \\
    || { echo "$out" | grep -q PolicyTypeAlreadyEnabledException || { echo "$out" >&2; exit 1; }; }
  tries=0
  until [ "$(status)" = "ENABLED" ]; do
    tries=$((tries + 1)); [ "$tries" -le 60 ] || { echo "still not ENABLED" >&2; exit 1; }
    sleep 2
  done
fi
"""
)


def policy_types_used(spec: Spec) -> list[PolicyType]:
    """The catalog types of the spec's guardrails, in catalog order."""
    used = {g.type for g in spec.guardrails.values()}
    return [t for key, t in load_catalog().policy_types.items() if key in used]


def enabled_policy_types(spec: Spec) -> list[str]:
    """`enabled_policy_types` of a created organization: every type a guardrail has."""
    return sorted(t.aws_name for t in policy_types_used(spec))


def required_trusted_access(spec: Spec) -> list[str]:
    """Service principals the spec's policy types need trusted access for."""
    return sorted({p for t in policy_types_used(spec) for p in t.trusted_access_required})


def enable_type_node(aws_name: str) -> str:
    return f"policy-type/{aws_name}"


def enable_type_inputs(aws_name: str, root_id: Value, region: str) -> dict[str, Value]:
    """The Command inputs that enable `aws_name` on the root (management credentials)."""
    return {
        "create": ENABLE_POLICY_TYPE,
        "environment": {
            "TRAINSHARE_ACTION": "enable-policy-type",
            **where_inputs(region, None),
            "TRAINSHARE_ROOT_ID": root_id,
            "TRAINSHARE_POLICY_TYPE": aws_name,
        },
    }


def adopted_types_to_enable(spec: Spec) -> list[PolicyType]:
    """On an adopted organization: every used type but SCPs (assumed enabled already)."""
    return [t for t in policy_types_used(spec) if t.key != SCP]


def content_value(guardrail: Guardrail, org_id: Ref) -> Value:
    """The document as sent; a `${org_id}` left in it becomes the organization's ID."""
    if ORG_ID_PLACEHOLDER not in guardrail.document:
        return guardrail.document
    parts: list[str | Ref] = []
    for index, piece in enumerate(guardrail.document.split(ORG_ID_PLACEHOLDER)):
        if index:
            parts.append(org_id)
        if piece:
            parts.append(piece)
    return Join(tuple(parts))


def _depth(spec: Spec, target: str) -> int:
    """0 for the root, an OU's depth, an account's OU depth + 1."""
    if target == ROOT:
        return 0
    unit = spec.units.get(target)
    if unit is not None:
        return unit.depth
    account = spec.accounts[target]
    return 1 if account.unit == ROOT else spec.units[account.unit].depth + 1


def attach_order(spec: Spec, guardrail: Guardrail) -> dict[str, tuple[str, ...]]:
    """Target → the targets of the same guardrail whose attachment must come first: for an RCP,
    those one level deeper (so the whole chain runs accounts → OUs → root); none otherwise."""
    if guardrail.type != RCP:
        return {target: () for target in guardrail.targets}
    by_depth: dict[int, list[str]] = {}
    for target in guardrail.targets:
        by_depth.setdefault(_depth(spec, target), []).append(target)
    depths = sorted(by_depth)
    order: dict[str, tuple[str, ...]] = {}
    for index, depth in enumerate(depths):
        deeper = by_depth[depths[index + 1]] if index + 1 < len(depths) else []
        for target in by_depth[depth]:
            order[target] = tuple(deeper)
    return {target: order[target] for target in guardrail.targets}


def gates_arrival(guardrail: Guardrail) -> bool:
    """Whether an account waits for this guardrail before arriving in its OU. Not for RCPs:
    they protect the resources an account holds, and a new account holds none; their
    bottom-up order needs the account there first."""
    return guardrail.type != RCP
