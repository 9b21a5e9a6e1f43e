"""An organization without all features (consolidated billing only): the spec says so with
`organization.feature_set`; what needs all features is a located error with the way to enable
them; the plan sends the feature set; audit and access read such an organization as it is (no
SCP applies there)."""

from __future__ import annotations

import dataclasses
import textwrap

import pytest

from tests.unit.test_access_snapshot import OU_ML, ROOT, effects, snapshot
from trainshare.access import Effect
from trainshare.audit import diff
from trainshare.errors import Severity, SpecError
from trainshare.plan import build_plan, kinds
from trainshare.snapshot import Account, Unit
from trainshare.spec import SpecBuilder, load_spec

CR = "arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-0123456789abcdef0"
ENABLE = (
    "enable all features (`aws organizations enable-all-features` with the management "
    "account's credentials; every member account approves), then set "
    "organization.feature_set: ALL"
)
WHERE = "needs all features: the organization has feature set CONSOLIDATED_BILLING"


def spec_text(org_extra: str = "", body: str = "") -> str:
    return textwrap.dedent(f"""\
        version: 1
        organization:
          management_account: "111111111111"
          feature_set: CONSOLIDATED_BILLING
        {org_extra}
        units:
          ml: {{}}
        accounts:
          owner: {{id: "222222222222", email: o@example.com, unit: ml}}
          team: {{id: "333333333333", unit: ml}}
        """) + textwrap.dedent(body)


SHARE = f"""\
shares:
  gpus:
    owner: owner
    resources: ["{CR}"]
    principals: [{{principals}}]
"""


@pytest.mark.parametrize(
    ("org_extra", "body", "field", "line", "what"),
    [
        (
            "  trusted_services: [backup.amazonaws.com]",
            "",
            "organization.trusted_services[0]",
            5,
            "trusted access for backup.amazonaws.com",
        ),
        (
            "",
            "guardrails:\n  no-leave: {template: deny-leave-organization, targets: [ml]}\n",
            "guardrails.no-leave",
            12,
            "the guardrail no-leave (an Organizations policy)",
        ),
        (
            "",
            SHARE.replace("{principals}", "ml"),
            "shares.gpus.principals[0]",
            15,
            "sharing gpus with ml (RAM sharing with AWS Organizations)",
        ),
        (
            "",
            SHARE.replace("{principals}", "root"),
            "shares.gpus.principals[0]",
            15,
            "sharing gpus with root (RAM sharing with AWS Organizations)",
        ),
    ],
    ids=["trusted access", "guardrail", "share with an OU", "share with the organization"],
)
def test_what_needs_all_features_is_a_located_error(write_spec, org_extra, body, field, line, what):
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(spec_text(org_extra, body)))
    errors = [i for i in caught.value.issues if i.severity is Severity.ERROR]
    assert [(e.code, e.location.path, e.location.line) for e in errors] == [
        ("NEEDS_ALL_FEATURES", field, line)
    ]
    assert errors[0].message == f"{what} {WHERE} (organization.feature_set)"
    assert errors[0].fix == ENABLE


def test_an_opt_out_is_reported_where_the_unit_asks_for_it(write_spec):
    text = spec_text().replace("  ml: {}", "  ml: {ai_services_opt_out: all}")
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(text))
    errors = [i for i in caught.value.issues if i.severity is Severity.ERROR]
    assert [(e.code, e.location.path) for e in errors] == [
        ("NEEDS_ALL_FEATURES", "units.ml.ai_services_opt_out")
    ]


def test_accounts_ous_and_shares_with_accounts_plan_without_all_features(write_spec):
    spec = load_spec(write_spec(spec_text(body=SHARE.replace("{principals}", "team"))))
    assert spec.organization.feature_set == "CONSOLIDATED_BILLING"
    found = {n.kind for n in build_plan(spec).nodes}
    assert kinds.SHARING_WITH_ORGANIZATION not in found and kinds.POLICY not in found
    assert {kinds.ACCOUNT, kinds.ORGANIZATIONAL_UNIT, kinds.RESOURCE_SHARE} <= found


def test_a_created_organization_gets_the_spec_s_feature_set(write_spec):
    text = spec_text().replace("feature_set:", "create: true\n  feature_set:")
    organization = build_plan(load_spec(write_spec(text)))["organization"]
    assert organization.inputs["feature_set"] == "CONSOLIDATED_BILLING"


def _live(feature_set: str):
    units = [Unit(OU_ML, "ml", ROOT)]
    return dataclasses.replace(snapshot(units, [], [], []), feature_set=feature_set, policies=())


def test_audit_reports_a_spec_that_needs_all_features_in_an_org_without_them(write_spec):
    text = "version: 1\norganization: {management_account: '111111111111'}\nunits: {ml: {}}\n"
    text += "guardrails:\n  no-leave: {template: deny-leave-organization, targets: [ml]}\n"
    report = diff(load_spec(write_spec(text)), _live("CONSOLIDATED_BILLING"))
    found = [(f.code, f.message) for f in report.findings if f.code.startswith("ALL_FEATURES")]
    assert found == [
        (
            "ALL_FEATURES_DISABLED",
            "the organization has feature set CONSOLIDATED_BILLING, and the spec needs all "
            "features for: guardrail no-leave",
        )
    ]
    assert not any(f.code == "LEVEL_WITHOUT_ALLOW" for f in report.findings)


def test_audit_says_when_the_organization_has_all_features_now(write_spec):
    text = spec_text()
    report = diff(load_spec(write_spec(text)), _live("ALL"))
    found = [f for f in report.findings if f.code.startswith("ALL_FEATURES")]
    assert [(f.code, f.severity) for f in found] == [("ALL_FEATURES_ENABLED", Severity.WARNING)]


def test_access_without_all_features_has_no_scp_level_to_pass():
    """No FullAWSAccess is attached anywhere (there are no SCPs): the share still works."""
    units = [Unit(OU_ML, "ml", ROOT)]
    accounts = [Account("333333333333", "team", "t@example.com", "ACTIVE", OU_ML)]
    live = snapshot(units, accounts, [], ["333333333333"])
    without = dataclasses.replace(live, feature_set="CONSOLIDATED_BILLING", policies=())
    assert effects(without) == {"333333333333": Effect.ALLOW}
    assert effects(dataclasses.replace(without, feature_set="ALL")) == {
        "333333333333": Effect.IMPLICIT_DENY
    }


def test_the_builder_writes_the_feature_set():
    spec = SpecBuilder("111111111111", feature_set="CONSOLIDATED_BILLING").build()
    assert spec.organization.feature_set == "CONSOLIDATED_BILLING"
