"""EC2 capacity as the emulator keeps it: On-Demand Capacity Reservations, Capacity Blocks for ML
and interruptible Capacity Reservations; who may see and launch into them (RAM shares), how
instances consume them, and who pays for their unused part. moto has none of it (AWS-FACTS §9).

State and AWS rules only; `emulator.capacity_wire` turns EC2 and RAM requests into calls on
`WORLD`. `model`: reservations, offerings and billing requests; `instances`: moto's instances as
reservations match them; `metrics`: their CloudWatch metrics; `store`: `WORLD` and the rules
between reservations, shares and instances (whom a share's principal reaches:
`emulator.organization`).

Each rule names the document it follows (EC2 user guide pages, read 2026-11-29):
capacity-reservation-sharing, sharing-cr, unsharing-cr, capacity-blocks-share,
capacity-blocks-using, capacity-blocks-launch, assign-billing, request-billing-transfer,
interruptible-capacity-reservations, capacity-consumer-procedures, capacity-reservation-cw-metrics;
EC2 API reference: CapacityReservationSpecification, CancelCapacityReservation,
GetCapacityReservationUsage, DescribeCapacityBlockOfferings, "Error codes for the Amazon EC2 API".
Where AWS does not document the exact answer (an error code, an order), the docstring says
`Assumption:`.
"""

from trainshare.emulator.capacity.metrics import METRICS_NAMESPACE
from trainshare.emulator.capacity.store import WORLD, adopt_reservation, advance_clock, reset

__all__ = ["METRICS_NAMESPACE", "WORLD", "adopt_reservation", "advance_clock", "reset"]
