"""moto's EC2 instances as Capacity Reservations see them: whether an instance still holds a
place, the attributes a reservation matches it on, and its reservation preference
(CapacityReservationSpecification, EC2 API reference).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from moto.ec2.models import ec2_backends

if TYPE_CHECKING:
    from trainshare.emulator.capacity.model import Reservation

RUNNING = ("pending", "running")  # instance states that hold a place in a reservation


def find_instance(account: str, region: str, instance_id: str) -> Any:
    for instance in ec2_backends[account][region].all_instances():
        if instance.id == instance_id:
            return instance
    return None


def instance_state(account: str, region: str, instance_id: str) -> str:
    instance = find_instance(account, region, instance_id)
    return str(instance.state) if instance is not None else "terminated"


def accounts_in(region: str) -> Iterator[tuple[str, Any]]:
    """Every account with an EC2 backend in `region`, and that backend."""
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
