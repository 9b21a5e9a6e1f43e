"""EC2 capacity as the emulator keeps it: On-Demand Capacity Reservations, Capacity Blocks for ML
and interruptible Capacity Reservations; who may see and launch into them (RAM shares), how
instances consume them, and who pays for their unused part. moto has none of it (AWS-FACTS §9).

State and AWS rules only; `capacity_wire` turns EC2 and RAM requests into calls on `WORLD`.
Each rule names the document it follows (EC2 user guide pages, read 2026-11-29):
capacity-reservation-sharing, sharing-cr, unsharing-cr, capacity-blocks-share,
capacity-blocks-using, capacity-blocks-launch, assign-billing, request-billing-transfer,
interruptible-capacity-reservations, capacity-consumer-procedures, capacity-reservation-cw-metrics;
EC2 API reference: CapacityReservationSpecification, CancelCapacityReservation,
GetCapacityReservationUsage, DescribeCapacityBlockOfferings, "Error codes for the Amazon EC2 API".
Where AWS does not document the exact answer (an error code, an order), the docstring says
`Assumption:`.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import ec2_backends
from moto.organizations.models import organizations_backends
from moto.ram.exceptions import UnknownResourceException
from moto.ram.models import ram_backends

ON_DEMAND = "on-demand"
CAPACITY_BLOCK = "capacity-block"
INTERRUPTIBLE = "interruptible"
RUNNING = ("pending", "running")  # instance states that hold a place in a reservation
METRICS_NAMESPACE = "AWS/EC2CapacityReservations"
METRIC_STEP = timedelta(minutes=5)  # capacity-reservation-cw-metrics: "every five minutes"
BILLING_REQUEST_TTL = timedelta(hours=12)  # assign-billing: accept or reject within 12 hours
MAX_INTERRUPTIBLE = 1000  # capacity-owner-procedures: at most 1000 instances at once
_CR_ARN = re.compile(r"^arn:[\w-]+:ec2:([\w-]+):(\d{12}):capacity-reservation/(cr-[0-9a-f]+)$")
_OU_ARN = re.compile(r"^arn:[\w-]+:organizations::\d{12}:ou/o-\w+/(ou-[\w-]+)$")
_ORG_ARN = re.compile(r"^arn:[\w-]+:organizations::\d{12}:organization/(o-\w+)$")
_IAM_ARN = re.compile(r"^arn:[\w-]+:iam::(\d{12}):")


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
    instance_type: str
    platform: str
    availability_zone: str
    tenancy: str
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
        return [(a, i) for a, i in self.instances if _instance_state(a, self.region, i) in RUNNING]

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


def _naive(moment: datetime) -> datetime:
    """moto stores instants as naive UTC; compare with it on its terms."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _instance(account: str, region: str, instance_id: str) -> Any:
    for instance in ec2_backends[account][region].all_instances():
        if instance.id == instance_id:
            return instance
    return None


def _instance_state(account: str, region: str, instance_id: str) -> str:
    instance = _instance(account, region, instance_id)
    return str(instance.state) if instance is not None else "terminated"


# -- the organization, as RAM sees it -------------------------------------------------------------


def _org_backend(account: str) -> Any:
    for backend in organizations_backends[account].values():
        if backend.org:
            return backend
    linked = organizations_backends.master_accounts.get(account)
    if linked is None:
        return None
    master, partition = linked
    return organizations_backends[master][partition]


def in_organization(owner: str, account: str) -> bool:
    """Whether `account` is in the organization `owner` belongs to."""
    backend = _org_backend(owner)
    if backend is None or backend.org is None:
        return False
    return account == backend.org.master_account_id or any(
        a.id == account for a in backend.accounts
    )


def _parents(backend: Any, account: str) -> set[str]:
    """Every OU above `account` (RAM: sharing with an OU reaches the accounts in its subtree)."""
    parents: set[str] = set()
    node = next((a.parent_id for a in backend.accounts if a.id == account), None)
    units = {u.id: u.parent_id for u in backend.ou}
    while node is not None and node in units and node not in parents:
        parents.add(node)
        node = units[node]
    return parents


