"""A snapshot of a live organization: typed, versioned, JSON, free of credentials.

The audit writes it (boto3 responses become these models where they enter); `audit --snapshot`
and `access --snapshot` read it offline. Pure data: no boto3 here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from trainshare.errors import TrainshareError

VERSION = 1


class SnapshotError(TrainshareError):
    """A snapshot file that cannot be read or is of another version."""


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    parent_id: str


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    email: str
    status: str
    parent_id: str


@dataclass(frozen=True)
class Policy:
    id: str
    name: str
    content: str  # as stored by AWS
    aws_managed: bool
    targets: tuple[str, ...]  # root, OU and account IDs


@dataclass(frozen=True)
class Association:
    entity: str  # principal (ID or ARN) or resource ARN
    status: str  # ASSOCIATING | ASSOCIATED | FAILED | DISASSOCIATING | DISASSOCIATED
    external: bool = False
    message: str = ""


@dataclass(frozen=True)
class ResourceShare:
    arn: str
    name: str
    owner: str
    region: str
    status: str
    allow_external: bool
    principals: tuple[Association, ...]
    resources: tuple[Association, ...]
    permissions: tuple[str, ...]  # permission ARNs
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ResourcePolicy:
    """The live policy of a resource a policy share grants on (None: it has none)."""

    arn: str
    owner: str
    region: str
    document: str | None


@dataclass(frozen=True)
class Snapshot:
    management_account: str
    organization_id: str
    organization_arn: str
    feature_set: str
    root_id: str
    units: tuple[Unit, ...]
    accounts: tuple[Account, ...]
    policies: tuple[Policy, ...]
    service_access: tuple[str, ...]
    shares: tuple[ResourceShare, ...]
    owners_read: tuple[tuple[str, str], ...]  # (account, Region) whose shares were read
    taken_at: str = ""
    resource_policies: tuple[ResourcePolicy, ...] = ()
    version: int = VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @staticmethod
    def from_json(text: str, source: str = "snapshot") -> Snapshot:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SnapshotError(f"{source}: not JSON ({exc})") from None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            version = data.get("version") if isinstance(data, dict) else None
            raise SnapshotError(
                f"{source}: snapshot version {version!r}, this trainshare reads version {VERSION}"
            )
        try:
            return _build(data)
        except (KeyError, TypeError) as exc:
            raise SnapshotError(f"{source}: malformed snapshot ({exc})") from None

    @staticmethod
    def read(path: Path) -> Snapshot:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SnapshotError(f"cannot read {path}: {exc.strerror}") from None
        return Snapshot.from_json(text, str(path))


def _build(data: dict[str, Any]) -> Snapshot:
    def share(s: dict[str, Any]) -> ResourceShare:
        return ResourceShare(
            **{
                **s,
                "principals": tuple(Association(**a) for a in s["principals"]),
                "resources": tuple(Association(**a) for a in s["resources"]),
                "permissions": tuple(s["permissions"]),
            }
        )

    return Snapshot(
        **{
            **data,
            "units": tuple(Unit(**u) for u in data["units"]),
            "accounts": tuple(Account(**a) for a in data["accounts"]),
            "policies": tuple(
                Policy(**{**p, "targets": tuple(p["targets"])}) for p in data["policies"]
            ),
            "service_access": tuple(data["service_access"]),
            "shares": tuple(share(s) for s in data["shares"]),
            "owners_read": tuple(tuple(o) for o in data["owners_read"]),
            "resource_policies": tuple(
                ResourcePolicy(**r) for r in data.get("resource_policies", [])
            ),
        }
    )
