"""Billing assignment of shared capacity: who pays for the unused part of a reservation.

pulumi_aws has no resource for it (AssociateCapacityReservationBillingOwner and the consumer's
AcceptCapacityReservationBillingOwnership came after the provider's EC2 capacity resources), so
the plan runs two commands per reservation, as it does where no resource does the job
(`trainshare.plan.commands`): fixed scripts, inputs as `TRAINSHARE_*` environment variables,
idempotent, played by the emulator from `TRAINSHARE_ACTION`.

- `assign-billing`, in the owner's account: a pending or accepted request to another account is
  cancelled or revoked first (billing goes to one account at a time), then the request to the
  billing owner is made unless it is pending or accepted already. Its delete revokes it.
- `accept-billing`, in the billing owner's account, after the request: accepts it when pending.
  The request expires after 12 hours (catalog capacity_kinds.yaml `billing_request_expiry`:
  EC2 user guide, accept-decline-billing-transfer), so the plan makes and accepts it in one
  deployment; `trainshare capacity` reports a request left pending, rejected
  or expired (BILLING_OWNER_NOT_ASSIGNED).
"""

from __future__ import annotations

from collections.abc import Mapping

from trainshare.catalog.capacity import load_capacity_kinds
from trainshare.plan.commands import ASSUME
from trainshare.plan.graph import Value
from trainshare.spec import SharedResource

_LIVE = """\
cr="$TRAINSHARE_RESERVATION_ID"; payer="$TRAINSHARE_BILLING_OWNER"
live=$(aws ec2 describe-capacity-reservation-billing-requests --role odcr-owner \\
  --capacity-reservation-ids "$cr" --filters Name=status,Values=pending,accepted \\
  --query 'CapacityReservationBillingRequests[].UnusedReservationBillingOwnerId' --output text)
"""

ASSIGN_BILLING = (
    ASSUME
    + _LIVE
    + """\
for other in $live; do
  [ "$other" = "$payer" ] || aws ec2 disassociate-capacity-reservation-billing-owner \\
    --capacity-reservation-id "$cr" --unused-reservation-billing-owner-id "$other" > /dev/null
done
case " $live " in
  *" $payer "*) ;;
  *) aws ec2 associate-capacity-reservation-billing-owner --capacity-reservation-id "$cr" \\
       --unused-reservation-billing-owner-id "$payer" > /dev/null;;
esac
"""
)

REVOKE_BILLING = (
    ASSUME
    + _LIVE
    + """\
case " $live " in
  *" $payer "*) aws ec2 disassociate-capacity-reservation-billing-owner \\
       --capacity-reservation-id "$cr" --unused-reservation-billing-owner-id "$payer" > /dev/null;;
esac
"""
)

ACCEPT_BILLING = (
    ASSUME
    + """\
cr="$TRAINSHARE_RESERVATION_ID"
pending=$(aws ec2 describe-capacity-reservation-billing-requests \\
  --role unused-reservation-billing-owner --capacity-reservation-ids "$cr" \\
  --filters Name=status,Values=pending --query 'length(CapacityReservationBillingRequests)' \\
  --output text)
[ "$pending" = 0 ] || aws ec2 accept-capacity-reservation-billing-ownership \\
  --capacity-reservation-id "$cr" > /dev/null
"""
)


def assign_billing_inputs(
    reservation_id: str, billing_owner: Value, where: Mapping[str, Value]
) -> dict[str, Value]:
    """In the owner's account: billing of the reservation's unused part to `billing_owner`."""
    return {
        "create": ASSIGN_BILLING,
        "delete": REVOKE_BILLING,
        "environment": {
            "TRAINSHARE_ACTION": "assign-billing",
            **where,
            "TRAINSHARE_RESERVATION_ID": reservation_id,
            "TRAINSHARE_BILLING_OWNER": billing_owner,
        },
    }


def accept_billing_inputs(reservation_id: str, where: Mapping[str, Value]) -> dict[str, Value]:
    """In the billing owner's account: the acceptance of the owner's request."""
    return {
        "create": ACCEPT_BILLING,
        "environment": {
            "TRAINSHARE_ACTION": "accept-billing",
            **where,
            "TRAINSHARE_RESERVATION_ID": reservation_id,
        },
    }


def billing_applies(resource: SharedResource) -> bool:
    """Whether a share's `billing_owner` pays for this reservation's unused part: not for a kind
    whose capacity is paid up front (a Capacity Block; catalog `billing_assignable`). An
    unstated reservation is taken for an On-Demand one."""
    stated = resource.capacity
    return stated is None or load_capacity_kinds().kinds[stated.kind].billing_assignable


def capacity_note(resource: SharedResource, owner: str, billing_owner: str | None = None) -> str:
    """What `plan` says of a shared reservation, from what the spec states about it."""
    stated = resource.capacity
    if stated is None:
        return ""
    kind = load_capacity_kinds().kinds[stated.kind]
    if stated.kind == "interruptible":
        return (
            f"{kind.title}: {owner} can reclaim it at any time; consumers' instances in it are "
            f"terminated after a {kind.reclaim_notice_minutes}-minute notice, with no fallback "
            "to On-Demand (launch with MarketType interruptible-capacity-reservation)"
        )
    if stated.kind == "capacity-block":
        ends = f", ends {stated.end}" if stated.end else ""
        prepaid = (
            f"; paid up front by {owner}, so billing_owner {billing_owner} does not apply"
            if billing_owner and not kind.billing_assignable
            else ""
        )
        return (
            f"{kind.title}{ends}: consumers launch into it by ID (MarketType capacity-block); "
            f"EC2 terminates their instances from {kind.ends_early_minutes} minutes before its "
            f"end{prepaid}"
        )
    if stated.match == "open":
        return (
            "open On-Demand Capacity Reservation: any matching instance of the accounts the "
            "share reaches runs in it, unasked"
        )
    return "targeted On-Demand Capacity Reservation: consumers launch into it by its ID"
