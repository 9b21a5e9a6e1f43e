"""Policies of every type, end to end on the emulator: deployed by the real component (the RCP
type enabled by its command, the org's ID filled in), read back by the audit, clean; then the
live organization changed under it and the audit says how."""

from __future__ import annotations

import dataclasses
import json
import textwrap

import pytest

from trainshare.access.from_snapshot import model_from_snapshot
from trainshare.audit import ClientFactory, diff, read_snapshot
from trainshare.emulator.demo import deploy
from trainshare.emulator.world import seed_world
from trainshare.policy import minify
from trainshare.spec import Guardrail, load_spec

FENCE = minify(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EnforceOrgIdentities",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {
                    "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "${org_id}"},
                    "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
                },
            }
        ],
    }
)
TAGS = minify({"tags": {"team": {"tag_key": {"@@assign": "team"}}}})
BACKUP = minify({"plans": {"daily": {"regions": {"@@assign": ["us-east-1"]}}}})


def guardrail(key, document, targets, kind):
    return Guardrail(
        key=key,
        name=key,
        description=key,
        document=document,
        targets=targets,
        template=None,
        type=kind,
    )


@pytest.fixture
def deployed(emulator, write_spec):
    spec = load_spec(
        write_spec(
            textwrap.dedent("""\
            version: 1
            organization: {management_account: "111111111111"}
            units: {ml: {training: {}}}
            accounts:
              data: {id: "222222222222"}
            """)
        )
    )
    spec = dataclasses.replace(
        spec,
        guardrails={
            "fence": guardrail("fence", FENCE, ("root", "ml", "data"), "rcp"),
            "team-tag": guardrail("team-tag", TAGS, ("ml",), "tag"),
            "daily": guardrail("daily", BACKUP, ("ml/training",), "backup"),
        },
    )
    seed_world(emulator, spec)
    mocks, outputs = deploy(emulator, spec, lambda _: None)
    factory = ClientFactory(session=emulator.session(), endpoint_url=emulator.endpoint)
    return spec, mocks, outputs, factory


def test_deployed_policies_of_every_type_audit_clean(emulator, deployed):
    spec, _, outputs, factory = deployed
    snapshot = read_snapshot(spec, factory)
    assert set(snapshot.root_policy_types or ()) >= {
        "SERVICE_CONTROL_POLICY",
        "RESOURCE_CONTROL_POLICY",
        "TAG_POLICY",
        "BACKUP_POLICY",
    }
    by_name = {p.name: p for p in snapshot.policies}
    assert by_name["fence"].type == "RESOURCE_CONTROL_POLICY"
    condition = json.loads(by_name["fence"].content)["Statement"][0]["Condition"]
    assert condition["StringNotEqualsIfExists"]["aws:PrincipalOrgID"] == snapshot.organization_id
    assert by_name["RCPFullAWSAccess"].aws_managed  # attached everywhere once enabled
    assert len(by_name["RCPFullAWSAccess"].targets) == 1 + 2 + 2  # root, 2 OUs, 2 accounts
    assert by_name["team-tag"].type == "TAG_POLICY" and by_name["daily"].type == "BACKUP_POLICY"
    assert outputs["policy_ids"]["fence"] == by_name["fence"].id
    report = diff(spec, snapshot)
    assert report.drift == [] and report.findings == []
    # the SCP levels of the access model hold SCPs only
    model = model_from_snapshot(snapshot)
    levels = [*model.units.values(), *model.account_levels.values()]
    assert {p.name for level in levels for p in level.policies} == {"FullAWSAccess"}


def test_rcp_type_disabled_is_reported_with_the_missing_attachments(emulator, deployed):
    spec, _, _, factory = deployed
    org = emulator.client("organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    org.disable_policy_type(RootId=root, PolicyType="RESOURCE_CONTROL_POLICY")
    report = diff(spec, read_snapshot(spec, factory))
    assert [(f.code, f.location, f.message) for f in report.findings] == [
        (
            "RCP_TYPE_DISABLED",
            f"root {root}",
            "the spec has guardrails of type rcp (fence), but RESOURCE_CONTROL_POLICY is not "
            f"enabled on the root of {org.describe_organization()['Organization']['Id']}",
        )
    ]
    assert {d.object for d in report.drift} == {"rcp"}  # not read: the type is off
    assert [d.detail for d in report.drift] == ["no resource control policy named fence"]


def test_a_changed_tag_policy_and_an_extra_attachment_are_drift(emulator, deployed):
    spec, _, _, factory = deployed
    org = emulator.client("organizations")
    policy = next(
        p for p in org.list_policies(Filter="TAG_POLICY")["Policies"] if p["Name"] == "team-tag"
    )
    changed = minify({"tags": {"team": {"tag_key": {"@@assign": "Team"}}}})
    org.update_policy(PolicyId=policy["Id"], Content=changed)
    root = org.list_roots()["Roots"][0]["Id"]
    org.attach_policy(PolicyId=policy["Id"], TargetId=root)
    report = diff(spec, read_snapshot(spec, factory))
    assert sorted((d.kind.value, d.object, d.name, d.detail) for d in report.drift) == [
        ("changed", "tag", "team-tag", "its content differs from the spec's"),
        (
            "unexpected",
            "tag-attachment",
            f"team-tag → {root}",
            "attached where the spec does not attach it",
        ),
    ]
