"""What the spec states about shared capacity, checked against AWS's sharing rules for each kind
(catalog/data/capacity_kinds.yaml, which cites the EC2 user guide page of each rule):

- a resource's `capacity:` statement: its kind (`on-demand`, `capacity-block`, `interruptible`),
  its matching (`open`/`targeted`: stated for an On-Demand Capacity Reservation, since AWS makes
  a new one open; only `targeted` for the other kinds), its tenancy (never `dedicated`), an
  UltraServer block (never), a block's end when stated (only scheduled or active blocks can be
  shared; `trainshare capacity` checks the live state either way);
- a share holding a Capacity Block reaches no principal outside the organization;
- `billing_owner:` is an account of the spec (so, under the organization's payer; the
  management account, the payer itself, once declared under `accounts`), not the owner,
  reached by the share, on a share holding Capacity Reservations. It applies to the kinds whose
  unused part can be billed (catalog `billing_assignable`): a Capacity Block is paid up
  front at purchase, so the plan leaves it out (a warning when the share holds nothing else).

An `open` reservation shared is a warning: every matching instance of the accounts it reaches
runs in it unasked (EC2 user guide, sharing-cr).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from trainshare.catalog.capacity import CapacityKind, load_capacity_kinds
from trainshare.findings import Severity
from trainshare.spec.issues import Collector, did_you_mean
from trainshare.spec.model import CapacitySpec, ShareSpec
from trainshare.spec.resolved import (
    Account,
    CapacityStatement,
    Principal,
    PrincipalKind,
    SharedResource,
)
from trainshare.yamlsource import Path_

CAPACITY_TYPE = "ec2:CapacityReservation"


def _parse_end(text: str) -> datetime | None:
    """The moment in UTC, or None when it is not one: an offset can carry a date at the edge
    of the calendar past it (9999-12-31T23:59:59-01:00), an OverflowError in UTC."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def capacity_statement(
    out: Collector,
    raw: CapacitySpec,
    *,
    arn: str,
    resource_type: str,
    path: Path_,
    now: datetime,
) -> CapacityStatement | None:
    """The resolved statement of one resource, or None (each problem reported, located)."""
    where = (*path, "capacity")
    if resource_type != CAPACITY_TYPE:
        out.add(
            "CAPACITY_ON_OTHER_RESOURCE",
            where,
            f"`capacity` describes a Capacity Reservation; {arn} is a {resource_type}",
            "remove `capacity` from this resource",
        )
        return None
    kind = load_capacity_kinds().kinds[raw.kind]
    ok = True
    match = raw.match or kind.default_match
    if match is None:
        out.add(
            "CAPACITY_MATCH_REQUIRED",
            (*where, "kind"),
            f"state whether {_short(arn)} is open or targeted: AWS makes a new On-Demand "
            "Capacity Reservation open, and a shared open one is used by every matching "
            "instance of the accounts it reaches",
            "add `match: targeted` (instances launch into it only by its ID) or `match: open`",
        )
        ok = False
    elif match not in kind.matches:
        out.add(
            "CAPACITY_TARGETED_ONLY",
            (*where, "match"),
            f"a {kind.title} is targeted only ({kind.source})",
            "write `match: targeted`, and launch into it by its ID",
        )
        ok = False
    ok = _rules(out, raw, kind, where=where, arn=arn, now=now) and ok
    if not ok or match is None:
        return None
    if match == "open":
        out.add(
            "OPEN_RESERVATION_SHARED",
            (*where, "match"),
            f"{_short(arn)} is open: any instance with its type, platform, Availability Zone and "
            "tenancy in an account the share reaches runs in it, and is counted against it, "
            "without asking",
            "make it targeted (aws ec2 modify-capacity-reservation --instance-match-criteria "
            "targeted, then `match: targeted`) and launch into it by ID, or share it with fewer "
            "accounts",
            Severity.WARNING,
        )
    return CapacityStatement(
        kind=raw.kind,
        match=match,
        tenancy=raw.tenancy,
        instance_type=raw.instance_type,
        availability_zone=raw.availability_zone,
        platform=raw.platform,
        end=_iso(raw.end),
        ultraserver=raw.ultraserver,
    )


