"""The audit's view of policies beyond SCPs, on hand-made snapshots: matched by type and name,
a type not enabled on the root reported, sizes judged against each type's limit."""

from __future__ import annotations

import dataclasses
import textwrap

from trainshare.audit import diff
from trainshare.policy import minify
from trainshare.snapshot import Policy, Snapshot
from trainshare.spec import Guardrail, load_spec

TAGS = minify({"tags": {"team": {"tag_key": {"@@assign": "team"}}}})
ROOT = "r-ab12"
FULL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'


def live(*policies: Policy, types: tuple[str, ...] | None = ("SERVICE_CONTROL_POLICY",)):
    return Snapshot(
        management_account="111111111111",
        organization_id="o-exampleorg1",
        organization_arn="arn:aws:organizations::111111111111:organization/o-exampleorg1",
        feature_set="ALL",
        root_id=ROOT,
        units=(),
        accounts=(),
        policies=(
            Policy("p-FullAWSAccess", "FullAWSAccess", FULL, True, (ROOT,)),
            *policies,
        ),
        service_access=(),
        shares=(),
        owners_read=(),
        root_policy_types=types,
    )


def spec_with_tag_policy(write_spec):
    spec = load_spec(
        write_spec(
            textwrap.dedent("""\
            version: 1
            organization: {management_account: "111111111111"}
            """)
        )
    )
    tag = Guardrail(
        key="team-tag",
        name="team-tag",
        description="d",
        document=TAGS,
        targets=("root",),
        template=None,
        type="tag",
    )
    return dataclasses.replace(spec, guardrails={"team-tag": tag})


def codes(report):
    return [(f.code, f.message) for f in report.findings]


def test_a_type_not_enabled_on_the_root_is_a_finding(write_spec):
    report = diff(spec_with_tag_policy(write_spec), live())
    assert codes(report) == [
        (
            "POLICY_TYPE_DISABLED",
            "the spec has guardrails of type tag (team-tag), but TAG_POLICY is not enabled on "
            "the root of o-exampleorg1",
        )
    ]
    assert [(d.object, d.detail) for d in report.drift] == [("tag", "no tag policy named team-tag")]


def test_a_snapshot_from_before_types_were_read_reports_no_type(write_spec):
    report = diff(spec_with_tag_policy(write_spec), live(types=None))
    assert codes(report) == []


def test_an_scp_of_the_same_name_is_not_the_tag_policy(write_spec):
    scp = Policy("p-aaaaaaaa", "team-tag", TAGS, False, (ROOT,))
    report = diff(
        spec_with_tag_policy(write_spec), live(scp, types=("SERVICE_CONTROL_POLICY", "TAG_POLICY"))
    )
    assert [(d.object, d.detail) for d in report.drift] == [("tag", "no tag policy named team-tag")]


def test_the_matching_tag_policy_is_clean_and_its_size_judged_by_its_own_limit(write_spec):
    tag = Policy("p-bbbbbbbb", "team-tag", TAGS, False, (ROOT,), "TAG_POLICY")
    types = ("SERVICE_CONTROL_POLICY", "TAG_POLICY")
    assert diff(spec_with_tag_policy(write_spec), live(tag, types=types)).findings == []
    big = '{"tags":{"x":{"tag_value":{"@@assign":["' + "v" * 9100 + '"]}}}}'
    other = Policy("p-cccccccc", "big", big, False, (), "TAG_POLICY")
    report = diff(spec_with_tag_policy(write_spec), live(tag, other, types=types))
    assert codes(report) == [
        ("POLICY_NEAR_SIZE_LIMIT", f"big is {len(big):,} of 10,000 characters")
    ]


def test_rcp_full_aws_access_does_not_count_as_an_scp_level(write_spec):
    """An RCP's Allow (RCPFullAWSAccess) is no SCP: a level whose only Allow is it is locked."""
    spec = spec_with_tag_policy(write_spec)
    spec = dataclasses.replace(spec, guardrails={})
    snapshot = live(
        Policy(
            "p-RCPFullAWSAccess",
            "RCPFullAWSAccess",
            '{"Statement":[{"Effect":"Allow"}]}',
            True,
            (ROOT,),
            "RESOURCE_CONTROL_POLICY",
        ),
    )
    snapshot = dataclasses.replace(snapshot, policies=snapshot.policies[1:])  # no FullAWSAccess
    assert [c for c, _ in codes(diff(spec, snapshot))] == ["LEVEL_WITHOUT_ALLOW"]