def principal_reaches(principal: str, account: str, owner: str) -> bool:
    """Whether a share's principal reaches `account` (RAM API reference, principals)."""
    if principal == account:
        return True
    iam = _IAM_ARN.match(principal)
    if iam:
        return iam.group(1) == account
    if _ORG_ARN.match(principal):
        backend = _org_backend(owner)
        return bool(backend and backend.org and backend.org.arn == principal) and in_organization(
            owner, account
        )
    unit = _OU_ARN.match(principal)
    if unit:
        backend = _org_backend(owner)
        return backend is not None and unit.group(1) in _parents(backend, account)
    return False


def outside_organization(principal: str, owner: str) -> bool:
    """A principal naming an account outside the owner's organization."""
    account = principal if re.fullmatch(r"\d{12}", principal) else None
    iam = _IAM_ARN.match(principal)
    account = iam.group(1) if iam else account
    return account is not None and not in_organization(owner, account)


# -- the world ------------------------------------------------------------------------------------


class CapacityWorld:
    """Every reservation, offering and billing request of the running emulator (all accounts)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        self.reservations: dict[str, Reservation] = {}
        self.offerings: dict[str, Offering] = {}
        self.billing: list[BillingRequest] = []
        self.offset = timedelta()
        self._ids = itertools.count(1)

    # -- time: the emulator's clock, which tests may move forward ----------------------------

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward; the reservations publish their metrics at every five-minute
        mark of the skipped time, as EC2 does (capacity-reservation-cw-metrics). Nothing else
        publishes: a fresh reservation has no datapoint yet."""
        with self.lock:
            start = self.now()
            self.offset += delta
            epoch = datetime(2000, 1, 1, tzinfo=UTC)
            moment = start + (METRIC_STEP - (start - epoch) % METRIC_STEP)
            while moment <= self.now():
                for reservation in self.reservations.values():
                    self.publish(reservation, moment)
                moment += METRIC_STEP

    def new_id(self, prefix: str, seed: str) -> str:
        digest = hashlib.sha256(f"{seed}/{next(self._ids)}".encode()).hexdigest()
        return f"{prefix}-{digest[:17]}"

    # -- reservations -----------------------------------------------------------------------

    def add(self, reservation: Reservation) -> Reservation:
        with self.lock:
            self.reservations[reservation.id] = reservation
            if reservation.match == "open":
                self.absorb(reservation)
            return reservation

    def get(self, reservation_id: str) -> Reservation:
        found = self.reservations.get(reservation_id)
        if found is None:
            raise not_found(reservation_id)
        return found

    def by_arn(self, arn: str) -> Reservation | None:
        match = _CR_ARN.match(arn)
        if match is None:
            return None
        found = self.reservations.get(match.group(3))
        if found is None or found.owner != match.group(2) or found.region != match.group(1):
            return None
        return found

    def visible(self, account: str, region: str) -> list[Reservation]:
        """What DescribeCapacityReservations lists for `account`: the reservations it owns and
        those shared with it (capacity-reservation-sharing: "Identifying a shared Capacity
        Reservation")."""
        return [
            r
            for r in self.reservations.values()
            if r.region == region and (r.owner == account or self.shared_with(r, account))
        ]

    def owned(self, reservation_id: str, account: str, action: str) -> Reservation:
        """The reservation, if `account` owns it. Consumers "cannot modify the shared Capacity
        Reservation in any way" (capacity-reservation-sharing, permissions for consumers).
        Assumption: they get UnauthorizedOperation; accounts it is not shared with, NotFound."""
        found = self.get(reservation_id)
        if found.owner == account:
            return found
        if self.shared_with(found, account):
            raise CapacityError(
                "UnauthorizedOperation",
                f"{account} cannot {action} {reservation_id}: only its owner {found.owner} can",
            )
        raise not_found(reservation_id)

    # -- sharing ----------------------------------------------------------------------------

    def shares_of(self, reservation: Reservation) -> Iterator[Any]:
        """The owner's active RAM shares whose association with the reservation did not fail."""
        for share in ram_backends[reservation.owner][reservation.region].resource_shares:
            failed: dict[str, str] = getattr(share, "trainshare_failed", {})
            if (
                share.status == "ACTIVE"
                and reservation.arn in share.resource_arns
                and reservation.arn not in failed
            ):
                yield share

    def shared_with(self, reservation: Reservation, account: str) -> bool:
        if account == reservation.owner:
            return False
        return any(
            principal_reaches(p, account, reservation.owner)
            for share in self.shares_of(reservation)
            for p in share.principals
        )

    def refusal(self, share: Any, arn: str) -> str | None:
        """Why RAM cannot share this reservation in `share` (None: it can).

        capacity-reservation-sharing: you must own it; shared tenancy only. capacity-blocks-share:
        only while scheduled or active, inside the organization only, not UltraServer blocks.
        Assumption: an unknown or foreign reservation is refused at once with
        UnknownResourceException; a rule broken by a known one leaves the association FAILED with
        a status message (AWS-FACTS §9: launches then fall back to On-Demand, so the audit checks
        association status).
        """
        reservation = self.by_arn(arn)
        if reservation is None or reservation.owner != share.account_id:
            raise UnknownResourceException(f"Capacity Reservation {arn} could not be found.")
        if reservation.tenancy == "dedicated":
            return "Capacity Reservations for dedicated tenancy instances cannot be shared"
        if reservation.kind != CAPACITY_BLOCK:
            return None
        if reservation.ultraserver_type:
            return "Capacity Blocks for EC2 UltraServers cannot be shared"
        state = reservation.state(self.now())
        if state not in ("scheduled", "active"):
            return f"the Capacity Block is {state}: only scheduled or active ones can be shared"
        outside = sorted(p for p in share.principals if outside_organization(p, share.account_id))
        if outside:
            return (
                "Capacity Blocks can be shared only within the organization; "
                f"{', '.join(outside)} is outside it"
            )
        return None

    def absorb_region(self, region: str) -> None:
        with self.lock:
            for reservation in list(self.reservations.values()):
                if reservation.region == region:
                    self.absorb(reservation)

    def release_unreachable(self, region: str) -> None:
        """unsharing-cr: consumers' instances keep running, outside the reserved capacity, and
        the capacity goes back to the reservation."""
        with self.lock:
            for reservation in self.reservations.values():
                if reservation.region != region:
                    continue
                reservation.instances = [
                    (a, i)
                    for a, i in reservation.instances
                    if a == reservation.owner or self.shared_with(reservation, a)
                ]

    # -- launching --------------------------------------------------------------------------

    def absorb(self, reservation: Reservation) -> None:
        """sharing-cr: running instances with matching attributes and an `open` preference that
        are not yet in reserved capacity start using an open reservation once they can (the
        owner's when it is created, consumers' when it is shared with them)."""
        now = self.now()
        if reservation.match != "open" or reservation.state(now) != "active":
            return
        for account, backend in _accounts_in(reservation.region):
            if account != reservation.owner and not self.shared_with(reservation, account):
                continue
            for instance in backend.all_instances():
                if reservation.available(now) <= 0:
                    return
                if (
                    str(instance.state) in RUNNING
                    and getattr(instance, "capacity_reservation_id", None) is None
                    and preference(instance) == "open"
                    and matches(reservation, describe_instance(instance))
                ):
                    self.assign(reservation, account, instance)

    def assign(self, reservation: Reservation, account: str, instance: Any) -> None:
        reservation.instances.append((account, instance.id))
        instance.capacity_reservation_id = reservation.id

    def open_candidates(self, account: str, region: str, wanted: dict[str, str]) -> list[Any]:
        """Open, active reservations an instance with `wanted` attributes may run in.
        Assumption: the account's own reservations first, then shared ones, oldest first (the
        EC2 guide states no order)."""
        now = self.now()
        found = [
            r
            for r in self.visible(account, region)
            if r.match == "open" and r.state(now) == "active" and matches(r, wanted)
        ]
        return sorted(found, key=lambda r: (r.owner != account, r.created, r.id))

    # -- metrics ----------------------------------------------------------------------------

    def publish(self, reservation: Reservation, moment: datetime) -> None:
        """The four usage metrics of an active reservation, in its owner's account, at a
        five-minute mark of the emulator's clock (`advance`): EC2 publishes every five minutes,
        and nothing for a reservation active less than five minutes."""
        if reservation.state(moment) != "active":
            return
        used = reservation.used()
        total = reservation.total
        values = {
            "UsedInstanceCount": float(used),
            "AvailableInstanceCount": float(max(total - used, 0)),
            "TotalInstanceCount": float(total),
            "InstanceUtilization": 100.0 * used / total if total else 0.0,
        }
        backend = cloudwatch_backends[reservation.owner][reservation.region]
        backend.put_metric_data(
            METRICS_NAMESPACE,
            [
                {
                    "MetricName": name,
                    "Value": value,
                    "Unit": "Percent" if name == "InstanceUtilization" else "Count",
                    "Timestamp": _naive(moment),
                    "Dimensions": [{"Name": "CapacityReservationId", "Value": reservation.id}],
                }
                for name, value in values.items()
            ],
        )

    # -- billing assignment (assign-billing) -------------------------------------------------

    def billing_requests(self) -> list[BillingRequest]:
        """Every request, with those left unanswered for 12 hours expired, and accepted ones
        revoked once the reservation is no longer shared with their account (assign-billing,
        considerations)."""
        now = self.now()
        for request in self.billing:
            if request.status == "pending" and now - request.updated > BILLING_REQUEST_TTL:
                request.status, request.updated = "expired", request.updated + BILLING_REQUEST_TTL
            reservation = self.reservations.get(request.reservation)
            if (
                request.status == "accepted"
                and reservation is not None
                and not self.shared_with(reservation, request.billing_owner)
            ):
                request.status, request.updated = "revoked", now
                request.message = "the Capacity Reservation is no longer shared with the account"
                reservation.billing_owner = None
        return self.billing


