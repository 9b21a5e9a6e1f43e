"""`trainshare capacity` against the emulator: an owner shares an open and a targeted
p5.48xlarge reservation with an OU, two consumer accounts run in them (one by target, one by open
matching), and the view counts every instance where it runs."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import REPO
from tests.integration.conftest import credentials
from trainshare.audit import ClientFactory
from trainshare.audit.capacity import read_capacity
from trainshare.cli import app
from trainshare.emulator.capacity import adopt_reservation
from trainshare.emulator.demo import deploy
from trainshare.emulator.extensions import organizations_adopts_existing_account
from trainshare.emulator.world import seed_world
from trainshare.spec import load_spec

OWNER, VISION, NLP, STRAY = "222222222222", "333333333333", "444444444444", "555555555555"
OPEN, TARGETED = "cr-0000000000000000a", "cr-0000000000000000b"
ARN = f"arn:aws:ec2:us-east-1:{OWNER}:capacity-reservation/"
LINUX_AMI = "ami-1e749f67"
SPEC = f"""\
version: 1
organization: {{management_account: "111111111111"}}
units:
  ml:
    id: ou-ab12-11111111
    training: {{id: ou-ab12-22222222}}
accounts:
  gpu-owner: {{id: "{OWNER}", unit: ml}}
  team-vision: {{id: "{VISION}", unit: ml/training}}
  team-nlp: {{id: "{NLP}", unit: ml/training}}
  stray: {{id: "{STRAY}"}}
shares:
  gpu:
    owner: gpu-owner
    resources:
      - {ARN}{OPEN}
      - {ARN}{TARGETED}
    principals: [ml/training]
"""


@pytest.fixture
def live(emulator, write_spec):
    path = write_spec(SPEC)
    spec = load_spec(path)
    adopt_reservation(OWNER, "us-east-1", OPEN, count=4, match="open")
    adopt_reservation(OWNER, "us-east-1", TARGETED, count=4, match="targeted")
    seed_world(emulator, spec)
    deploy(emulator, spec, lambda _: None)
    return emulator, path


def run(emulator, count, account, target=None):
    spec = {"CapacityReservationTarget": {"CapacityReservationId": target}} if target else {}
    return emulator.client("ec2", account).run_instances(
        ImageId=LINUX_AMI,
        MinCount=count,
        MaxCount=count,
        InstanceType="p5.48xlarge",
        Placement={"AvailabilityZone": "us-east-1a"},
        **({"CapacityReservationSpecification": spec} if spec else {}),
    )["Instances"]


def capacity(emulator, path, *args):
    runner = CliRunner(env={**credentials(emulator), "COLUMNS": "200"})
    return runner.invoke(app, ["capacity", str(path), "--endpoint-url", emulator.endpoint, *args])


def test_counts_every_instance_where_it_runs_and_flags_the_open_reservation(live, tmp_path):
    emulator, path = live
    run(emulator, 2, VISION, target=TARGETED)  # targeted by ID
    run(emulator, 3, NLP)  # open matching: lands in the open one without naming it
    saved = tmp_path / "capacity.json"
    result = capacity(emulator, path, "--format", "json", "--snapshot-out", str(saved))
    assert result.exit_code == 2, result.output
    report = json.loads(result.stdout)
    rows = {r["arn"].rsplit("/", 1)[-1]: r for r in report["reservations"]}
    assert set(report["reservations"][0]) >= {
        "arn", "share", "owner", "kind", "instance_type", "availability_zone", "match", "state",
        "end", "total", "available", "billing_owner", "consumers",
    }  # fmt: skip
    assert {k: rows[OPEN][k] for k in ("match", "kind", "total", "available", "owner")} == {
        "match": "open",
        "kind": "on-demand",
        "total": 4,
        "available": 1,
        "owner": OWNER,
    }
    assert rows[OPEN]["consumers"] == [{"account_id": NLP, "account": "team-nlp", "running": 3}]
    assert {k: rows[TARGETED][k] for k in ("match", "total", "available")} == {
        "match": "targeted",
        "total": 4,
        "available": 2,
    }
    assert rows[TARGETED]["consumers"] == [
        {"account_id": VISION, "account": "team-vision", "running": 2}
    ]
    assert [(f["code"], f["location"]) for f in report["findings"]] == [
        ("OPEN_RESERVATION_SHARED", f"share gpu: {OPEN}")
    ]
    # the snapshot gives the same view offline
    offline = CliRunner().invoke(
        app, ["capacity", str(path), "--snapshot", str(saved), "-f", "json"]
    )
    assert offline.exit_code == 2
    assert json.loads(offline.stdout) == report


def test_an_account_outside_the_share_running_in_it_is_flagged(live):
    emulator, path = live
    owner_ram = emulator.client("ram", OWNER)
    owner_ram.create_resource_share(
        name="by-hand", resourceArns=[ARN + TARGETED], principals=[STRAY]
    )
    run(emulator, 1, STRAY, target=TARGETED)
    result = capacity(emulator, path, "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    assert [f["message"] for f in findings if f["code"] == "UNSHARED_CONSUMER"] == [
        f"stray ({STRAY}) runs 1 instance(s) in {TARGETED}, but share gpu does not share it "
        "with that account"
    ]


def test_the_table_csv_and_html_show_the_split(live, tmp_path):
    emulator, path = live
    run(emulator, 2, VISION, target=TARGETED)
    page = tmp_path / "capacity.html"
    table = capacity(emulator, path, "--html", str(page))
    assert table.exit_code == 2
    assert "team-vision: 2" in table.stdout and "OPEN_RESERVATION_SHARED" in table.stdout
    html = page.read_text()
    assert "team-vision: 2" in html and "idle: 2" in html and "<script" not in html
    csv = capacity(emulator, path, "--format", "csv").stdout.splitlines()
    assert csv[0].startswith("share,reservation,owner,kind")
    assert any(line.endswith(f"{VISION},team-vision,2") for line in csv)


def test_the_reads_are_the_fewest_the_view_needs(live):
    emulator, path = live
    run(emulator, 2, VISION, target=TARGETED)
    result = capacity(emulator, path, "--format", "json")
    # DescribeOrganization; in the owner: AssumeRole, one DescribeCapacityReservations, usage of
    # the one reservation in use, two GetMetricData
    assert "read with 6 API calls" in result.stderr


BILLED = SPEC.replace(
    f"      - {ARN}{OPEN}\n      - {ARN}{TARGETED}\n",
    f"      - arn: {ARN}{TARGETED}\n"
    "        capacity: {kind: on-demand, match: targeted, instance_type: p5.48xlarge}\n",
).replace(
    "    principals: [ml/training]\n",
    "    principals: [ml/training]\n    billing_owner: team-vision\n",
)


@pytest.fixture
def billed(emulator, write_spec):
    path = write_spec(BILLED)
    spec = load_spec(path)
    seed_world(emulator, spec)  # the reservation as the spec states it
    deploy(emulator, spec, lambda _: None)
    return emulator, path


def test_the_deploy_assigns_billing_and_the_billing_owner_accepts(billed):
    """The plan's two commands (trainshare.plan.capacity) played on the emulator: the owner's
    request, then the consumer's acceptance."""
    emulator, path = billed
    owner = emulator.client("ec2", OWNER)
    [found] = owner.describe_capacity_reservations(CapacityReservationIds=[TARGETED])[
        "CapacityReservations"
    ]
    assert found["UnusedReservationBillingOwnerId"] == VISION
    result = capacity(emulator, path, "--format", "json")
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)["reservations"]
    assert row["billing_owner"] == VISION


