"""Read the live state of the reservations a spec shares into a CapacitySnapshot (read-only).

The fewest calls that give the whole view (`capacity_call_floor` counts them):
- in the management account: DescribeOrganization (the organization's ID, for the access model),
  and DescribeAccount for each account using a reservation that the spec does not know by ID;
- in each owner and Region (assuming `access_role` in member accounts): one
  DescribeCapacityReservations for all its reservations (by ID; on NotFound, one listing of the
  owner's reservations tells which are missing); GetCapacityReservationUsage only for a
  reservation with instances running in it (DescribeCapacityReservations shows which); one
  GetMetricData for the idle instance-hours of up to 500 reservations and one for their
  hourly minimum available over the last `lookback_hours` (up to 500 reservations and 100,800
  datapoints per call, CloudWatch API reference); DescribeCapacityReservationBillingRequests
  only where the spec names a billing owner that is not the live one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict, Unpack

from botocore.exceptions import ClientError

from trainshare.audit.client import ClientFactory
from trainshare.audit.reader import Progress, Reader, _explain
from trainshare.capacity.model import (
    CAPACITY_BLOCK,
    INTERRUPTIBLE,
    ON_DEMAND,
    BillingRequest,
    CapacitySnapshot,
    LiveReservation,
    OrgAccount,
    Usage,
)
from trainshare.capacity.view import shared_capacity
from trainshare.plan.capacity import billing_applies
from trainshare.spec import Spec

NAMESPACE = "AWS/EC2CapacityReservations"
STEP_HOURS = 5 / 60  # a datapoint every five minutes (capacity-reservation-cw-metrics)
RETENTION = timedelta(days=455)  # CloudWatch keeps hourly datapoints 455 days
MAX_QUERIES = 500  # GetMetricData: MetricDataQueries, at most 500
MAX_DATAPOINTS = 100_800  # GetMetricData: datapoints per call
DESCRIBE_IDS = 1000  # DescribeCapacityReservations: reservations per call


@dataclass(frozen=True)
class OwnerRead:
    account: str
    region: str
    ids: tuple[str, ...]
    # reservation ID → the billing owner's ID the spec names (None: an account it creates)
    billing: tuple[tuple[str, str | None], ...]

    def needs_billing_requests(self, raw: dict[str, Any]) -> bool:
        """Whether the requests must be read: the spec names a billing owner that the live
        reservation does not show (an accepted request shows there already)."""
        wanted = dict(self.billing)
        reservation_id = raw["CapacityReservationId"]
        if reservation_id not in wanted or raw.get("ReservationType") == "capacity-block":
            return False
        have = raw.get("UnusedReservationBillingOwnerId")
        return wanted[reservation_id] is None or have != wanted[reservation_id]


def _iso(moment: Any) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="seconds")
    return str(moment)


def _kind(raw: dict[str, Any]) -> str:
    if raw.get("Interruptible"):
        return INTERRUPTIBLE
    return CAPACITY_BLOCK if raw.get("ReservationType") == "capacity-block" else ON_DEMAND


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


class CapacityReader(Reader):
    """The reservations of a spec's shares, read with `factory`'s clients."""

    def __init__(
        self,
        factory: ClientFactory,
        spec: Spec,
        *,
        progress: Progress | None = None,
        now: datetime | None = None,
        lookback_hours: int = 168,
    ) -> None:
        org = spec.organization
        super().__init__(
            factory,
            management_account=org.management_account,
            access_role=org.access_role,
            partition=org.partition,
            progress=progress,
        )
        self.spec = spec
        self.now = now or datetime.now(UTC)
        self.lookback_hours = lookback_hours

    def owners(self) -> list[OwnerRead]:
        by_owner: dict[tuple[str, str], tuple[list[str], dict[str, str | None]]] = {}
        for share, resource in shared_capacity(self.spec):
            ids, billing = by_owner.setdefault((share.owner_id, share.region), ([], {}))
            reservation_id = resource.arn.rsplit("/", 1)[-1]
            ids.append(reservation_id)
            if share.billing_owner is not None and billing_applies(resource):
                payer = self.spec.accounts.get(share.billing_owner)
                billing[reservation_id] = payer.id if payer else None
        return [
            OwnerRead(account, region, tuple(dict.fromkeys(ids)), tuple(sorted(billing.items())))
            for (account, region), (ids, billing) in sorted(by_owner.items())
        ]

    def read_capacity(self) -> CapacitySnapshot:
        mgmt = self.factory.client("organizations")
        try:
            described = self.factory.call(mgmt, "describe_organization")["Organization"]
        except ClientError as exc:
            raise _explain(exc, "reading the organization") from None
        owners = self.owners()
        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            results = list(pool.map(self._read_owner, owners))
            reservations = tuple(r for found, _ in results for r in found)
            known = {a.id for a in self.spec.accounts.values() if a.id}
            strangers = sorted(
                {u.account_id for r in reservations for u in r.usage}
                - known
                - {r.owner for r in reservations}
            )
            accounts = tuple(pool.map(lambda i: self._describe_account(i, mgmt), strangers))
        missing = tuple(sorted(m for _, gone in results for m in gone))
        return CapacitySnapshot(
            taken_at=self.now.astimezone(UTC).isoformat(timespec="seconds"),
            management_account=self.management_account,
            organization_id=str(described.get("Id", "")),
            reservations=tuple(sorted(reservations, key=lambda r: r.arn)),
            missing=missing,
            accounts=accounts,
            lookback_hours=self.lookback_hours,
        )

    def _describe_account(self, account_id: str, client: Any) -> OrgAccount:
        """DescribeAccount for an account the spec does not know by ID (the reader's threads
        share them): its name (trainshare names the accounts it creates by their key) and
        whether it is in the organization."""
        try:
            found = self.factory.call(client, "describe_account", AccountId=account_id)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "AccountNotFoundException":
                raise _explain(exc, f"describing account {account_id}") from None
            return OrgAccount(account_id, "", "NOT_IN_ORGANIZATION")
        account = found["Account"]
        return OrgAccount(account_id, str(account.get("Name", "")), str(account.get("Status", "")))

    def read_stated(self) -> tuple[LiveReservation, ...]:
        """For `audit`: only the reservations whose kind and matching the spec states, one
        DescribeCapacityReservations per owner and Region that has any."""
        stated = {
            resource.arn.rsplit("/", 1)[-1]
            for _, resource in shared_capacity(self.spec)
            if resource.capacity is not None
        }
        found: list[LiveReservation] = []
        for owner in self.owners():
            ids = tuple(i for i in owner.ids if i in stated)
            if not ids:
                continue
            ec2 = self.factory.client("ec2", owner.region, session=self._session(owner.account))
            try:
                raw, _ = self._describe(ec2, replace(owner, ids=ids))
            except ClientError as exc:
                raise _explain(exc, f"reading the reservations of {owner.account}") from None
            found += [self._live(r, owner, (), {}, {}) for r in raw]
        return tuple(sorted(found, key=lambda r: r.arn))

    # -- one owner and Region ---------------------------------------------------------------

    def _read_owner(self, owner: OwnerRead) -> tuple[list[LiveReservation], list[str]]:
        session = self._session(owner.account)
        ec2 = self.factory.client("ec2", owner.region, session=session)
        what = f"reading the capacity of {owner.account} in {owner.region}"
        try:
            raw, missing = self._describe(ec2, owner)
            usage = {
                r["CapacityReservationId"]: self._usage(ec2, r["CapacityReservationId"])
                for r in raw
                if r.get("State") == "active"
                and int(r.get("AvailableInstanceCount", 0)) < int(r.get("TotalInstanceCount", 0))
            }
            metrics = self._metrics(
                self.factory.client("cloudwatch", owner.region, session=session), raw
            )
            billing = self._billing(ec2, owner, raw)
        except ClientError as exc:
            raise _explain(exc, what) from None
        found = [
            self._live(r, owner, usage.get(r["CapacityReservationId"], ()), metrics, billing)
            for r in raw
        ]
        self.progress(f"capacity of {owner.account} in {owner.region}: {len(found)} reservation(s)")
        return found, missing

    def _describe(self, ec2: Any, owner: OwnerRead) -> tuple[list[dict[str, Any]], list[str]]:
        found: list[dict[str, Any]] = []
        for start in range(0, len(owner.ids), DESCRIBE_IDS):
            chunk = list(owner.ids[start : start + DESCRIBE_IDS])
            try:
                answer = self.factory.call(
                    ec2, "describe_capacity_reservations", CapacityReservationIds=chunk
                )
                found += answer.get("CapacityReservations", [])
            except ClientError as exc:
                if (
                    exc.response.get("Error", {}).get("Code")
                    != "InvalidCapacityReservationId.NotFound"
                ):
                    raise
                # one of them does not exist: the owner's own reservations tell which
                wanted = set(chunk)
                found += [
                    r
                    for r in self.factory.pages(
                        ec2,
                        "describe_capacity_reservations",
                        "CapacityReservations",
                        Filters=[{"Name": "owner-id", "Values": [owner.account]}],
                    )
                    if r["CapacityReservationId"] in wanted
                ]
        ours = [r for r in found if r.get("OwnerId", owner.account) == owner.account]
        have = {r["CapacityReservationId"] for r in ours}
        partition = self.spec.organization.partition
        missing = [
            f"arn:{partition}:ec2:{owner.region}:{owner.account}:capacity-reservation/{i}"
            for i in owner.ids
            if i not in have
        ]
        return ours, missing

    def _usage(self, ec2: Any, reservation_id: str) -> tuple[Usage, ...]:
        return tuple(
            Usage(str(u["AccountId"]), int(u.get("UsedInstanceCount", 0)))
            for u in self.factory.pages(
                ec2,
                "get_capacity_reservation_usage",
                "InstanceUsages",
                CapacityReservationId=reservation_id,
            )
        )

    def _billing(
        self, ec2: Any, owner: OwnerRead, raw: list[dict[str, Any]]
    ) -> dict[str, tuple[BillingRequest, ...]]:
        """The requests of reservations whose billing owner the spec names and that is not the
        live one (accepted requests show in UnusedReservationBillingOwnerId already)."""
        ids = [r["CapacityReservationId"] for r in raw if owner.needs_billing_requests(r)]
        if not ids:
            return {}
        found: dict[str, list[BillingRequest]] = {}
        for item in self.factory.pages(
            ec2,
            "describe_capacity_reservation_billing_requests",
            "CapacityReservationBillingRequests",
            Role="odcr-owner",
            CapacityReservationIds=ids,
        ):
            found.setdefault(item["CapacityReservationId"], []).append(
                BillingRequest(str(item["UnusedReservationBillingOwnerId"]), str(item["Status"]))
            )
        return {k: tuple(v) for k, v in found.items()}

    # -- CloudWatch ---------------------------------------------------------------------------

    def _metrics(
        self, cloudwatch: Any, raw: list[dict[str, Any]]
    ) -> dict[str, tuple[float | None, tuple[float | None, ...]]]:
        """Per reservation: idle instance-hours since it started (the Sum of
        AvailableInstanceCount, a datapoint per five minutes) and the minimum available in each
        of the last `lookback_hours` hours."""
        started = [r for r in raw if r.get("State") in ("active", "expired", "cancelled")]
        if not started:
            return {}
        now = _hour(self.now) + timedelta(hours=1)
        first = min(_aware(r.get("StartDate")) or self.now for r in started)
        since = max(_hour(first), now - RETENTION)
        span = max(math.ceil((now - since).total_seconds() / 3600), 1) * 3600
        recent = now - timedelta(hours=self.lookback_hours)
        totals: dict[str, float] = {}
        hourly: dict[str, dict[datetime, float]] = {}
        per_call = max(1, min(MAX_QUERIES, MAX_DATAPOINTS // max(self.lookback_hours, 1)))
        for offset in range(0, len(started), per_call):
            chunk = started[offset : offset + per_call]
            for item in self._metric_data(
                cloudwatch, chunk, offset, stat="Sum", period=span, start=since, end=now
            ):
                totals[item["Id"]] = sum(item.get("Values", [])) * STEP_HOURS
            if self.lookback_hours:
                for item in self._metric_data(
                    cloudwatch, chunk, offset, stat="Minimum", period=3600, start=recent, end=now
                ):
                    series = hourly.setdefault(item["Id"], {})
                    for moment, value in zip(
                        item.get("Timestamps", []), item.get("Values", []), strict=False
                    ):
                        series[_hour(_aware(moment) or now)] = float(value)
        hours = [recent + timedelta(hours=i) for i in range(self.lookback_hours)]
        out: dict[str, tuple[float | None, tuple[float | None, ...]]] = {}
        for index, reservation in enumerate(started):
            key = f"r{index}"
            series = hourly.get(key, {})
            out[reservation["CapacityReservationId"]] = (
                totals.get(key),
                tuple(series.get(h) for h in hours),
            )
        return out

    def _metric_data(
        self,
        cloudwatch: Any,
        chunk: list[dict[str, Any]],
        offset: int,
        *,
        stat: str,
        period: int,
        start: datetime,
        end: datetime,
    ) -> Iterable[dict[str, Any]]:
        queries = [
            {
                "Id": f"r{offset + i}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": NAMESPACE,
                        "MetricName": "AvailableInstanceCount",
                        "Dimensions": [
                            {"Name": "CapacityReservationId", "Value": r["CapacityReservationId"]}
                        ],
                    },
                    "Period": period,
                    "Stat": stat,
                },
                "ReturnData": True,
            }
            for i, r in enumerate(chunk)
        ]
        merged: dict[str, dict[str, Any]] = {}
        token = None
        while True:
            answer = self.factory.call(
                cloudwatch,
                "get_metric_data",
                MetricDataQueries=queries,
                StartTime=start,
                EndTime=end,
                **({"NextToken": token} if token else {}),
            )
            for item in answer.get("MetricDataResults", []):
                into = merged.setdefault(
                    item["Id"], {"Id": item["Id"], "Timestamps": [], "Values": []}
                )
                into["Timestamps"] += item.get("Timestamps", [])
                into["Values"] += item.get("Values", [])
            token = answer.get("NextToken")
            if not token:
                return merged.values()

    # -- the snapshot's model ---------------------------------------------------------------

    def _live(
        self,
        raw: dict[str, Any],
        owner: OwnerRead,
        usage: tuple[Usage, ...],
        metrics: dict[str, tuple[float | None, tuple[float | None, ...]]],
        billing: dict[str, tuple[BillingRequest, ...]],
    ) -> LiveReservation:
        reservation_id = str(raw["CapacityReservationId"])
        idle, hourly = metrics.get(reservation_id, (None, ()))
        interruption = raw.get("InterruptionInfo") or {}
        return LiveReservation(
            arn=str(
                raw.get("CapacityReservationArn")
                or f"arn:{self.partition}:ec2:{owner.region}:{owner.account}:capacity-reservation/"
                f"{reservation_id}"
            ),
            id=reservation_id,
            owner=str(raw.get("OwnerId", owner.account)),
            region=owner.region,
            kind=_kind(raw),
            instance_type=str(raw.get("InstanceType", "")),
            platform=str(raw.get("InstancePlatform", "")),
            availability_zone=str(raw.get("AvailabilityZone", "")),
            tenancy=str(raw.get("Tenancy", "default")),
            match=str(raw.get("InstanceMatchCriteria", "")),
            state=str(raw.get("State", "")),
            start=_iso(raw.get("StartDate")) or "",
            end=_iso(raw.get("EndDate")),
            total=int(raw.get("TotalInstanceCount", 0)),
            available=int(raw.get("AvailableInstanceCount", 0)),
            billing_owner=raw.get("UnusedReservationBillingOwnerId"),
            usage=usage,
            billing_requests=billing.get(reservation_id, ()),
            idle_instance_hours=idle,
            hourly_available=hourly,
            source=interruption.get("SourceCapacityReservationId"),
        )


def _aware(moment: Any) -> datetime | None:
    if not isinstance(moment, datetime):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ReaderOptions(TypedDict, total=False):
    """`CapacityReader`'s keyword arguments, which `read_capacity` passes on (their defaults
    are the reader's)."""

    progress: Progress | None
    now: datetime | None
    lookback_hours: int


