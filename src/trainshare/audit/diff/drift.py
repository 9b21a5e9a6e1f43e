"""What the audit's comparison reports (drift and findings), and the comparison's state that its
sections share: the spec, the live snapshot, and the live IDs matched to spec keys so far."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from trainshare.catalog import finding
from trainshare.findings import Finding, Location, Severity
from trainshare.policy.model import ParsedPolicy, PolicyDocument
from trainshare.snapshot import Snapshot
from trainshare.spec import ROOT, Spec


class DriftKind(StrEnum):
    MISSING = "missing"  # in the spec, not in AWS
    UNEXPECTED = "unexpected"  # in AWS, not in the spec (for objects the spec manages)
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class Drift:
    kind: DriftKind
    object: str  # ou | account | scp | scp-attachment | rcp | rcp-attachment | share | …
    name: str
    detail: str

    def render(self) -> str:
        return f"{self.kind.value:<10} {self.object:<17} {self.name}: {self.detail}"

    def to_json(self) -> dict[str, str]:
        return {
            "kind": self.kind.value,
            "object": self.object,
            "name": self.name,
            "detail": self.detail,
        }


@dataclass
class AuditReport:
    drift: list[Drift] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def blocking(self, threshold: Severity) -> bool:
        return bool(self.drift) or any(f.severity.blocks(threshold) for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "drift": [d.to_json() for d in self.drift],
            "findings": [f.to_json() for f in self.findings],
        }


class Comparison:
    """One audit of `snapshot` against `spec`: the report it fills, and the live IDs of the
    spec's OUs and accounts once the tree's section has matched them (the later sections read
    them)."""

    def __init__(self, spec: Spec, snapshot: Snapshot) -> None:
        self.spec = spec
        self.live = snapshot
        self.report = AuditReport()
        self.unit_ids: dict[str, str] = {}  # spec path → live OU ID
        self.account_ids: dict[str, str] = {}  # spec key → live account ID
        self.left_out = {(u.object, u.name, u.item): u.why for u in spec.unmanaged}

    def drift(self, kind: DriftKind, obj: str, name: str, detail: str) -> None:
        why = self.left_out.get((obj, name, detail))
        if kind is DriftKind.UNEXPECTED and why is not None:
            # what the spec says it leaves alone (`unmanaged:`, from `trainshare import`)
            self.find("LEFT_OUT", f"{obj} {name}", f"{detail} is not managed by the spec: {why}")
            return
        self.report.drift.append(Drift(kind, obj, name, detail))

    def compare_set(self, obj: str, key: str, want: Iterable[str], have: Iterable[str]) -> None:
        """Each item `want` has and `have` lacks is missing; each the other way, unexpected."""
        wanted, found = set(want), set(have)
        for item in sorted(wanted - found):
            self.drift(DriftKind.MISSING, obj, key, item)
        for item in sorted(found - wanted):
            self.drift(DriftKind.UNEXPECTED, obj, key, item)

    def find(self, code: str, location: str, message: str) -> None:
        self.report.findings.append(finding(code, Location(path=location), message))

    def target_id(self, target: str) -> str | None:
        """The live ID of a spec target (`root`, an OU path, an account key); None when it was
        not matched."""
        if target == ROOT:
            return self.live.root_id
        return self.unit_ids.get(target) or self.account_ids.get(target)

    def org_account_ids(self) -> set[str]:
        """The IDs of every account in the live organization, its management account too."""
        return {a.id for a in self.live.accounts} | {self.live.management_account}


def parsed(document: ParsedPolicy | None) -> PolicyDocument | None:
    """A live document, typed; None when there is none or it cannot be parsed (it then
    matches nothing)."""
    return document if isinstance(document, PolicyDocument) else None
