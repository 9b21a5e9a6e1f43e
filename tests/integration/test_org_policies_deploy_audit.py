"""Policies of every type, end to end on the emulator: deployed by the real component (the RCP
type enabled by its command, the org's ID filled in), read back by the audit, clean; then the
live organization changed under it and the audit says how."""

from __future__ import annotations

import dataclasses
import json
import textwrap

import pytest
from ruamel.yaml import YAML

from trainshare.access.from_snapshot import model_from_snapshot
from trainshare.audit import ClientFactory, diff, read_snapshot
from trainshare.emulator.demo import deploy
from trainshare.emulator.world import seed_world
from trainshare.importer import import_snapshot, write_imported
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
    assert [(f.code, str(f.location), f.message) for f in report.findings] == [
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
    # what it does to the account under the root: the changed policy now reaches it
    assert [(f.code, f.message) for f in report.findings] == [
        (
            "EFFECTIVE_POLICY_DIFFERS",
            'data (222222222222): tags.team.tag_key is "Team", the spec\'s (not set)',
        )
    ]


def test_import_writes_each_policy_with_its_type_and_the_org_id_and_audits_clean(
    emulator, deployed, tmp_path
):
    spec, _, _, factory = deployed
    snapshot = read_snapshot(spec, factory)
    imported = import_snapshot(snapshot)
    document = YAML(typ="safe").load(imported.spec_text)
    assert document["organization"]["id"] == snapshot.organization_id
    guardrails = document["guardrails"]
    assert guardrails["fence"]["type"] == "rcp"
    assert guardrails["team-tag"]["type"] == "tag"
    assert guardrails["daily"]["type"] == "backup"
    assert "RCPFullAWSAccess" not in guardrails and "FullAWSAccess" not in guardrails
    written = write_imported(imported, snapshot, tmp_path / "imported")
    again = load_spec(next(p for p in written if p.name == "trainshare.yaml"))
    assert again.guardrails["fence"].type == "rcp"
    # the imported spec describes the live organization: the audit finds nothing to change
    report = diff(again, read_snapshot(again, factory))
    assert [d for d in report.drift if d.object in ("rcp", "tag", "backup")] == []
    # and its plan adopts each policy by its live ID
    adopt = json.loads(next(p for p in written if p.name == "pulumi-import.json").read_text())
    ids = {r["name"].split("/", 1)[1]: r.get("id") for r in adopt["resources"] if "/" in r["name"]}
    fence = next(p for p in snapshot.policies if p.name == "fence")
    assert ids["rcp/fence"] == fence.id
