"""Trusted access in the audit (audit/diff/trusted.py): a service the spec enables and the
organization lacks is drift; one the organization has and the spec does not list is not.

Given a spec and a hand-made live organization, when they are diffed, then exactly the drift
line says which service lacks trusted access; each near miss reports nothing about it.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from trainshare.audit import diff
from trainshare.snapshot import Account, Snapshot, SnapshotError
from trainshare.spec import load_spec

ROOT = "r-ab12"
CR = "arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-0123456789abcdef0"
SPEC = """\
version: 1
organization:
  management_account: "111111111111"
  trusted_services: [backup.amazonaws.com, ram.amazonaws.com]
accounts:
  shared-services: {id: "222222222222"}
"""
WITH_OU_SHARE = f"""\
units:
  ml: {{id: ou-ab12-11111111}}
shares:
  gpu: {{owner: shared-services, resources: ['{CR}'], principals: [ml]}}
"""


def live(service_access, feature_set="ALL"):
    return Snapshot(
        management_account="111111111111",
        organization_id="o-exampleorg1",
        organization_arn="arn:aws:organizations::111111111111:organization/o-exampleorg1",
        feature_set=feature_set,
        root_id=ROOT,
        units=(),
        accounts=(Account("222222222222", "shared-services", "s@example.com", "ACTIVE", ROOT),),
        policies=(),
        service_access=tuple(service_access),
        shares=(),
        owners_read=(),
    )


def trusted_drift(report):
    return [d.render() for d in report.drift if d.object == "trusted-access"]


@pytest.fixture
def spec(write_spec):
    return load_spec(write_spec(SPEC))


def test_a_trusted_service_the_organization_lacks_is_missing(spec):
    report = diff(spec, live(["ram.amazonaws.com"]))
    assert [d.render() for d in report.drift] == [
        "missing    trusted-access    backup.amazonaws.com: not enabled in organization "
        "o-exampleorg1"
    ]
    assert report.to_json()["drift"] == [
        {
            "kind": "missing",
            "object": "trusted-access",
            "name": "backup.amazonaws.com",
            "detail": "not enabled in organization o-exampleorg1",
        }
    ]
    # near miss: both enabled
    assert diff(spec, live(["backup.amazonaws.com", "ram.amazonaws.com"])).drift == []


def test_a_trusted_service_the_spec_does_not_list_is_not_drift(spec):
    # trusted access may serve other tools; the plan never turns one off
    both = ["backup.amazonaws.com", "ram.amazonaws.com"]
    report = diff(spec, live([*both, "sso.amazonaws.com", "config.amazonaws.com"]))
    assert report.drift == []


def test_rams_trusted_access_is_left_to_ram_org_sharing_disabled(write_spec):
    # given a spec that shares with an OU and lists RAM, and an organization without RAM's
    spec = load_spec(write_spec(SPEC + textwrap.dedent(WITH_OU_SHARE)))
    report = diff(spec, live(["backup.amazonaws.com"]))
    # then RAM_ORG_SHARING_DISABLED says it, once, and no drift line repeats it
    assert trusted_drift(report) == []
    assert [f.code for f in report.findings].count("RAM_ORG_SHARING_DISABLED") == 1
    # near miss: without the OU share, RAM's trusted access is compared like any other
    plain = load_spec(write_spec(SPEC))
    assert trusted_drift(diff(plain, live(["backup.amazonaws.com"]))) == [
        "missing    trusted-access    ram.amazonaws.com: not enabled in organization o-exampleorg1"
    ]


def test_without_all_features_trusted_access_is_not_compared(spec):
    # the reader does not ask an organization without all features (it has no trusted access);
    # ALL_FEATURES_DISABLED names the trusted services the spec needs
    report = diff(spec, live([], feature_set="CONSOLIDATED_BILLING"))
    assert trusted_drift(report) == []
    assert [f.code for f in report.findings] == ["ALL_FEATURES_DISABLED"]
    assert "trusted access for backup.amazonaws.com" in report.findings[0].message


def test_a_snapshot_file_is_compared_as_it_was_written(spec, tmp_path):
    # every version-1 snapshot holds `service_access` (the audit has read it from the start): a
    # file read back compares like the snapshot written
    path = tmp_path / "snapshot.json"
    path.write_text(live(["ram.amazonaws.com"]).to_json())
    assert trusted_drift(diff(spec, Snapshot.read(path))) == [
        "missing    trusted-access    backup.amazonaws.com: not enabled in organization "
        "o-exampleorg1"
    ]
    # and one without it is refused by the schema, as before, naming the field
    document = json.loads(live([]).to_json())
    del document["service_access"]
    with pytest.raises(SnapshotError) as refused:
        Snapshot.from_json(json.dumps(document), "old.json")
    assert str(refused.value) == "old.json: service_access: Field required"


def test_with_organization_create_a_service_beyond_the_list_is_unexpected(write_spec):
    # given a spec whose Organization resource holds the whole list (create: true)
    spec = load_spec(
        write_spec(SPEC.replace("trusted_services:", "create: true\n  trusted_services:"))
    )
    # when the organization has one more service enabled
    report = diff(spec, live(["backup.amazonaws.com", "ram.amazonaws.com", "sso.amazonaws.com"]))
    # then it is unexpected: `pulumi up` would turn it off
    assert trusted_drift(report) == [
        "unexpected trusted-access    sso.amazonaws.com: enabled in organization o-exampleorg1; "
        "the Organization resource turns it off on an update after a refresh "
        "(organization.create: true holds the whole list)"
    ]
    # near miss: exactly the list
    assert trusted_drift(diff(spec, live(["backup.amazonaws.com", "ram.amazonaws.com"]))) == []


def test_with_organization_create_rams_service_is_in_the_list_when_the_spec_shares_with_ous(
    write_spec,
):
    # the plan adds RAM to the Organization resource's list for shares with OUs
    text = SPEC.replace(
        "trusted_services: [backup.amazonaws.com, ram.amazonaws.com]", "create: true"
    )
    spec = load_spec(write_spec(text + textwrap.dedent(WITH_OU_SHARE)))
    assert trusted_drift(diff(spec, live(["ram.amazonaws.com"]))) == []
    # without them, RAM's trusted access is not in the list
    plain = load_spec(write_spec(text))
    assert trusted_drift(diff(plain, live(["ram.amazonaws.com"]))) == [
        "unexpected trusted-access    ram.amazonaws.com: enabled in organization o-exampleorg1; "
        "the Organization resource turns it off on an update after a refresh "
        "(organization.create: true holds the whole list)"
    ]
