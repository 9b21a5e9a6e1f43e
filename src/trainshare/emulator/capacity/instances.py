"""moto's EC2 instances as Capacity Reservations see them: whether an instance still holds a
place, the attributes a reservation matches it on (`InstanceAttributes`), and its reservation
preference
(CapacityReservationSpecification, EC2 API reference).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from moto.ec2.models import ec2_backends

RUNNING = ("pending", "running")  # instance states that hold a place in a reservation


class InstanceAttributes(NamedTuple):
    """What a Capacity Reservation matches an instance on: instance type, platform, Availability
    Zone and tenancy (CapacityReservationSpecification: "open - ... any open Capacity Reservation
    that has matching attributes")."""

    instance_type: str
    platform: str
    availability_zone: str
    tenancy: str


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


def attributes_of(instance: Any) -> InstanceAttributes:
    placement = getattr(instance, "_placement", None)
    zone = getattr(placement, "zone", None) or getattr(instance, "availability_zone", "")
    return InstanceAttributes(
        instance_type=str(instance.instance_type),
        platform=platform_of(instance),
        availability_zone=str(zone),
        tenancy=str(getattr(placement, "tenancy", None) or "default"),
    )


def preference(instance: Any) -> str:
    """An instance launched with a target has none (it never moves into an open one)."""
    spec = getattr(instance, "capacity_reservation_specification", None) or {}
    if spec.get("CapacityReservationTarget"):
        return "targeted"
    return str(spec.get("CapacityReservationPreference") or "open")
