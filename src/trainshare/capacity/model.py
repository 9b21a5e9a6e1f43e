"""A capacity snapshot: the live state of the reservations a spec shares, typed, versioned, JSON,
free of credentials. The reader (`audit/capacity.py`) writes it; `capacity --snapshot` reads it
offline. Pure data: no boto3 here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from trainshare.errors import TrainshareError

VERSION = 1
ON_DEMAND = "on-demand"
CAPACITY_BLOCK = "capacity-block"
INTERRUPTIBLE = "interruptible"
KINDS = (ON_DEMAND, CAPACITY_BLOCK, INTERRUPTIBLE)


class CapacitySnapshotError(TrainshareError):
    """A capacity snapshot that cannot be read, or is of another version."""


@dataclass(frozen=True, slots=True)
class Usage:
    """GetCapacityReservationUsage: one account's instances running in the reservation."""

    account_id: str
    running: int


@dataclass(frozen=True, slots=True)
class BillingRequest:
    """DescribeCapacityReservationBillingRequests: the latest request to an account."""

    billing_owner: str
    status: str  # pending | accepted | rejected | cancelled | revoked | expired


@dataclass(frozen=True, slots=True)
class LiveReservation:
    """DescribeCapacityReservations, with its usage, billing requests and CloudWatch history."""

    arn: str
    id: str
    owner: str
    region: str
    kind: str  # on-demand | capacity-block | interruptible
    instance_type: str
    platform: str
    availability_zone: str
    tenancy: str
    match: str  # open | targeted
    state: str
    start: str  # ISO 8601, UTC
    end: str | None
    total: int
    available: int
    billing_owner: str | None  # UnusedReservationBillingOwnerId (accepted)
    usage: tuple[Usage, ...] = ()
    billing_requests: tuple[BillingRequest, ...] = ()
    # AWS/EC2CapacityReservations AvailableInstanceCount: the idle instance-hours since the
    # reservation started (None: no metrics), and the minimum available per hour over the last
    # hours (oldest first; None where CloudWatch has no datapoint for that hour)
    idle_instance_hours: float | None = None
    hourly_available: tuple[float | None, ...] = ()
    ultraserver_type: str | None = None
    source: str | None = None  # interruptible: its source reservation

    @property
    def used(self) -> int:
        return self.total - self.available if self.state == "active" else 0


@dataclass(frozen=True, slots=True)
class OrgAccount:
    id: str
    name: str
    status: str


@dataclass(frozen=True)
class CapacitySnapshot:
    taken_at: str  # ISO 8601, UTC: "now" for every duration in the view
    management_account: str
    organization_id: str
    reservations: tuple[LiveReservation, ...]
    missing: tuple[str, ...] = ()  # ARNs the spec shares that their owner does not have
    accounts: tuple[OrgAccount, ...] = ()  # accounts named by their ID (usage), as read
    lookback_hours: int = 0  # how many hours `hourly_available` covers
    version: int = VERSION
    _by_arn: dict[str, LiveReservation] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        self._by_arn.update((r.arn, r) for r in self.reservations)

    def reservation(self, arn: str) -> LiveReservation | None:
        return self._by_arn.get(arn)

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("_by_arn")
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @staticmethod
    def from_json(text: str, source: str = "capacity snapshot") -> CapacitySnapshot:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CapacitySnapshotError(f"{source}: not JSON ({exc})") from None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            version = data.get("version") if isinstance(data, dict) else None
            raise CapacitySnapshotError(
                f"{source}: capacity snapshot version {version!r}, this trainshare reads "
                f"version {VERSION} (write one with `trainshare capacity --snapshot-out`)"
            )
        try:
            return _build(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise CapacitySnapshotError(f"{source}: malformed capacity snapshot ({exc})") from None

    @staticmethod
    def read(path: Path) -> CapacitySnapshot:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CapacitySnapshotError(f"cannot read {path}: {exc.strerror}") from None
        return CapacitySnapshot.from_json(text, str(path))


def _build(data: dict[str, Any]) -> CapacitySnapshot:
    def reservation(r: dict[str, Any]) -> LiveReservation:
        return LiveReservation(
            **{
                **r,
                "usage": tuple(Usage(**u) for u in r.get("usage", [])),
                "billing_requests": tuple(
                    BillingRequest(**b) for b in r.get("billing_requests", [])
                ),
                "hourly_available": tuple(r.get("hourly_available", [])),
            }
        )

    return CapacitySnapshot(
        taken_at=str(data["taken_at"]),
        management_account=str(data["management_account"]),
        organization_id=str(data["organization_id"]),
        reservations=tuple(reservation(r) for r in data["reservations"]),
        missing=tuple(str(m) for m in data.get("missing", [])),
        accounts=tuple(OrgAccount(**a) for a in data.get("accounts", [])),
        lookback_hours=int(data.get("lookback_hours", 0)),
    )
