"""The EC2 calls of On-Demand Capacity Reservations: create, describe (IDs, filters, pages),
modify, cancel, and their usage by account (EC2 API reference; capacity-reservation-sharing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult

from trainshare.emulator.capacity.instances import InstanceAttributes
from trainshare.emulator.capacity.model import (
    CAPACITY_BLOCK,
    INTERRUPTIBLE,
    CapacityError,
    Reservation,
    not_found,
)
from trainshare.emulator.capacity.store import WORLD
from trainshare.emulator.capacity_wire.shapes import describe, one_page, request_tags, when


def create_capacity_reservation(self: Any) -> ActionResult:
    """CreateCapacityReservation; the default InstanceMatchCriteria is open and Tenancy default
    (API reference). A future StartDate makes it `scheduled` until then."""
    now = WORLD.now()
    count = int(self._get_param("InstanceCount") or 0)
    if count < 1:
        raise CapacityError("InvalidParameterValue", "InstanceCount must be at least 1")
    end_type = self._get_param("EndDateType") or "unlimited"
    end = when(self._get_param("EndDate"))
    if (end_type == "limited") != (end is not None):
        raise CapacityError(
            "InvalidParameterCombination",
            "EndDate is required with EndDateType limited, and not allowed with unlimited",
        )
    start = when(self._get_param("StartDate")) or now
    seed = f"{self.current_account}/{self.region}/{now.isoformat()}"
    with WORLD.lock:
        reservation = WORLD.add(
            Reservation(
                id=WORLD.new_id("cr", seed),
                owner=self.current_account,
                region=self.region,
                attributes=InstanceAttributes(
                    instance_type=self._get_param("InstanceType"),
                    platform=self._get_param("InstancePlatform"),
                    availability_zone=self._get_param("AvailabilityZone") or f"{self.region}a",
                    tenancy=self._get_param("Tenancy") or "default",
                ),
                total=count,
                match=self._get_param("InstanceMatchCriteria") or "open",
                start=start,
                end=end,
                created=now,
                tags=request_tags(self),
            )
        )
        return ActionResult({"CapacityReservation": describe(reservation)})


def describe_capacity_reservations(self: Any) -> ActionResult:
    with WORLD.lock:
        visible = WORLD.visible(self.current_account, self.region)
        wanted = self._get_param("CapacityReservationIds") or []
        if wanted:
            by_id = {r.id: r for r in visible}
            missing = [i for i in wanted if i not in by_id]
            if missing:
                raise not_found(missing[0])
            visible = [by_id[i] for i in dict.fromkeys(wanted)]
        visible = _filtered(visible, self._filters_from_querystring())
        page, token = one_page(self, sorted(visible, key=lambda r: (r.created, r.id)))
        return ActionResult(
            {"CapacityReservations": [describe(r) for r in page], "NextToken": token}
        )


def modify_capacity_reservation(self: Any) -> ActionResult:
    """ModifyCapacityReservation: the owner changes the count, the end, or the matching.
    "You can't modify or cancel a Capacity Block" (CancelCapacityReservation); an interruptible
    one is changed through its source (interruptible-capacity-reservations, considerations).
    Assumption: the count cannot go below the instances running in it."""
    with WORLD.lock:
        reservation = WORLD.owned(
            self._get_param("CapacityReservationId"), self.current_account, "modify"
        )
        _refuse_kind(reservation, "modify")
        count = self._get_param("InstanceCount")
        if count is not None:
            if int(count) < max(reservation.used(), 1):
                raise CapacityError(
                    "InvalidParameterValue",
                    f"InstanceCount {count} is below the {reservation.used()} instance(s) "
                    f"running in {reservation.id}",
                )
            reservation.total = int(count)
        end_type = self._get_param("EndDateType")
        if end_type == "unlimited":
            reservation.end = None
        elif end_type == "limited" or self._get_param("EndDate"):
            reservation.end = when(self._get_param("EndDate"))
        match = self._get_param("InstanceMatchCriteria")
        if match:
            reservation.match = match
            WORLD.absorb(reservation)
        return ActionResult({"Return": True})


def cancel_capacity_reservation(self: Any) -> ActionResult:
    """CancelCapacityReservation: state `cancelled`; instances running in it keep running (as
    On-Demand, outside it)."""
    with WORLD.lock:
        reservation = WORLD.owned(
            self._get_param("CapacityReservationId"), self.current_account, "cancel"
        )
        _refuse_kind(reservation, "cancel")
        reservation.cancelled = True
        reservation.instances = []
        return ActionResult({"Return": True})


def _refuse_kind(reservation: Reservation, verb: str) -> None:
    if reservation.kind == CAPACITY_BLOCK:
        raise CapacityError("UnsupportedOperation", f"You can't {verb} a Capacity Block")
    if reservation.kind == INTERRUPTIBLE:
        raise CapacityError(
            "UnsupportedOperation",
            f"You can't {verb} an interruptible Capacity Reservation: update the allocation of "
            f"its source {reservation.source}",
        )


def get_capacity_reservation_usage(self: Any) -> ActionResult:
    """GetCapacityReservationUsage: for a shared reservation, the owner and each account using it.
    Assumption: a consumer sees its own line only (it "cannot view ... instances that are owned
    by other consumers", capacity-reservation-sharing)."""
    with WORLD.lock:
        reservation = WORLD.get(self._get_param("CapacityReservationId"))
        account = self.current_account
        if account != reservation.owner and not WORLD.shared_with(reservation, account):
            raise not_found(reservation.id)
        usage = reservation.usage()
        if account != reservation.owner:
            usage = {a: n for a, n in usage.items() if a == account}
        lines = [{"AccountId": a, "UsedInstanceCount": n} for a, n in sorted(usage.items())]
        page, token = one_page(self, lines)
        now = WORLD.now()
        return ActionResult(
            {
                "CapacityReservationId": reservation.id,
                "InstanceType": reservation.attributes.instance_type,
                "TotalInstanceCount": reservation.total,
                "AvailableInstanceCount": reservation.available(now),
                "State": reservation.state(now),
                "InstanceUsages": page,
                "Interruptible": reservation.kind == INTERRUPTIBLE,
                "NextToken": token,
            }
        )


def _filtered(items: list[Reservation], filters: dict[str, list[str]]) -> list[Reservation]:
    fields: dict[str, Callable[[Reservation], str]] = {
        "instance-type": lambda r: r.attributes.instance_type,
        "owner-id": lambda r: r.owner,
        "instance-platform": lambda r: r.attributes.platform,
        "availability-zone": lambda r: r.attributes.availability_zone,
        "tenancy": lambda r: r.attributes.tenancy,
        "state": lambda r: r.state(WORLD.now()),
        "instance-match-criteria": lambda r: r.match,
        "end-date-type": lambda r: "limited" if r.end else "unlimited",
    }
    for name, values in filters.items():
        if name not in fields:
            raise CapacityError("InvalidParameterValue", f"The filter '{name}' is invalid")
        items = [r for r in items if fields[name](r) in values]
    return items
