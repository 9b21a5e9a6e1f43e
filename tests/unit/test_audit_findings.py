"""Audit findings on hand-made snapshots: an account the spec does not name, and RAM's
organization sharing switched off while the spec shares with OUs.

Given a spec and a live organization that differ in one way, when they are diffed, then exactly
that finding is reported, with its code, location and message; its near miss reports nothing.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace

from trainshare.audit import diff
from trainshare.snapshot import Account, Snapshot
from trainshare.spec import load_spec

ROOT = "r-ab12"
CR = "arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-0123456789abcdef0"
SPEC = f"""\
version: 1
organization: {{management_account: "111111111111"}}
units:
  ml: {{id: ou-ab12-11111111}}
accounts:
  shared-services: {{id: "222222222222", unit: ml}}
shares:
  gpu: {{owner: shared-services, resources: ['{CR}'], principals: [ml]}}
"""


def live(*, accounts=(), service_access=("ram.amazonaws.com",)):
    return Snapshot(
        management_account="111111111111",
        organization_id="o-exampleorg1",
        organization_arn="arn:aws:organizations::111111111111:organization/o-exampleorg1",
        feature_set="ALL",
        root_id=ROOT,
        units=(),
        accounts=(
            Account("222222222222", "shared-services", "s@example.com", "ACTIVE", ROOT),
            *accounts,
        ),
        policies=(),
        service_access=service_access,
        shares=(),
        owners_read=(),
    )


def found(report, code):
    return [
        (str(f.location), f.severity.value, f.message) for f in report.findings if f.code == code
    ]


def test_an_account_of_the_organization_not_in_the_spec_is_a_finding(write_spec):
    spec = load_spec(write_spec(textwrap.dedent(SPEC)))
    stray = Account("333333333333", "sandbox", "x@example.com", "ACTIVE", ROOT)
    assert found(diff(spec, live(accounts=(stray,))), "ACCOUNT_OUTSIDE_SPEC") == [
        (
            "account 333333333333 (sandbox)",
            "warning",
            "account sandbox (333333333333) is in the organization but not in the spec",
        )
    ]
    # near miss: the management account is never reported, though the spec need not list it
    assert found(diff(spec, live()), "ACCOUNT_OUTSIDE_SPEC") == []


def test_ram_organization_sharing_off_while_the_spec_shares_with_an_ou_is_a_finding(write_spec):
    spec = load_spec(write_spec(textwrap.dedent(SPEC)))
    assert found(diff(spec, live(service_access=())), "RAM_ORG_SHARING_DISABLED") == [
        (
            "organization o-exampleorg1",
            "error",
            "ram.amazonaws.com has no trusted access, so shares with OUs and the organization "
            "reach nobody",
        )
    ]
    assert found(diff(spec, live()), "RAM_ORG_SHARING_DISABLED") == []
    # a spec sharing only with accounts does not need it
    accounts_only = SPEC.replace("principals: [ml]", 'principals: ["111111111111"]')
    only = load_spec(write_spec(textwrap.dedent(accounts_only)))
    assert found(diff(only, live(service_access=())), "RAM_ORG_SHARING_DISABLED") == []


STATED = SPEC.replace(
    f"resources: ['{CR}']",
    f"region: us-east-1, resources: [{{arn: '{CR}', capacity: {{kind: on-demand, "
    "match: targeted}}]",
)


def test_every_stated_reservation_gone_is_reported_missing(write_spec):
    """A snapshot that read the reservations and found none (`capacity: ()`) reports each one
    the spec states; one that never read them (`capacity: None`, written before audit read
    reservations) reports nothing."""
    spec = load_spec(write_spec(textwrap.dedent(STATED)))
    read_none = replace(live(), capacity=())
    assert found(diff(spec, read_none), "CAPACITY_RESERVATION_MISSING") == [
        (
            "share gpu: cr-0123456789abcdef0",
            "error",
            f"{CR} is not a reservation of shared-services (222222222222) in us-east-1",
        )
    ]
    # near miss: not read at all
    assert live().capacity is None
    assert found(diff(spec, live()), "CAPACITY_RESERVATION_MISSING") == []


def test_a_created_account_is_found_by_its_aws_name_not_its_key(write_spec):
    """A key renamed with `name: <old key>` (README, "What each kind of edit does") keeps the
    live account: the audit looked it up by its new key, reported it missing and the live one
    outside the spec."""
    text = textwrap.dedent(SPEC).replace(
        "accounts:\n",
        "accounts:\n  vision: {email: v@example.com, name: team-vision, renamed_from: team-vision}\n",
    )
    assert "name: team-vision" in text
    spec = load_spec(write_spec(text))
    vision = Account("444444444444", "team-vision", "v@example.com", "ACTIVE", ROOT)
    report = diff(spec, live(accounts=(vision,)))
    assert [d.render() for d in report.drift if d.name == "vision"] == []
    assert found(report, "ACCOUNT_OUTSIDE_SPEC") == []
    # near miss: a live account of the key's name is not it
    other = Account("444444444444", "vision", "v@example.com", "ACTIVE", ROOT)
    missing = diff(spec, live(accounts=(other,)))
    assert [d.render() for d in missing.drift if d.name == "vision"] == [
        "missing    account           vision: a new account is not in the organization"
    ]
