"""`WORLD`, every Capacity Reservation, offering and billing request of the running emulator
(all accounts), and the rules between them, shares and instances: who sees and may launch into
a reservation (RAM shares), whether RAM may share it, how open reservations take in running
instances, and when a billing request expires or is revoked. Its clock is the emulator's, which
tests move forward (`advance_clock`).
"""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.ram.exceptions import UnknownResourceException
from moto.ram.models import ram_backends

from trainshare.emulator.capacity.instances import (
    RUNNING,
    InstanceAttributes,
    accounts_in,
    attributes_of,
    preference,
)
from trainshare.emulator.capacity.metrics import METRIC_STEP, publish
from trainshare.emulator.capacity.model import (
    BILLING_REQUEST_TTL,
    CAPACITY_BLOCK,
    ON_DEMAND,
    BillingRequest,
    CapacityError,
    Offering,
    Reservation,
    not_found,
)
from trainshare.emulator.organization import outside_organization, principal_reaches

_CR_ARN = re.compile(r"^arn:[\w-]+:ec2:([\w-]+):(\d{12}):capacity-reservation/(cr-[0-9a-f]+)$")


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
                    publish(reservation, moment)
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
        if reservation.attributes.tenancy == "dedicated":
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
        for account, backend in accounts_in(reservation.region):
            if account != reservation.owner and not self.shared_with(reservation, account):
                continue
            for instance in backend.all_instances():
                if reservation.available(now) <= 0:
                    return
                if (
                    str(instance.state) in RUNNING
                    and getattr(instance, "capacity_reservation_id", None) is None
                    and preference(instance) == "open"
                    and reservation.matches(attributes_of(instance))
                ):
                    self.assign(reservation, account, instance)

    def assign(self, reservation: Reservation, account: str, instance: Any) -> None:
        reservation.instances.append((account, instance.id))
        instance.capacity_reservation_id = reservation.id

    def open_candidates(
        self, account: str, region: str, wanted: InstanceAttributes
    ) -> list[Reservation]:
        """Open, active reservations an instance with `wanted` attributes may run in.
        Assumption: the account's own reservations first, then shared ones, oldest first (the
        EC2 guide states no order)."""
        now = self.now()
        found = [
            r
            for r in self.visible(account, region)
            if r.match == "open" and r.state(now) == "active" and r.matches(wanted)
        ]
        return sorted(found, key=lambda r: (r.owner != account, r.created, r.id))

    # -- billing assignment (assign-billing) -------------------------------------------------

    def billing_requests(self) -> list[BillingRequest]:
        """Every request, with those left unanswered for BILLING_REQUEST_TTL (12 hours, catalog
        data) expired, and accepted ones
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
                attributes=InstanceAttributes(
                    instance_type, platform, availability_zone or f"{region}a", tenancy
                ),
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
