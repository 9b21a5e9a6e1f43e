"""What a spec change says about shared capacity: what a reservation is stated to be
(`capacity:` — its kind, how instances get in, its type, Zone, end) and who pays for its unused
part (`billing_owner:`). The statement deploys nothing (`trainshare capacity` and `audit` check
it live), so the resources section cannot show it; a reviewer still needs to see that an open
reservation now takes every matching instance unasked, or that another account now pays.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from trainshare.plan.capacity import capacity_note
from trainshare.spec import Spec
from trainshare.spec.resolved import CapacityStatement, Share


@dataclass(frozen=True, slots=True)
class CapacityChange:
    share: str  # the new spec's key (the old one's when the share is removed)
    resource: str  # the reservation's ARN; "" for the share's billing owner
    field: str  # "capacity" or "billing_owner"
    before: str | None  # in words; None: not stated
    after: str | None
    note: str = ""  # what it means now (as `plan` says it)

    def render(self) -> str:
        what = f"{self.resource.rsplit('/', 1)[-1]} capacity" if self.resource else "billing owner"
        before, after = self.before or "(not stated)", self.after or "(not stated)"
        line = f"{self.share}: {what}: {before} → {after}"
        return f"{line} ({self.note})" if self.note else line


def stated(capacity: CapacityStatement | None) -> str | None:
    """A statement in words: its kind, then every field given, in the spec's order."""
    if capacity is None:
        return None
    parts = [capacity.kind]
    for item in fields(capacity)[1:]:
        value = getattr(capacity, item.name)
        if value is not None and not (item.name == "tenancy" and value == "default"):
            parts.append(f"{item.name} {value}")
    return ", ".join(parts)


def capacity_changes(old: Spec, new: Spec) -> tuple[CapacityChange, ...]:
    """Per share (followed through `renamed_from`): each reservation whose statement changes,
    then the billing owner."""
    renamed = {s.renamed_from: k for k, s in new.shares.items() if s.renamed_from}
    before = {renamed.get(k, k): s for k, s in old.shares.items()}
    out: list[CapacityChange] = []
    for key in dict.fromkeys((*new.shares, *before)):
        was, now = before.get(key), new.shares.get(key)
        out += _reservations(key, was, now)
        payer_was = was.billing_owner if was is not None else None
        payer_now = now.billing_owner if now is not None else None
        if payer_was != payer_now and (payer_was or payer_now):
            out.append(CapacityChange(key, "", "billing_owner", payer_was, payer_now))
    return tuple(out)


def _reservations(key: str, was: Share | None, now: Share | None) -> list[CapacityChange]:
    old = {r.arn: r for r in (was.resources if was else ()) if r.capacity is not None}
    new = {r.arn: r for r in (now.resources if now else ()) if r.capacity is not None}
    out = []
    for arn in dict.fromkeys((*new, *old)):
        before, after = old.get(arn), new.get(arn)
        if before is not None and after is not None and before.capacity == after.capacity:
            continue
        note = capacity_note(after, now.owner, now.billing_owner) if after and now else ""
        out.append(
            CapacityChange(
                key,
                arn,
                "capacity",
                stated(before.capacity if before else None),
                stated(after.capacity if after else None),
                note,
            )
        )
    return out