def _iso(text: str | None) -> str | None:
    moment = _parse_end(text) if text else None
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def _short(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _rules(
    out: Collector, raw: CapacitySpec, kind: CapacityKind, *, where: Path_, arn: str, now: datetime
) -> bool:
    ok = True
    catalog = load_capacity_kinds()
    if raw.tenancy == "dedicated" and not catalog.dedicated_shareable:
        out.add(
            "DEDICATED_NOT_SHAREABLE",
            (*where, "tenancy"),
            f"{_short(arn)} reserves dedicated-tenancy capacity, which cannot be shared "
            f"({catalog.dedicated_source})",
            "remove it from the share; share a reservation of default tenancy",
        )
        ok = False
    if raw.ultraserver and not kind.ultraserver_shareable:
        out.add(
            "CAPACITY_BLOCK_ULTRASERVER",
            (*where, "ultraserver"),
            f"{_short(arn)} is a Capacity Block for UltraServers ({raw.ultraserver}), which "
            f"cannot be shared ({kind.source})",
            "remove it from the share; run the UltraServer workloads in the owner's account",
        )
        ok = False
    if raw.end is not None:
        end = _parse_end(raw.end)
        if end is None:
            out.add(
                "INVALID_DATE",
                (*where, "end"),
                f"end {raw.end!r} is not an ISO 8601 date and time",
                "write it as 2026-12-15T11:30:00Z",
            )
            ok = False
        elif kind.shareable_states and end <= now:
            # a warning, not an error: a block ends by the clock, and a spec that was valid
            # yesterday must still load (for `diff` against it, `capacity`, `audit`, the PR
            # that removes the block)
            out.add(
                "CAPACITY_BLOCK_ENDED",
                (*where, "end"),
                f"{_short(arn)} ended {raw.end}: a {kind.title} can be shared only while "
                f"{' or '.join(kind.shareable_states)} ({kind.source})",
                "remove it from the share: AWS refuses to share it, so a new association "
                "fails in `pulumi up`",
            )
    return ok


def check_capacity_share(
    out: Collector,
    spec: ShareSpec,
    *,
    path: Path_,
    owner: Account,
    resources: Sequence[SharedResource],
    principals: Sequence[Principal],
    accounts: Mapping[str, Account],
    management_account: str,
) -> tuple[bool, str | None]:
    """The share-wide rules: a Capacity Block reaches nobody outside the organization; the
    billing owner. Returns (ok, the billing owner's key)."""
    ok = True
    kinds = load_capacity_kinds().kinds
    for resource in resources:
        stated = resource.capacity
        if stated is None or kinds[stated.kind].external:
            continue
        kind = kinds[stated.kind]
        for index, principal in enumerate(principals):
            if principal.external:
                out.add(
                    "CAPACITY_BLOCK_OUTSIDE_ORG",
                    (*path, "principals", index),
                    f"{_short(resource.arn)} is a {kind.title}, which can be shared only inside "
                    f"the organization; {principal.ref} is outside it ({kind.source})",
                    f"remove {principal.ref}, or share the block in another share inside the "
                    "organization",
                )
                ok = False
    if spec.billing_owner is None:
        return ok, None
    payer = _billing_owner(
        out, spec.billing_owner, path=(*path, "billing_owner"), owner=owner,
        resources=resources, principals=principals, accounts=accounts,
        management_account=management_account,
    )  # fmt: skip
    return ok and payer is not None, payer


def _billing_owner(
    out: Collector,
    key: str,
    *,
    path: Path_,
    owner: Account,
    resources: Sequence[SharedResource],
    principals: Sequence[Principal],
    accounts: Mapping[str, Account],
    management_account: str,
) -> str | None:
    """EC2 user guide, request-billing-transfer: billing of unused capacity goes only to an
    account the reservation is shared with, consolidated under the same AWS Organizations payer
    as the owner (an account of the organization: the spec's), once it accepts. The management
    account is that payer and the guide excludes no account, so it may pay (Assumption: the
    payer counts as consolidated under itself); the plan runs its acceptance with the
    deployment's own credentials (plan/build_shares.py `_payer_where`). The billing owner's key
    (`key` may be its account ID), or None when it cannot be one."""
    capacity = [r for r in resources if r.resource_type == CAPACITY_TYPE]
    if not capacity:
        out.add(
            "BILLING_OWNER_WITHOUT_CAPACITY",
            path,
            "`billing_owner` assigns who pays for the unused part of Capacity Reservations; this "
            "share holds none",
            "remove `billing_owner`",
        )
        return None
    kinds = load_capacity_kinds().kinds
    stated = [kinds[r.capacity.kind] for r in capacity if r.capacity is not None]
    if len(stated) == len(capacity) and not any(k.billing_assignable for k in stated):
        out.add(
            "BILLING_OWNER_NOT_APPLICABLE",
            path,
            f"every reservation of this share is a {stated[0].title} "
            f"(paid up front at purchase): `billing_owner` {key} assigns nothing, and the plan "
            "leaves it out",
            "remove `billing_owner`",
        )
    account = accounts.get(key) or next((a for a in accounts.values() if a.id == key), None)
    if account is None and key == management_account:
        out.add(
            "BILLING_OWNER_NOT_DECLARED",
            path,
            f"billing owner {key!r} is the management account: it may pay for the unused part "
            "(it is the organization's payer), but it is not declared under `accounts`",
            f'declare it under `accounts` with its ID (for example management: {{id: "{key}"}}) '
            "and name that key here",
        )
        return None
    if account is None:
        out.add(
            "UNKNOWN_ACCOUNT",
            path,
            f"billing owner {key!r} is not an account of the spec; billing can be assigned only "
            "to an account under the same payer",
            did_you_mean(key, accounts) or "name an account under `accounts`",
        )
        return None
    if account.key == owner.key:
        out.add(
            "BILLING_OWNER_IS_OWNER",
            path,
            f"{key} owns the reservations: it pays for their unused part already",
            "remove `billing_owner`, or name the consumer account that should pay",
        )
        return None
    if not any(_reaches(p, account) for p in principals):
        out.add(
            "BILLING_OWNER_NOT_REACHED",
            path,
            f"{key} is not reached by this share ({', '.join(p.ref for p in principals)}): "
            "billing can be assigned only to an account a reservation is shared with",
            f"add {key} (or its OU) to `principals`, or name an account the share reaches",
        )
        return None
    return account.key


def _reaches(principal: Principal, account: Account) -> bool:
    if principal.external:
        return False
    if principal.kind is PrincipalKind.ORGANIZATION:
        return True
    if principal.kind is PrincipalKind.UNIT:
        return account.unit == principal.target or account.unit.startswith(principal.target + "/")
    if principal.kind is PrincipalKind.ACCOUNT:
        return principal.target == account.key
    return principal.target == account.id
