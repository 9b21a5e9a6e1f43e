"""Shapes moto cannot produce — FAILED and ASSOCIATING associations, external principals — read
through botocore's Stubber (which validates every response against the RAM service model), then
diffed into findings."""

from __future__ import annotations

import json
from dataclasses import replace

import boto3
import pytest
from botocore.stub import Stubber

from tests.conftest import REPO
from trainshare.audit import ClientFactory, diff
from trainshare.audit.client import READ_OPERATIONS, Pace
from trainshare.audit.reader import Reader
from trainshare.snapshot import Account, Snapshot
from trainshare.spec import load_spec

MGMT = "111111111111"
SHARE = f"arn:aws:ram:us-east-1:{MGMT}:resource-share/0f0e0d0c-0b0a-0908-0706-050403020100"
CR = f"arn:aws:ec2:us-east-1:{MGMT}:capacity-reservation/cr-1"


class StubbedFactory(ClientFactory):
    def __init__(self, ram):
        super().__init__(session=boto3.Session(aws_access_key_id="x", aws_secret_access_key="x"))
        self.ram = ram

    def client(self, service, region="us-east-1", session=None):
        assert service == "ram"
        return self.ram


def stubbed_ram():
    ram = boto3.client(
        "ram", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stub = Stubber(ram)
    stub.add_response(
        "get_resource_shares",
        {
            "resourceShares": [
                {
                    "resourceShareArn": SHARE,
                    "name": "gpu",
                    "owningAccountId": MGMT,
                    "allowExternalPrincipals": False,
                    "status": "ACTIVE",
                }
            ]
        },
        {"resourceOwner": "SELF", "maxResults": 500},
    )
    stub.add_response(
        "get_resource_share_associations",
        {
            "resourceShareAssociations": [
                {
                    "resourceShareArn": SHARE,
                    "associatedEntity": "333333333333",
                    "associationType": "PRINCIPAL",
                    "status": "ASSOCIATING",
                    "external": False,
                },
                {
                    "resourceShareArn": SHARE,
                    "associatedEntity": "999999999999",
                    "associationType": "PRINCIPAL",
                    "status": "ASSOCIATED",
                    "external": True,
                },
            ]
        },
        {"associationType": "PRINCIPAL", "resourceShareArns": [SHARE], "maxResults": 500},
    )
    stub.add_response(
        "get_resource_share_associations",
        {
            "resourceShareAssociations": [
                {
                    "resourceShareArn": SHARE,
                    "associatedEntity": CR,
                    "associationType": "RESOURCE",
                    "status": "FAILED",
                    "statusMessage": "The capacity reservation is not active",
                },
            ]
        },
        {"associationType": "RESOURCE", "resourceShareArns": [SHARE], "maxResults": 500},
    )
    stub.add_response(
        "list_resource_share_permissions",
        {
            "permissions": [
                {"arn": "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionCapacityReservation"}
            ]
        },
        {"resourceShareArn": SHARE, "maxResults": 500},
    )
    stub.activate()
    return ram, stub


def test_failed_pending_and_external_associations_become_findings(write_spec):
    ram, stub = stubbed_ram()
    reader = Reader(StubbedFactory(ram), management_account=MGMT, access_role="R")
    (share,) = reader.read_shares(MGMT, "us-east-1")
    stub.assert_no_pending_responses()
    assert [(a.entity, a.status) for a in share.resources] == [(CR, "FAILED")]
    spec = load_spec(
        write_spec(f"""\
version: 1
organization: {{management_account: "{MGMT}"}}
accounts:
  mgmt: {{id: "{MGMT}"}}
  team: {{id: "333333333333"}}
shares:
  gpu: {{owner: mgmt, resources: ["{CR}"], principals: [team]}}
""")
    )
    snapshot = Snapshot(
        MGMT,
        "o-abc",
        f"arn:aws:organizations::{MGMT}:organization/o-abc",
        "ALL",
        "r-ab12",
        (),
        (Account("333333333333", "team", "t@x", "ACTIVE", "r-ab12"),),
        (),
        ("ram.amazonaws.com",),
        (share,),
        ((MGMT, "us-east-1"),),
    )
    report = diff(spec, replace(snapshot))
    assert [(f.code, f.message) for f in report.findings] == [
        (
            "ASSOCIATION_FAILED",
            f"{CR} is FAILED in share gpu: The capacity reservation is not active",
        ),
        ("ASSOCIATION_PENDING", "333333333333 is still ASSOCIATING in share gpu"),
        ("EXTERNAL_SHARE", "share gpu reaches 999999999999, outside the organization"),
        # the snapshot holds no policies at all: no level allows anything
        (
            "LEVEL_WITHOUT_ALLOW",
            "account team (333333333333) has no SCP that allows anything: "
            "every request below it is denied",
        ),
        (
            "LEVEL_WITHOUT_ALLOW",
            "the root has no SCP that allows anything: every request below it is denied",
        ),
    ]
    assert "fall back to On-Demand" in report.findings[0].fix
    assert [d.render() for d in report.drift] == ["unexpected share-principal   gpu: 999999999999"]


def test_clients_take_the_region_of_the_session_else_us_east_1(monkeypatch):
    """--region means what it means to the AWS CLI: the Region of the calls."""
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    in_eu = ClientFactory(session=boto3.Session(region_name="eu-west-1"))
    assert in_eu.client("ram").meta.region_name == "eu-west-1"
    assert in_eu.client("ram", "ap-south-1").meta.region_name == "ap-south-1"
    unset = ClientFactory(session=boto3.Session())
    assert unset.client("ram").meta.region_name == "us-east-1"


def test_the_allow_list_is_the_shipped_iam_policies():
    """The guard and the IAM policies users attach are one list (integration tests check each
    policy is the calls its command makes)."""
    granted = set()
    for name in ("audit-permissions.json", "capacity-permissions.json"):
        document = json.loads((REPO / "docs" / name).read_text())
        granted |= {a for s in document["Statement"] for a in s["Action"]}
    assert granted == READ_OPERATIONS


def test_botocore_makes_one_attempt_per_call():
    client = ClientFactory(session=boto3.Session(aws_access_key_id="x", aws_secret_access_key="x"))
    config = client.client("organizations").meta.config
    assert config.retries == {"total_max_attempts": 1, "mode": "standard"}


class FakeClock:
    """A monotonic clock that moves only when told to, or when `sleep` is called."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_pace_slows_every_thread_after_throttling_and_recovers():
    clock = FakeClock()
    pace = Pace(clock)
    pace.wait(clock.sleep)
    pace.wait(clock.sleep)
    assert clock.slept == []  # no pace until AWS first throttles
    assert pace.throttled() == 0.005
    assert pace.throttled() == pytest.approx(0.0075)
    pace.wait(clock.sleep)
    pace.wait(clock.sleep)  # the second send waits for its slot, one interval on
    assert clock.slept == [pytest.approx(0.0075)]
    clock.now += 0.003  # the call took 3 ms: the next slot is 4.5 ms away
    pace.wait(clock.sleep)
    assert clock.slept == [pytest.approx(0.0075), pytest.approx(0.0045)]
    clock.now += 1.0  # a send long after its slot goes at once
    pace.wait(clock.sleep)
    assert len(clock.slept) == 2
    for _ in range(100):
        pace.passed()
    assert pace.interval == 0.0  # calls that pass bring it back to no pace at all
    clock.now += 1.0  # past the slot booked before
    pace.wait(clock.sleep)
    pace.wait(clock.sleep)
    assert len(clock.slept) == 2
    for _ in range(100):
        pace.throttled()
    assert pace.interval == 20.0  # never more than MAX_DELAY between sends
