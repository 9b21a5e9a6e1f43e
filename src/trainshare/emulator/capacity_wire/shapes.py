"""What the capacity handlers share on the wire: request parameters read (an instant, the
capacity-reservation tags of a TagSpecification, a page of MaxResults from NextToken) and the
CapacityReservation shape DescribeCapacityReservations answers with (EC2 API reference).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from moto.core.responses import ActionResult

from trainshare.emulator.capacity.model import CAPACITY_BLOCK, INTERRUPTIBLE, Reservation
from trainshare.emulator.capacity.store import WORLD

Handler = Callable[[Any], ActionResult]
_PAGE = 1000  # DescribeCapacityReservations, GetCapacityReservationUsage: MaxResults 1-1000


def when(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def naive(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment is not None else None


def request_tags(self: Any) -> dict[str, str]:
    found: dict[str, dict[str, str]] = self._parse_tag_specification()
    return dict(found.get("capacity-reservation", {}))


def one_page(self: Any, items: list[Any]) -> tuple[list[Any], str | None]:
    size = int(self._get_param("MaxResults") or _PAGE)
    start = int(self._get_param("NextToken") or 0)
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


def describe(reservation: Reservation) -> dict[str, Any]:
    """A reservation as DescribeCapacityReservations answers (the CapacityReservation shape)."""
    now = WORLD.now()
    allocation = WORLD.reservations.get(reservation.allocation or "")
    return {
        "CapacityReservationId": reservation.id,
        "OwnerId": reservation.owner,
        "CapacityReservationArn": reservation.arn,
        "InstanceType": reservation.attributes.instance_type,
        "InstancePlatform": reservation.attributes.platform,
        "AvailabilityZone": reservation.attributes.availability_zone,
        "Tenancy": reservation.attributes.tenancy,
        "TotalInstanceCount": reservation.total,
        "AvailableInstanceCount": reservation.available(now),
        "EbsOptimized": False,
        "EphemeralStorage": False,
        "State": reservation.state(now),
        "StartDate": naive(reservation.start),
        "EndDate": naive(reservation.end),
        "EndDateType": "limited" if reservation.end else "unlimited",
        "InstanceMatchCriteria": reservation.match,
        "CreateDate": naive(reservation.created),
        "Tags": [{"Key": k, "Value": v} for k, v in reservation.tags.items()],
        "ReservationType": "capacity-block" if reservation.kind == CAPACITY_BLOCK else "default",
        "UnusedReservationBillingOwnerId": reservation.billing_owner,
        "CapacityBlockId": reservation.capacity_block_id,
        "Interruptible": reservation.kind == INTERRUPTIBLE,
        "InterruptibleCapacityAllocation": _allocation(allocation) if allocation else None,
        "InterruptionInfo": (
            {"SourceCapacityReservationId": reservation.source, "InterruptionType": "adhoc"}
            if reservation.kind == INTERRUPTIBLE
            else None
        ),
    }


def _allocation(interruptible: Reservation) -> dict[str, Any]:
    return {
        "InstanceCount": interruptible.total,
        "TargetInstanceCount": interruptible.total,
        "Status": "active",
        "InterruptibleCapacityReservationId": interruptible.id,
        "InterruptionType": "adhoc",
    }
