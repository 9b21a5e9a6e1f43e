"""Guardrails against the live organization's policies: each guardrail's policy (by its type and
AWS name), its content and attachments, FullAWSAccess per level, the policy types the root has
enabled; and what the live policies say on their own (sizes near a limit, SCP levels that
allow nothing)."""

from __future__ import annotations

import json
from typing import Any

from trainshare.audit.diff.drift import Comparison, DriftKind, parsed
from trainshare.catalog import load_catalog
from trainshare.policy.model import PolicyDocument
from trainshare.policy.templates import ORG_ID_PLACEHOLDER
from trainshare.spec.resolved import CONSOLIDATED_BILLING

_SCP = "SERVICE_CONTROL_POLICY"


def _normal(content: str) -> Any:
    """A document as a JSON value, to compare two as AWS stores them (the text when it is not
    JSON)."""
    try:
        return json.loads(content)
    except json.JSONDecodeError:
        return content


def check_guardrails(audit: Comparison) -> None:
    """Each guardrail against the live policy of its type and AWS name; the drift object is
    the type's key (`scp`, `rcp`, `tag`, …) and `<key>-attachment`."""
    catalog = load_catalog()
    live_policies = audit.live.policies
    by_name = {(p.type, p.name): p for p in live_policies if not p.aws_managed}
    for key, guardrail in audit.spec.guardrails.items():
        ptype = catalog.policy_types[guardrail.type]
        label = ptype.label
        live = by_name.get((ptype.aws_name, guardrail.name))
        if live is None:
            audit.drift(
                DriftKind.MISSING, guardrail.type, key, f"no {label} named {guardrail.name}"
            )
            continue
        wanted_document = guardrail.document.replace(ORG_ID_PLACEHOLDER, audit.live.organization_id)
        if _normal(live.content) != _normal(wanted_document):
            audit.drift(
                DriftKind.CHANGED, guardrail.type, key, "its content differs from the spec's"
            )
        attachment = f"{guardrail.type}-attachment"
        wanted = {audit.target_id(t): t for t in guardrail.targets}
        for target_id, target in wanted.items():
            if target_id is not None and target_id not in live.targets:
                audit.drift(
                    DriftKind.MISSING,
                    attachment,
                    f"{key} → {target}",
                    f"not attached to {target_id}",
                )
        for target_id in sorted(set(live.targets) - set(wanted)):
            audit.drift(
                DriftKind.UNEXPECTED,
                attachment,
                f"{key} → {target_id}",
                "attached where the spec does not attach it",
            )
    _full_aws_access(audit)
    _policy_types(audit)


def _policy_types(audit: Comparison) -> None:
    """RCP_TYPE_DISABLED / POLICY_TYPE_DISABLED: the spec has policies of a type the root
    does not have enabled, so none of them can be attached (EnablePolicyType API reference).
    Skipped for snapshots taken before the root's policy types were read."""
    enabled = audit.live.root_policy_types
    if enabled is None:
        return
    catalog = load_catalog()
    guardrails = audit.spec.guardrails
    for kind in dict.fromkeys(g.type for g in guardrails.values()):
        ptype = catalog.policy_types[kind]
        if ptype.aws_name in enabled:
            continue
        names = sorted(k for k, g in guardrails.items() if g.type == kind)
        audit.find(
            "RCP_TYPE_DISABLED" if kind == "rcp" else "POLICY_TYPE_DISABLED",
            f"root {audit.live.root_id}",
            f"the spec has guardrails of type {kind} ({', '.join(names)}), but "
            f"{ptype.aws_name} is not enabled on the root of {audit.live.organization_id}",
        )


def _full_aws_access(audit: Comparison) -> None:
    """Each OU and account whose `full_aws_access` differs from whether AWS's FullAWSAccess is
    attached to it."""
    name = load_catalog().aws_managed("scp").name
    full = next(
        (p for p in audit.live.policies if p.name == name and p.aws_managed and p.type == _SCP),
        None,
    )
    if full is None:
        return
    spec = audit.spec
    levels = [(p, u.full_aws_access, audit.unit_ids.get(p)) for p, u in spec.units.items()]
    levels += [(k, a.full_aws_access, audit.account_ids.get(k)) for k, a in spec.accounts.items()]
    for level, wanted, target_id in levels:
        if target_id is None or wanted == (target_id in full.targets):
            continue
        detail = "attached, the spec detaches it" if not wanted else "detached"
        audit.drift(DriftKind.CHANGED, "full-aws-access", level, detail)


def check_live_levels(audit: Comparison) -> None:
    """Sizes near each type's limit; levels without an SCP that allows (SCPs only: the
    other types do not authorize requests level by level)."""
    catalog = load_catalog()
    live = audit.live
    attached: dict[str, list[PolicyDocument | None]] = {}
    for policy in live.policies:
        ptype = catalog.policy_type(policy.type)
        if policy.type == _SCP:
            document = parsed(policy.parsed)
            for target in policy.targets:
                attached.setdefault(target, []).append(document)
        if ptype is None or policy.aws_managed:
            continue
        limit = audit.spec.limits[ptype.max_chars]
        if len(policy.content) > 0.9 * limit:
            audit.find(
                "SCP_NEAR_SIZE_LIMIT" if policy.type == _SCP else "POLICY_NEAR_SIZE_LIMIT",
                f"policy {policy.id} ({policy.name})",
                f"{policy.name} is {len(policy.content):,} of {limit:,} characters",
            )
    levels = (
        [(live.root_id, "the root")]
        + [(u.id, f"OU {u.name} ({u.id})") for u in live.units]
        + [
            (a.id, f"account {a.name} ({a.id})")
            for a in live.accounts
            if a.id != live.management_account
        ]
    )
    if live.feature_set == CONSOLIDATED_BILLING:
        return  # no SCP applies without all features: no level can lack an allow
    for level_id, label in levels:
        docs = attached.get(level_id, [])
        if not any(d is not None and d.has_allow() for d in docs):
            audit.find(
                "LEVEL_WITHOUT_ALLOW",
                label,
                f"{label} has no SCP that allows anything: every request below it is denied",
            )