def _accounts_in(region: str) -> Iterator[tuple[str, Any]]:
    for account in list(ec2_backends.keys()):
        backends = ec2_backends[account]
        if region in backends:
            yield account, backends[region]


def platform_of(instance: Any) -> str:
    """The instance's platform as Capacity Reservations name it (InstancePlatform)."""
    return (
        "Windows"
        if str(getattr(instance, "platform", "") or "").lower() == "windows"
        else ("Linux/UNIX")
    )


def describe_instance(instance: Any) -> dict[str, str]:
    placement = getattr(instance, "_placement", None)
    zone = getattr(placement, "zone", None) or getattr(instance, "availability_zone", "")
    return {
        "instance_type": str(instance.instance_type),
        "platform": platform_of(instance),
        "availability_zone": str(zone),
        "tenancy": str(getattr(placement, "tenancy", None) or "default"),
    }


def matches(reservation: Reservation, wanted: dict[str, str]) -> bool:
    """Instance type, platform, Availability Zone and tenancy (CapacityReservationSpecification:
    "open - ... any open Capacity Reservation that has matching attributes")."""
    return (
        reservation.instance_type == wanted["instance_type"]
        and reservation.platform == wanted["platform"]
        and reservation.availability_zone == wanted["availability_zone"]
        and reservation.tenancy == wanted["tenancy"]
    )


