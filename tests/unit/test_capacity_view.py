"""The capacity view (pure): given a spec and a capacity snapshot, when the view is built, then
each reservation's row and each finding are exactly what the live state says."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from rich.console import Console

from trainshare.access import model_from_spec
from trainshare.capacity.model import (
    CapacitySnapshot,
    CapacitySnapshotError,
    LiveReservation,
    OrgAccount,
    Usage,
)
from trainshare.capacity.view import Thresholds, capacity_view
from trainshare.report.capacity import capacity_table
from trainshare.spec import load_spec

OWNER, VISION, NLP = "222222222222", "333333333333", "444444444444"
CR = f"arn:aws:ec2:us-east-1:{OWNER}:capacity-reservation/cr-0000000000000000a"
NOW = "2026-11-29T12:00:00+00:00"
SPEC = f"""\
version: 1
organization: {{management_account: "111111111111"}}
units:
  ml:
    training: {{}}
accounts:
  gpu-owner: {{id: "{OWNER}", unit: ml}}
  team-vision: {{id: "{VISION}", unit: ml/training}}
  team-nlp: {{email: nlp@example.com, unit: ml/training}}
shares:
  gpu:
    owner: gpu-owner
    resources: [{CR}]
    principals: [ml/training]
"""
GUARDRAIL = """\
guardrails:
  small-gpus-only:
    template: restrict-instance-types
    params: {instance_types: ["g5.*"]}
    targets: [ml/training]
