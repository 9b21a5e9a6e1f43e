"""The capacity the emulator keeps, as data: a Capacity Reservation (a Capacity Block and an
interruptible one are reservations too), a Capacity Block offering and a request to assign the
billing of a reservation's unused capacity; the EC2 error they answer with. A reservation knows
its own state and counts (capacity-blocks-view, GetCapacityReservationUsage); the rules between
reservations, shares and instances are in `store`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from moto.ec2.exceptions import EC2ClientError

from trainshare.catalog.capacity import load_capacity_kinds
from trainshare.emulator.capacity.instances import RUNNING, InstanceAttributes, instance_state

ON_DEMAND = "on-demand"
CAPACITY_BLOCK = "capacity-block"
INTERRUPTIBLE = "interruptible"
# accept-decline-billing-transfer: a request unanswered this long expires (catalog data)
BILLING_REQUEST_TTL = timedelta(hours=load_capacity_kinds().billing_request_expiry.hours)
MAX_INTERRUPTIBLE = 1000  # capacity-owner-procedures: at most 1000 instances at once


class CapacityError(EC2ClientError):
    """An EC2 error answer: `CapacityError(code, message)`."""


def not_found(reservation_id: str) -> CapacityError:
    # terraform-provider-aws reads this code from DescribeCapacityReservations
    # (internal/service/ec2/errors.go: errCodeInvalidCapacityReservationIdNotFound)
    return CapacityError(
        "InvalidCapacityReservationId.NotFound",
        f"The Capacity Reservation ID '{reservation_id}' does not exist",
    )


@dataclass
class Reservation:
    """One Capacity Reservation (a Capacity Block and an interruptible one are reservations too:
    DescribeCapacityReservations lists them, with ReservationType and Interruptible)."""

    id: str
    owner: str
    region: str
    attributes: InstanceAttributes
    total: int
    match: str  # open | targeted
    start: datetime
    end: datetime | None
    created: datetime
    kind: str = ON_DEMAND
    capacity_block_id: str | None = None
    ultraserver_type: str | None = None
    source: str | None = None  # interruptible: the reservation it was carved from
    allocation: str | None = None  # a source: its interruptible reservation
    cancelled: bool = False
    billing_owner: str | None = None  # accepted UnusedReservationBillingOwnerId
    tags: dict[str, str] = field(default_factory=dict)
    instances: list[tuple[str, str]] = field(default_factory=list)  # (account, instance ID)

    def matches(self, wanted: InstanceAttributes) -> bool:
        """An instance with `wanted` attributes may run in it (`InstanceAttributes`)."""
        return self.attributes == wanted

    @property
    def partition(self) -> str:
        return "aws-cn" if self.region.startswith("cn-") else "aws"

    @property
    def arn(self) -> str:
        return f"arn:{self.partition}:ec2:{self.region}:{self.owner}:capacity-reservation/{self.id}"

    def state(self, now: datetime) -> str:
        if self.cancelled:
            return "cancelled"
        if now < self.start:
            return "scheduled"
        if self.end is not None and now >= self.end:
            return "expired"
        return "active"

    def running(self) -> list[tuple[str, str]]:
        """The instances that hold a place now (stopped and terminated ones gave it back)."""
        return [(a, i) for a, i in self.instances if instance_state(a, self.region, i) in RUNNING]

    def used(self) -> int:
        return len(self.running())

    def available(self, now: datetime) -> int:
        """capacity-blocks-view: before a block begins its available capacity appears as zero."""
        if self.state(now) != "active":
            return 0
        return max(self.total - self.used(), 0)

    def usage(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for account, _ in self.running():
            counts[account] = counts.get(account, 0) + 1
        return counts


@dataclass
class Offering:
    id: str
    instance_type: str
    availability_zone: str
    count: int
    start: datetime
    hours: int
    ultraserver_type: str | None = None
    ultraserver_count: int | None = None

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=self.hours)


@dataclass
class BillingRequest:
    reservation: str
    requested_by: str
    billing_owner: str  # the consumer asked to pay for unused capacity
    status: str  # pending | accepted | rejected | cancelled | revoked | expired
    updated: datetime
    message: str = ""
