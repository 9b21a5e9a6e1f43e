"""The capacity view: each reservation a spec shares, as the live snapshot shows it, who runs in
it, and the findings (pure: a spec, a capacity snapshot and the access model in; rows out).

Sources for the rules behind the findings (EC2 user guide, read 2026-11-29): sharing-cr (an open
reservation is used by any matching instance of a consumer), capacity-blocks-using (instances
are terminated from 30 minutes before a block ends), assign-billing (who pays for unused
capacity), capacity-reservation-cw-metrics (AvailableInstanceCount every five minutes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from trainshare.access import AccessModel, Context
from trainshare.access.evaluate import reach
from trainshare.access.matrix import access_rows
from trainshare.access.model import AccountNode
from trainshare.access.statements import Effect, Verdict
from trainshare.capacity.model import CAPACITY_BLOCK, CapacitySnapshot, LiveReservation
from trainshare.catalog import finding
from trainshare.findings import Finding, Location, Severity
from trainshare.spec import PrincipalKind, Share, SharedResource, ShareKind, Spec

CAPACITY_TYPE = "ec2:CapacityReservation"
RUN_INSTANCES = "ec2:RunInstances"
_LISTED = 10  # accounts named in one CONSUMER_CANNOT_LAUNCH finding before "and N more"


@dataclass(frozen=True)
class Thresholds:
    """When a finding fires (the command's options)."""

    idle_instances: int = 1  # IDLE_SHARED_CAPACITY: at least this many idle …
    idle_hours: int = 24  # … in every hour of the last this many hours
    ending_days: float = 7.0  # RESERVATION_ENDING: ends within this many days


@dataclass(frozen=True, slots=True)
class Consumer:
    account_id: str
    account: str  # the spec's key, else the name the organization gives it, else ""
    running: int
    owner: bool = False  # the reservation's owner running in its own reservation

    def to_json(self) -> dict[str, Any]:
        return {"account_id": self.account_id, "account": self.account, "running": self.running}


@dataclass(frozen=True)
class ReservationRow:
    arn: str
    share: str
    owner: str  # account ID
    owner_name: str
    live: LiveReservation | None  # None: the owner does not have it
    consumers: tuple[Consumer, ...]
    hours_left: float | None
    billing_owner: str | None  # ID
    billing_wanted: str | None  # the spec's billing owner (ID), if any
    billing_owner_name: str = ""  # its key in the spec, or its name in the organization

    def to_json(self) -> dict[str, Any]:
        live = self.live
        return {
            "arn": self.arn,
            "share": self.share,
            "owner": self.owner,
            "owner_name": self.owner_name,
            "kind": live.kind if live else None,
            "instance_type": live.instance_type if live else None,
            "platform": live.platform if live else None,
            "availability_zone": live.availability_zone if live else None,
            "match": live.match if live else None,
            "state": live.state if live else "missing",
            "start": live.start if live else None,
            "end": live.end if live else None,
            "hours_left": None if self.hours_left is None else round(self.hours_left, 1),
            "total": live.total if live else 0,
            "available": live.available if live else 0,
            "billing_owner": self.billing_owner,
            "idle_instance_hours": (
                None
                if live is None or live.idle_instance_hours is None
                else round(live.idle_instance_hours, 1)
            ),
            "consumers": [c.to_json() for c in self.consumers],
        }


@dataclass
class CapacityReport:
    reservations: list[ReservationRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def blocking(self, threshold: Severity) -> bool:
        levels = {Severity.ERROR} if threshold is Severity.ERROR else set(Severity)
        return any(f.severity in levels for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "reservations": [r.to_json() for r in self.reservations],
            "findings": [f.to_json() for f in self.findings],
        }


def shared_capacity(spec: Spec) -> list[tuple[Share, SharedResource]]:
    """Every Capacity Reservation (or Capacity Block) the spec shares through RAM."""
    return [
        (share, resource)
        for share in spec.shares.values()
        if share.kind is ShareKind.RAM
        for resource in share.resources
        if resource.resource_type == CAPACITY_TYPE
    ]


def _parse(moment: str | None) -> datetime | None:
    if not moment:
        return None
    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class _Names:
    """Account IDs ↔ the spec's keys (created accounts by the name trainshare gives them)."""

    def __init__(self, spec: Spec, snapshot: CapacitySnapshot) -> None:
        self.by_id = {a.id: key for key, a in spec.accounts.items() if a.id}
        live = {a.name: a.id for a in snapshot.accounts}
        self.created = {
            key: live[key] for key, a in spec.accounts.items() if a.id is None and key in live
        }
        self.by_id.update((i, key) for key, i in self.created.items())
        self.org_names = {a.id: a.name for a in snapshot.accounts}
        self.members = {a.id for a in snapshot.accounts if a.status in ("ACTIVE", "")}

    def name(self, account_id: str) -> str:
        return self.by_id.get(account_id) or self.org_names.get(account_id, "")

    def id_of(self, key: str | None, spec: Spec) -> str | None:
        if key is None:
            return None
        account = spec.accounts.get(key)
        return (account.id if account else None) or self.created.get(key)


class _View:
    def __init__(
        self, spec: Spec, snapshot: CapacitySnapshot, model: AccessModel, thresholds: Thresholds
    ) -> None:
        self.spec = spec
        self.live = snapshot
        self.model = model
        self.thresholds = thresholds
        self.now = _parse(snapshot.taken_at) or datetime.now(UTC)
        self.names = _Names(spec, snapshot)
        self.report = CapacityReport()

    def find(self, code: str, location: str, message: str) -> None:
        self.report.findings.append(finding(code, Location(path=location), message))

    def run(self) -> CapacityReport:
        pairs = shared_capacity(self.spec)
        for share, resource in pairs:
            self.report.reservations.append(self._row(share, resource))
        self._cannot_launch(pairs)
        self.report.findings.sort(key=lambda f: (f.code, str(f.location), f.message))
        return self.report

    # -- one reservation -----------------------------------------------------------------------

    def _row(self, share: Share, resource: SharedResource) -> ReservationRow:
        live = self.live.reservation(resource.arn)
        where = f"share {share.key}: {resource.arn.rsplit('/', 1)[-1]}"
        wanted_billing = self.names.id_of(share.billing_owner, self.spec)
        if live is None:
            self.find(
                "CAPACITY_RESERVATION_MISSING",
                where,
                f"{resource.arn} is not a reservation of {share.owner} ({share.owner_id}) in "
                f"{share.region}",
            )
            return ReservationRow(
                resource.arn,
                share.key,
                share.owner_id,
                share.owner,
                None,
                (),
                None,
                None,
                wanted_billing,
            )
        end = _parse(live.end)
        hours_left = (end - self.now).total_seconds() / 3600 if end else None
        consumers = tuple(
            Consumer(
                u.account_id, self.names.name(u.account_id), u.running, u.account_id == live.owner
            )
            for u in sorted(live.usage, key=lambda u: (u.account_id != live.owner, u.account_id))
            if u.running > 0
        )
        row = ReservationRow(
            resource.arn,
            share.key,
            share.owner_id,
            share.owner,
            live,
            consumers,
            hours_left,
            live.billing_owner,
            wanted_billing,
            self.names.name(live.billing_owner) if live.billing_owner else "",
        )
        if live.state in ("expired", "cancelled"):
            self.find(
                "RESERVATION_ENDED",
                where,
                f"{live.id} is {live.state}{f' since {live.end}' if live.end else ''}; share "
                f"{share.key} still lists it",
            )
        self._open(where, share, live)
        self._idle(where, share, live)
        self._ending(where, share, live, consumers, hours_left)
        self._unshared(where, share, live, consumers)
        self._statement(where, resource, live)
        self._billing(where, share, live, wanted_billing)
        return row

    def _open(self, where: str, share: Share, live: LiveReservation) -> None:
        if live.match == "open" and live.state in ("active", "scheduled"):
            self.find(
                "OPEN_RESERVATION_SHARED",
                where,
                f"{live.id} is open and shared by {share.key}: any {live.instance_type} "
                f"{live.platform} instance in {live.availability_zone} of an account it reaches "
                "runs in it (and is counted against it) without asking",
            )

    def _idle(self, where: str, share: Share, live: LiveReservation) -> None:
        wanted, hours = self.thresholds.idle_instances, self.thresholds.idle_hours
        window = live.hourly_available[-hours:] if hours else ()
        if live.state != "active" or len(window) < hours or not window:
            return  # not enough history to say it was idle that long
        if any(v is None for v in window):
            return
        least = min(v for v in window if v is not None)
        if least >= wanted:
            spent = (
                f"; {live.idle_instance_hours:,.1f} idle instance-hours since it started"
                if live.idle_instance_hours is not None
                else ""
            )
            self.find(
                "IDLE_SHARED_CAPACITY",
                where,
                f"at least {int(least)} of {live.total} instance(s) of {live.id} sat idle in "
                f"every hour of the last {hours} h{spent}; the "
                f"{'billing owner' if live.billing_owner else 'owner'} pays for them",
            )

    def _ending(
        self,
        where: str,
        share: Share,
        live: LiveReservation,
        consumers: tuple[Consumer, ...],
        hours_left: float | None,
    ) -> None:
        running = [c for c in consumers if not c.owner]
        if hours_left is None or not running or live.state != "active":
            return
        if hours_left > self.thresholds.ending_days * 24:
            return
        who = ", ".join(f"{c.account or c.account_id} ({c.running})" for c in running)
        block = (
            "; EC2 terminates instances in a Capacity Block from 30 minutes before its end"
            if live.kind == CAPACITY_BLOCK
            else "; they keep running after it ends, as On-Demand"
        )
        self.find(
            "RESERVATION_ENDING",
            where,
            f"{live.id} ends {live.end} ({hours_left:,.1f} h left) while {who} run in it{block}",
        )

    def _unshared(
        self, where: str, share: Share, live: LiveReservation, consumers: tuple[Consumer, ...]
    ) -> None:
        shared = self.model.shares.get(share.key)
        for consumer in consumers:
            if consumer.owner:
                continue
            node = self.model.account(consumer.account_id) or self.model.account(consumer.account)
            if (
                node is not None
                and shared is not None
                and reach(self.model, shared, node) is not None
            ):
                continue
            org_wide = any(
                k is PrincipalKind.ORGANIZATION for k, _ in (shared.principals if shared else ())
            )
            if node is None and org_wide and consumer.account_id in self.names.members:
                continue
            label = (
                f"{consumer.account} ({consumer.account_id})"
                if consumer.account
                else consumer.account_id
            )
            self.find(
                "UNSHARED_CONSUMER",
                where,
                f"{label} runs {consumer.running} instance(s) in {live.id}, but share "
                f"{share.key} does not share it with that account",
            )

    def _statement(self, where: str, resource: SharedResource, live: LiveReservation) -> None:
        """What the spec states about the reservation (`capacity:`), against what it is."""
        differences = statement_differences(resource, live)
        if differences:
            self.find(
                "CAPACITY_STATEMENT_MISMATCH",
                where,
                f"the spec states {', '.join(differences)} for {live.id}",
            )

    def _billing(self, where: str, share: Share, live: LiveReservation, wanted: str | None) -> None:
        key = share.billing_owner
        if key is None or live.billing_owner == wanted or live.kind == CAPACITY_BLOCK:
            return  # a Capacity Block is paid up front: nobody pays for its unused part
        latest = next(
            (b.status for b in reversed(live.billing_requests) if b.billing_owner == wanted), None
        )
        status = f"its request is {latest}" if latest else "no request was made"
        have = live.billing_owner or f"the owner {share.owner}"
        self.find(
            "BILLING_OWNER_NOT_ASSIGNED",
            where,
            f"the spec has {key} ({wanted or 'not in the organization'}) pay for the unused "
            f"part of {live.id}, but {have} does: {status}",
        )

    # -- who cannot launch (the access model) ------------------------------------------------

    def _cannot_launch(self, pairs: list[tuple[Share, SharedResource]]) -> None:
        """Accounts a share reaches whose SCPs deny ec2:RunInstances into the reservation, with
        the reservation's instance type in the request context."""
        by_type: dict[str, dict[str, str]] = {}  # instance type → ARN → share
        for share, resource in pairs:
            live = self.live.reservation(resource.arn)
            if live is not None and live.state in ("active", "scheduled"):
                by_type.setdefault(live.instance_type, {})[resource.arn] = share.key
        for instance_type, arns in sorted(by_type.items()):
            context = Context.of({"ec2:InstanceType": instance_type})
            rows = access_rows(
                self.model, context, shares=set(arns.values()), actions=[RUN_INSTANCES]
            )
            denied: dict[tuple[str, str], list[AccountNode]] = {}
            for cell in rows.cells():
                if cell.resource not in arns or cell.effect not in (
                    Effect.DENY,
                    Effect.IMPLICIT_DENY,
                ):
                    continue
                denied.setdefault((cell.resource, _reason(cell.decision.trace)), []).append(
                    cell.account
                )
            for (arn, reason), accounts in sorted(denied.items()):
                self._report_denied(arns[arn], arn, instance_type, reason, accounts)

    def _report_denied(
        self, share: str, arn: str, instance_type: str, reason: str, accounts: list[AccountNode]
    ) -> None:
        names = [a.label for a in accounts[:_LISTED]]
        more = f" and {len(accounts) - _LISTED} more" if len(accounts) > _LISTED else ""
        self.find(
            "CONSUMER_CANNOT_LAUNCH",
            f"share {share}: {arn.rsplit('/', 1)[-1]}",
            f"{', '.join(names)}{more} cannot launch {instance_type} into it "
            f"(ec2:RunInstances): {reason}",
        )


def statement_differences(resource: SharedResource, live: LiveReservation) -> list[str]:
    """Where what the spec states about a reservation (`capacity:`) is not what it is live
    (`capacity` and `audit` both report them: CAPACITY_STATEMENT_MISMATCH)."""
    stated = resource.capacity
    if stated is None:
        return []
    return [
        f"{name} {said!r} (live: {have!r})"
        for name, said, have in (
            ("kind", stated.kind, live.kind),
            ("match", stated.match, live.match),
            ("tenancy", stated.tenancy, live.tenancy),
            ("instance_type", stated.instance_type, live.instance_type),
            ("availability_zone", stated.availability_zone, live.availability_zone),
            ("platform", stated.platform, live.platform),
        )
        if said is not None and said != have
    ]


def _reason(trace: Iterable[Any]) -> str:
    failed = [s for s in trace if s.verdict is Verdict.FAIL]
    return failed[-1].text if failed else "no statement allows it"


def capacity_view(
    spec: Spec,
    snapshot: CapacitySnapshot,
    model: AccessModel,
    thresholds: Thresholds | None = None,
) -> CapacityReport:
    """Each reservation the spec shares, live, with its consumers and the findings."""
    return _View(spec, snapshot, model, thresholds or Thresholds()).run()


def created_account_ids(spec: Spec, snapshot: CapacitySnapshot) -> Mapping[str, str]:
    """Live IDs of accounts the spec creates (for the access model), by the name they carry."""
    return _Names(spec, snapshot).created
