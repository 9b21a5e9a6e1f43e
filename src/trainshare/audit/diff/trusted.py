"""Trusted access: each service the spec enables (`organization.trusted_services`, and those its
policy types require) against the organization's (ListAWSServiceAccessForOrganization,
`Snapshot.service_access`).

A service the spec enables and the organization lacks is missing. One the organization has
beyond the spec's list is drift only where trainshare holds the whole list: with
`organization.create: true` the Organization resource's `aws_service_access_principals` reads
every enabled service and disables those not in its list on an update after a refresh
(terraform-provider-aws internal/service/organizations/organization.go, resourceOrganizationRead
and resourceOrganizationUpdate; checked 2026-11-30). On an adopted organization trainshare
enables each service on its own (AwsServiceAccess), never turns one off, and keeps its own on
delete (plan/build.py): trusted access may predate trainshare and serve other tools, so an
extra one is not drift there. RAM's is left to RAM_ORG_SHARING_DISABLED where the spec shares
with OUs or the organization (audit/diff/ram_shares.py), as the plan leaves it to
SharingWithOrganization.
"""

from __future__ import annotations

from trainshare.audit.diff.drift import Comparison, DriftKind
from trainshare.plan.build_base import RAM_SERVICE
from trainshare.plan.org_policies import required_trusted_access
from trainshare.spec.resolved import ALL_FEATURES


def check_trusted_services(audit: Comparison) -> None:
    """A wanted service principal without trusted access is missing `trusted-access`; with
    `organization.create`, an enabled one the plan's list lacks is unexpected."""
    # The reader asks only an organization with all features (or of no stated feature set):
    # without them there is no trusted access to read, and ALL_FEATURES_DISABLED says so.
    live = audit.live
    if live.feature_set not in (ALL_FEATURES, ""):
        return
    spec = audit.spec
    wanted = {*spec.organization.trusted_services, *required_trusted_access(spec)}
    if spec.shares_with_org_units:  # RAM_ORG_SHARING_DISABLED reports it missing
        wanted.add(RAM_SERVICE)
    have = set(live.service_access)
    where = f"organization {live.organization_id}"
    for service in sorted(wanted - have):
        if service != RAM_SERVICE or not spec.shares_with_org_units:
            audit.drift(DriftKind.MISSING, "trusted-access", service, f"not enabled in {where}")
    if spec.organization.create:
        for service in sorted(have - wanted):
            audit.drift(
                DriftKind.UNEXPECTED,
                "trusted-access",
                service,
                f"enabled in {where}; the Organization resource turns it off on an update "
                "after a refresh (organization.create: true holds the whole list)",
            )
