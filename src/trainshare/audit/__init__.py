"""Audit: read the live organization (read-only), snapshot it, diff it against the spec."""

from collections.abc import Iterable
from dataclasses import replace

from trainshare.audit.capacity import CapacityReader
from trainshare.audit.client import AuditError, ClientFactory, WriteRefusedError
from trainshare.audit.diff import AuditReport, Drift, DriftKind, diff, owners, policy_resources
from trainshare.audit.reader import Progress, Reader, caller_account
from trainshare.snapshot import Snapshot
from trainshare.spec import Spec


def read_snapshot(
    spec: Spec,
    factory: ClientFactory,
    all_accounts: bool = False,
    progress: Progress | None = None,
) -> Snapshot:
    """The live organization the spec describes, read with `factory`'s clients."""
    reader = CapacityReader(factory, spec, progress=progress)
    extra: Iterable[str] = ()
    if all_accounts:
        extra = [a.id for a in reader.read_organization()["accounts"]]
    snapshot = reader.read(owners(spec, extra), policy_resources(spec))
    # what the spec states about its reservations is checked against them (`capacity:`)
    return replace(snapshot, capacity=reader.read_stated())


def read_organization(
    factory: ClientFactory,
    *,
    access_role: str,
    regions: Iterable[str],
    owners: Iterable[str] = (),
    all_accounts: bool = False,
    partition: str = "aws",
    progress: Progress | None = None,
) -> Snapshot:
    """The whole organization, without a spec (for `trainshare import`): read from the
    management account the credentials belong to, with the shares of the management account,
    of `owners` (or of every active account) in each of `regions`."""
    management = caller_account(factory, require_management=True)
    reader = Reader(
        factory,
        management_account=management,
        access_role=access_role,
        partition=partition,
        progress=progress,
    )
    accounts = set(owners) | {management}
    if all_accounts:
        accounts |= {a.id for a in reader.read_organization()["accounts"] if a.status == "ACTIVE"}
    return reader.read((a, r) for a in accounts for r in set(regions))


__all__ = [
    "AuditError",
    "AuditReport",
    "ClientFactory",
    "Drift",
    "DriftKind",
    "Snapshot",
    "WriteRefusedError",
    "diff",
    "read_organization",
    "read_snapshot",
]
