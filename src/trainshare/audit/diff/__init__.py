"""The live organization against the spec: drift (missing, unexpected, changed) and findings.

Objects are matched by what trainshare names them (DESIGN.md, "Names and tags on the AWS
side"): an OU by its path of names (or its ID where the spec gives one), an account by its key
as name (or ID), an SCP and a share by their keys. Pure: reads a Snapshot and a Spec.

One module a section of the comparison, run in this order (the tree's first: the others read
the live IDs it matches): `tree` (feature set, OUs, accounts), `trusted` (trusted access),
`guardrails` (policies of every type, FullAWSAccess), `ram_shares`, `resource_policies` (policy
shares), `stated_capacity`, the live policies on their own (`guardrails.check_live_levels`);
then the effective management policies (`audit.effective`).
"""

from __future__ import annotations

from collections.abc import Iterable

from trainshare.audit.diff.drift import AuditReport, Comparison, Drift, DriftKind
from trainshare.audit.diff.guardrails import check_guardrails, check_live_levels
from trainshare.audit.diff.ram_shares import check_shares
from trainshare.audit.diff.resource_policies import check_resource_policies
from trainshare.audit.diff.stated_capacity import check_stated_capacity
from trainshare.audit.diff.tree import check_accounts, check_feature_set, check_units
from trainshare.audit.diff.trusted import check_trusted_services
from trainshare.audit.effective import effective_findings
from trainshare.catalog import load_catalog, parse_arn
from trainshare.snapshot import Snapshot
from trainshare.spec import ShareKind, Spec

SECTIONS = (
    check_feature_set,
    check_units,
    check_accounts,
    check_trusted_services,
    check_guardrails,
    check_shares,
    check_resource_policies,
    check_stated_capacity,
    check_live_levels,
)


def diff(spec: Spec, snapshot: Snapshot) -> AuditReport:
    """Drift and findings of the live organization against the spec."""
    audit = Comparison(spec, snapshot)
    for section in SECTIONS:
        section(audit)
    report = audit.report
    report.findings += effective_findings(spec, snapshot, audit.account_ids, load_catalog())
    report.drift.sort(key=lambda d: (d.object, d.name, d.kind, d.detail))
    report.findings.sort(key=lambda f: (f.code, str(f.location), f.message))
    return report


def owners(spec: Spec, all_accounts: Iterable[str] = ()) -> set[tuple[str, str]]:
    """(account, Region) pairs whose shares the audit reads: each share's owner and Region, and
    with --all-accounts every account in every Region of the spec."""
    ram = [s for s in spec.shares.values() if s.kind is ShareKind.RAM]
    pairs = {(s.owner_id, s.region) for s in ram}
    regions = {s.region for s in ram} | {spec.organization.region}
    pairs |= {(a, r) for a in all_accounts for r in regions}
    return pairs


def policy_resources(spec: Spec) -> list[tuple[str, str, str, str]]:
    """(ARN, owner ID, Region, name) of every resource whose policy the spec owns."""
    catalog = load_catalog()
    out = []
    for policy in spec.managed_policies.values():
        ptype = catalog.policy_share_types[policy.resource_type]
        arn = parse_arn(policy.arn)
        assert arn is not None
        out.append((policy.arn, policy.owner_id, policy.region, ptype.resource_name(arn)))
    return out


__all__ = ["AuditReport", "Drift", "DriftKind", "diff", "owners", "policy_resources"]
