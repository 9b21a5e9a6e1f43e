"""A capacity snapshot: the live state of the reservations a spec shares, typed, versioned, JSON,
free of credentials. The reader (`audit/capacity.py`) writes it; `capacity --snapshot` reads it
offline. Pure data: no boto3 here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from trainshare import inputs
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
        """Strict JSON (`inputs.load_json`: bounded numbers and nesting), then its schema: every
        field of its type, nothing missing; a problem names its field."""
        try:
            data = inputs.load_json(text, source)
        except inputs.InputError as exc:
            raise CapacitySnapshotError(str(exc)) from None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            version = data.get("version") if isinstance(data, dict) else None
            raise CapacitySnapshotError(
                f"{source}: capacity snapshot version {version!r}, this trainshare reads "
                f"version {VERSION} (write one with `trainshare capacity --snapshot-out`)"
            )
        try:
            return _SCHEMA.validate_python(data)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
            raise CapacitySnapshotError(
                f"{source}: malformed capacity snapshot: {where.lstrip('.')}: {first['msg']}"
                f"{f' (and {exc.error_count() - 1} more)' if exc.error_count() > 1 else ''}"
            ) from None

    @staticmethod
    def read(path: Path) -> CapacitySnapshot:
        text = inputs.read_text_as(path, inputs.SNAPSHOT, CapacitySnapshotError)
        return CapacitySnapshot.from_json(text, str(path))


_SCHEMA: TypeAdapter[CapacitySnapshot] = TypeAdapter(CapacitySnapshot)
