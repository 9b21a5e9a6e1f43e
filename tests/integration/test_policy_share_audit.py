"""Policy shares against the emulator: the example's bucket, key, repository and model group
policies deploy and audit clean; an edited bucket policy is reported statement by statement, and
a statement that lets the world in is OPEN_TO_OUTSIDE_ORG unless the perimeter keeps it out."""

from __future__ import annotations

import json

import pytest

from tests.conftest import EXAMPLE
from trainshare.audit import ClientFactory, DriftKind, read_snapshot
from trainshare.emulator.demo import audit_emulator, deploy
from trainshare.emulator.world import seed_world
from trainshare.spec import load_spec

SPEC = load_spec(EXAMPLE)
OWNER = "222222222222"
BUCKET = "acme-training-data"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
OPEN = {
    "Sid": "Public",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "s3:GetObject",
    "Resource": f"{BUCKET_ARN}/*",
}


@pytest.fixture
def deployed(emulator):
    seed_world(emulator, SPEC)
    deploy(emulator, SPEC, lambda _: None)
    return emulator


def edit_bucket_policy(emulator, change):
    s3 = emulator.client("s3", OWNER)
    document = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    document["Statement"] = change(document["Statement"])
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(document))


def test_the_deployed_policies_are_the_composed_ones(deployed):
    snapshot, report = audit_emulator(deployed, SPEC)
    assert report.drift == [] and report.findings == []
    read = {p.arn: p for p in snapshot.resource_policies}
    assert set(read) == set(SPEC.managed_policies)
    bucket = json.loads(read[BUCKET_ARN].document)
    paths = bucket["Statement"][1]["Condition"]["ForAnyValue:StringLike"]["aws:PrincipalOrgPaths"]
    units = {u.name: u.id for u in snapshot.units}
    assert paths == [
        f"{snapshot.organization_id}/{snapshot.root_id}/{units['ml']}/{units['training']}/*"
    ]


def test_an_edited_bucket_policy_is_drift_statement_by_statement(deployed):
    def tamper(statements):
        kept = [
            s
            for s in statements
            if s["Sid"] not in ("TrainingDataOrgPaths2", "TrainshareDataPerimeter")
        ]
        kept[0]["Condition"] = {"Bool": {"aws:SecureTransport": "true"}}  # DenyInsecureTransport
        return [*kept, OPEN]

    edit_bucket_policy(deployed, tamper)
    _, report = audit_emulator(deployed, SPEC)
    assert [(d.kind, d.object, d.name, d.detail) for d in report.drift] == [
        (DriftKind.CHANGED, "resource-policy", BUCKET_ARN, "statement DenyInsecureTransport"),
        (DriftKind.MISSING, "resource-policy", BUCKET_ARN, "statement TrainingDataOrgPaths2"),
        (DriftKind.MISSING, "resource-policy", BUCKET_ARN, "statement TrainshareDataPerimeter"),
        (DriftKind.UNEXPECTED, "resource-policy", BUCKET_ARN, "statement Public"),
    ]
    (found,) = report.findings
    assert found.code == "OPEN_TO_OUTSIDE_ORG"
    assert str(found.location) == f"policy of {BUCKET_ARN}"
    assert found.message.startswith(
        "statement Public allows any principal (*), outside the organization o-"
    )


def test_an_open_statement_behind_the_perimeter_is_not_a_finding(deployed):
    edit_bucket_policy(deployed, lambda statements: [*statements, OPEN])
    _, report = audit_emulator(deployed, SPEC)
    assert [d.detail for d in report.drift] == ["statement Public"]
    assert report.findings == []


def test_a_policy_granting_an_account_outside_the_org_is_a_finding(deployed):
    outsider = {**OPEN, "Sid": "Partner", "Principal": {"AWS": "arn:aws:iam::999999999999:root"}}
    edit_bucket_policy(
        deployed,
        lambda statements: (
            [s for s in statements if s["Sid"] != "TrainshareDataPerimeter"] + [outsider]
        ),
    )
    _, report = audit_emulator(deployed, SPEC)
    assert [f.message.split(",")[0] for f in report.findings] == [
        "statement Partner allows arn:aws:iam::999999999999:root"
    ]


def test_a_removed_repository_policy_is_missing(deployed):
    deployed.client("ecr", OWNER).delete_repository_policy(repositoryName="training/pytorch")
    _, report = audit_emulator(deployed, SPEC)
    assert [(d.kind, d.name, d.detail) for d in report.drift] == [
        (
            DriftKind.MISSING,
            "arn:aws:ecr:us-east-1:222222222222:repository/training/pytorch",
            "it has no policy",
        )
    ]


def test_each_owner_role_is_assumed_once_for_shares_and_policies(deployed):
    factory = ClientFactory(session=deployed.session(), endpoint_url=deployed.endpoint)
    snapshot = read_snapshot(SPEC, factory)
    assert len(snapshot.resource_policies) == 4 and snapshot.shares
    assert factory.calls["sts:AssumeRole"] == 1  # 222222222222 owns all of them
    assert factory.calls["s3:GetBucketPolicy"] == 1
