"""The EC2 and RAM calls of `emulator.capacity`, on moto's server: one handler per EC2 action,
attached to moto's EC2Response, and the RAM and RunInstances hooks. Thin: parameters in, calls
on `WORLD`, answers out; the rules live in `emulator.capacity`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.models import ec2_backends
from moto.ec2.responses import EC2Response
from moto.ram import models as ram_models
from moto.ram.responses import ResourceAccessManagerResponse

from trainshare.emulator.capacity.instances import describe_instance, matches, platform_of
from trainshare.emulator.capacity.model import (
    CAPACITY_BLOCK,
    INTERRUPTIBLE,
    MAX_INTERRUPTIBLE,
    ON_DEMAND,
    BillingRequest,
    CapacityError,
    Offering,
    Reservation,
    not_found,
)
from trainshare.emulator.capacity.store import WORLD
from trainshare.emulator.organization import in_organization

Handler = Callable[[Any], ActionResult]
_PAGE = 1000  # DescribeCapacityReservations, GetCapacityReservationUsage: MaxResults 1-1000
# capacity-blocks-using: durations in 1-day steps up to 14 days, 7-day steps up to 182 days
# (DescribeCapacityBlockOfferings, CapacityDurationHours)
_BLOCK_SIZES = (1, 2, 4, 8, 16, 32, 64)


def _when(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _naive(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment is not None else None


def _tags(self: Any) -> dict[str, str]:
    found: dict[str, dict[str, str]] = self._parse_tag_specification()
    return dict(found.get("capacity-reservation", {}))


def _page(self: Any, items: list[Any]) -> tuple[list[Any], str | None]:
    size = int(self._get_param("MaxResults") or _PAGE)
    start = int(self._get_param("NextToken") or 0)
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


def _filtered(items: list[Reservation], filters: dict[str, list[str]]) -> list[Reservation]:
    fields: dict[str, Callable[[Reservation], str]] = {
        "instance-type": lambda r: r.instance_type,
        "owner-id": lambda r: r.owner,
        "instance-platform": lambda r: r.platform,
        "availability-zone": lambda r: r.availability_zone,
        "tenancy": lambda r: r.tenancy,
        "state": lambda r: r.state(WORLD.now()),
        "instance-match-criteria": lambda r: r.match,
        "end-date-type": lambda r: "limited" if r.end else "unlimited",
    }
    for name, values in filters.items():
        if name not in fields:
            raise CapacityError("InvalidParameterValue", f"The filter '{name}' is invalid")
        items = [r for r in items if fields[name](r) in values]
    return items


def describe(reservation: Reservation) -> dict[str, Any]:
    """A reservation as DescribeCapacityReservations answers (the CapacityReservation shape)."""
    now = WORLD.now()
    allocation = WORLD.reservations.get(reservation.allocation or "")
    return {
        "CapacityReservationId": reservation.id,
        "OwnerId": reservation.owner,
        "CapacityReservationArn": reservation.arn,
        "InstanceType": reservation.instance_type,
        "InstancePlatform": reservation.platform,
        "AvailabilityZone": reservation.availability_zone,
        "Tenancy": reservation.tenancy,
        "TotalInstanceCount": reservation.total,
        "AvailableInstanceCount": reservation.available(now),
        "EbsOptimized": False,
        "EphemeralStorage": False,
        "State": reservation.state(now),
        "StartDate": _naive(reservation.start),
        "EndDate": _naive(reservation.end),
        "EndDateType": "limited" if reservation.end else "unlimited",
        "InstanceMatchCriteria": reservation.match,
        "CreateDate": _naive(reservation.created),
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


# -- On-Demand Capacity Reservations -------------------------------------------------------------


def create_capacity_reservation(self: Any) -> ActionResult:
    """CreateCapacityReservation; the default InstanceMatchCriteria is open and Tenancy default
    (API reference). A future StartDate makes it `scheduled` until then."""
    now = WORLD.now()
    count = int(self._get_param("InstanceCount") or 0)
    if count < 1:
        raise CapacityError("InvalidParameterValue", "InstanceCount must be at least 1")
    end_type = self._get_param("EndDateType") or "unlimited"
    end = _when(self._get_param("EndDate"))
    if (end_type == "limited") != (end is not None):
        raise CapacityError(
            "InvalidParameterCombination",
            "EndDate is required with EndDateType limited, and not allowed with unlimited",
        )
    start = _when(self._get_param("StartDate")) or now
    seed = f"{self.current_account}/{self.region}/{now.isoformat()}"
    with WORLD.lock:
        reservation = WORLD.add(
            Reservation(
                id=WORLD.new_id("cr", seed),
                owner=self.current_account,
                region=self.region,
                instance_type=self._get_param("InstanceType"),
                platform=self._get_param("InstancePlatform"),
                availability_zone=self._get_param("AvailabilityZone") or f"{self.region}a",
                tenancy=self._get_param("Tenancy") or "default",
                total=count,
                match=self._get_param("InstanceMatchCriteria") or "open",
                start=start,
                end=end,
                created=now,
                tags=_tags(self),
            )
        )
        return ActionResult({"CapacityReservation": describe(reservation)})


def describe_capacity_reservations(self: Any) -> ActionResult:
    with WORLD.lock:
        visible = WORLD.visible(self.current_account, self.region)
        wanted = self._get_param("CapacityReservationIds") or []
        if wanted:
            by_id = {r.id: r for r in visible}
            missing = [i for i in wanted if i not in by_id]
            if missing:
                raise not_found(missing[0])
            visible = [by_id[i] for i in dict.fromkeys(wanted)]
        visible = _filtered(visible, self._filters_from_querystring())
        page, token = _page(self, sorted(visible, key=lambda r: (r.created, r.id)))
        return ActionResult(
            {"CapacityReservations": [describe(r) for r in page], "NextToken": token}
        )


def modify_capacity_reservation(self: Any) -> ActionResult:
    """ModifyCapacityReservation: the owner changes the count, the end, or the matching.
    "You can't modify or cancel a Capacity Block" (CancelCapacityReservation); an interruptible
    one is changed through its source (interruptible-capacity-reservations, considerations).
    Assumption: the count cannot go below the instances running in it."""
    with WORLD.lock:
        reservation = WORLD.owned(
            self._get_param("CapacityReservationId"), self.current_account, "modify"
        )
        _refuse_kind(reservation, "modify")
        count = self._get_param("InstanceCount")
        if count is not None:
            if int(count) < max(reservation.used(), 1):
                raise CapacityError(
                    "InvalidParameterValue",
                    f"InstanceCount {count} is below the {reservation.used()} instance(s) "
                    f"running in {reservation.id}",
                )
            reservation.total = int(count)
        end_type = self._get_param("EndDateType")
        if end_type == "unlimited":
            reservation.end = None
        elif end_type == "limited" or self._get_param("EndDate"):
            reservation.end = _when(self._get_param("EndDate"))
        match = self._get_param("InstanceMatchCriteria")
        if match:
            reservation.match = match
            WORLD.absorb(reservation)
        return ActionResult({"Return": True})


def cancel_capacity_reservation(self: Any) -> ActionResult:
    """CancelCapacityReservation: state `cancelled`; instances running in it keep running (as
    On-Demand, outside it)."""
    with WORLD.lock:
        reservation = WORLD.owned(
            self._get_param("CapacityReservationId"), self.current_account, "cancel"
        )
        _refuse_kind(reservation, "cancel")
        reservation.cancelled = True
        reservation.instances = []
        return ActionResult({"Return": True})


def _refuse_kind(reservation: Reservation, verb: str) -> None:
    if reservation.kind == CAPACITY_BLOCK:
        raise CapacityError("UnsupportedOperation", f"You can't {verb} a Capacity Block")
    if reservation.kind == INTERRUPTIBLE:
        raise CapacityError(
            "UnsupportedOperation",
            f"You can't {verb} an interruptible Capacity Reservation: update the allocation of "
            f"its source {reservation.source}",
        )


def get_capacity_reservation_usage(self: Any) -> ActionResult:
    """GetCapacityReservationUsage: for a shared reservation, the owner and each account using it.
    Assumption: a consumer sees its own line only (it "cannot view ... instances that are owned
    by other consumers", capacity-reservation-sharing)."""
    with WORLD.lock:
        reservation = WORLD.get(self._get_param("CapacityReservationId"))
        account = self.current_account
        if account != reservation.owner and not WORLD.shared_with(reservation, account):
            raise not_found(reservation.id)
        usage = reservation.usage()
        if account != reservation.owner:
            usage = {a: n for a, n in usage.items() if a == account}
        lines = [{"AccountId": a, "UsedInstanceCount": n} for a, n in sorted(usage.items())]
        page, token = _page(self, lines)
        now = WORLD.now()
        return ActionResult(
            {
                "CapacityReservationId": reservation.id,
                "InstanceType": reservation.instance_type,
                "TotalInstanceCount": reservation.total,
                "AvailableInstanceCount": reservation.available(now),
                "State": reservation.state(now),
                "InstanceUsages": page,
                "Interruptible": reservation.kind == INTERRUPTIBLE,
                "NextToken": token,
            }
        )


# -- Capacity Blocks for ML ----------------------------------------------------------------------


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
    asked = _when(self._get_param("StartDateRange")) or now
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
                    "StartDate": _naive(offering.start),
                    "EndDate": _naive(offering.end),
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
                instance_type=offering.instance_type,
                platform=self._get_param("InstancePlatform"),
                availability_zone=offering.availability_zone,
                tenancy="default",
                total=offering.count,
                match="targeted",
                start=offering.start,
                end=offering.end,
                created=now,
                kind=CAPACITY_BLOCK,
                capacity_block_id=WORLD.new_id("cb", offering.id),
                ultraserver_type=offering.ultraserver_type,
                tags=_tags(self),
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
        "AvailabilityZone": reservation.availability_zone,
        "CapacityReservationIds": [reservation.id],
        "StartDate": _naive(reservation.start),
        "EndDate": _naive(reservation.end),
        "CreateDate": _naive(reservation.created),
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


# -- interruptible Capacity Reservations ---------------------------------------------------------


def create_interruptible_capacity_reservation_allocation(self: Any) -> ActionResult:
    """The source must be active with no end date and have the instances available; one
    allocation per source, at most 1000 instances (capacity-owner-procedures, prerequisites).
    The new reservation is targeted (interruptible-capacity-reservations, considerations)."""
    count = int(self._get_param("InstanceCount") or 0)
    with WORLD.lock:
        source = WORLD.owned(
            self._get_param("CapacityReservationId"), self.current_account, "allocate from"
        )
        now = WORLD.now()
        problem = _allocation_problem(source, count, now)
        if problem:
            raise CapacityError(
                "InvalidParameterValue", f"Cannot allocate from {source.id}: {problem}"
            )
        interruptible = Reservation(
            id=WORLD.new_id("cr", source.id),
            owner=source.owner,
            region=source.region,
            instance_type=source.instance_type,
            platform=source.platform,
            availability_zone=source.availability_zone,
            tenancy=source.tenancy,
            total=count,
            match="targeted",
            start=now,
            end=None,
            created=now,
            kind=INTERRUPTIBLE,
            source=source.id,
            tags=_tags(self),
        )
        source.total -= count
        source.allocation = interruptible.id
        WORLD.add(interruptible)
        return ActionResult(
            {
                "SourceCapacityReservationId": source.id,
                "TargetInstanceCount": count,
                "Status": "active",
                "InterruptionType": "adhoc",
            }
        )


def _allocation_problem(source: Reservation, count: int, now: datetime) -> str | None:
    if source.kind != ON_DEMAND:
        return "it is not an On-Demand Capacity Reservation"
    if source.state(now) != "active":
        return f"it is {source.state(now)}, not active"
    if source.end is not None:
        return "it has an end date"
    if source.allocation:
        return "it already has an interruptible allocation"
    room = min(source.available(now), MAX_INTERRUPTIBLE)
    if not 1 <= count <= room:
        return f"{count} instance(s) asked, 1 to {room} available"
    return None


def update_interruptible_capacity_reservation_allocation(self: Any) -> ActionResult:
    """A higher count moves available instances from the source; a lower one reclaims: the
    consumers' instances beyond it are terminated and their capacity goes back to the source
    (interruptible-capacity-reservations, how it works). AWS gives them a two-minute notice
    first; the emulator terminates at once."""
    target = int(self._get_param("TargetInstanceCount") or 0)
    with WORLD.lock:
        source = WORLD.owned(
            self._get_param("CapacityReservationId"), self.current_account, "update"
        )
        interruptible = WORLD.reservations.get(source.allocation or "")
        if interruptible is None:
            raise CapacityError(
                "InvalidParameterValue", f"{source.id} has no interruptible allocation"
            )
        now = WORLD.now()
        grow = target - interruptible.total
        if grow > source.available(now) or target < 0 or target > MAX_INTERRUPTIBLE:
            raise CapacityError(
                "InvalidParameterValue",
                f"TargetInstanceCount {target}: {source.id} has {source.available(now)} available",
            )
        for account, instance_id in interruptible.running()[target:]:
            ec2_backends[account][interruptible.region].terminate_instances([instance_id])
        source.total -= grow
        interruptible.total = target
        return ActionResult(
            {
                "InterruptibleCapacityReservationId": interruptible.id,
                "SourceCapacityReservationId": source.id,
                "InstanceCount": target,
                "TargetInstanceCount": target,
                "Status": "active",
                "InterruptionType": "adhoc",
            }
        )


# -- billing assignment --------------------------------------------------------------------------


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
                    "LastUpdateTime": _naive(request.updated),
                    "Status": request.status,
                    "StatusMessage": request.message or None,
                    "CapacityReservationInfo": {
                        "InstanceType": reservation.instance_type,
                        "AvailabilityZone": reservation.availability_zone,
                        "Tenancy": reservation.tenancy,
                    }
                    if reservation
                    else None,
                }
            )
        page, token = _page(self, answer)
        return ActionResult({"CapacityReservationBillingRequests": page, "NextToken": token})


