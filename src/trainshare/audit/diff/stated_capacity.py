"""What the spec states about its reservations (`capacity:` on a shared reservation) against
the reservations the snapshot read."""

from __future__ import annotations

from trainshare.audit.diff.drift import Comparison
from trainshare.capacity.view import shared_capacity, statement_differences


def check_stated_capacity(audit: Comparison) -> None:
    """Each `capacity:` statement against the reservation it describes. A snapshot that
    did not read them (`capacity` None: taken before trainshare read reservations) is not
    compared; one that read them and found none reports every stated one missing."""
    if audit.live.capacity is None:
        return
    live = {r.arn: r for r in audit.live.capacity}
    for share, resource in shared_capacity(audit.spec):
        if resource.capacity is None:
            continue
        where = f"share {share.key}: {resource.arn.rsplit('/', 1)[-1]}"
        found = live.get(resource.arn)
        if found is None:
            audit.find(
                "CAPACITY_RESERVATION_MISSING",
                where,
                f"{resource.arn} is not a reservation of {share.owner} ({share.owner_id}) "
                f"in {share.region}",
            )
            continue
        differences = statement_differences(resource, found)
        if differences:
            audit.find(
                "CAPACITY_STATEMENT_MISMATCH",
                where,
                f"the spec states {', '.join(differences)} for {found.id}",
            )
