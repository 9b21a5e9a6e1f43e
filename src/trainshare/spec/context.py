"""What the rules of every section share: the `Context` they report into, the name resolver
(`References`) and the rules more than one section applies (Region, tags, RAM's per-share
counts, a field one kind of share does not take).

A rule is a function `check_<what>(ctx, …)` that adds findings with `ctx.out.add(CODE, path,
message, fix)` — the code catalogued in catalog/data/findings.yaml — and returns whether the
value may be used (a rule that never stops the caller returns None). A rule that stops the
caller says `return ctx.out.refuse(CODE, path, message, fix)` inside the `if` of its condition
(`add`, then False), and `return True` after it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trainshare.catalog import Catalog
from trainshare.spec.issues import Collector, did_you_mean
from trainshare.spec.model import ShareSpec
from trainshare.spec.resolved import ROOT, Account, Organization, Principal, PrincipalKind, Unit
from trainshare.yamlsource import Path_

ORG_ALIASES = (ROOT, "organization")
_TWELVE_DIGITS = re.compile(r"^\d{12}$")


DEFAULT_REGION = "us-east-1"


@dataclass
class Context:
    """One validation: where findings go, the catalog, the spec's folder (files it names are
    relative to it), the limits in force (the catalog's, overridden by `organization.limits`
    once the organization section is read), the Region where the spec names none, and the
    time a Capacity Block's end is checked against."""

    out: Collector
    catalog: Catalog
    base_dir: Path
    limits: dict[str, int] = field(default_factory=dict)
    default_region: str = DEFAULT_REGION
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def of(
        cls, out: Collector, catalog: Catalog, base_dir: Path, default_region: str | None = None
    ) -> Context:
        limits = {n: lim.value for n, lim in catalog.limits.items()}
        return cls(out, catalog, base_dir, limits, default_region or DEFAULT_REGION)


@dataclass(frozen=True, slots=True)
class ShareEntry:
    """One share being checked, once its owner and Region are settled: its key, what the spec
    says of it and where."""

    key: str
    spec: ShareSpec
    path: Path_
    owner: Account
    region: str

    @property
    def owner_id(self) -> str:
        assert self.owner.id is not None  # shares.check_owner: the owner exists
        return self.owner.id


def check_region(ctx: Context, region: str, path: Path_) -> bool:
    if region in ctx.catalog.regions:
        return True
    hint = did_you_mean(region, ctx.catalog.regions)
    return ctx.out.refuse(
        "UNKNOWN_REGION",
        path,
        f"{region!r} is not an AWS Region known to trainshare",
        hint
        or f"use a Region code such as us-east-1 (catalog checked {ctx.catalog.checked};"
        " a newer Region goes in catalog/data/regions.yaml)",
    )


def check_per_share_limit(ctx: Context, what: str, count: int, path: Path_, *, code: str) -> bool:
    """At most `ram_<what>_per_share` `what` (principals, resources) in one share: RAM's quotas
    (catalog/data/limits.yaml; `organization.limits` overrides them)."""
    limit = ctx.limits[f"ram_{what}_per_share"]
    if count > limit:
        return ctx.out.refuse(
            code, path, f"{count} {what} exceed RAM's {limit} per share", "split the share"
        )
    return True


def read_tags(ctx: Context, raw: Any, path: Path_) -> dict[str, str]:
    """Tags written by hand (an OU's body is not shape-checked by pydantic)."""
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        ctx.out.add(
            "WRONG_TYPE",
            path,
            "tags must map strings to strings",
            'quote values that YAML reads as numbers or booleans: {cost-center: "42"}',
        )
        return {}
    check_tag_count(ctx, raw, path)
    return dict(raw)


@dataclass(frozen=True, slots=True)
class NotTaken:
    """A field of a `shares:` entry that one kind of share does not take (see `check_not_taken`)."""

    field: str
    code: str
    message: str
    fix: str


def check_not_taken(
    ctx: Context, spec: ShareSpec, path: Path_, fields: tuple[NotTaken, ...]
) -> None:
    """Each field of `fields` the share gives (tags: a non-empty mapping), reported at it."""
    for rule in fields:
        value = getattr(spec, rule.field)
        if value is not None and value != {}:
            ctx.out.add(rule.code, (*path, rule.field), rule.message, rule.fix)


def check_tag_count(ctx: Context, tags: Mapping[str, str], path: Path_) -> None:
    # +1: trainshare adds `managed-by = trainshare` to everything it creates.
    if len(tags) + 1 > ctx.limits["tags_per_entity"]:
        ctx.out.add(
            "TOO_MANY_TAGS",
            path,
            f"{len(tags)} tags plus managed-by exceed the limit of "
            f"{ctx.limits['tags_per_entity']} per entity",
            "drop some tags",
        )


class References:
    """Resolves names used in targets and principals: `root`, OU paths, account keys, IDs."""

    def __init__(
        self, units: Mapping[str, Unit], accounts: Mapping[str, Account], org: Organization | None
    ) -> None:
        self.units = units
        self.accounts = accounts
        self.org = org
        self._by_id = {a.id: a.key for a in accounts.values() if a.id}

    def target(self, ref: str) -> str | None:
        if ref in ORG_ALIASES:
            return ROOT
        if ref in self.units or ref in self.accounts:
            return ref
        return None

    def account_id(self, target: str) -> str | None:
        account = self.accounts.get(target)
        return account.id if account else None

    def principal(self, ref: str) -> Principal | None:
        if ref in ORG_ALIASES:
            return Principal(PrincipalKind.ORGANIZATION, ref, ROOT, external=False)
        if ref in self.units:
            return Principal(PrincipalKind.UNIT, ref, ref, external=False)
        if ref in self.accounts:
            return Principal(PrincipalKind.ACCOUNT, ref, ref, external=False)
        if _TWELVE_DIGITS.match(ref):
            if ref in self._by_id:
                return Principal(PrincipalKind.ACCOUNT, ref, self._by_id[ref], external=False)
            inside = self.org is not None and ref == self.org.management_account
            return Principal(PrincipalKind.ACCOUNT_ID, ref, ref, external=not inside)
        return None

    def hint(self, ref: str) -> str:
        names = [*ORG_ALIASES, *self.units, *self.accounts]
        return did_you_mean(ref, names) or "check the spelling against `units` and `accounts`"
