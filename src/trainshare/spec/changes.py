"""Rules for editing a spec without outages: renames (`renamed_from`) and protected shares.

A spec key is a Pulumi logical name (`share/<key>`, `account/<key>`, …): renaming it without
`renamed_from` replaces the resource. These rules check, in the spec alone, that each rename can
be followed; what needs the previous spec (a key that vanished while another appeared with the
same identity) is `trainshare.plan.changes`, run by `validate --against OLD`.
"""

from __future__ import annotations

from collections.abc import Mapping

from trainshare.errors import Severity
from trainshare.spec.issues import Collector
from trainshare.spec.resolved import ROOT, Account, Guardrail, Share, SharedResource, Unit
from trainshare.yamlsource import Path_

# RAM types whose removal from a share cuts consumers off running capacity: protected by
# default (a share's `protect:`). Capacity Blocks for ML are capacity reservations too.
CAPACITY_TYPES = frozenset({"ec2:CapacityReservation"})


def share_protected(protect: bool | None, resources: tuple[SharedResource, ...] | None) -> bool:
    """`protect:` as written, else true for a share of capacity."""
    if protect is not None:
        return protect
    return any(r.resource_type in CAPACITY_TYPES for r in resources or ())


def check_renames(
    out: Collector,
    *,
    units: Mapping[str, Unit],
    accounts: Mapping[str, Account],
    guardrails: Mapping[str, Guardrail],
    shares: Mapping[str, Share],
) -> None:
    for section, entries in (
        ("units", {u.path: u.renamed_from for u in units.values()}),
        ("accounts", {a.key: a.renamed_from for a in accounts.values()}),
        ("guardrails", {g.key: g.renamed_from for g in guardrails.values()}),
        ("shares", {s.key: s.renamed_from for s in shares.values()}),
    ):
        _check_section(out, section, entries)
    for unit in units.values():
        _check_unit_move(out, unit, units)
    for account in accounts.values():
        _check_account_name(out, account)


def _where(section: str, key: str) -> Path_:
    if section == "units":
        return ("units", *key.split("/"), "renamed_from")
    return (section, key, "renamed_from")


def _check_section(out: Collector, section: str, renamed: Mapping[str, str | None]) -> None:
    first: dict[str, str] = {}
    for key, old in renamed.items():
        if old is None:
            continue
        if old in renamed:
            out.add(
                "RENAMED_FROM_PRESENT",
                _where(section, key),
                f"{key!r} is renamed from {old!r}, which is still in `{section}`",
                f"remove `renamed_from`, or the entry {old!r} if it is the same one",
            )
        elif old in first:
            out.add(
                "RENAMED_TWICE",
                _where(section, key),
                f"{key!r} and {first[old]!r} are both renamed from {old!r}",
                "one resource becomes one entry: keep `renamed_from` on one of them",
            )
        else:
            first[old] = key


def _check_unit_move(out: Collector, unit: Unit, units: Mapping[str, Unit]) -> None:
    """An OU can be renamed in place, never moved (Organizations has no MoveOrganizationalUnit;
    a new parent replaces it: terraform-provider-aws organizational_unit.go, parent_id
    ForceNew)."""
    if unit.renamed_from is None:
        return
    old_parent = unit.renamed_from.rpartition("/")[0] or ROOT
    expected = old_path(unit.parent, units)
    if old_parent != expected:
        out.add(
            "OU_RENAME_MOVES",
            _where("units", unit.path),
            f"OU {unit.path!r} was {unit.renamed_from!r}, under another parent: AWS cannot "
            "move an OU, so `pulumi up` creates a new one, moves its accounts there and "
            "deletes the old one (SCPs and shares naming it are made again)",
            "keep the OU under its parent, or accept the replacement",
            Severity.WARNING,
        )


def old_path(path: str, units: Mapping[str, Unit]) -> str:
    """The path an OU had before the renames the spec declares (its own, or an ancestor's)."""
    if path == ROOT:
        return ROOT
    unit = units[path]
    if unit.renamed_from is not None:
        return unit.renamed_from
    parent = old_path(unit.parent, units)
    return unit.name if parent == ROOT else f"{parent}/{unit.name}"


def _check_account_name(out: Collector, account: Account) -> None:
    """An account's AWS name replaces it when it changes (pulumi-aws #6242); a renamed key
    without `name:` would change it."""
    old = account.renamed_from
    if old is None or account.name is not None or old == account.key:
        return
    if account.created or account.email is not None:
        out.add(
            "RENAME_CHANGES_ACCOUNT_NAME",
            ("accounts", account.key, "renamed_from"),
            f"account {account.key!r} (was {old!r}) would be named {account.key!r} in AWS "
            "instead: a new name replaces the account, which is protected, so `pulumi up` fails",
            f"add `name: {old}` to keep its AWS name",
        )
