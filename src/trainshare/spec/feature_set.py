"""What an organization without all features cannot hold (`organization.feature_set`).

An organization with the consolidated billing feature set has OUs and accounts, and moves
accounts between OUs, but no policies of any type, no trusted access for AWS services, and so
no RAM sharing with OUs or the organization (Organizations User Guide, "Feature sets":
orgs_getting-started_concepts.html#feature-set; RAM User Guide, "Enable resource sharing within
AWS Organizations": it needs all features). `trainshare import` writes `feature_set:
CONSOLIDATED_BILLING` for such an organization; each thing the spec then asks for that needs all
features is a located error with the way to enable them.
"""

from __future__ import annotations

from collections.abc import Collection

from trainshare.spec.issues import Collector
from trainshare.spec.resolved import ALL_FEATURES, PrincipalKind, ShareKind, Spec
from trainshare.yamlsource import Path_

ENABLE = (
    "enable all features (`aws organizations enable-all-features` with the management "
    "account's credentials; every member account approves), then set "
    "organization.feature_set: ALL"
)


def check_feature_set(out: Collector, spec: Spec, declared: Collection[str] = ()) -> None:
    """NEEDS_ALL_FEATURES at each guardrail, trusted service, detached FullAWSAccess and
    principal that is an OU or the organization, when the spec's organization lacks them.
    `declared`: the keys under `guardrails:`; the others come from a unit's
    `ai_services_opt_out`, where they are reported."""
    org = spec.organization
    if org.feature_set == ALL_FEATURES:
        return
    where = f"the organization has feature set {org.feature_set} (organization.feature_set)"

    def needs(path: Path_, what: str) -> None:
        out.add("NEEDS_ALL_FEATURES", path, f"{what} needs all features: {where}", ENABLE)

    for index, service in enumerate(org.trusted_services):
        needs(("organization", "trusted_services", index), f"trusted access for {service}")
    for key, guardrail in spec.guardrails.items():
        path: Path_ = ("guardrails", key)
        if key not in declared and guardrail.targets[0] in spec.units:
            path = ("units", *guardrail.targets[0].split("/"), "ai_services_opt_out")
        needs(path, f"the guardrail {key} (an Organizations policy)")
    for unit in spec.units.values():
        if not unit.full_aws_access:
            needs(
                ("units", *unit.path.split("/"), "full_aws_access"),
                f"detaching FullAWSAccess from {unit.path} (an SCP)",
            )
    for account in spec.accounts.values():
        if not account.full_aws_access:
            needs(
                ("accounts", account.key, "full_aws_access"),
                f"detaching FullAWSAccess from {account.key} (an SCP)",
            )
    for key, share in spec.shares.items():
        if share.kind is not ShareKind.RAM:
            continue
        for index, principal in enumerate(share.principals):
            if principal.kind in (PrincipalKind.ORGANIZATION, PrincipalKind.UNIT):
                needs(
                    ("shares", key, "principals", index),
                    f"sharing {key} with {principal.ref} (RAM sharing with AWS Organizations)",
                )
