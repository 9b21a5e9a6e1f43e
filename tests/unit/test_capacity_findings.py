"""Capacity findings that compare what the spec states with the live reservation: its stated
attributes (`capacity:`) and who pays for its unused part (the share's billing owner).

Given a resolved spec whose share states one thing and a snapshot where the reservation is
another, when the view is built, then exactly that finding is reported; its near miss is clean.
"""

from __future__ import annotations

from dataclasses import replace

from tests.unit.test_capacity_view import CR, NLP, SPEC, VISION, live, snapshot
from trainshare.access import model_from_spec
from trainshare.capacity.model import BillingRequest
from trainshare.capacity.view import Thresholds, capacity_view
from trainshare.spec import load_spec
from trainshare.spec.resolved import CapacityStatement, SharedResource


def findings(write_spec, snap, **share_changes):
    spec = load_spec(write_spec(SPEC))
    share = replace(spec.shares["gpu"], **share_changes)
    spec = replace(spec, shares={"gpu": share})
    model = model_from_spec(spec, snap.organization_id, {"team-nlp": NLP})
    report = capacity_view(spec, snap, model, Thresholds())
    return [(f.code, str(f.location), f.message) for f in report.findings]


def stated(**fields):
    """The share's one reservation, with what the spec states about it."""
    statement = CapacityStatement(kind="on-demand", match="targeted", **fields)
    return (SharedResource(arn=CR, resource_type="ec2:CapacityReservation", capacity=statement),)


def test_a_stated_attribute_the_reservation_does_not_have_is_a_finding(write_spec):
    assert findings(
        write_spec, snapshot(live()), resources=stated(instance_type="p4d.24xlarge")
    ) == [
        (
            "CAPACITY_STATEMENT_MISMATCH",
            "share gpu: cr-0000000000000000a",
            "the spec states instance_type 'p4d.24xlarge' (live: 'p5.48xlarge') for "
            "cr-0000000000000000a",
        )
    ]
    assert (
        findings(write_spec, snapshot(live()), resources=stated(instance_type="p5.48xlarge")) == []
    )


def test_a_billing_owner_that_does_not_pay_yet_is_a_finding_naming_the_request(write_spec):
    pending = live(billing_requests=(BillingRequest(VISION, "pending"),))
    assert findings(write_spec, snapshot(pending), billing_owner="team-vision") == [
        (
            "BILLING_OWNER_NOT_ASSIGNED",
            "share gpu: cr-0000000000000000a",
            f"the spec has team-vision ({VISION}) pay for the unused part of "
            "cr-0000000000000000a, but the owner gpu-owner does: its request is pending",
        )
    ]
    assert findings(write_spec, snapshot(live()), billing_owner="team-vision")[0][2].endswith(
        "but the owner gpu-owner does: no request was made"
    )
    paid = live(billing_owner=VISION)
    assert findings(write_spec, snapshot(paid), billing_owner="team-vision") == []
