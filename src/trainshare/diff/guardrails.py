"""What changes in the guardrails of each OU, account and the root: policies attached, detached
and changed (with a JSON diff of the document), each with its size against its type's limit;
and FullAWSAccess, detached or re-attached by `full_aws_access`.

Keys follow renames (`renamed_from` on guardrails, units and accounts): a guardrail renamed in
place is `renamed`, not detached and attached again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from trainshare.catalog import load_catalog
from trainshare.diff.jsondiff import JsonChange, json_diff, parse
from trainshare.spec import ROOT, Spec
from trainshare.spec.resolved import Guardrail

FULL_AWS_ACCESS = load_catalog().aws_managed("scp").name


class GuardrailAction(StrEnum):
    ATTACHED = "attached"
    DETACHED = "detached"
    CHANGED = "changed"
    RENAMED = "renamed"


@dataclass(frozen=True, slots=True)
class GuardrailChange:
    target: str  # ROOT, an OU path or an account key, as the new spec names it
    target_kind: str  # root | unit | account
    guardrail: str  # its key (the new spec's; the old one's when detached for good)
    type: str  # scp, rcp, …
    action: GuardrailAction
    size: int | None  # characters of the document now (None: detached, or AWS-managed)
    limit: int | None  # the type's limit on a document
    size_before: int | None = None
    former: str | None = None  # the key it had (renamed_from)
    document: tuple[JsonChange, ...] = ()  # what changes in the document

    @property
    def where(self) -> str:
        if self.target_kind == "root":
            return "the root"
        return f"{'OU' if self.target_kind == 'unit' else 'account'} {self.target}"


def _limit(spec: Spec, guardrail: Guardrail) -> int | None:
    ptype = load_catalog().policy_types.get(guardrail.type)
    return spec.limits.get(ptype.max_chars) if ptype is not None else None


def _renames(spec: Spec) -> tuple[dict[str, str], dict[str, str]]:
    """(old guardrail key → new key, old target → new target) from `renamed_from`."""
    guardrails = {g.renamed_from: k for k, g in spec.guardrails.items() if g.renamed_from}
    targets = {u.renamed_from: p for p, u in spec.units.items() if u.renamed_from}
    targets |= {a.renamed_from: k for k, a in spec.accounts.items() if a.renamed_from}
    return guardrails, targets


def _kind(spec: Spec, target: str) -> str:
    if target == ROOT:
        return "root"
    return "unit" if target in spec.units else "account"


def guardrail_changes(old: Spec, new: Spec) -> tuple[GuardrailChange, ...]:
    """Per target, in the new spec's order of guardrails (then the removed ones)."""
    renamed, moved = _renames(new)
    before: dict[str, Guardrail] = {renamed.get(k, k): g for k, g in old.guardrails.items()}
    out: list[GuardrailChange] = []
    for key in dict.fromkeys((*new.guardrails, *before)):
        was, now = before.get(key), new.guardrails.get(key)
        spec = new if now is not None else old
        current = now or was
        assert current is not None
        was_targets = {moved.get(t, t) for t in was.targets} if was else set()
        now_targets = set(now.targets) if now else set()
        limit = _limit(spec, current)

        base = GuardrailChange("", "", key, current.type, GuardrailAction.ATTACHED, None, limit)

        def change(
            target: str,
            action: GuardrailAction,
            size: int | None,
            base: GuardrailChange = base,
            **more: Any,
        ) -> GuardrailChange:
            kind = _kind(new if target in new.units or target in new.accounts else old, target)
            return replace(base, target=target, target_kind=kind, action=action, size=size, **more)

        out += [
            change(t, GuardrailAction.ATTACHED, len(current.document))
            for t in sorted(now_targets - was_targets)
        ]
        if was is not None:
            out += [
                change(t, GuardrailAction.DETACHED, None, size_before=len(was.document))
                for t in sorted(was_targets - now_targets)
            ]
        if was is None or now is None:
            continue
        changed = was.document != now.document or was.type != now.type
        former = was.key if was.key != now.key else None
        if not changed and former is None:
            continue
        document = _document_diff(was.document, now.document) if changed else ()
        action = GuardrailAction.CHANGED if changed else GuardrailAction.RENAMED
        out += [
            change(
                t,
                action,
                len(now.document),
                size_before=len(was.document),
                former=former,
                document=document,
            )
            for t in sorted(now_targets & was_targets)
        ]
    out += _full_aws_access(old, new, moved)
    return tuple(out)


def _document_diff(before: str, after: str) -> tuple[JsonChange, ...]:
    was, now = parse(before), parse(after)
    if was is None or now is None:
        return (JsonChange("(document)", before, after),)
    return tuple(json_diff(was, now))


def _full_aws_access(old: Spec, new: Spec, moved: Mapping[str, str]) -> list[GuardrailChange]:
    """FullAWSAccess is on every OU and account unless `full_aws_access: false` detaches it."""
    was: dict[str, bool] = {moved.get(p, p): u.full_aws_access for p, u in old.units.items()}
    was |= {moved.get(k, k): a.full_aws_access for k, a in old.accounts.items()}
    now = {p: u.full_aws_access for p, u in new.units.items()}
    now |= {k: a.full_aws_access for k, a in new.accounts.items()}
    out = []
    for target, on in now.items():
        if target in was and was[target] != on:
            out.append(
                GuardrailChange(
                    target,
                    _kind(new, target),
                    FULL_AWS_ACCESS,
                    "scp",
                    GuardrailAction.ATTACHED if on else GuardrailAction.DETACHED,
                    size=None,
                    limit=None,
                )
            )
    return out