def preference(instance: Any) -> str:
    """An instance launched with a target has none (it never moves into an open one)."""
    spec = getattr(instance, "capacity_reservation_specification", None) or {}
    if spec.get("CapacityReservationTarget"):
        return "targeted"
    return str(spec.get("CapacityReservationPreference") or "open")


WORLD = CapacityWorld()


def reset() -> None:
    """A new emulator starts with no capacity (moto_api_backend.reset clears the rest)."""
    with WORLD.lock:
        WORLD.reset()


def advance_clock(delta: timedelta) -> None:
    """Move the emulator's clock forward (tests: a block that starts, ends, idle hours)."""
    WORLD.advance(delta)


def adopt_reservation(
    owner: str,
    region: str,
    reservation_id: str,
    *,
    instance_type: str = "p5.48xlarge",
    count: int = 2,
    match: str = "targeted",
    kind: str = ON_DEMAND,
    availability_zone: str | None = None,
    platform: str = "Linux/UNIX",
    tenancy: str = "default",
    end: datetime | None = None,
    ultraserver_type: str | None = None,
) -> Reservation:
    """A reservation with the ID a spec names (one that existed before trainshare): the
    emulator draws IDs of its own otherwise."""
    with WORLD.lock:
        existing = WORLD.reservations.get(reservation_id)
        if existing is not None:
            return existing
        now = WORLD.now()
        block = kind == CAPACITY_BLOCK
        return WORLD.add(
            Reservation(
                id=reservation_id,
                owner=owner,
                region=region,
                instance_type=instance_type,
                platform=platform,
                availability_zone=availability_zone or f"{region}a",
                tenancy=tenancy,
                total=count,
                match="targeted" if kind != ON_DEMAND else match,
                start=now,
                end=end if end is not None or not block else now + timedelta(days=14),
                created=now,
                kind=kind,
                capacity_block_id=WORLD.new_id("cb", reservation_id) if block else None,
                ultraserver_type=ultraserver_type,
            )
        )
