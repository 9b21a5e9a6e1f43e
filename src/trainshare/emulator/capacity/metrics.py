"""The CloudWatch usage metrics of a Capacity Reservation, as EC2 publishes them in the owner's
account (capacity-reservation-cw-metrics): UsedInstanceCount, AvailableInstanceCount,
TotalInstanceCount and InstanceUtilization, every five minutes of the emulator's clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from moto.cloudwatch.models import cloudwatch_backends

from trainshare.emulator.capacity.model import Reservation

METRICS_NAMESPACE = "AWS/EC2CapacityReservations"
METRIC_STEP = timedelta(minutes=5)  # capacity-reservation-cw-metrics: "every five minutes"


def _naive(moment: datetime) -> datetime:
    """moto stores instants as naive UTC; compare with it on its terms."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def publish(reservation: Reservation, moment: datetime) -> None:
    """The four usage metrics of an active reservation, in its owner's account, at a
    five-minute mark of the emulator's clock (`CapacityWorld.advance`): EC2 publishes every five
    minutes, and nothing for a reservation active less than five minutes."""
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
