"""The EC2 calls of Capacity Blocks for ML: the offerings for a type, count and duration, a
purchase (a Capacity Reservation of type capacity-block) and the blocks an account holds
(capacity-blocks-using, capacity-blocks-view; DescribeCapacityBlockOfferings).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from moto.core.responses import ActionResult

from trainshare.emulator.capacity.instances import InstanceAttributes
from trainshare.emulator.capacity.model import CAPACITY_BLOCK, CapacityError, Offering, Reservation
from trainshare.emulator.capacity.store import WORLD
from trainshare.emulator.capacity_wire.shapes import describe, naive, request_tags, when

# capacity-blocks-using: durations in 1-day steps up to 14 days, 7-day steps up to 182 days
# (DescribeCapacityBlockOfferings, CapacityDurationHours)
_BLOCK_SIZES = (1, 2, 4, 8, 16, 32, 64)


def describe_capacity_block_offerings(self: Any) -> ActionResult:
    """Offerings for the asked type, count and duration, one per Availability Zone, starting at
    the next hour on or after the asked start (the emulator has capacity whenever asked). The
    fee is zero: the emulator charges nothing."""
    hours = int(self._get_param("CapacityDurationHours") or 0)
    days = hours // 24
    if hours % 24 or not (1 <= days <= 14 or (days <= 182 and days % 7 == 0)):
        raise CapacityError(
            "InvalidParameterValue",
            f"CapacityDurationHours {hours}: 1 to 14 days in 1-day steps, or up to 182 days in "
            "7-day steps",
        )
    ultraserver = self._get_param("UltraserverType")
    count = int(self._get_param("InstanceCount") or 0)
    if not ultraserver and count not in _BLOCK_SIZES:
        raise CapacityError(
            "InvalidParameterValue",
            f"InstanceCount {count}: one of {', '.join(map(str, _BLOCK_SIZES))}",
        )
    now = WORLD.now()
    asked = when(self._get_param("StartDateRange")) or now
    start = max(asked, now).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    offerings = []
    with WORLD.lock:
        for zone in ("a", "b"):
            key = f"{self._get_param('InstanceType')}/{count}/{start.isoformat()}/{hours}/{zone}"
            offering = Offering(
                id="cb-" + hashlib.sha256(key.encode()).hexdigest()[:17],
                instance_type=self._get_param("InstanceType"),
                availability_zone=f"{self.region}{zone}",
                count=count,
                start=start,
                hours=hours,
                ultraserver_type=ultraserver,
                ultraserver_count=self._get_param("UltraserverCount"),
            )
            WORLD.offerings[offering.id] = offering
            offerings.append(
                {
                    "CapacityBlockOfferingId": offering.id,
                    "InstanceType": offering.instance_type,
                    "AvailabilityZone": offering.availability_zone,
                    "InstanceCount": offering.count,
                    "StartDate": naive(offering.start),
                    "EndDate": naive(offering.end),
                    "CapacityBlockDurationHours": hours,
                    "UpfrontFee": "0.00",
                    "CurrencyCode": "USD",
                    "Tenancy": "default",
                    "UltraserverType": ultraserver,
                    "UltraserverCount": offering.ultraserver_count,
                }
            )
    return ActionResult({"CapacityBlockOfferings": offerings})


def purchase_capacity_block(self: Any) -> ActionResult:
    """PurchaseCapacityBlock: a targeted Capacity Reservation of type capacity-block, `scheduled`
    until its start and `expired` from its end (capacity-blocks-view)."""
    with WORLD.lock:
        offering = WORLD.offerings.get(self._get_param("CapacityBlockOfferingId"))
        if offering is None:
            raise CapacityError(
                "InvalidParameterValue",
                f"The Capacity Block offering {self._get_param('CapacityBlockOfferingId')} "
                "does not exist",
            )
        now = WORLD.now()
        reservation = WORLD.add(
            Reservation(
                id=WORLD.new_id("cr", offering.id),
                owner=self.current_account,
                region=self.region,
                attributes=InstanceAttributes(
                    offering.instance_type,
                    self._get_param("InstancePlatform"),
                    offering.availability_zone,
                    "default",
                ),
                total=offering.count,
                match="targeted",
                start=offering.start,
                end=offering.end,
                created=now,
                kind=CAPACITY_BLOCK,
                capacity_block_id=WORLD.new_id("cb", offering.id),
                ultraserver_type=offering.ultraserver_type,
                tags=request_tags(self),
            )
        )
        described = describe(reservation)
        return ActionResult(
            {
                "CapacityReservation": described,
                "CapacityReservations": [described],
                "CapacityBlocks": [_block(reservation)],
            }
        )


def _block(reservation: Reservation) -> dict[str, Any]:
    return {
        "CapacityBlockId": reservation.capacity_block_id,
        "UltraserverType": reservation.ultraserver_type,
        "AvailabilityZone": reservation.attributes.availability_zone,
        "CapacityReservationIds": [reservation.id],
        "StartDate": naive(reservation.start),
        "EndDate": naive(reservation.end),
        "CreateDate": naive(reservation.created),
        "State": reservation.state(WORLD.now()),
    }


def describe_capacity_blocks(self: Any) -> ActionResult:
    with WORLD.lock:
        blocks = [
            _block(r)
            for r in WORLD.reservations.values()
            if r.kind == CAPACITY_BLOCK
            and r.owner == self.current_account
            and r.region == self.region
        ]
        wanted = self._get_param("CapacityBlockIds") or []
        if wanted:
            blocks = [b for b in blocks if b["CapacityBlockId"] in wanted]
        return ActionResult({"CapacityBlocks": blocks})
