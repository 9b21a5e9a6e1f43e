"""Rules for editing a spec without outages: renames (`renamed_from`) and protected shares.

A spec key is a Pulumi logical name (`share/<key>`, `account/<key>`, …): renaming it without
`renamed_from` replaces the resource. These rules check, in the spec alone, that each rename can
be followed; what needs the previous spec (a key that vanished while another appeared with the
same identity) is `trainshare.plan.changes`, run by `validate --against OLD`.
"""

from __future__ import annotations

from collections.abc import Mapping

from trainshare.findings import Finding, Severity
from trainshare.spec.issues import Collector
from trainshare.spec.resolved import ROOT, Account, Share, SharedResource, Spec, Unit
from trainshare.yamlsource import Located, Path_

# RAM types whose removal from a share cuts consumers off running capacity: protected by
# default (a share's `protect:`). Capacity Blocks for ML are capacity reservations too.
CAPACITY_TYPES = frozenset({"ec2:CapacityReservation"})


def share_protected(protect: bool | None, resources: tuple[SharedResource, ...] | None) -> bool:
    """`protect:` as written, else true for a share of capacity."""
    if protect is not None:
        return protect
    return any(r.resource_type in CAPACITY_TYPES for r in resources or ())


def check_renames(out: Collector, spec: Spec) -> None:
    for section, entries in (
        ("units", {u.path: u.renamed_from for u in spec.units.values()}),
        ("accounts", {a.key: a.renamed_from for a in spec.accounts.values()}),
        ("guardrails", {g.key: g.renamed_from for g in spec.guardrails.values()}),
        ("shares", {s.key: s.renamed_from for s in spec.shares.values()}),
    ):
        _check_section(out, section, entries)
    for unit in spec.units.values():
        _check_unit_move(out, unit, spec.units)
    for account in spec.accounts.values():
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
        )


def old_path(path: str, units: Mapping[str, Unit]) -> str:
    """The path an OU had before the renames the spec declares (its own, or an ancestor's)."""
    if path == ROOT:
        return ROOT
    unit = units[path]
    if unit.renamed_from is not None:
        return unit.renamed_from
    parent = old_path(unit.parent, units)
    return unit.key if parent == ROOT else f"{parent}/{unit.key}"


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


def compare_specs(
    old: Spec, new: Spec, source: Located, *, allow_unshare: bool = False
) -> list[Finding]:
    """What only the previous spec can tell (`validate --against OLD`): a key that vanished
    while another appeared with the same identity and no `renamed_from` (the resource would be
    replaced, not renamed); an OU removed while accounts trainshare does not move stay in it
    (AWS refuses to delete it, after its SCPs are detached); a share of capacity removed, or an
    association of a protected share (consumers cut off; `pulumi up` refuses what is
    protected)."""
    out = Collector(source)
    _undeclared_renames(out, old, new)
    _removed_units(out, old, new)
    _unshared(out, old, new, allow_unshare)
    return out.sorted()


def _former_keys(entries: Mapping[str, str | None]) -> set[str]:
    return {old for old in entries.values() if old is not None}


def _undeclared_renames(out: Collector, old: Spec, new: Spec) -> None:
    def report(section: str, gone: str, key: str, same: str) -> None:
        out.add(
            "UNDECLARED_RENAME",
            (section, key),
            f"{gone!r} is no longer in `{section}` and {key!r} is new, with the same {same}: "
            f"without `renamed_from` the resource is replaced, not renamed",
            f"add `renamed_from: {gone}` to {key!r}",
        )

    taken = _former_keys({a.key: a.renamed_from for a in new.accounts.values()})
    by_identity = {a.id or a.email: k for k, a in old.accounts.items() if a.id or a.email}
    for key, account in new.accounts.items():
        gone = by_identity.get(account.id or account.email or "")
        if gone and gone not in new.accounts and gone not in taken and not account.renamed_from:
            report("accounts", gone, key, "ID" if account.id else "email")
    units_old = {u.id: p for p, u in old.units.items() if u.id}
    taken = {old_path(p, new.units) for p in new.units}
    for path, unit in new.units.items():
        gone = units_old.get(unit.id or "")
        if gone and gone not in new.units and gone not in taken:
            report("units", gone, path, "OU ID")
    taken = _former_keys({s.key: s.renamed_from for s in new.shares.values()})
    shares_old = {_share_identity(s): k for k, s in old.shares.items()}
    for key, share in new.shares.items():
        gone = shares_old.get(_share_identity(share))
        if gone and gone not in new.shares and gone not in taken and not share.renamed_from:
            report("shares", gone, key, "owner, Region and resource ARNs")
    taken = _former_keys({g.key: g.renamed_from for g in new.guardrails.values()})
    documents = {g.document: k for k, g in old.guardrails.items()}
    for key, guardrail in new.guardrails.items():
        gone = documents.get(guardrail.document)
        if gone and gone not in new.guardrails and gone not in taken and not guardrail.renamed_from:
            report("guardrails", gone, key, "policy document")


def _share_identity(share: Share) -> tuple[str, str, frozenset[str]]:
    return (share.owner_id, share.region, frozenset(r.arn for r in share.resources))


def _removed_units(out: Collector, old: Spec, new: Spec) -> None:
    kept = {old_path(p, new.units) for p in new.units}
    for path in old.units:
        if path in kept:
            continue
        staying = [
            key
            for key, account in old.accounts.items()
            if account.unit == path or account.unit.startswith(f"{path}/")
            if not _moved_by_trainshare(new.accounts, account)
        ]
        if staying:
            out.add(
                "OU_REMOVED_WITH_ACCOUNTS",
                ("units",),
                f"OU {path!r} is removed, but it still holds "
                f"{', '.join(repr(k) for k in staying)}, which trainshare does not move: AWS "
                "refuses to delete an OU that holds accounts, after `pulumi up` has detached "
                "its guardrails",
                "keep the OU until they are moved (an account with `id` and `email` is moved "
                "by trainshare to its `unit`)",
            )


def _moved_by_trainshare(accounts: Mapping[str, Account], was: Account) -> bool:
    """Whether the new spec manages the account (so `pulumi up` moves it out first)."""
    for account in accounts.values():
        if (was.id and account.id == was.id) or (was.email and account.email == was.email):
            return account.email is not None
    return False


def _unshared(out: Collector, old: Spec, new: Spec, allow_unshare: bool) -> None:
    taken = _former_keys({s.key: s.renamed_from for s in new.shares.values()})
    for key, share in old.shares.items():
        if key in new.shares or key in taken:
            continue
        capacity = any(r.resource_type in CAPACITY_TYPES for r in share.resources)
        if not (capacity or share.protect):
            continue
        steps = (
            "it is protected, so `pulumi up` stops at it: deploy it once with `protect: false`, "
            "or `pulumi state unprotect` its URNs"
            if share.protect
            else "`pulumi up` deletes it"
        )
        out.add(
            "UNSHARE",
            ("shares",),
            f"share {key!r} is removed: its consumers lose "
            f"{'the capacity it shares' if capacity else 'what it shares'}; {steps}",
            "keep it, or pass --allow-unshare if that is the intent",
            Severity.WARNING if allow_unshare else None,
        )