def test_a_revoked_billing_assignment_is_reported_with_its_status(billed):
    emulator, path = billed
    emulator.client("ec2", OWNER).disassociate_capacity_reservation_billing_owner(
        CapacityReservationId=TARGETED, UnusedReservationBillingOwnerId=VISION
    )
    result = capacity(emulator, path, "--format", "json")
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["code"], finding["message"]) == (
        "BILLING_OWNER_NOT_ASSIGNED",
        f"the spec has team-vision ({VISION}) pay for the unused part of {TARGETED}, but the "
        "owner gpu-owner does: its request is revoked",
    )


def test_what_the_spec_states_is_checked_against_the_live_reservation(emulator, write_spec):
    path = write_spec(BILLED.replace("    billing_owner: team-vision\n", ""))
    adopt_reservation(OWNER, "us-east-1", TARGETED, count=4, match="open")  # not as stated
    spec = load_spec(path)
    seed_world(emulator, spec)
    deploy(emulator, spec, lambda _: None)
    findings = json.loads(capacity(emulator, path, "--format", "json").stdout)["findings"]
    assert [(f["code"], f["message"]) for f in findings] == [
        (
            "CAPACITY_STATEMENT_MISMATCH",
            f"the spec states match 'targeted' (live: 'open') for {TARGETED}",
        ),
        ("OPEN_RESERVATION_SHARED", findings[1]["message"]),
    ]


def test_the_shipped_iam_policy_covers_exactly_the_calls_capacity_makes(billed):
    emulator, path = billed
    # a revoked assignment: the billing requests are read
    emulator.client("ec2", OWNER).disassociate_capacity_reservation_billing_owner(
        CapacityReservationId=TARGETED, UnusedReservationBillingOwnerId=VISION
    )
    unknown = "666666666666"  # in the organization, not in the spec: DescribeAccount names it
    organizations_adopts_existing_account("111111111111", unknown, "elsewhere", "e@x.com")
    emulator.client("ram", OWNER).create_resource_share(
        name="by-hand", resourceArns=[ARN + TARGETED], principals=[unknown]
    )
    run(emulator, 1, unknown, target=TARGETED)
    factory = ClientFactory(session=emulator.session(), endpoint_url=emulator.endpoint)
    read_capacity(load_spec(path), factory)
    document = json.loads((REPO / "docs" / "capacity-permissions.json").read_text())
    assert set(factory.calls) == {a for s in document["Statement"] for a in s["Action"]}


def test_audit_checks_what_the_spec_states_too(emulator, write_spec):
    path = write_spec(BILLED.replace("    billing_owner: team-vision\n", ""))
    adopt_reservation(OWNER, "us-east-1", TARGETED, count=4, match="open")  # not as stated
    spec = load_spec(path)
    seed_world(emulator, spec)
    deploy(emulator, spec, lambda _: None)
    runner = CliRunner(env=credentials(emulator))
    result = runner.invoke(
        app, ["audit", str(path), "--endpoint-url", emulator.endpoint, "--format", "json"]
    )
    assert result.exit_code == 2, result.output
    findings = json.loads(result.stdout)["findings"]
    assert [(f["code"], f["message"]) for f in findings] == [
        (
            "CAPACITY_STATEMENT_MISMATCH",
            f"the spec states match 'targeted' (live: 'open') for {TARGETED}",
        )
    ]
