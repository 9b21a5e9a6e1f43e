"""The emulator serves EC2 capacity: given an organization with an owner and consumers, when the
capacity calls are made, then each behaves as the AWS document in its docstring says (moto has
none of these calls)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from trainshare.catalog.capacity import load_capacity_kinds
from trainshare.emulator.capacity import METRICS_NAMESPACE, advance_clock
from trainshare.emulator.extensions import (
    organizations_adopts_existing_account,
    organizations_adopts_existing_ou,
)

OWNER, VISION, NLP, OUTSIDER = "222222222222", "333333333333", "444444444444", "999999999999"
LINUX_AMI = "ami-1e749f67"  # moto's Ubuntu image (its Windows images have Platform windows)
P5 = "p5.48xlarge"


@pytest.fixture
def world(emulator, org):
    """An organization: the owner in the root, two consumers in OU ml/training."""
    client, root = org
    organizations_adopts_existing_ou("111111111111", "ou-ab12-11111111", "ml", root)
    organizations_adopts_existing_ou(
        "111111111111", "ou-ab12-22222222", "training", "ou-ab12-11111111"
    )
    organizations_adopts_existing_account("111111111111", OWNER, "owner", "o@x.com", root)
    for account in (VISION, NLP):
        organizations_adopts_existing_account(
            "111111111111", account, account, f"{account}@x.com", "ou-ab12-22222222"
        )
    org_id = client.describe_organization()["Organization"]["Id"]
    clients: dict[str, object] = {}

    def ec2(account=OWNER):
        if account not in clients:
            clients[account] = emulator.client("ec2", account)
        return clients[account]

    return {
        "ec2": ec2,
        "ram": emulator.client("ram", OWNER),
        "ou": f"arn:aws:organizations::111111111111:ou/{org_id}/ou-ab12-22222222",
    }


def reserve(ec2, count=2, match="targeted", **extra):
    return ec2.create_capacity_reservation(
        InstanceType=extra.pop("InstanceType", P5),
        InstancePlatform="Linux/UNIX",
        AvailabilityZone="us-east-1a",
        InstanceCount=count,
        InstanceMatchCriteria=match,
        **extra,
    )["CapacityReservation"]


def share(world, *arns, principals=None):
    return world["ram"].create_resource_share(
        name="gpu", resourceArns=list(arns), principals=principals or [world["ou"]]
    )["resourceShare"]["resourceShareArn"]


def launch(ec2, count=1, target=None, **extra):
    spec = {"CapacityReservationTarget": {"CapacityReservationId": target}} if target else {}
    if "preference" in extra:
        spec["CapacityReservationPreference"] = extra.pop("preference")
    return ec2.run_instances(
        ImageId=LINUX_AMI,
        MinCount=count,
        MaxCount=count,
        InstanceType=extra.pop("InstanceType", P5),
        Placement={"AvailabilityZone": "us-east-1a"},
        **({"CapacityReservationSpecification": spec} if spec else {}),
        **extra,
    )["Instances"]


def described(ec2, reservation_id):
    return ec2.describe_capacity_reservations(CapacityReservationIds=[reservation_id])[
        "CapacityReservations"
    ][0]


def code(info):
    return info.value.response["Error"]["Code"]


# -- On-Demand Capacity Reservations ------------------------------------------------------------


def test_a_new_reservation_is_open_with_default_tenancy_and_all_of_it_available(world):
    """CreateCapacityReservation API reference: InstanceMatchCriteria defaults to open, Tenancy
    to default."""
    ec2 = world["ec2"]()
    made = ec2.create_capacity_reservation(
        InstanceType=P5,
        InstancePlatform="Linux/UNIX",
        AvailabilityZone="us-east-1a",
        InstanceCount=3,
    )["CapacityReservation"]
    assert (made["InstanceMatchCriteria"], made["Tenancy"], made["State"]) == (
        "open",
        "default",
        "active",
    )
    assert (made["TotalInstanceCount"], made["AvailableInstanceCount"]) == (3, 3)
    assert made["CapacityReservationArn"].endswith(
        f":{OWNER}:capacity-reservation/{made['CapacityReservationId']}"
    )


def test_an_unknown_reservation_is_not_found(world):
    """terraform-provider-aws reads InvalidCapacityReservationId.NotFound from
    DescribeCapacityReservations for a reservation that does not exist."""
    with pytest.raises(ClientError) as info:
        world["ec2"]().describe_capacity_reservations(
            CapacityReservationIds=["cr-00000000000000000"]
        )
    assert code(info) == "InvalidCapacityReservationId.NotFound"


def test_a_consumer_sees_a_reservation_only_once_it_is_shared_with_it(world):
    """capacity-reservation-sharing: DescribeCapacityReservations returns the reservations you own
    and those shared with you (OwnerId is the owner's); sharing with an OU reaches its accounts."""
    cr = reserve(world["ec2"]())
    consumer = world["ec2"](VISION)
    assert consumer.describe_capacity_reservations()["CapacityReservations"] == []
    share(world, cr["CapacityReservationArn"])
    seen = consumer.describe_capacity_reservations()["CapacityReservations"]
    assert [(r["CapacityReservationId"], r["OwnerId"]) for r in seen] == [
        (cr["CapacityReservationId"], OWNER)
    ]


def test_a_targeted_launch_counts_against_the_reservation_and_termination_releases_it(world):
    """capacity-blocks-launch / CapacityReservationSpecification: launching into a reservation
    reduces its available capacity by the instances launched; a terminated instance gives its
    place back."""
    cr = reserve(world["ec2"](), count=2)
    share(world, cr["CapacityReservationArn"])
    consumer = world["ec2"](VISION)
    [instance] = launch(consumer, target=cr["CapacityReservationId"])
    assert instance["CapacityReservationId"] == cr["CapacityReservationId"]
    assert described(world["ec2"](), cr["CapacityReservationId"])["AvailableInstanceCount"] == 1
    consumer.terminate_instances(InstanceIds=[instance["InstanceId"]])
    assert described(world["ec2"](), cr["CapacityReservationId"])["AvailableInstanceCount"] == 2


def test_a_targeted_launch_beyond_the_room_left_is_refused(world):
    """Error codes for the EC2 API: ReservationCapacityExceeded — the targeted Capacity
    Reservation does not have enough available capacity."""
    cr = reserve(world["ec2"](), count=1)
    with pytest.raises(ClientError) as info:
        launch(world["ec2"](), count=2, target=cr["CapacityReservationId"])
    assert code(info) == "ReservationCapacityExceeded"
    assert "has 1 available instance(s); 2 requested" in str(info.value)


def test_a_targeted_launch_must_match_the_reservation(world):
    """Instances use a reservation only with matching attributes: instance type, platform,
    Availability Zone, tenancy (capacity-reservations-using)."""
    cr = reserve(world["ec2"]())
    with pytest.raises(ClientError) as info:
        launch(world["ec2"](), target=cr["CapacityReservationId"], InstanceType="p4d.24xlarge")
    assert code(info) == "InvalidParameterValue"
    assert "does not match Capacity Reservation" in str(info.value)


def test_an_unshared_consumer_cannot_target_the_reservation(world):
    """Only the owner and the accounts it is shared with can launch into a reservation."""
    cr = reserve(world["ec2"]())
    with pytest.raises(ClientError) as info:
        launch(world["ec2"](NLP), target=cr["CapacityReservationId"])
    assert code(info) == "InvalidCapacityReservationId.NotFound"


def test_open_launches_of_consumers_land_in_a_shared_open_reservation_silently(world):
    """sharing-cr: consumers' instances with matching attributes and the open preference (the
    default) launch into a shared open reservation; `none` keeps them out; a targeted
    reservation is never used without naming it."""
    open_cr = reserve(world["ec2"](), count=2, match="open")
    targeted = reserve(world["ec2"](), count=2, match="targeted")
    share(world, open_cr["CapacityReservationArn"], targeted["CapacityReservationArn"])
    consumer = world["ec2"](NLP)
    [plain] = launch(consumer)
    [opted_out] = launch(consumer, preference="none")
    assert plain["CapacityReservationId"] == open_cr["CapacityReservationId"]
    assert "CapacityReservationId" not in opted_out
    usage = world["ec2"]().get_capacity_reservation_usage(
        CapacityReservationId=open_cr["CapacityReservationId"]
    )
    assert usage["InstanceUsages"] == [{"AccountId": NLP, "UsedInstanceCount": 1}]
    assert (
        described(world["ec2"](), targeted["CapacityReservationId"])["AvailableInstanceCount"] == 2
    )


def test_open_launches_past_the_room_run_on_demand(world):
    """CapacityReservationSpecification: with `open`, when no capacity is available the instance
    runs as an On-Demand Instance."""
    cr = reserve(world["ec2"](), count=1, match="open")
    first, second = launch(world["ec2"](), count=2)
    assert first["CapacityReservationId"] == cr["CapacityReservationId"]
    assert "CapacityReservationId" not in second


def test_capacity_reservations_only_fails_without_room(world):
    """CapacityReservationSpecification: capacity-reservations-only — if capacity isn't
    available, the instance fails to launch."""
    ec2 = world["ec2"]()
    with pytest.raises(ClientError) as info:
        launch(ec2, preference="capacity-reservations-only")
    assert code(info) == "InsufficientInstanceCapacity"
    states = [
        i["State"]["Name"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
    ]
    assert set(states) <= {"shutting-down", "terminated"}


def test_running_instances_of_a_consumer_move_into_an_open_reservation_once_shared(world):
    """sharing-cr: consumers' running instances that match an open reservation and are not yet
    in reserved capacity use it automatically once it is shared with them."""
    [already] = launch(world["ec2"](VISION))
    assert "CapacityReservationId" not in already
    cr = reserve(world["ec2"](), count=2, match="open")
    share(world, cr["CapacityReservationArn"])
    assert described(world["ec2"](), cr["CapacityReservationId"])["AvailableInstanceCount"] == 1
    found = world["ec2"](VISION).describe_instances(InstanceIds=[already["InstanceId"]])
    assert (
        found["Reservations"][0]["Instances"][0]["CapacityReservationId"]
        == cr["CapacityReservationId"]
    )


def test_unsharing_leaves_consumers_running_outside_the_reservation(world):
    """unsharing-cr: instances of consumers keep running normally outside the reserved
    capacity, and the capacity is restored to the reservation."""
    cr = reserve(world["ec2"](), count=2)
    share_arn = share(world, cr["CapacityReservationArn"])
    consumer = world["ec2"](VISION)
    [instance] = launch(consumer, target=cr["CapacityReservationId"])
    world["ram"].disassociate_resource_share(
        resourceShareArn=share_arn, resourceArns=[cr["CapacityReservationArn"]]
    )
    assert described(world["ec2"](), cr["CapacityReservationId"])["AvailableInstanceCount"] == 2
    state = consumer.describe_instances(InstanceIds=[instance["InstanceId"]])
    assert state["Reservations"][0]["Instances"][0]["State"]["Name"] == "running"


def test_only_the_owner_modifies_or_cancels(world):
    """capacity-reservation-sharing: consumers cannot modify the shared reservation in any way;
    the owner changes its count and matching, and cancelling ends it."""
    cr = reserve(world["ec2"](), count=2)
    rid = cr["CapacityReservationId"]
    share(world, cr["CapacityReservationArn"])
    with pytest.raises(ClientError) as info:
        world["ec2"](VISION).modify_capacity_reservation(CapacityReservationId=rid, InstanceCount=4)
    assert code(info) == "UnauthorizedOperation"
    world["ec2"]().modify_capacity_reservation(
        CapacityReservationId=rid, InstanceCount=4, InstanceMatchCriteria="open"
    )
    assert (
        described(world["ec2"](), rid)["TotalInstanceCount"],
        described(world["ec2"](), rid)["InstanceMatchCriteria"],
    ) == (4, "open")
    world["ec2"]().cancel_capacity_reservation(CapacityReservationId=rid)
    assert described(world["ec2"](), rid)["State"] == "cancelled"


def test_a_cancelled_reservation_leaves_its_instances_running(world):
    """CancelCapacityReservation: instances running in the reserved capacity continue running;
    the reservation can no longer be launched into."""
    cr = reserve(world["ec2"](), count=2)
    [instance] = launch(world["ec2"](), target=cr["CapacityReservationId"])
    world["ec2"]().cancel_capacity_reservation(CapacityReservationId=cr["CapacityReservationId"])
    found = world["ec2"]().describe_instances(InstanceIds=[instance["InstanceId"]])
    assert found["Reservations"][0]["Instances"][0]["State"]["Name"] == "running"
    with pytest.raises(ClientError) as info:
        launch(world["ec2"](), target=cr["CapacityReservationId"])
    assert "is cancelled, not active" in str(info.value)


# -- Capacity Blocks for ML ---------------------------------------------------------------------


def buy_block(ec2, count=2, hours=24, **extra):
    offering = ec2.describe_capacity_block_offerings(
        InstanceType=P5, InstanceCount=count, CapacityDurationHours=hours, **extra
    )["CapacityBlockOfferings"][0]
    return ec2.purchase_capacity_block(
        CapacityBlockOfferingId=offering["CapacityBlockOfferingId"], InstancePlatform="Linux/UNIX"
    )["CapacityReservation"]


def test_a_capacity_block_is_targeted_scheduled_then_active_then_expired(world):
    """capacity-blocks-using/-view: blocks are targeted reservations; before the start the state
    is scheduled and the available capacity zero; at the end they expire."""
    ec2 = world["ec2"]()
    block = buy_block(ec2)
    rid = block["CapacityReservationId"]
    assert (block["ReservationType"], block["InstanceMatchCriteria"], block["State"]) == (
        "capacity-block",
        "targeted",
        "scheduled",
    )
    assert block["AvailableInstanceCount"] == 0
    advance_clock(timedelta(hours=1))
    assert described(ec2, rid)["State"] == "active"
    assert described(ec2, rid)["AvailableInstanceCount"] == 2
    advance_clock(timedelta(hours=24))
    assert described(ec2, rid)["State"] == "expired"


def test_a_capacity_block_takes_the_capacity_block_market_type(world):
    """capacity-blocks-launch: launches into a block name its reservation ID with the Capacity
    Blocks purchasing option (MarketType capacity-block)."""
    ec2 = world["ec2"]()
    block = buy_block(ec2)
    advance_clock(timedelta(hours=1))
    with pytest.raises(ClientError) as info:
        launch(ec2, target=block["CapacityReservationId"])
    assert code(info) == "InvalidParameterCombination"
    [instance] = launch(
        ec2,
        target=block["CapacityReservationId"],
        InstanceMarketOptions={"MarketType": "capacity-block"},
    )
    assert instance["InstanceLifecycle"] == "capacity-block"


def test_a_capacity_block_can_be_neither_modified_nor_cancelled(world):
    """CancelCapacityReservation API reference: you can't modify or cancel a Capacity Block."""
    ec2 = world["ec2"]()
    block = buy_block(ec2)
    with pytest.raises(ClientError) as info:
        ec2.cancel_capacity_reservation(CapacityReservationId=block["CapacityReservationId"])
    assert (code(info), info.value.response["Error"]["Message"]) == (
        "UnsupportedOperation",
        "You can't cancel a Capacity Block",
    )


def resource_status(world, share_arn):
    return {
        a["associatedEntity"]: (a["status"], a.get("statusMessage", ""))
        for a in world["ram"].get_resource_share_associations(
            associationType="RESOURCE", resourceShareArns=[share_arn]
        )["resourceShareAssociations"]
    }


def test_a_capacity_block_shared_outside_the_organization_fails(world):
    """capacity-blocks-share: sharing within your organization only. The association fails, and
    nobody outside can use the block."""
    block = buy_block(world["ec2"]())
    arn = block["CapacityReservationArn"]
    share_arn = share(world, arn, principals=[OUTSIDER])
    status, message = resource_status(world, share_arn)[arn]
    assert status == "FAILED"
    assert message == (
        "Capacity Blocks can be shared only within the organization; 999999999999 is outside it"
    )


def test_a_capacity_block_shared_inside_the_organization_reaches_the_ou(world):
    block = buy_block(world["ec2"]())
    share_arn = share(world, block["CapacityReservationArn"])
    assert resource_status(world, share_arn)[block["CapacityReservationArn"]][0] == "ASSOCIATED"
    assert [
        r["CapacityReservationId"]
        for r in world["ec2"](NLP).describe_capacity_reservations()["CapacityReservations"]
    ] == [block["CapacityReservationId"]]


def test_an_expired_or_ultraserver_block_cannot_be_shared(world):
    """capacity-blocks-share: only scheduled or active blocks; not blocks for UltraServers."""
    ec2 = world["ec2"]()
    expired = buy_block(ec2)
    advance_clock(timedelta(hours=26))
    offering = ec2.describe_capacity_block_offerings(
        InstanceType=P5,
        CapacityDurationHours=24,
        UltraserverType="u-p6e-gb200x72",
        UltraserverCount=1,
    )["CapacityBlockOfferings"][0]
    ultra = ec2.purchase_capacity_block(
        CapacityBlockOfferingId=offering["CapacityBlockOfferingId"], InstancePlatform="Linux/UNIX"
    )["CapacityReservation"]
    share_arn = share(world, expired["CapacityReservationArn"], ultra["CapacityReservationArn"])
    found = resource_status(world, share_arn)
    assert found[expired["CapacityReservationArn"]] == (
        "FAILED",
        "the Capacity Block is expired: only scheduled or active ones can be shared",
    )
    assert found[ultra["CapacityReservationArn"]] == (
        "FAILED",
        "Capacity Blocks for EC2 UltraServers cannot be shared",
    )


def test_a_dedicated_reservation_cannot_be_shared(world):
    """capacity-reservation-sharing: you cannot share reservations for dedicated tenancy."""
    cr = reserve(world["ec2"](), Tenancy="dedicated")
    share_arn = share(world, cr["CapacityReservationArn"])
    assert resource_status(world, share_arn)[cr["CapacityReservationArn"]] == (
        "FAILED",
        "Capacity Reservations for dedicated tenancy instances cannot be shared",
    )
    assert world["ec2"](VISION).describe_capacity_reservations()["CapacityReservations"] == []


def test_only_the_owners_own_reservations_can_be_shared(world):
    """capacity-reservation-sharing: to share a reservation you must own it."""
    with pytest.raises(ClientError) as info:
        share(world, f"arn:aws:ec2:us-east-1:{OWNER}:capacity-reservation/cr-00000000000000000")
    assert code(info) == "UnknownResourceException"


# -- billing assignment -------------------------------------------------------------------------


def test_billing_of_unused_capacity_moves_to_a_consumer_once_it_accepts(world):
    """assign-billing / request-billing-transfer: the owner requests, the consumer (shared with,
    same payer) accepts, and becomes UnusedReservationBillingOwnerId; one account at a time; the
    owner revokes it."""
    cr = reserve(world["ec2"]())
    rid = cr["CapacityReservationId"]
    share(world, cr["CapacityReservationArn"])
    owner, consumer = world["ec2"](), world["ec2"](VISION)
    owner.associate_capacity_reservation_billing_owner(
        CapacityReservationId=rid, UnusedReservationBillingOwnerId=VISION
    )
    [request] = consumer.describe_capacity_reservation_billing_requests(
        Role="unused-reservation-billing-owner"
    )["CapacityReservationBillingRequests"]
    assert (request["Status"], request["RequestedBy"]) == ("pending", OWNER)
    assert "UnusedReservationBillingOwnerId" not in described(owner, rid)
    consumer.accept_capacity_reservation_billing_ownership(CapacityReservationId=rid)
    assert described(owner, rid)["UnusedReservationBillingOwnerId"] == VISION
    with pytest.raises(ClientError) as info:
        owner.associate_capacity_reservation_billing_owner(
            CapacityReservationId=rid, UnusedReservationBillingOwnerId=NLP
        )
    assert code(info) == "IncorrectState"
    owner.disassociate_capacity_reservation_billing_owner(
        CapacityReservationId=rid, UnusedReservationBillingOwnerId=VISION
    )
    assert "UnusedReservationBillingOwnerId" not in described(owner, rid)
    statuses = owner.describe_capacity_reservation_billing_requests(Role="odcr-owner")
    assert [r["Status"] for r in statuses["CapacityReservationBillingRequests"]] == ["revoked"]


def test_billing_goes_only_to_an_account_the_reservation_is_shared_with(world):
    cr = reserve(world["ec2"]())
    with pytest.raises(ClientError) as info:
        world["ec2"]().associate_capacity_reservation_billing_owner(
            CapacityReservationId=cr["CapacityReservationId"],
            UnusedReservationBillingOwnerId=VISION,
        )
    assert code(info) == "InvalidParameterValue"
    assert "is not shared with 333333333333" in str(info.value)


def test_an_unanswered_billing_request_expires_after_12_hours(world):
    """accept-decline-billing-transfer: a request neither accepted nor rejected within 12 hours
    (catalog capacity_kinds.yaml `billing_request_expiry`) expires."""
    hours = load_capacity_kinds().billing_request_expiry.hours
    cr = reserve(world["ec2"]())
    share(world, cr["CapacityReservationArn"])
    world["ec2"]().associate_capacity_reservation_billing_owner(
        CapacityReservationId=cr["CapacityReservationId"], UnusedReservationBillingOwnerId=VISION
    )
    advance_clock(timedelta(hours=hours, minutes=-1))
    [pending] = world["ec2"]().describe_capacity_reservation_billing_requests(Role="odcr-owner")[
        "CapacityReservationBillingRequests"
    ]
    assert pending["Status"] == "pending", "a minute before the expiry it still waits"
    advance_clock(timedelta(minutes=2))
    [request] = world["ec2"]().describe_capacity_reservation_billing_requests(Role="odcr-owner")[
        "CapacityReservationBillingRequests"
    ]
    assert request["Status"] == "expired"
    with pytest.raises(ClientError) as info:
        world["ec2"](VISION).accept_capacity_reservation_billing_ownership(
            CapacityReservationId=cr["CapacityReservationId"]
        )
    assert code(info) == "IncorrectState"


def test_billing_is_revoked_when_the_reservation_is_no_longer_shared(world):
    """assign-billing, considerations: billing is revoked automatically once the reservation is
    no longer shared with the account."""
    cr = reserve(world["ec2"]())
    rid = cr["CapacityReservationId"]
    share_arn = share(world, cr["CapacityReservationArn"])
    world["ec2"]().associate_capacity_reservation_billing_owner(
        CapacityReservationId=rid, UnusedReservationBillingOwnerId=VISION
    )
    world["ec2"](VISION).accept_capacity_reservation_billing_ownership(CapacityReservationId=rid)
    world["ram"].disassociate_resource_share(resourceShareArn=share_arn, principals=[world["ou"]])
    [request] = world["ec2"]().describe_capacity_reservation_billing_requests(Role="odcr-owner")[
        "CapacityReservationBillingRequests"
    ]
    assert request["Status"] == "revoked"
    assert "UnusedReservationBillingOwnerId" not in described(world["ec2"](), rid)


# -- interruptible Capacity Reservations --------------------------------------------------------


def test_an_interruptible_reservation_is_carved_from_an_active_source_and_reclaimed(world):
    """interruptible-capacity-reservations: created from the unused capacity of an active source
    with no end date; targeted, with its own market type; shared through RAM; when the owner
    reclaims, consumers' instances are terminated and the capacity returns to the source."""
    owner = world["ec2"]()
    source = reserve(owner, count=4)
    owner.create_interruptible_capacity_reservation_allocation(
        CapacityReservationId=source["CapacityReservationId"], InstanceCount=3
    )
    [allocation] = [
        r
        for r in owner.describe_capacity_reservations()["CapacityReservations"]
        if r["Interruptible"]
    ]
    assert (allocation["InstanceMatchCriteria"], allocation["TotalInstanceCount"]) == (
        "targeted",
        3,
    )
    assert described(owner, source["CapacityReservationId"])["TotalInstanceCount"] == 1
    share(world, allocation["CapacityReservationArn"])
    consumer = world["ec2"](NLP)
    instances = launch(
        consumer,
        count=2,
        target=allocation["CapacityReservationId"],
        InstanceMarketOptions={"MarketType": "interruptible-capacity-reservation"},
    )
    owner.update_interruptible_capacity_reservation_allocation(
        CapacityReservationId=source["CapacityReservationId"], TargetInstanceCount=1
    )
    states = {
        i["InstanceId"]: i["State"]["Name"]
        for r in consumer.describe_instances()["Reservations"]
        for i in r["Instances"]
    }
    assert sorted(states[i["InstanceId"]] for i in instances) == ["running", "terminated"]
    assert described(owner, source["CapacityReservationId"])["TotalInstanceCount"] == 3
    with pytest.raises(ClientError) as info:
        owner.cancel_capacity_reservation(CapacityReservationId=allocation["CapacityReservationId"])
    assert code(info) == "UnsupportedOperation"


def test_no_interruptible_allocation_from_a_source_with_an_end_date(world):
    """capacity-owner-procedures: the source must be active with no end date set."""
    owner = world["ec2"]()
    source = reserve(owner, EndDateType="limited", EndDate=datetime.now(UTC) + timedelta(days=3))
    with pytest.raises(ClientError) as info:
        owner.create_interruptible_capacity_reservation_allocation(
            CapacityReservationId=source["CapacityReservationId"], InstanceCount=1
        )
    assert "it has an end date" in str(info.value)


# -- usage and metrics --------------------------------------------------------------------------


def test_usage_shows_the_owner_every_account_and_a_consumer_only_itself(world):
    """GetCapacityReservationUsage: for a shared reservation, the owner and each account using
    it."""
    cr = reserve(world["ec2"](), count=4)
    rid = cr["CapacityReservationId"]
    share(world, cr["CapacityReservationArn"])
    launch(world["ec2"](VISION), count=2, target=rid)
    launch(world["ec2"](NLP), target=rid)
    launch(world["ec2"](), target=rid)
    usage = world["ec2"]().get_capacity_reservation_usage(CapacityReservationId=rid)
    assert usage["InstanceUsages"] == [
        {"AccountId": OWNER, "UsedInstanceCount": 1},
        {"AccountId": VISION, "UsedInstanceCount": 2},
        {"AccountId": NLP, "UsedInstanceCount": 1},
    ]
    assert usage["AvailableInstanceCount"] == 0
    mine = world["ec2"](NLP).get_capacity_reservation_usage(CapacityReservationId=rid)
    assert mine["InstanceUsages"] == [{"AccountId": NLP, "UsedInstanceCount": 1}]


def test_reservations_publish_usage_metrics_every_five_minutes(emulator, world):
    """capacity-reservation-cw-metrics: AWS/EC2CapacityReservations, dimension
    CapacityReservationId, every five minutes."""
    cr = reserve(world["ec2"](), count=2)
    launch(world["ec2"](), target=cr["CapacityReservationId"])
    start = datetime.now(UTC)
    advance_clock(timedelta(hours=1))
    data = emulator.client("cloudwatch", OWNER).get_metric_data(
        MetricDataQueries=[
            {
                "Id": "idle",
                "MetricStat": {
                    "Metric": {
                        "Namespace": METRICS_NAMESPACE,
                        "MetricName": "AvailableInstanceCount",
                        "Dimensions": [
                            {"Name": "CapacityReservationId", "Value": cr["CapacityReservationId"]}
                        ],
                    },
                    "Period": 7200,
                    "Stat": "SampleCount",
                },
            }
        ],
        StartTime=start - timedelta(minutes=1),
        EndTime=start + timedelta(hours=1, minutes=6),
    )["MetricDataResults"][0]
    assert data["Values"] == [12.0]  # one each five minutes, none before the first mark
