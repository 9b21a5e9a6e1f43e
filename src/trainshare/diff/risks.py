"""Risk flags of a spec change: what a reviewer must not miss, as findings with stable codes
(catalog/data/findings.yaml):

- EXTERNAL_ACCESS_GAINED: an account outside the organization gains access, a share starts
  allowing external principals, or a managed resource policy loses its data perimeter;
- SHARE_WIDENED: a share now reaches a parent OU of what it reached, or the whole organization;
- DEPLOY_ROLE_DENIED: a guardrail now denies the deploy role what it needs in a share owner's
  account (DENY_HITS_DEPLOY_ROLE, new in this change);
- LOCKOUT_INTRODUCED: a level loses every Allow (LEVEL_WITHOUT_ALLOW, new in this change);
- ACCOUNT_LEFT_GUARDRAILS: an account moves out of an OU whose guardrails it no longer has, or an
  OU moves to another parent with its accounts, out of the guardrails above it;
- GUARDRAIL_DETACHED: a guardrail with a Deny statement is deleted or detached from a target
  (the root, an OU, an account), which then no longer has its Deny.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trainshare.access.model import AccessModel
from trainshare.catalog import finding
from trainshare.diff.access import AccessChanges
from trainshare.diff.guardrails import GuardrailAction, GuardrailChange
from trainshare.diff.jsondiff import parse
from trainshare.findings import Finding, Location
from trainshare.spec import ROOT, PrincipalKind, Spec
from trainshare.spec.resolved import Principal


def flag(*, code: str, where: str, message: str) -> Finding:
    """A flag of a catalogued code about `where` (a share, account, OU or guardrail): its
    severity and fix from the catalogue."""
    return finding(code, Location(path=where), message)


@dataclass(frozen=True)
class Keys:
    """Old keys under their new names (`renamed_from`)."""

    units: Mapping[str, str]
    accounts: Mapping[str, str]
    shares: Mapping[str, str]
    guardrails: Mapping[str, str]

    @staticmethod
    def of(new: Spec) -> Keys:
        return Keys(
            units={u.renamed_from: p for p, u in new.units.items() if u.renamed_from},
            accounts={a.renamed_from: k for k, a in new.accounts.items() if a.renamed_from},
            shares={s.renamed_from: k for k, s in new.shares.items() if s.renamed_from},
            guardrails={g.renamed_from: k for k, g in new.guardrails.items() if g.renamed_from},
        )

    def unit(self, path: str) -> str:
        """An old OU path as the new spec names it (a renamed OU renames its children's)."""
        parts = path.split("/")
        for i in range(len(parts), 0, -1):
            head = "/".join(parts[:i])
            if head in self.units:
                return "/".join([self.units[head], *parts[i:]])
        return path

    def target(self, target: str) -> str:
        return self.accounts.get(target) or self.unit(target)


def risk_flags(
    old: Spec,
    new: Spec,
    access: AccessChanges,
    old_model: AccessModel,
    new_model: AccessModel,
    *,
    guardrails: Sequence[GuardrailChange] = (),
) -> list[Finding]:
    """The flags of the change from `old` to `new`; `guardrails` are its guardrail changes
    (diff.guardrails.guardrail_changes), read for the guardrails it detaches."""
    keys = Keys.of(new)
    out: list[Finding] = []
    out += _external(old, new, access, keys)
    out += _widened(old, new, old_model, new_model, keys)
    out += _new_issues(old, new, keys, issue="DENY_HITS_DEPLOY_ROLE", code="DEPLOY_ROLE_DENIED")
    out += _new_issues(old, new, keys, issue="LEVEL_WITHOUT_ALLOW", code="LOCKOUT_INTRODUCED")
    out += _left_guardrails(old, new, keys)
    out += _detached(old, new, guardrails, keys)
    return out


def _external(old: Spec, new: Spec, access: AccessChanges, keys: Keys) -> Iterable[Finding]:
    for change in access.changes:
        outside = [a for a in change.accounts if a.external]
        if outside and change.gained:
            yield flag(
                code="EXTERNAL_ACCESS_GAINED",
                where=f"share {change.share}",
                message=f"{', '.join(a.label for a in outside)} (outside the organization) "
                f"gain(s) {', '.join(change.actions)} "
                f"({change.before} → {change.after})",
            )
    before = {keys.shares.get(k, k): s for k, s in old.shares.items()}
    for key, share in new.shares.items():
        was = before.get(key)
        if share.allow_external and (was is None or not was.allow_external):
            yield flag(
                code="EXTERNAL_ACCESS_GAINED",
                where=f"share {key}",
                message="allow_external is now true: the share accepts principals outside "
                "the organization",
            )
    for arn, policy in new.managed_policies.items():
        was_policy = old.managed_policies.get(arn)
        if not policy.perimeter and (was_policy is None or was_policy.perimeter):
            yield flag(
                code="EXTERNAL_ACCESS_GAINED",
                where=f"policy of {arn}",
                message="the data perimeter is off (perimeter: false): nothing in the policy "
                "keeps principals outside the organization out",
            )


def _covers(wide: Principal, narrow: tuple[PrincipalKind, str], spec: Spec) -> bool:
    """Whether `wide` reaches strictly more than the principal `narrow` (of the old spec, in
    the new spec's names) and holds it."""
    kind, target = narrow
    if wide.kind is PrincipalKind.ORGANIZATION:
        return kind is not PrincipalKind.ORGANIZATION
    if wide.kind is not PrincipalKind.UNIT:
        return False
    if kind is PrincipalKind.UNIT:
        return target != wide.target and target.startswith(wide.target + "/")
    if kind is PrincipalKind.ACCOUNT and target in spec.accounts:
        unit = spec.accounts[target].unit
        return unit != ROOT and (unit == wide.target or unit.startswith(wide.target + "/"))
    return False


def _widened(
    old: Spec, new: Spec, old_model: AccessModel, new_model: AccessModel, keys: Keys
) -> Iterable[Finding]:
    renamed = {v: k for k, v in keys.shares.items()}
    for key, share in new.shares.items():
        was = old.shares.get(renamed.get(key, key))
        if was is None:
            continue
        before = [
            (p.kind, keys.unit(p.target) if p.kind is PrincipalKind.UNIT else keys.target(p.target))
            for p in was.principals
        ]
        for principal in share.principals:
            if (principal.kind, principal.target) in before:
                continue
            narrower = [b for b in before if _covers(principal, b, new)]
            if not narrower:
                continue
            whom = (
                "the whole organization"
                if principal.kind is PrincipalKind.ORGANIZATION
                else f"OU {principal.target}"
            )
            reached = len(new_model.reached(new_model.shares[key]))
            had = len(old_model.reached(old_model.shares[was.key]))
            yield flag(
                code="SHARE_WIDENED",
                where=f"share {key}",
                message=f"now shared with {whom} (was {', '.join(t for _, t in narrower)}): "
                f"it reaches {reached:,} account(s), {reached - had:+,} from {had:,}",
            )


def _new_issues(old: Spec, new: Spec, keys: Keys, *, issue: str, code: str) -> Iterable[Finding]:
    seen = {_quoted_names(i.message, keys) for i in old.warnings if i.code == issue}
    for found in new.warnings:
        if found.code == issue and found.message not in seen:
            yield flag(code=code, where=found.location.path, message=found.message)


def _quoted_names(message: str, keys: Keys) -> str:
    """An old spec's message with the names it quotes ('ml/training', 'team-nlp') as the new
    spec has them: an issue the change only renames is not new."""

    def rename(found: re.Match[str]) -> str:
        name = found.group(1)
        now = keys.accounts.get(name) or keys.shares.get(name) or keys.guardrails.get(name)
        return f"'{now or keys.unit(name)}'"

    return re.sub(r"'([^'\s]+)'", rename, message)


def _applying(spec: Spec, unit: str, rename: Any = None) -> dict[str, str]:
    """Guardrails attached to an OU on the path to `unit` (the root aside): key → where."""
    path = set()
    if unit != ROOT:
        parts = unit.split("/")
        path = {"/".join(parts[: i + 1]) for i in range(len(parts))}
    out = {}
    for key, guardrail in spec.guardrails.items():
        name = rename(key) if rename else key
        hit = sorted(t for t in guardrail.targets if t in path)
        if hit:
            out[name] = f"{name} ({guardrail.type}, on {', '.join(hit)})"
    return out


def _parent(unit: str) -> str:
    return unit.rpartition("/")[0] or ROOT


def _left_guardrails(old: Spec, new: Spec, keys: Keys) -> Iterable[Finding]:
    """Accounts moved to another OU, and OUs given another parent (`renamed_from` a path
    under another parent: their accounts go with them), leaving guardrails behind."""

    def rename(key: str) -> str:
        return keys.guardrails.get(key, key)

    for path, unit in new.units.items():
        former = unit.renamed_from
        if former is None or former not in old.units:
            continue
        if keys.unit(_parent(former)) == _parent(path):
            continue  # renamed in place, or moved along with its parent
        had = _applying(old, _parent(former), rename)
        has = _applying(new, _parent(path))
        left = [where for name, where in had.items() if name not in has]
        below = sum(
            1 for a in new.accounts.values() if a.unit == path or a.unit.startswith(path + "/")
        )
        if left:
            yield flag(
                code="ACCOUNT_LEFT_GUARDRAILS",
                where=f"OU {path}",
                message=f"moves from {former} to {path} with its {below:,} account(s) and leaves "
                f"{'; '.join(left)}",
            )
    renamed = {v: k for k, v in keys.accounts.items()}
    for key, account in new.accounts.items():
        was = old.accounts.get(renamed.get(key, key))
        if was is None or keys.unit(was.unit) == account.unit:
            continue
        had = _applying(old, was.unit, rename)
        has = _applying(new, account.unit)
        left = [where for name, where in had.items() if name not in has]
        if left:
            yield flag(
                code="ACCOUNT_LEFT_GUARDRAILS",
                where=f"account {key}",
                message=f"moves from {was.unit} to {account.unit} and leaves {'; '.join(left)}",
            )


def _deny_sids(document: str) -> list[str] | None:
    """The Sids of a policy document's Deny statements ("(no Sid)" for one without); None when
    it has no Deny (an Allow-list SCP, a management policy) or is not JSON."""
    parsed = parse(document)
    statements = parsed.get("Statement") if isinstance(parsed, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        return None
    sids = [
        str(s.get("Sid") or "(no Sid)")
        for s in statements
        if isinstance(s, dict) and s.get("Effect") == "Deny"
    ]
    return sids or None


def _detached(
    old: Spec, new: Spec, changes: Sequence[GuardrailChange], keys: Keys
) -> Iterable[Finding]:
    """One flag per guardrail with a Deny statement that the change deletes, or detaches from
    one or more targets (FullAWSAccess, detached by `full_aws_access`, has no Deny: a level
    left without an Allow is LOCKOUT_INTRODUCED)."""
    before = {keys.guardrails.get(k, k): g for k, g in old.guardrails.items()}
    targets: dict[str, list[str]] = {}
    for change in changes:
        if change.action is GuardrailAction.DETACHED and change.guardrail in before:
            targets.setdefault(change.guardrail, []).append(change.where)
    for key, where in targets.items():
        was = before[key]
        sids = _deny_sids(was.document)
        if sids is None:
            continue
        what = "deleted" if key not in new.guardrails else "detached"
        yield flag(
            code="GUARDRAIL_DETACHED",
            where=f"guardrail {key}",
            message=f"{key} ({was.type}) is {what}: {', '.join(where)} no longer "
            f"{'has' if len(where) == 1 else 'have'} its Deny statement(s) {', '.join(sids)}",
        )
