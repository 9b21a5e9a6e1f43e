"""The EC2 and RAM calls of `emulator.capacity`, on moto's server: one handler per EC2 action,
attached to moto's EC2Response, and the RAM and RunInstances hooks. Thin: parameters in, calls
on `WORLD`, answers out; the rules live in `emulator.capacity`.

`reservations`: On-Demand Capacity Reservations; `blocks`: Capacity Blocks for ML;
`interruptible`: interruptible Capacity Reservations; `billing`: assigning the billing of unused
capacity; `launch`: RunInstances into reservations; `ram`: RAM sharing reservation ARNs;
`shapes`: the parameters and answer shapes they share.
"""

from __future__ import annotations

from moto.ec2.responses import EC2Response

from trainshare.emulator.capacity_wire import billing, blocks, interruptible, reservations
from trainshare.emulator.capacity_wire.launch import wrap_run_instances
from trainshare.emulator.capacity_wire.ram import ram_checks_capacity
from trainshare.emulator.capacity_wire.shapes import Handler

# Each handler is named for the EC2Response method it becomes (the action in snake_case).
HANDLERS: dict[str, Handler] = {
    handler.__name__: handler
    for handler in (
        reservations.create_capacity_reservation,
        reservations.describe_capacity_reservations,
        reservations.modify_capacity_reservation,
        reservations.cancel_capacity_reservation,
        reservations.get_capacity_reservation_usage,
        blocks.describe_capacity_block_offerings,
        blocks.purchase_capacity_block,
        blocks.describe_capacity_blocks,
        interruptible.create_interruptible_capacity_reservation_allocation,
        interruptible.update_interruptible_capacity_reservation_allocation,
        billing.associate_capacity_reservation_billing_owner,
        billing.disassociate_capacity_reservation_billing_owner,
        billing.accept_capacity_reservation_billing_ownership,
        billing.reject_capacity_reservation_billing_ownership,
        billing.describe_capacity_reservation_billing_requests,
    )
}


def ec2_serves_capacity() -> None:
    """Attach the handlers and hooks to moto (once; `extensions.apply_extensions` calls this)."""
    for name, handler in HANDLERS.items():
        setattr(EC2Response, name, handler)
    setattr(EC2Response, "run_instances", wrap_run_instances(EC2Response.run_instances))  # noqa: B010
    ram_checks_capacity()
