"""The EC2 calls that assign the billing of a reservation's unused capacity to a consumer: the
owner asks or withdraws, the consumer accepts or rejects, either lists the requests
(assign-billing, request-billing-transfer, cancel-billing-transfer).
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult

from trainshare.emulator.capacity.model import BillingRequest, CapacityError
from trainshare.emulator.capacity.store import WORLD
from trainshare.emulator.capacity_wire.shapes import naive, one_page
from trainshare.emulator.organization import in_organization


def associate_capacity_reservation_billing_owner(self: Any) -> ActionResult:
    """Only to an account the reservation is shared with, under the same payer (the same
    organization here); one account at a time (assign-billing, how it works, considerations).
    Assumption: other cases answer InvalidParameterValue, a second request IncorrectState."""
    consumer = self._get_param("UnusedReservationBillingOwnerId")
    with WORLD.lock:
        reservation = WORLD.owned(
            self._get_param("CapacityReservationId"), self.current_account, "assign billing of"
        )
        if not WORLD.shared_with(reservation, consumer):
            raise CapacityError(
                "InvalidParameterValue",
                f"{reservation.id} is not shared with {consumer}: billing can be assigned only "
                "to an account it is shared with",
            )
        if not in_organization(reservation.owner, consumer):
            raise CapacityError(
                "InvalidParameterValue",
                f"{consumer} is not consolidated under the payer of {reservation.owner}",
            )
        live = [
            r
            for r in WORLD.billing_requests()
            if r.reservation == reservation.id and r.status in ("pending", "accepted")
        ]
        if live:
            raise CapacityError(
                "IncorrectState",
                f"{reservation.id} already has a {live[0].status} billing request for "
                f"{live[0].billing_owner}; cancel or revoke it first",
            )
        WORLD.billing.append(
            BillingRequest(reservation.id, reservation.owner, consumer, "pending", WORLD.now())
        )
        return ActionResult({"Return": True})


def _answer(self: Any, status: str) -> ActionResult:
    with WORLD.lock:
        reservation_id = self._get_param("CapacityReservationId")
        pending = [
            r
            for r in WORLD.billing_requests()
            if r.reservation == reservation_id
            and r.billing_owner == self.current_account
            and r.status == "pending"
        ]
        if not pending:
            raise CapacityError(
                "IncorrectState",
                f"no pending billing request for {reservation_id} to {self.current_account}",
            )
        pending[0].status, pending[0].updated = status, WORLD.now()
        if status == "accepted":
            WORLD.get(reservation_id).billing_owner = self.current_account
        return ActionResult({"Return": True})


def accept_capacity_reservation_billing_ownership(self: Any) -> ActionResult:
    return _answer(self, "accepted")


def reject_capacity_reservation_billing_ownership(self: Any) -> ActionResult:
    return _answer(self, "rejected")


def disassociate_capacity_reservation_billing_owner(self: Any) -> ActionResult:
    """The owner cancels a pending request or revokes an accepted one (cancel-billing-transfer);
    billing of unused capacity returns to the owner."""
    consumer = self._get_param("UnusedReservationBillingOwnerId")
    with WORLD.lock:
        reservation = WORLD.owned(
            self._get_param("CapacityReservationId"), self.current_account, "revoke billing of"
        )
        live = [
            r
            for r in WORLD.billing_requests()
            if r.reservation == reservation.id
            and r.billing_owner == consumer
            and r.status in ("pending", "accepted")
        ]
        if not live:
            raise CapacityError(
                "IncorrectState", f"{reservation.id} has no billing request for {consumer}"
            )
        live[0].status = "cancelled" if live[0].status == "pending" else "revoked"
        live[0].updated = WORLD.now()
        reservation.billing_owner = None
        return ActionResult({"Return": True})


def describe_capacity_reservation_billing_requests(self: Any) -> ActionResult:
    role = self._get_param("Role")
    if role not in ("odcr-owner", "unused-reservation-billing-owner"):
        raise CapacityError(
            "InvalidParameterValue", "Role must be odcr-owner or unused-reservation-billing-owner"
        )
    filters = self._filters_from_querystring()
    with WORLD.lock:
        mine = [
            r
            for r in WORLD.billing_requests()
            if (r.requested_by if role == "odcr-owner" else r.billing_owner) == self.current_account
        ]
        wanted = self._get_param("CapacityReservationIds") or []
        fields = {
            "status": lambda r: r.status,
            "requested-by": lambda r: r.requested_by,
            "unused-reservation-billing-owner": lambda r: r.billing_owner,
        }
        for name, values in filters.items():
            if name not in fields:
                raise CapacityError("InvalidParameterValue", f"The filter '{name}' is invalid")
            mine = [r for r in mine if fields[name](r) in values]
        if wanted:
            mine = [r for r in mine if r.reservation in wanted]
        answer = []
        for request in mine:
            reservation = WORLD.reservations.get(request.reservation)
            answer.append(
                {
                    "CapacityReservationId": request.reservation,
                    "RequestedBy": request.requested_by,
                    "UnusedReservationBillingOwnerId": request.billing_owner,
                    "LastUpdateTime": naive(request.updated),
                    "Status": request.status,
                    "StatusMessage": request.message or None,
                    "CapacityReservationInfo": {
                        "InstanceType": reservation.attributes.instance_type,
                        "AvailabilityZone": reservation.attributes.availability_zone,
                        "Tenancy": reservation.attributes.tenancy,
                    }
                    if reservation
                    else None,
                }
            )
        page, token = one_page(self, answer)
        return ActionResult({"CapacityReservationBillingRequests": page, "NextToken": token})
