"""The kinds of shared capacity and their sharing rules (catalog/data/capacity_kinds.yaml)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ruamel.yaml import YAML


@dataclass(frozen=True, slots=True)
class CapacityKind:
    name: str  # on-demand | capacity-block | interruptible
    title: str
    matches: tuple[str, ...]  # the InstanceMatchCriteria it can have
    default_match: str | None  # None: the spec must state it
    external: bool  # shareable outside the organization (with allow_external)
    shareable_states: tuple[str, ...] | None  # None: any
    ultraserver_shareable: bool
    billing_assignable: bool
    billing_note: str
    billing_verified: str
    reclaim_notice_minutes: int | None
    ends_early_minutes: int | None
    source: str
    verified: str


@dataclass(frozen=True, slots=True)
class BillingRequestExpiry:
    """How long a billing assignment request waits for its answer before it expires."""

    hours: int
    source: str
    checked: str
    verified: str


@dataclass(frozen=True)
class CapacityCatalog:
    checked: str
    kinds: Mapping[str, CapacityKind]
    dedicated_shareable: bool
    dedicated_source: str
    billing_request_expiry: BillingRequestExpiry


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


@functools.cache
def load_capacity_kinds() -> CapacityCatalog:
    raw = YAML(typ="safe", pure=True).load(
        resources.files("trainshare.catalog")
        .joinpath("data/capacity_kinds.yaml")
        .read_text(encoding="utf-8")
    )
    kinds = {
        name: CapacityKind(
            name=name,
            title=str(entry["title"]),
            matches=tuple(entry["matches"]),
            default_match=entry.get("default_match"),
            external=bool(entry["external"]),
            shareable_states=(
                tuple(entry["shareable_states"]) if entry.get("shareable_states") else None
            ),
            ultraserver_shareable=bool(entry["ultraserver_shareable"]),
            billing_assignable=bool(entry["billing_assignable"]),
            billing_note=_text(entry.get("billing_note")),
            billing_verified=str(entry.get("billing_verified", entry["verified"])),
            reclaim_notice_minutes=entry.get("reclaim_notice_minutes"),
            ends_early_minutes=entry.get("ends_early_minutes"),
            source=_text(entry["source"]),
            verified=str(entry["verified"]),
        )
        for name, entry in raw["kinds"].items()
    }
    expiry = raw["billing_request_expiry"]
    return CapacityCatalog(
        checked=str(raw["checked"]),
        kinds=kinds,
        dedicated_shareable=bool(raw["dedicated_shareable"]),
        dedicated_source=_text(raw["dedicated_source"]),
        billing_request_expiry=BillingRequestExpiry(
            hours=int(expiry["hours"]),
            source=_text(expiry["source"]),
            checked=str(expiry["checked"]),
            verified=str(expiry["verified"]),
        ),
    )
