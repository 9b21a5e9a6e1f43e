"""RunInstances into Capacity Reservations: a launch that targets one is checked and placed in
it; an `open` one runs in a matching open reservation with room, or as On-Demand
(CapacityReservationSpecification, EC2 API reference; capacity-blocks-launch,
capacity-consumer-procedures).
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.models import ec2_backends

from trainshare.emulator.capacity.instances import InstanceAttributes, attributes_of, platform_of
from trainshare.emulator.capacity.model import (
    CAPACITY_BLOCK,
    INTERRUPTIBLE,
    CapacityError,
    Reservation,
    not_found,
)
from trainshare.emulator.capacity.store import WORLD
from trainshare.emulator.capacity_wire.shapes import Handler


def _requested(self: Any) -> InstanceAttributes:
    """The attributes a RunInstances request asks for, as reservations match them."""
    backend = ec2_backends[self.current_account][self.region]
    zone = self._get_param("Placement.AvailabilityZone")
    subnet_id = self._get_param("SubnetId")
    if not zone and subnet_id:
        zone = backend.get_subnet(subnet_id).availability_zone
    image_id = self._get_param("ImageId")
    image = next((i for i in backend.amis.values() if i.id == image_id), None)
    return InstanceAttributes(
        instance_type=self._get_param("InstanceType") or "m1.small",
        platform=platform_of(image) if image is not None else "Linux/UNIX",
        availability_zone=zone or "",
        tenancy=self._get_param("Placement.Tenancy") or "default",
    )


def _market(reservation: Reservation) -> str:
    return {
        CAPACITY_BLOCK: "capacity-block",
        INTERRUPTIBLE: "interruptible-capacity-reservation",
    }.get(reservation.kind, "on-demand")


def _targeted(
    self: Any, reservation_id: str, wanted: InstanceAttributes, count: int
) -> Reservation:
    """The checks of a launch that names a reservation (CapacityReservationTarget)."""
    reservation = WORLD.get(reservation_id)
    account = self.current_account
    if account != reservation.owner and not WORLD.shared_with(reservation, account):
        raise not_found(reservation_id)
    now = WORLD.now()
    state = reservation.state(now)
    if state != "active":
        # capacity-reservations-using: after it ends you can no longer target it. Assumption: the
        # code is InvalidParameterValue.
        raise CapacityError(
            "InvalidParameterValue", f"Capacity Reservation {reservation_id} is {state}, not active"
        )
    if not wanted.availability_zone:
        zone = reservation.attributes.availability_zone
        wanted = wanted._replace(availability_zone=zone)
        self.params.setdefault("Placement", {})["AvailabilityZone"] = zone
    if not reservation.matches(wanted):
        have = ", ".join(map(str, reservation.attributes))
        asked = ", ".join(wanted)
        raise CapacityError(
            "InvalidParameterValue",
            f"The instance ({asked}) does not match Capacity Reservation {reservation_id} ({have})",
        )
    market = self._get_param("InstanceMarketOptions.MarketType") or "on-demand"
    if market != _market(reservation):
        # capacity-blocks-launch and capacity-consumer-procedures: a block is launched into with
        # the capacity-block market type, an interruptible reservation with its own
        raise CapacityError(
            "InvalidParameterCombination",
            f"Capacity Reservation {reservation_id} takes InstanceMarketOptions MarketType "
            f"{_market(reservation)}, not {market}",
        )
    if count > reservation.available(now):
        raise CapacityError(
            "ReservationCapacityExceeded",
            f"The targeted Capacity Reservation {reservation_id} has {reservation.available(now)} "
            f"available instance(s); {count} requested",
        )
    return reservation


def wrap_run_instances(original: Handler) -> Handler:
    def run_instances(self: Any) -> ActionResult:
        """RunInstances with CapacityReservationSpecification (API reference): a target is
        launched into or refused; `open` (the default) runs each instance in a matching open
        reservation while one has room, else as On-Demand; `capacity-reservations-only` fails
        without room; `none` never uses one."""
        spec = self._get_param("CapacityReservationSpecification") or {}
        preference = spec.get("CapacityReservationPreference")
        target = spec.get("CapacityReservationTarget") or {}
        if target and preference not in (None, "capacity-reservations-only"):
            raise CapacityError(
                "InvalidParameterCombination",
                "CapacityReservationTarget can be given only with the preference "
                "capacity-reservations-only",
            )
        if target.get("CapacityReservationResourceGroupArn"):
            raise CapacityError(
                "UnsupportedOperation", "the emulator does not model Capacity Reservation groups"
            )
        count = int(self._get_param("MinCount") or 1)
        market = self._get_param("InstanceMarketOptions.MarketType")
        with WORLD.lock:
            wanted = _requested(self)
            chosen = None
            if target.get("CapacityReservationId"):
                chosen = _targeted(self, target["CapacityReservationId"], wanted, count)
            elif market in ("capacity-block", "interruptible-capacity-reservation"):
                raise CapacityError(
                    "InvalidParameterCombination",
                    f"MarketType {market} needs a CapacityReservationTarget",
                )
            result = original(self)
            launched: Any = result.result
            instances = list(launched.instances)
            for instance in instances:
                instance.capacity_reservation_specification = (
                    {
                        "CapacityReservationPreference": preference,
                        "CapacityReservationTarget": target,
                    }
                    if target
                    else {"CapacityReservationPreference": preference or "open"}
                )
                instance._placement.tenancy = wanted.tenancy
                instance.lifecycle = None if market in (None, "on-demand") else market
            if chosen is not None:
                for instance in instances:
                    WORLD.assign(chosen, self.current_account, instance)
            elif (preference or "open") in ("open", "capacity-reservations-only") and not market:
                _run_in_open(self, instances, preference == "capacity-reservations-only")
            return result

    return run_instances


def _run_in_open(self: Any, instances: list[Any], only: bool) -> None:
    account, region = self.current_account, self.region
    homeless = []
    for instance in instances:
        wanted = attributes_of(instance)
        candidates = [
            r for r in WORLD.open_candidates(account, region, wanted) if r.available(WORLD.now())
        ]
        if candidates:
            WORLD.assign(candidates[0], account, instance)
        else:
            homeless.append(instance.id)
    if only and homeless:
        # "If capacity isn't available, the instance will fail to launch."
        ec2_backends[account][region].terminate_instances(homeless)
        raise CapacityError(
            "InsufficientInstanceCapacity",
            f"No open Capacity Reservation with matching attributes has room for "
            f"{len(homeless)} instance(s)",
        )
