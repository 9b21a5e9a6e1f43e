"""Audit: read the live organization (read-only), snapshot it, diff it against the spec."""

from collections.abc import Iterable

from trainshare.audit.client import AuditError, ClientFactory, WriteRefusedError
from trainshare.audit.diff import AuditReport, Drift, DriftKind, diff, owners
from trainshare.audit.reader import Progress, Reader
from trainshare.snapshot import Snapshot
from trainshare.spec import Spec


def read_snapshot(
    spec: Spec,
    factory: ClientFactory,
    all_accounts: bool = False,
    progress: Progress | None = None,
) -> Snapshot:
    """The live organization the spec describes, read with `factory`'s clients."""
    org = spec.organization
    reader = Reader(
        factory,
        management_account=org.management_account,
        access_role=org.access_role,
        partition=org.partition,
        progress=progress,
    )
    extra: Iterable[str] = ()
    if all_accounts:
        extra = [a.id for a in reader.read_organization()["accounts"]]
    return reader.read(owners(spec, extra))


__all__ = [
    "AuditError",
    "AuditReport",
    "ClientFactory",
    "Drift",
    "DriftKind",
    "Snapshot",
    "WriteRefusedError",
    "diff",
    "read_snapshot",
]
