"""Resource policies of policy shares against the spec: the policy the spec composes for each
resource it owns, statement by statement (by Sid, compared as AWS may hand a statement back);
and every live policy read, for Allow statements that let a principal outside the organization
in (OPEN_TO_OUTSIDE_ORG)."""

from __future__ import annotations

from typing import Any

from trainshare.audit.diff.drift import Comparison, DriftKind, parsed
from trainshare.catalog import load_catalog, parse_arn
from trainshare.plan.resource_policies import compose
from trainshare.policy.model import ParsedPolicy, PolicyDocument, Statement
from trainshare.policy.parse import parse_document

_ORG_NARROWING = load_catalog().key_sets["org_narrowing"]
_OBJECT = "resource-policy"


class _LiveIds:
    """IDs of the live organization, for composing the policy the spec wants (`compose`'s
    `Ids`): an OU or account the audit did not match is a KeyError."""

    def __init__(self, audit: Comparison) -> None:
        self.audit = audit

    def org_id(self) -> str:
        return self.audit.live.organization_id

    def root_id(self) -> str:
        return self.audit.live.root_id

    def unit_id(self, path: str) -> str:
        return self.audit.unit_ids[path]

    def account_id(self, key: str) -> str:
        return self.audit.account_ids[key]


def check_resource_policies(audit: Comparison) -> None:
    catalog = load_catalog()
    live = {p.arn: p for p in audit.live.resource_policies}
    for arn, policy in audit.spec.managed_policies.items():
        have = live.get(arn)
        if have is None or have.document is None:
            detail = "not read (take a new snapshot)" if have is None else "it has no policy"
            audit.drift(DriftKind.MISSING, _OBJECT, arn, detail)
            continue
        try:
            want = compose(audit.spec, catalog, policy, _LiveIds(audit))
        except KeyError:
            continue  # an OU or account it names is missing: reported above
        _compare_statements(audit, arn, parse_document(want), parsed(have.parsed))
    org_ids = audit.org_account_ids()
    for found in audit.live.resource_policies:
        if found.document is not None:
            _open_to_outside(audit, found.arn, parsed(found.parsed), org_ids)


def _compare_statements(
    audit: Comparison, arn: str, want: ParsedPolicy, have: PolicyDocument | None
) -> None:
    """Statements by Sid: missing, unexpected, or changed (compared by `_canonical`)."""
    wanted = _by_sid(want) if isinstance(want, PolicyDocument) else {}
    live = _by_sid(have) if have is not None else {}
    audit.compare_set(
        _OBJECT, arn, (f"statement {sid}" for sid in wanted), (f"statement {sid}" for sid in live)
    )
    for sid in sorted(wanted.keys() & live.keys()):
        if _canonical(wanted[sid]) != _canonical(live[sid]):
            audit.drift(DriftKind.CHANGED, _OBJECT, arn, f"statement {sid}")


def _open_to_outside(
    audit: Comparison, arn: str, document: PolicyDocument | None, org_ids: set[str]
) -> None:
    """Allow statements that let a principal outside the organization in, unless a
    perimeter Deny (aws:PrincipalOrgID of this organization) keeps them out."""
    if document is None:
        return
    org_id = audit.live.organization_id
    found = document.statements
    if any(_is_perimeter(stmt, org_id) for stmt in found):
        return
    for stmt in found:
        if stmt.is_deny:
            continue
        who = _principals(stmt)
        narrowed = bool(stmt.condition.keys() & _ORG_NARROWING)
        outside = sorted(p for p in who if p != "*" and _account_of(p) not in org_ids | {None})
        if ("*" in who and not narrowed) or outside:
            sid = stmt.sid or "(no Sid)"
            whom = ", ".join(outside) if outside else "any principal (*)"
            audit.find(
                "OPEN_TO_OUTSIDE_ORG",
                f"policy of {arn}",
                f"statement {sid} allows {whom}, outside the organization {org_id}",
            )


def _by_sid(document: PolicyDocument) -> dict[str, Statement]:
    return {stmt.sid or f"(no Sid, Statement[{stmt.index}])": stmt for stmt in document.statements}


def _canonical(stmt: Statement) -> tuple[Any, ...]:
    """A statement as AWS may hand it back: lists unordered, one element or several alike."""
    principal = stmt.principal
    return (
        stmt.effect,
        frozenset(stmt.actions),
        stmt.not_action,
        None if stmt.resources is None else frozenset(stmt.resources),
        stmt.not_resource,
        None
        if principal is None
        else (
            principal.everyone,
            frozenset(principal.aws),
            frozenset(principal.service),
            frozenset(principal.federated),
            frozenset(principal.canonical_user),
        ),
        stmt.not_principal,
        frozenset((c.operator.text, c.key, frozenset(c.values)) for c in stmt.condition.conditions),
    )


def _principals(stmt: Statement) -> set[str]:
    principal = stmt.principal
    if principal is None or stmt.not_principal:
        return set()
    return {"*"} if principal.everyone else set(principal.aws)


def _account_of(principal: str) -> str | None:
    """The account of an AWS principal (an ID or an IAM ARN); None for anything else."""
    if principal.isdigit() and len(principal) == 12:
        return principal
    arn = parse_arn(principal)
    return arn.account if arn is not None and arn.service in ("iam", "sts") else None


def _is_perimeter(stmt: Statement, org_id: str) -> bool:
    """A Deny for every principal whose aws:PrincipalOrgID is not this organization's."""
    if not stmt.is_deny or "*" not in _principals(stmt):
        return False
    return any(
        c.operator.text in ("StringNotEquals", "StringNotEqualsIfExists")
        and c.key.lower() == "aws:principalorgid"
        and c.values == (org_id,)
        for c in stmt.condition.conditions
    )