# -- launching into reservations -----------------------------------------------------------------


def _requested(self: Any) -> dict[str, str]:
    """The attributes a RunInstances request asks for, as reservations match them."""
    backend = ec2_backends[self.current_account][self.region]
    zone = self._get_param("Placement.AvailabilityZone")
    subnet_id = self._get_param("SubnetId")
    if not zone and subnet_id:
        zone = backend.get_subnet(subnet_id).availability_zone
    image_id = self._get_param("ImageId")
    image = next((i for i in backend.amis.values() if i.id == image_id), None)
    return {
        "instance_type": self._get_param("InstanceType") or "m1.small",
        "platform": platform_of(image) if image is not None else "Linux/UNIX",
        "availability_zone": zone or "",
        "tenancy": self._get_param("Placement.Tenancy") or "default",
    }


def _market(reservation: Reservation) -> str:
    return {
        CAPACITY_BLOCK: "capacity-block",
        INTERRUPTIBLE: "interruptible-capacity-reservation",
    }.get(reservation.kind, "on-demand")


def _targeted(self: Any, reservation_id: str, wanted: dict[str, str], count: int) -> Reservation:
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
    if not wanted["availability_zone"]:
        wanted = {**wanted, "availability_zone": reservation.availability_zone}
        self.params.setdefault("Placement", {})["AvailabilityZone"] = reservation.availability_zone
    if not matches(reservation, wanted):
        have = (
            f"{reservation.instance_type}, {reservation.platform}, "
            f"{reservation.availability_zone}, {reservation.tenancy}"
        )
        asked = ", ".join(wanted.values())
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


