"""End to end: the real Pulumi program deployed through the bridge into the emulator, then the
read-only audit. Given a deployed example, the audit reports no drift; after tampering through
boto3, it reports exactly the tampering."""

from __future__ import annotations

import json
import runpy
from dataclasses import replace

import pulumi
import pytest

from tests.conftest import EXAMPLE, REPO
from tests.integration.conftest import error_response
from trainshare.audit import ClientFactory, WriteRefusedError, diff, read_snapshot
from trainshare.emulator.bridge import EmulatorMocks
from trainshare.emulator.demo import audit_emulator, deploy
from trainshare.emulator.world import seed_world
from trainshare.snapshot import Snapshot
from trainshare.spec import ShareKind, load_spec

SPEC = load_spec(EXAMPLE)
OWNER = "222222222222"


@pytest.fixture
def deployed(emulator):
    seed_world(emulator, SPEC)
    mocks, outputs = deploy(emulator, SPEC, lambda _: None)
    return mocks, outputs


def test_deployed_example_audits_clean_and_offline_gives_the_same_answer(emulator, deployed):
    mocks, outputs = deployed
    assert len(mocks.created) == 35  # with a Capacity Block and billing of a reservation
    snapshot, report = audit_emulator(emulator, SPEC)
    assert report.drift == [] and report.findings == []
    offline = Snapshot.from_json(snapshot.to_json())
    assert offline == snapshot
    assert diff(SPEC, offline).to_json() == report.to_json()
    assert "testing" not in snapshot.to_json(), "no credentials in a snapshot"
    assert set(outputs["share_arns"]) == {
        k for k, s in SPEC.shares.items() if s.kind is ShareKind.RAM
    }


def test_tampering_is_reported_exactly(emulator, deployed):
    _, outputs = deployed
    org = emulator.client("organizations")
    snapshot, _ = audit_emulator(emulator, SPEC)
    policy = next(p for p in snapshot.policies if p.name == "keep-sharing-inside")
    org.detach_policy(PolicyId=policy.id, TargetId=snapshot.root_id)  # a detached SCP
    research = outputs["ou_ids"]["ml/research"]
    team_nlp = outputs["account_ids"]["team-nlp"]
    org.move_account(
        AccountId=team_nlp,
        SourceParentId=outputs["ou_ids"]["ml/training"],
        DestinationParentId=research,
    )  # an account moved
    ram = emulator.client("ram", OWNER)
    share = outputs["share_arns"]["gpu-capacity"]
    ram.update_resource_share(resourceShareArn=share, allowExternalPrincipals=True)
    ram.associate_resource_share(resourceShareArn=share, principals=["999999999999"])

    _, report = audit_emulator(emulator, SPEC)
    assert [d.render() for d in report.drift] == [
        f"changed    account           team-nlp: placed under {research}, the spec puts it in "
        f"ml/training ({outputs['ou_ids']['ml/training']})",
        f"missing    scp-attachment    keep-sharing-inside → root: not attached to "
        f"{snapshot.root_id}",
        "unexpected share-principal   gpu-capacity: 999999999999",
        "changed    share-setting     gpu-capacity: allowExternalPrincipals is true; the spec "
        "has false",
    ]
    # the share holds a Capacity Block: RAM fails its association once it reaches outside the
    # organization (capacity-blocks-share), and the audit says so
    assert [(f.code, f.message) for f in report.findings] == [
        (
            "ASSOCIATION_FAILED",
            "arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-0fedcba9876543210 is "
            "FAILED in share gpu-capacity: Capacity Blocks can be shared only within the "
            "organization; 999999999999 is outside it",
        ),
        ("EXTERNAL_SHARE", "share gpu-capacity reaches 999999999999, outside the organization"),
    ]


def test_a_share_made_by_hand_is_unmanaged(emulator, deployed):
    emulator.client("ram", OWNER).create_resource_share(name="adhoc", allowExternalPrincipals=False)
    emulator.client("ram", OWNER).create_resource_share(name="LakeFormation-V3-abc")
    _, report = audit_emulator(emulator, SPEC)
    assert report.drift == []
    assert [(f.code, f.message) for f in report.findings] == [
        ("UNMANAGED_SHARE", "share adhoc is not in the spec")
    ]


def test_write_calls_are_refused_before_they_are_sent(emulator, org):
    factory = ClientFactory(session=emulator.session(), endpoint_url=emulator.endpoint)
    client = factory.client("organizations")
    _, root = org
    with pytest.raises(WriteRefusedError, match="refused organizations:CreateOrganizationalUnit"):
        client.create_organizational_unit(ParentId=root, Name="sneaky")
    assert (
        emulator.client("organizations").list_organizational_units_for_parent(ParentId=root)[
            "OrganizationalUnits"
        ]
        == []
    )
    assert factory.client("sts").get_caller_identity()["Account"] == "111111111111"


class ThrottlingFactory(ClientFactory):
    """Every third Organizations or RAM request is answered 'throttled' without reaching the
    server (a botocore before-send hook), as AWS does under load. (Both speak AWS's JSON
    protocol, whose error shape the hook writes.)"""

    def client(self, service, region="us-east-1", session=None):
        client = super().client(service, region, session)
        if service in ("organizations", "ram"):
            client.meta.events.register("before-send", self._throttle)
        return client

    def _throttle(self, request, **_):
        self.seen = getattr(self, "seen", 0) + 1
        if self.seen % 3:
            return None
        return error_response(request, "TooManyRequestsException", "Rate exceeded")


def test_throttling_is_retried_and_the_snapshot_comes_out_identical(emulator, deployed):
    plain, _ = audit_emulator(emulator, SPEC)
    factory = ThrottlingFactory(
        session=emulator.session(), endpoint_url=emulator.endpoint, sleep=lambda _: None
    )
    throttled = read_snapshot(SPEC, factory)
    assert factory.seen >= 30, "a third of the calls were throttled"
    assert replace(throttled, taken_at="") == replace(plain, taken_at="")


def test_the_shipped_iam_policy_covers_exactly_the_calls_the_audit_makes(emulator, deployed):
    factory = ClientFactory(session=emulator.session(), endpoint_url=emulator.endpoint)
    read_snapshot(SPEC, factory)
    # The management account reads its own shares without AssumeRole; members need it.
    called = set(factory.calls) | {"sts:AssumeRole"}
    document = json.loads((REPO / "docs" / "audit-permissions.json").read_text())
    granted = {a for s in document["Statement"] for a in s["Action"]}
    assert called == granted


def test_the_seed_program_corrected_audits_clean_against_its_spec(emulator):
    spec = load_spec(REPO / "examples" / "seed" / "trainshare.yaml")
    seed_world(emulator, spec)
    deploy_seed = REPO / "examples" / "seed" / "__main__.py"
    mocks = EmulatorMocks(emulator)
    pulumi.runtime.set_mocks(mocks, project="seed", stack="demo", preview=False)

    @pulumi.runtime.test
    def program():
        runpy.run_path(str(deploy_seed))

    program()
    _, report = audit_emulator(emulator, spec)
    assert report.drift == [] and report.findings == []
