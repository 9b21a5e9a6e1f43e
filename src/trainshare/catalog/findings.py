"""Findings made from the catalogue: the code's severity and generic fix are data."""

from __future__ import annotations

from trainshare.catalog.model import load_catalog
from trainshare.findings import Finding, Location, Severity


def finding(
    code: str,
    location: Location,
    message: str,
    fix: str | None = None,
    severity: Severity | None = None,
) -> Finding:
    """A Finding of a catalogued code. `fix` replaces the catalogue's generic fix where the
    caller knows a more specific one ("" shows none); `severity` replaces the catalogue's only
    where the user chose it (e.g. `--allow-unshare` makes UNSHARE a warning)."""
    kind = load_catalog().findings[code]
    return Finding(
        code,
        kind.severity if severity is None else severity,
        location,
        message,
        kind.fix if fix is None else fix,
    )