def read_capacity(
    spec: Spec, factory: ClientFactory, **options: Unpack[ReaderOptions]
) -> CapacitySnapshot:
    """The live state of every reservation the spec shares (read-only)."""
    return CapacityReader(factory, spec, **options).read_capacity()


def capacity_call_floor(spec: Spec, snapshot: CapacitySnapshot) -> int:
    """The fewest API calls that read `snapshot`, by the plan in this module's docstring: what
    `read_capacity` is measured against."""
    reader = CapacityReader(ClientFactory(), spec)
    calls = 1 + len(snapshot.accounts)  # DescribeOrganization, DescribeAccount
    by_owner: dict[tuple[str, str], list[LiveReservation]] = {}
    for reservation in snapshot.reservations:
        by_owner.setdefault((reservation.owner, reservation.region), []).append(reservation)
    for owner in reader.owners():
        found = by_owner.get((owner.account, owner.region), [])
        calls += owner.account != spec.organization.management_account  # AssumeRole
        calls += math.ceil(len(owner.ids) / DESCRIBE_IDS)
        calls += sum(1 for r in found if r.state == "active" and r.used > 0)
        wanted = dict(owner.billing)
        calls += any(
            r.id in wanted
            and r.kind != CAPACITY_BLOCK
            and (wanted[r.id] is None or r.billing_owner != wanted[r.id])
            for r in found
        )  # DescribeCapacityReservationBillingRequests
        started = [r for r in found if r.state in ("active", "expired", "cancelled")]
        per_call = max(1, min(MAX_QUERIES, MAX_DATAPOINTS // max(snapshot.lookback_hours, 1)))
        calls += math.ceil(len(started) / per_call) * (2 if snapshot.lookback_hours else 1)
    return calls
