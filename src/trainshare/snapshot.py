"""A snapshot of a live organization: typed, versioned, JSON, free of credentials.

The audit writes it (boto3 responses become these models where they enter); `audit --snapshot`
and `access --snapshot` read it offline. Pure data: no boto3 here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError

from trainshare import inputs
from trainshare.capacity.model import LiveReservation
from trainshare.errors import TrainshareError
from trainshare.policy.model import ParsedPolicy
from trainshare.policy.parse import parse_stored

VERSION = 1


class SnapshotError(TrainshareError):
    """A snapshot file that cannot be read, is of another version, or is not a consistent
    organization (the schema below, then `_check`)."""


# Organizations API reference, the IDs' patterns: what a snapshot of a real organization holds.
_ROOT_ID = r"^r-[0-9a-z]{4,32}$"
_OU_ID = r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$"
_ACCOUNT_ID = r"^\d{12}$"
_POLICY_ID = r"^p-[0-9a-zA-Z_]{8,128}$"
_PARENT_ID = rf"{_ROOT_ID}|{_OU_ID}"
_TARGET_ID = rf"{_ROOT_ID}|{_OU_ID}|{_ACCOUNT_ID}"
RootId = Annotated[str, Field(pattern=_ROOT_ID)]
UnitId = Annotated[str, Field(pattern=_OU_ID)]
AccountId = Annotated[str, Field(pattern=_ACCOUNT_ID)]
PolicyId = Annotated[str, Field(pattern=_POLICY_ID)]
ParentId = Annotated[str, Field(pattern=_PARENT_ID)]
TargetId = Annotated[str, Field(pattern=_TARGET_ID)]
_ID_KINDS = {
    _ROOT_ID: "a root ID (r-…)",
    _OU_ID: "an OU ID (ou-…-…)",
    _ACCOUNT_ID: "a 12-digit account ID",
    _POLICY_ID: "a policy ID (p-…)",
    _PARENT_ID: "the ID of a root or an OU",
    _TARGET_ID: "the ID of a root, an OU or an account",
}
MAX_OU_DEPTH = 32  # AWS allows 5; deeper is a corrupted file, and bounded work either way

# Read strictly: no coercion (a number where a name goes is an error), no unknown field.
_STRICT = ConfigDict(strict=True, extra="forbid")


@dataclass(frozen=True)
class Unit:
    __pydantic_config__ = _STRICT

    id: UnitId
    name: str
    parent_id: ParentId


@dataclass(frozen=True)
class Account:
    __pydantic_config__ = _STRICT

    id: AccountId
    name: str
    email: str
    status: str
    parent_id: ParentId


@dataclass(frozen=True)
class Policy:
    __pydantic_config__ = _STRICT

    id: PolicyId
    name: str
    content: str  # as stored by AWS
    aws_managed: bool
    targets: tuple[TargetId, ...]  # root, OU and account IDs
    # its Organizations type; snapshots taken before other types were read hold SCPs only
    type: str = "SERVICE_CONTROL_POLICY"

    @property
    def parsed(self) -> ParsedPolicy:
        """The content as a typed document, or an UnparsablePolicy saying why it is not one
        (parsed once per distinct content)."""
        return parse_stored(self.content)


@dataclass(frozen=True)
class Association:
    __pydantic_config__ = _STRICT

    entity: str  # principal (ID or ARN) or resource ARN
    status: str  # ASSOCIATING | ASSOCIATED | FAILED | DISASSOCIATING | DISASSOCIATED
    external: bool = False
    message: str = ""


@dataclass(frozen=True)
class ResourceShare:
    __pydantic_config__ = _STRICT

    arn: str
    name: str
    owner: AccountId
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

    __pydantic_config__ = _STRICT

    arn: str
    owner: AccountId
    region: str
    document: str | None

    @property
    def parsed(self) -> ParsedPolicy | None:
        """The document, typed (an UnparsablePolicy where it is not one); None: no policy."""
        return None if self.document is None else parse_stored(self.document)


@dataclass(frozen=True)
class Snapshot:
    __pydantic_config__ = _STRICT

    management_account: AccountId
    organization_id: str
    organization_arn: str
    feature_set: str
    root_id: RootId
    units: tuple[Unit, ...]
    accounts: tuple[Account, ...]
    policies: tuple[Policy, ...]
    service_access: tuple[str, ...]
    shares: tuple[ResourceShare, ...]
    owners_read: tuple[tuple[AccountId, str], ...]  # (account, Region) whose shares were read
    taken_at: str = ""
    resource_policies: tuple[ResourcePolicy, ...] = ()
    # the policy types enabled on the root (ListRoots PolicyTypes, ENABLED); None: not read
    root_policy_types: tuple[str, ...] | None = None
    # the reservations whose kind and matching the spec states (`capacity:`), as read then;
    # None: not read (a snapshot written before audit read them), () read and none found
    capacity: tuple[LiveReservation, ...] | None = None

    def unit_paths(self, root_key: str) -> tuple[dict[str, str], dict[str, str]]:
        """OU ID → its path of OU IDs (`ou-a/ou-b`, the access model's key) and its path of
        names (`ml/training`, as a spec writes it), the root as `root_key` in both. An OU whose
        parent is not in the snapshot, or that is its own ancestor, is a SnapshotError (a
        snapshot read from a file was checked for both)."""
        by_id = {u.id: u for u in self.units}
        keys: dict[str, str] = {self.root_id: root_key}
        names: dict[str, str] = {self.root_id: root_key}
        for unit in self.units:
            chain: list[str] = []
            current = unit.id
            while current not in keys:
                if current in chain:
                    raise SnapshotError(f"snapshot: OU {current} is its own ancestor")
                if current not in by_id:
                    raise SnapshotError(
                        f"snapshot: OU {chain[-1]}: its parent {current} is not in the snapshot"
                    )
                chain.append(current)
                current = by_id[current].parent_id
            for ou in reversed(chain):
                parent = by_id[ou].parent_id
                if parent == self.root_id:
                    keys[ou], names[ou] = ou, by_id[ou].name
                else:
                    keys[ou] = f"{keys[parent]}/{ou}"
                    names[ou] = f"{names[parent]}/{by_id[ou].name}"
        return keys, names

    version: int = VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @staticmethod
    def from_json(text: str, source: str = "snapshot") -> Snapshot:
        """A snapshot from its JSON, read through the schema: a wrong type, an unknown or
        missing field, an ID of the wrong form, an OU tree that is not a tree, duplicate IDs or
        SCP names, an SCP whose content is not JSON: a `SnapshotError` naming each place."""
        try:
            header = _HEADER.validate_json(text)
        except ValidationError as exc:
            raise SnapshotError(f"{source}: {_render(exc)}") from None
        version = header.get("version") if isinstance(header, dict) else None
        if version != VERSION:
            raise SnapshotError(
                f"{source}: snapshot version {version!r}, this trainshare reads version {VERSION}"
            )
        try:
            snapshot = _SCHEMA.validate_json(text)
        except ValidationError as exc:
            raise SnapshotError(f"{source}: {_render(exc)}") from None
        problems = list(_check(snapshot))
        if problems:
            shown = "\n".join(f"  {where}: {what}" for where, what in problems[:_SHOWN])
            more = f"\n  … and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
            raise SnapshotError(
                f"{source}: not a consistent organization ({len(problems)} problem(s); take "
                f"the snapshot again with `trainshare audit --snapshot-out`):\n{shown}{more}"
            )
        return snapshot

    @staticmethod
    def read(path: Path) -> Snapshot:
        text = inputs.read_text_as(path, inputs.SNAPSHOT, SnapshotError)
        return Snapshot.from_json(text, str(path))


_SHOWN = 20
_HEADER: TypeAdapter[Any] = TypeAdapter(Any)
_SCHEMA = TypeAdapter(Snapshot)


def _render(exc: ValidationError) -> str:
    """pydantic's errors as `field: message` lines (`units[3].parent_id: …`)."""
    lines = []
    for err in exc.errors(include_url=False)[:_SHOWN]:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        where = where.lstrip(".") or "(document)"
        if err["type"] == "json_invalid":
            lines.append(f"not JSON: {err['ctx'].get('error', err['msg'])}")
        elif err["type"] == "string_pattern_mismatch":
            wanted = _ID_KINDS.get(err["ctx"]["pattern"], "of the expected form")
            lines.append(f"{where}: {err['input']!r} is not {wanted}")
        else:
            lines.append(f"{where}: {err['msg']}")
    more = exc.error_count() - len(lines)
    return "\n  ".join(lines) + (f"\n  … and {more} more" if more > 0 else "")


def _check(snap: Snapshot) -> Iterator[tuple[str, str]]:
    """What the schema cannot say: the OU tree is a tree under the root, IDs are unique, every
    parent exists, policy names are unique within a type (AWS refuses a second one), documents
    are JSON."""
    units: dict[str, Unit] = {}
    for i, unit in enumerate(snap.units):  # (the schema's patterns tell a root ID from an OU's)
        if unit.id in units:
            yield f"units[{i}].id", f"{unit.id} is listed twice"
        units[unit.id] = unit
    parents = {snap.root_id, *units}
    for i, unit in enumerate(snap.units):
        if unit.parent_id not in parents:
            yield f"units[{i}].parent_id", f"{unit.parent_id} is neither the root nor an OU"
        else:
            problem = _ancestry(unit, units, snap.root_id)
            if problem:
                yield f"units[{i}].parent_id", problem
    seen: set[str] = set()
    for i, account in enumerate(snap.accounts):
        if account.id in seen:
            yield f"accounts[{i}].id", f"{account.id} is listed twice"
        seen.add(account.id)
        if account.parent_id not in parents:
            yield f"accounts[{i}].parent_id", f"{account.parent_id} is neither the root nor an OU"
    yield from _check_policies(snap)
    arns: set[str] = set()
    for i, share in enumerate(snap.shares):
        if share.arn in arns:
            yield f"shares[{i}].arn", f"{share.arn} is listed twice"
        arns.add(share.arn)
    for i, resource in enumerate(snap.resource_policies):
        if resource.document is not None:
            yield from _json_problem(resource.document, f"resource_policies[{i}].document")


def _ancestry(unit: Unit, units: dict[str, Unit], root: str) -> str | None:
    """None if `unit` reaches the root within MAX_OU_DEPTH parents, else what is wrong."""
    current, depth = unit, 1
    while current.parent_id != root:
        if current.parent_id == unit.id:
            return f"the OU {unit.id} is its own ancestor (a cycle in the tree)"
        parent = units.get(current.parent_id)
        if parent is None:
            return None  # reported where that parent is named
        current, depth = parent, depth + 1
        if depth > MAX_OU_DEPTH:
            return f"the OU {unit.id} is more than {MAX_OU_DEPTH} levels deep, or in a cycle"
    return None


def _check_policies(snap: Snapshot) -> Iterator[tuple[str, str]]:
    ids: set[str] = set()
    names: set[tuple[str, str]] = set()
    for i, policy in enumerate(snap.policies):
        if policy.id in ids:
            yield f"policies[{i}].id", f"{policy.id} is listed twice"
        ids.add(policy.id)
        if not policy.aws_managed:
            if (policy.type, policy.name) in names:
                what = "SCP" if policy.type == "SERVICE_CONTROL_POLICY" else policy.type
                yield f"policies[{i}].name", f"a second {what} named {policy.name!r}"
            names.add((policy.type, policy.name))
        yield from _json_problem(policy.content, f"policies[{i}].content")


def _json_problem(text: str, where: str) -> Iterator[tuple[str, str]]:
    if len(text) > inputs.POLICY.max_bytes:
        yield where, f"a policy document of {len(text):,} characters"
        return
    try:
        document = inputs.load_json(text, where)
    except inputs.InputError as exc:
        at = f" (line {exc.line} column {exc.column})" if exc.column is not None else ""
        yield where, f"not a policy document: {exc.message}{at}"
        return
    if not isinstance(document, dict):
        yield where, "not a policy document: not a JSON object"