def _wrap_run_instances(original: Handler) -> Handler:
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
                instance._placement.tenancy = wanted["tenancy"]
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
        wanted = describe_instance(instance)
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


# -- RAM -----------------------------------------------------------------------------------------


def _check_capacity(share: Any) -> None:
    failed: dict[str, str] = {}
    for arn in share.resource_arns:
        if ":capacity-reservation/" in arn:
            reason = WORLD.refusal(share, arn)
            if reason:
                failed[arn] = reason
    share.trainshare_failed = failed


def _ram_checks_capacity() -> None:
    add_resources = ram_models.ResourceShare.add_resources
    add_principals = ram_models.ResourceShare.add_principals

    def resources(self: Any, resource_arns: list[str]) -> None:
        with WORLD.lock:
            for arn in resource_arns:
                if ":capacity-reservation/" in arn:
                    WORLD.refusal(self, arn)  # an unknown one is refused before anything changes
            add_resources(self, resource_arns)
            _check_capacity(self)

    def principals(self: Any, names: list[str]) -> None:
        with WORLD.lock:
            add_principals(self, names)
            _check_capacity(self)

    setattr(ram_models.ResourceShare, "add_resources", resources)  # noqa: B010
    setattr(ram_models.ResourceShare, "add_principals", principals)  # noqa: B010

    associations = ram_models.ResourceAccessManagerBackend.get_resource_share_associations

    def get_associations(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        answer: dict[str, Any] = associations(self, *args, **kwargs)
        shares = {s.arn: s for s in self.resource_shares}
        for item in answer.get("resourceShareAssociations", []):
            share = shares.get(item.get("resourceShareArn"))
            reason = getattr(share, "trainshare_failed", {}).get(item.get("associatedEntity"))
            if item.get("associationType") == "RESOURCE" and reason:
                item["status"], item["statusMessage"] = "FAILED", reason
        return answer

    setattr(  # noqa: B010
        ram_models.ResourceAccessManagerBackend, "get_resource_share_associations", get_associations
    )

    # Once a share is in place (moto files a new share after adding its members), open
    # reservations take in the matching instances it now reaches; once it shrinks, consumers it
    # no longer reaches leave the reservations.
    for name, after in (
        ("create_resource_share", WORLD.absorb_region),
        ("associate_resource_share", WORLD.absorb_region),
        ("disassociate_resource_share", WORLD.release_unreachable),
        ("delete_resource_share", WORLD.release_unreachable),
    ):
        original = getattr(ResourceAccessManagerResponse, name)

        def hooked(self: Any, _original: Any = original, _after: Any = after) -> Any:
            answer = _original(self)
            _after(self.region)
            return answer

        setattr(ResourceAccessManagerResponse, name, hooked)


HANDLERS: dict[str, Handler] = {
    "create_capacity_reservation": create_capacity_reservation,
    "describe_capacity_reservations": describe_capacity_reservations,
    "modify_capacity_reservation": modify_capacity_reservation,
    "cancel_capacity_reservation": cancel_capacity_reservation,
    "get_capacity_reservation_usage": get_capacity_reservation_usage,
    "describe_capacity_block_offerings": describe_capacity_block_offerings,
    "purchase_capacity_block": purchase_capacity_block,
    "describe_capacity_blocks": describe_capacity_blocks,
    "create_interruptible_capacity_reservation_allocation": (
        create_interruptible_capacity_reservation_allocation
    ),
    "update_interruptible_capacity_reservation_allocation": (
        update_interruptible_capacity_reservation_allocation
    ),
    "associate_capacity_reservation_billing_owner": associate_capacity_reservation_billing_owner,
    "disassociate_capacity_reservation_billing_owner": (
        disassociate_capacity_reservation_billing_owner
    ),
    "accept_capacity_reservation_billing_ownership": accept_capacity_reservation_billing_ownership,
    "reject_capacity_reservation_billing_ownership": reject_capacity_reservation_billing_ownership,
    "describe_capacity_reservation_billing_requests": (
        describe_capacity_reservation_billing_requests
    ),
}


def ec2_serves_capacity() -> None:
    """Attach the handlers and hooks to moto (once; `extensions.apply_extensions` calls this)."""
    for name, handler in HANDLERS.items():
        setattr(EC2Response, name, handler)
    setattr(EC2Response, "run_instances", _wrap_run_instances(EC2Response.run_instances))  # noqa: B010
    _ram_checks_capacity()
