"""The EC2 calls of interruptible Capacity Reservations: an owner carves one from an On-Demand
reservation's unused capacity, and grows or reclaims it (interruptible-capacity-reservations,
capacity-owner-procedures).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.models import ec2_backends

from trainshare.emulator.capacity.model import (
    INTERRUPTIBLE,
    MAX_INTERRUPTIBLE,
    ON_DEMAND,
    CapacityError,
    Reservation,
)
from trainshare.emulator.capacity.store import WORLD
from trainshare.emulator.capacity_wire.shapes import request_tags


def create_interruptible_capacity_reservation_allocation(self: Any) -> ActionResult:
    """The source must be active with no end date and have the instances available; one
    allocation per source, at most 1000 instances (capacity-owner-procedures, prerequisites).
    The new reservation is targeted (interruptible-capacity-reservations, considerations)."""
    count = int(self._get_param("InstanceCount") or 0)
    with WORLD.lock:
        source = WORLD.owned(
            self._get_param("CapacityReservationId"), self.current_account, "allocate from"
        )
        now = WORLD.now()
        problem = _allocation_problem(source, count, now)
        if problem:
            raise CapacityError(
                "InvalidParameterValue", f"Cannot allocate from {source.id}: {problem}"
            )
        interruptible = Reservation(
            id=WORLD.new_id("cr", source.id),
            owner=source.owner,
            region=source.region,
            attributes=source.attributes,
            total=count,
            match="targeted",
            start=now,
            end=None,
            created=now,
            kind=INTERRUPTIBLE,
            source=source.id,
            tags=request_tags(self),
        )
        source.total -= count
        source.allocation = interruptible.id
        WORLD.add(interruptible)
        return ActionResult(
            {
                "SourceCapacityReservationId": source.id,
                "TargetInstanceCount": count,
                "Status": "active",
                "InterruptionType": "adhoc",
            }
        )


def _allocation_problem(source: Reservation, count: int, now: datetime) -> str | None:
    if source.kind != ON_DEMAND:
        return "it is not an On-Demand Capacity Reservation"
    if source.state(now) != "active":
        return f"it is {source.state(now)}, not active"
    if source.end is not None:
        return "it has an end date"
    if source.allocation:
        return "it already has an interruptible allocation"
    room = min(source.available(now), MAX_INTERRUPTIBLE)
    if not 1 <= count <= room:
        return f"{count} instance(s) asked, 1 to {room} available"
    return None


def update_interruptible_capacity_reservation_allocation(self: Any) -> ActionResult:
    """A higher count moves available instances from the source; a lower one reclaims: the
    consumers' instances beyond it are terminated and their capacity goes back to the source
    (interruptible-capacity-reservations, how it works). AWS gives them a two-minute notice
    first; the emulator terminates at once."""
    target = int(self._get_param("TargetInstanceCount") or 0)
    with WORLD.lock:
        source = WORLD.owned(
            self._get_param("CapacityReservationId"), self.current_account, "update"
        )
        interruptible = WORLD.reservations.get(source.allocation or "")
        if interruptible is None:
            raise CapacityError(
                "InvalidParameterValue", f"{source.id} has no interruptible allocation"
            )
        now = WORLD.now()
        grow = target - interruptible.total
        if grow > source.available(now) or target < 0 or target > MAX_INTERRUPTIBLE:
            raise CapacityError(
                "InvalidParameterValue",
                f"TargetInstanceCount {target}: {source.id} has {source.available(now)} available",
            )
        for account, instance_id in interruptible.running()[target:]:
            ec2_backends[account][interruptible.region].terminate_instances([instance_id])
        source.total -= grow
        interruptible.total = target
        return ActionResult(
            {
                "InterruptibleCapacityReservationId": interruptible.id,
                "SourceCapacityReservationId": source.id,
                "InstanceCount": target,
                "TargetInstanceCount": target,
                "Status": "active",
                "InterruptionType": "adhoc",
            }
        )