"""


def live(**changes):
    base = LiveReservation(
        arn=CR,
        id="cr-0000000000000000a",
        owner=OWNER,
        region="us-east-1",
        kind="on-demand",
        instance_type="p5.48xlarge",
        platform="Linux/UNIX",
        availability_zone="us-east-1a",
        tenancy="default",
        match="targeted",
        state="active",
        start="2026-11-01T00:00:00+00:00",
        end=None,
        total=4,
        available=1,
        billing_owner=None,
        usage=(Usage(VISION, 2), Usage(NLP, 1)),
    )
    return replace(base, **changes)


def snapshot(*reservations, **changes):
    base = CapacitySnapshot(
        taken_at=NOW,
        management_account="111111111111",
        organization_id="o-abc123",
        reservations=tuple(reservations),
        accounts=(OrgAccount(NLP, "team-nlp", "ACTIVE"),),
        lookback_hours=48,
    )
    return replace(base, **changes)


def view(write_spec, snap, text=SPEC, **thresholds):
    spec = load_spec(write_spec(text))
    model = model_from_spec(spec, snap.organization_id, {"team-nlp": NLP})
    return capacity_view(spec, snap, model, Thresholds(**thresholds))


def codes(report):
    return [f.code for f in report.findings]


def test_a_row_names_each_account_running_in_it_the_created_one_by_its_key(write_spec):
    report = view(write_spec, snapshot(live()))
    [row] = report.to_json()["reservations"]
    assert row["consumers"] == [
        {"account_id": VISION, "account": "team-vision", "running": 2},
        {"account_id": NLP, "account": "team-nlp", "running": 1},
    ]
    assert (row["total"], row["available"], row["owner"], row["state"]) == (4, 1, OWNER, "active")
    assert report.findings == []


def test_idle_capacity_is_flagged_only_after_every_hour_of_the_window(write_spec):
    idle = live(hourly_available=(3.0,) * 24, idle_instance_hours=72.0)
    report = view(write_spec, snapshot(idle), idle_instances=2, idle_hours=24)
    [found] = report.findings
    assert found.code == "IDLE_SHARED_CAPACITY"
    assert found.message == (
        "at least 3 of 4 instance(s) of cr-0000000000000000a sat idle in every hour of the last "
        "24 h; 72.0 idle instance-hours since it started; the owner pays for them"
    )
    # one busy hour in the window, an hour without data, or too short a history: not flagged
    busy = live(hourly_available=(3.0,) * 23 + (1.0,))
    gap = live(hourly_available=(3.0,) * 23 + (None,))
    short = live(hourly_available=(3.0,) * 12)
    for reservation in (busy, gap, short):
        assert codes(view(write_spec, snapshot(reservation), idle_instances=2, idle_hours=24)) == []


def test_a_block_ending_with_consumers_in_it_is_flagged_with_the_30_minutes(write_spec):
    block = live(kind="capacity-block", end="2026-12-01T11:30:00+00:00")
    [found] = view(write_spec, snapshot(block), ending_days=3).findings
    assert found.code == "RESERVATION_ENDING"
    assert found.message == (
        "cr-0000000000000000a ends 2026-12-01T11:30:00+00:00 (47.5 h left) while team-vision "
        "(2), team-nlp (1) run in it; EC2 terminates instances in a Capacity Block from 30 "
        "minutes before its end"
    )
    assert codes(view(write_spec, snapshot(block), ending_days=1)) == []


def test_accounts_whose_scps_deny_the_instance_type_cannot_launch(write_spec):
    report = view(write_spec, snapshot(live()), text=SPEC + GUARDRAIL)
    [found] = report.findings
    assert found.code == "CONSUMER_CANNOT_LAUNCH"
    assert str(found.location) == "share gpu: cr-0000000000000000a"
    assert found.message.startswith(
        f"team-vision ({VISION}), team-nlp ({NLP}) cannot launch p5.48xlarge into it "
        "(ec2:RunInstances): "
    )
    assert "small-gpus-only" in found.message


def test_a_reservation_the_owner_does_not_have_is_reported(write_spec):
    report = view(write_spec, snapshot(missing=(CR,)))
    assert codes(report) == ["CAPACITY_RESERVATION_MISSING"]
    assert report.to_json()["reservations"][0]["state"] == "missing"


def test_an_expired_reservation_still_shared_is_reported(write_spec):
    report = view(write_spec, snapshot(live(state="expired", end="2026-11-20T00:00:00+00:00")))
    assert codes(report) == ["RESERVATION_ENDED"]


def test_an_open_reservation_is_flagged(write_spec):
    assert codes(view(write_spec, snapshot(live(match="open")))) == ["OPEN_RESERVATION_SHARED"]


def test_the_owner_running_in_its_own_reservation_is_not_an_unshared_consumer(write_spec):
    report = view(write_spec, snapshot(live(usage=(Usage(OWNER, 1), Usage("999999999999", 1)))))
    assert codes(report) == ["UNSHARED_CONSUMER"]
    consumers = report.to_json()["reservations"][0]["consumers"]
    assert [c["account_id"] for c in consumers] == [OWNER, "999999999999"]


def test_an_organization_wide_share_reaches_members_the_spec_does_not_name(write_spec):
    org_wide = SPEC.replace("principals: [ml/training]", "principals: [root]")
    snap = snapshot(
        live(usage=(Usage("777777777777", 1),)),
        accounts=(OrgAccount("777777777777", "someone", "ACTIVE"),),
    )
    report = view(write_spec, snap, text=org_wide)
    assert codes(report) == []
    assert report.to_json()["reservations"][0]["consumers"][0]["account"] == "someone"


def test_a_snapshot_reads_back_as_written_and_refuses_another_version(tmp_path):
    snap = snapshot(live(hourly_available=(1.0, None), idle_instance_hours=2.5))
    assert CapacitySnapshot.from_json(snap.to_json()) == snap
    path = tmp_path / "old.json"
    path.write_text(json.dumps({**json.loads(snap.to_json()), "version": 7}))
    with pytest.raises(CapacitySnapshotError) as info:
        CapacitySnapshot.read(path)
    assert str(info.value) == (
        f"{path}: capacity snapshot version 7, this trainshare reads version 1 (write one with "
        "`trainshare capacity --snapshot-out`)"
    )


def test_a_snapshot_with_a_field_of_the_wrong_type_names_the_field(tmp_path):
    data = json.loads(snapshot(live()).to_json())
    data["reservations"][0]["total"] = "four"
    with pytest.raises(CapacitySnapshotError) as info:
        CapacitySnapshot.from_json(json.dumps(data), "cap.json")
    assert str(info.value).startswith(
        "cap.json: malformed capacity snapshot: reservations[0].total: Input should be a valid "
        "integer"
    )


@pytest.mark.parametrize("width", [140, 80])
def test_account_names_are_printed_as_text_never_as_markup(write_spec, width):
    """Anyone in the organization names an account: `[/]` or `[bold]` in one is text."""
    other = "555555555555"
    names = (OrgAccount(NLP, "team-nlp", "ACTIVE"), OrgAccount(other, "[/]sand[bold]box", "ACTIVE"))
    reservation = live(usage=(Usage(VISION, 2), Usage(other, 1)), billing_owner=other)
    report = view(write_spec, snapshot(reservation, accounts=names))
    console = Console(width=width, record=True)
    console.print(capacity_table(report, width))
    assert "[/]sand[bold]box" in console.export_text()
