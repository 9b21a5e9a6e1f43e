"""The live organization against the spec: drift (missing, unexpected, changed) and findings.

Objects are matched by what trainshare names them (DESIGN.md, "Names and tags on the AWS
side"): an OU by its path of names (or its ID where the spec gives one), an account by its key
as name (or ID), an SCP and a share by their keys. Pure: reads a Snapshot and a Spec.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from trainshare.audit.effective import effective_findings
from trainshare.capacity.view import shared_capacity, statement_differences
from trainshare.catalog import finding, load_catalog, ou_arn_prefix, parse_arn, permission_arn
from trainshare.findings import Finding, Location, Severity
from trainshare.plan.resource_policies import compose
from trainshare.policy.model import ParsedPolicy, PolicyDocument, Statement
from trainshare.policy.parse import parse_document
from trainshare.policy.templates import ORG_ID_PLACEHOLDER
from trainshare.snapshot import ResourceShare, Snapshot
from trainshare.spec import ROOT, PrincipalKind, Share, ShareKind, Spec
from trainshare.spec.resolved import ALL_FEATURES, CONSOLIDATED_BILLING

LAKE_FORMATION_PREFIX = "LakeFormation"  # LF creates and owns these shares (optimize-ram.md)
_SCP = "SERVICE_CONTROL_POLICY"


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


def _normal(content: str) -> Any:
    """A document as a JSON value, to compare two as AWS stores them (the text when it is not
    JSON)."""
    try:
        return json.loads(content)
    except json.JSONDecodeError:
        return content


def _parsed(document: ParsedPolicy | None) -> PolicyDocument | None:
    """A live document, typed; None when there is none or it cannot be parsed (it then
    matches nothing)."""
    return document if isinstance(document, PolicyDocument) else None


class _Differ:
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

    def find(self, code: str, location: str, message: str) -> None:
        self.report.findings.append(finding(code, Location(path=location), message))

    def run(self) -> AuditReport:
        self._feature_set()
        self._units()
        self._accounts()
        self._policies()
        self._shares()
        self._resource_policies()
        self._capacity()
        self._live_levels()
        self.report.findings += effective_findings(
            self.spec, self.live, self.account_ids, load_catalog()
        )
        self.report.drift.sort(key=lambda d: (d.object, d.name, d.kind, d.detail))
        self.report.findings.sort(key=lambda f: (f.code, str(f.location), f.message))
        return self.report

    def _feature_set(self) -> None:
        """ALL_FEATURES_DISABLED: the spec uses what needs all features (its guardrails, trusted
        access, sharing with OUs) in an organization without them, so `pulumi up` fails there.
        ALL_FEATURES_ENABLED: the spec says the organization lacks them, and it has them now."""
        live, wanted = self.live.feature_set, self.spec.organization.feature_set
        where = f"organization {self.live.organization_id}"
        if live == CONSOLIDATED_BILLING and wanted == ALL_FEATURES:
            needs = [
                *(f"guardrail {k}" for k in self.spec.guardrails),
                *(f"trusted access for {s}" for s in self.spec.organization.trusted_services),
            ]
            if self.spec.shares_with_org_units:
                needs.append("sharing with OUs or the organization")
            if needs:
                shown = ", ".join(needs[:5]) + (
                    f", … ({len(needs)} in all)" if len(needs) > 5 else ""
                )
                self.find(
                    "ALL_FEATURES_DISABLED",
                    where,
                    f"the organization has feature set {live}, and the spec needs all "
                    f"features for: {shown}",
                )
        elif live == ALL_FEATURES and wanted != ALL_FEATURES:
            self.find(
                "ALL_FEATURES_ENABLED",
                where,
                f"the organization has all features now; the spec says {wanted} "
                "(organization.feature_set)",
            )

    # -- tree ---------------------------------------------------------------------------------

    def _live_paths(self) -> dict[str, str]:
        """Each live OU's path of names (as the spec writes it) → its ID."""
        _, names = self.live.unit_paths(ROOT)
        return {names[u.id]: u.id for u in self.live.units}

    def _units(self) -> None:
        live = self._live_paths()
        live_ids = {u.id for u in self.live.units}
        for path, unit in self.spec.units.items():
            found = unit.id if unit.id in live_ids else live.get(path)
            if found is None:
                self.drift(DriftKind.MISSING, "ou", path, "not in the organization")
            else:
                self.unit_ids[path] = found

    def _target_id(self, target: str) -> str | None:
        if target == ROOT:
            return self.live.root_id
        return self.unit_ids.get(target) or self.account_ids.get(target)

    def _accounts(self) -> None:
        by_id = {a.id: a for a in self.live.accounts}
        by_name = {a.name: a for a in self.live.accounts}
        for key, account in self.spec.accounts.items():
            live = by_id.get(account.id) if account.id else by_name.get(key)
            if live is None and account.id == self.live.management_account:
                self.account_ids[key] = account.id  # in its organization by definition
                continue
            if live is None:
                self.drift(
                    DriftKind.MISSING,
                    "account",
                    key,
                    f"{account.id or 'a new account'} is not in the organization",
                )
                continue
            self.account_ids[key] = live.id
            want = self._target_id(account.unit)
            if want is not None and live.parent_id != want:
                self.drift(
                    DriftKind.CHANGED,
                    "account",
                    key,
                    f"placed under {live.parent_id}, the spec puts it in {account.unit} ({want})",
                )
        known = set(self.account_ids.values()) | {self.live.management_account}
        for live in self.live.accounts:
            if live.id not in known:
                self.find(
                    "ACCOUNT_OUTSIDE_SPEC",
                    f"account {live.id} ({live.name})",
                    f"account {live.name} ({live.id}) is in the organization but not in the spec",
                )

    def _policies(self) -> None:
        """Each guardrail against the live policy of its type and AWS name; the drift object is
        the type's key (`scp`, `rcp`, `tag`, …) and `<key>-attachment`."""
        catalog = load_catalog()
        by_name = {(p.type, p.name): p for p in self.live.policies if not p.aws_managed}
        for key, guardrail in self.spec.guardrails.items():
            ptype = catalog.policy_types[guardrail.type]
            label = "SCP" if guardrail.type == "scp" else ptype.title
            live = by_name.get((ptype.aws_name, guardrail.name))
            if live is None:
                self.drift(
                    DriftKind.MISSING, guardrail.type, key, f"no {label} named {guardrail.name}"
                )
                continue
            wanted_document = guardrail.document.replace(
                ORG_ID_PLACEHOLDER, self.live.organization_id
            )
            if _normal(live.content) != _normal(wanted_document):
                self.drift(
                    DriftKind.CHANGED, guardrail.type, key, "its content differs from the spec's"
                )
            attachment = f"{guardrail.type}-attachment"
            wanted = {self._target_id(t): t for t in guardrail.targets}
            for target_id, target in wanted.items():
                if target_id is not None and target_id not in live.targets:
                    self.drift(
                        DriftKind.MISSING,
                        attachment,
                        f"{key} → {target}",
                        f"not attached to {target_id}",
                    )
            for target_id in sorted(set(live.targets) - set(wanted)):
                self.drift(
                    DriftKind.UNEXPECTED,
                    attachment,
                    f"{key} → {target_id}",
                    "attached where the spec does not attach it",
                )
        self._full_aws_access()
        self._policy_types()

    def _policy_types(self) -> None:
        """RCP_TYPE_DISABLED / POLICY_TYPE_DISABLED: the spec has policies of a type the root
        does not have enabled, so none of them can be attached (EnablePolicyType API reference).
        Skipped for snapshots taken before the root's policy types were read."""
        enabled = self.live.root_policy_types
        if enabled is None:
            return
        catalog = load_catalog()
        for kind in dict.fromkeys(g.type for g in self.spec.guardrails.values()):
            ptype = catalog.policy_types[kind]
            if ptype.aws_name in enabled:
                continue
            names = sorted(k for k, g in self.spec.guardrails.items() if g.type == kind)
            self.find(
                "RCP_TYPE_DISABLED" if kind == "rcp" else "POLICY_TYPE_DISABLED",
                f"root {self.live.root_id}",
                f"the spec has guardrails of type {kind} ({', '.join(names)}), but "
                f"{ptype.aws_name} is not enabled on the root of {self.live.organization_id}",
            )

    def _full_aws_access(self) -> None:
        full = next(
            (
                p
                for p in self.live.policies
                if p.name == load_catalog().aws_managed("scp").name
                and p.aws_managed
                and p.type == _SCP
            ),
            None,
        )
        if full is None:
            return
        levels = [(p, u.full_aws_access, self.unit_ids.get(p)) for p, u in self.spec.units.items()]
        levels += [
            (k, a.full_aws_access, self.account_ids.get(k)) for k, a in self.spec.accounts.items()
        ]
        for name, wanted, target_id in levels:
            if target_id is None or wanted == (target_id in full.targets):
                continue
            detail = "attached, the spec detaches it" if not wanted else "detached"
            self.drift(DriftKind.CHANGED, "full-aws-access", name, detail)

    # -- shares -------------------------------------------------------------------------------

    def _expected_principal(self, kind: PrincipalKind, target: str) -> str | None:
        mgmt = self.live.management_account
        if kind is PrincipalKind.ORGANIZATION:
            return self.live.organization_arn
        if kind is PrincipalKind.UNIT:
            unit_id = self.unit_ids.get(target)
            prefix = ou_arn_prefix(self.spec.organization.partition, mgmt)
            return f"{prefix}{self.live.organization_id}/{unit_id}" if unit_id else None
        if kind is PrincipalKind.ACCOUNT:
            return self.account_ids.get(target)
        return target

    def _shares(self) -> None:
        org_ids = {a.id for a in self.live.accounts} | {self.live.management_account}
        live_by_key: dict[tuple[str, str, str], list[ResourceShare]] = {}
        for item in self.live.shares:
            live_by_key.setdefault((item.owner, item.region, item.name), []).append(item)
        managed: set[str] = set()
        partition = self.spec.organization.partition
        for key, share in self.spec.shares.items():
            if share.kind is not ShareKind.RAM:
                continue  # its grants are statements in resource policies: `_resource_policies`
            principals = {self._expected_principal(p.kind, p.target) for p in share.principals}
            candidates = live_by_key.get((share.owner_id, share.region, share.name), [])
            live = _same_share(share, principals, [c for c in candidates if c.arn not in managed])
            if live is None:
                self.drift(
                    DriftKind.MISSING,
                    "share",
                    key,
                    f"no share named {share.name} in {share.owner_id}/{share.region}",
                )
                continue
            managed.add(live.arn)
            self._compare_set(
                "share-principal", key, principals - {None}, {a.entity for a in live.principals}
            )
            self._compare_set(
                "share-resource",
                key,
                {r.arn for r in share.resources},
                {a.entity for a in live.resources},
            )
            wanted = sorted(permission_arn(p, partition) for p in share.permissions)
            if sorted(live.permissions) != wanted:
                self.drift(
                    DriftKind.CHANGED,
                    "share-permissions",
                    key,
                    f"{', '.join(live.permissions) or 'none'}; the spec has {', '.join(wanted)}",
                )
            if live.allow_external != share.allow_external:
                self.drift(
                    DriftKind.CHANGED,
                    "share-setting",
                    key,
                    f"allowExternalPrincipals is {str(live.allow_external).lower()}; the "
                    f"spec has {str(share.allow_external).lower()}",
                )
        for live in self.live.shares:
            self._share_findings(live, org_ids)
            if live.arn not in managed and not live.name.startswith(LAKE_FORMATION_PREFIX):
                self.find("UNMANAGED_SHARE", _where(live), f"share {live.name} is not in the spec")
        if self.spec.shares_with_org_units and "ram.amazonaws.com" not in self.live.service_access:
            self.find(
                "RAM_ORG_SHARING_DISABLED",
                f"organization {self.live.organization_id}",
                "ram.amazonaws.com has no trusted access, so shares with OUs and the "
                "organization reach nobody",
            )

    def _compare_set(self, obj: str, key: str, want: set[Any], have: set[str]) -> None:
        for item in sorted(want - have):
            self.drift(DriftKind.MISSING, obj, key, item)
        for item in sorted(have - want):
            self.drift(DriftKind.UNEXPECTED, obj, key, item)

    def _share_findings(self, share: ResourceShare, org_ids: set[str]) -> None:
        for assoc in (*share.principals, *share.resources):
            if assoc.status == "FAILED":
                extra = f": {assoc.message}" if assoc.message else ""
                self.find(
                    "ASSOCIATION_FAILED",
                    _where(share),
                    f"{assoc.entity} is FAILED in share {share.name}{extra}",
                )
            elif assoc.status == "ASSOCIATING":
                self.find(
                    "ASSOCIATION_PENDING",
                    _where(share),
                    f"{assoc.entity} is still ASSOCIATING in share {share.name}",
                )
        for assoc in share.principals:
            outside = assoc.external or (
                assoc.entity.isdigit() and len(assoc.entity) == 12 and assoc.entity not in org_ids
            )
            if outside and assoc.status not in ("DISASSOCIATED", "DISASSOCIATING"):
                self.find(
                    "EXTERNAL_SHARE",
                    _where(share),
                    f"share {share.name} reaches {assoc.entity}, outside the organization",
                )

    # -- resource policies of policy shares -----------------------------------------------------

    def _resource_policies(self) -> None:
        catalog = load_catalog()
        live = {p.arn: p for p in self.live.resource_policies}
        org_ids = {a.id for a in self.live.accounts} | {self.live.management_account}
        for arn, policy in self.spec.managed_policies.items():
            have = live.get(arn)
            if have is None or have.document is None:
                detail = "not read (take a new snapshot)" if have is None else "it has no policy"
                self.drift(DriftKind.MISSING, "resource-policy", arn, detail)
                continue
            try:
                want = compose(self.spec, catalog, policy, _LiveIds(self))
            except KeyError:
                continue  # an OU or account it names is missing: reported above
            self._compare_statements(arn, parse_document(want), _parsed(have.parsed))
        for found in self.live.resource_policies:
            if found.document is not None:
                self._open_to_outside(found.arn, _parsed(found.parsed), org_ids)

    def _compare_statements(
        self, arn: str, want: ParsedPolicy, have: PolicyDocument | None
    ) -> None:
        wanted = _by_sid(want) if isinstance(want, PolicyDocument) else {}
        live = _by_sid(have) if have is not None else {}
        for sid in sorted(wanted.keys() - live.keys()):
            self.drift(DriftKind.MISSING, "resource-policy", arn, f"statement {sid}")
        for sid in sorted(live.keys() - wanted.keys()):
            self.drift(DriftKind.UNEXPECTED, "resource-policy", arn, f"statement {sid}")
        for sid in sorted(wanted.keys() & live.keys()):
            if _canonical(wanted[sid]) != _canonical(live[sid]):
                self.drift(DriftKind.CHANGED, "resource-policy", arn, f"statement {sid}")

    def _open_to_outside(
        self, arn: str, document: PolicyDocument | None, org_ids: set[str]
    ) -> None:
        """Allow statements that let a principal outside the organization in, unless a
        perimeter Deny (aws:PrincipalOrgID of this organization) keeps them out."""
        if document is None:
            return
        found = document.statements
        if any(_is_perimeter(stmt, self.live.organization_id) for stmt in found):
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
                self.find(
                    "OPEN_TO_OUTSIDE_ORG",
                    f"policy of {arn}",
                    f"statement {sid} allows {whom}, outside the organization "
                    f"{self.live.organization_id}",
                )

    # -- what the spec states about its reservations ------------------------------------------

    def _capacity(self) -> None:
        """Each `capacity:` statement against the reservation it describes. A snapshot that
        did not read them (`capacity` None: taken before trainshare read reservations) is not
        compared; one that read them and found none reports every stated one missing."""
        if self.live.capacity is None:
            return
        live = {r.arn: r for r in self.live.capacity}
        for share, resource in shared_capacity(self.spec):
            if resource.capacity is None:
                continue
            where = f"share {share.key}: {resource.arn.rsplit('/', 1)[-1]}"
            found = live.get(resource.arn)
            if found is None:
                self.find(
                    "CAPACITY_RESERVATION_MISSING",
                    where,
                    f"{resource.arn} is not a reservation of {share.owner} ({share.owner_id}) "
                    f"in {share.region}",
                )
                continue
            differences = statement_differences(resource, found)
            if differences:
                self.find(
                    "CAPACITY_STATEMENT_MISMATCH",
                    where,
                    f"the spec states {', '.join(differences)} for {found.id}",
                )

    # -- live SCP levels ----------------------------------------------------------------------

    def _live_levels(self) -> None:
        """Sizes near each type's limit; levels without an SCP that allows (SCPs only: the
        other types do not authorize requests level by level)."""
        catalog = load_catalog()
        attached: dict[str, list[PolicyDocument | None]] = {}
        for policy in self.live.policies:
            ptype = catalog.policy_type(policy.type)
            if policy.type == _SCP:
                document = _parsed(policy.parsed)
                for target in policy.targets:
                    attached.setdefault(target, []).append(document)
            if ptype is None or policy.aws_managed:
                continue
            limit = self.spec.limits[ptype.max_chars]
            if len(policy.content) > 0.9 * limit:
                self.find(
                    "SCP_NEAR_SIZE_LIMIT" if policy.type == _SCP else "POLICY_NEAR_SIZE_LIMIT",
                    f"policy {policy.id} ({policy.name})",
                    f"{policy.name} is {len(policy.content):,} of {limit:,} characters",
                )
        levels = (
            [(self.live.root_id, "the root")]
            + [(u.id, f"OU {u.name} ({u.id})") for u in self.live.units]
            + [
                (a.id, f"account {a.name} ({a.id})")
                for a in self.live.accounts
                if a.id != self.live.management_account
            ]
        )
        if self.live.feature_set == CONSOLIDATED_BILLING:
            return  # no SCP applies without all features: no level can lack an allow
        for level_id, label in levels:
            docs = attached.get(level_id, [])
            if not any(d is not None and d.has_allow() for d in docs):
                self.find(
                    "LEVEL_WITHOUT_ALLOW",
                    label,
                    f"{label} has no SCP that allows anything: every request below it is denied",
                )


_ORG_NARROWING = load_catalog().key_sets["org_narrowing"]


class _LiveIds:
    """IDs of the live organization, for composing the policy the spec wants."""

    def __init__(self, differ: _Differ) -> None:
        self.differ = differ

    def org_id(self) -> str:
        return self.differ.live.organization_id

    def root_id(self) -> str:
        return self.differ.live.root_id

    def unit_id(self, path: str) -> str:
        return self.differ.unit_ids[path]

    def account_id(self, key: str) -> str:
        return self.differ.account_ids[key]


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


def _same_share(
    share: Share, principals: set[str | None], candidates: list[ResourceShare]
) -> ResourceShare | None:
    """The live share of the spec's share's name, owner and Region. AWS lets shares have one
    name: then the one with the spec's resources and principals, else the first not yet matched
    (its differences are then reported as drift)."""
    for live in candidates:
        if {a.entity for a in live.resources} == {r.arn for r in share.resources} and {
            a.entity for a in live.principals
        } == principals - {None}:
            return live
    return candidates[0] if candidates else None


def _where(share: ResourceShare) -> str:
    return f"share {share.name} in {share.owner}/{share.region}"


def diff(spec: Spec, snapshot: Snapshot) -> AuditReport:
    """Drift and findings of the live organization against the spec."""
    return _Differ(spec, snapshot).run()


def owners(spec: Spec, all_accounts: Iterable[str] = ()) -> set[tuple[str, str]]:
    """(account, Region) pairs whose shares the audit reads: each share's owner and Region, and
    with --all-accounts every account in every Region of the spec."""
    ram = [s for s in spec.shares.values() if s.kind is ShareKind.RAM]
    pairs = {(s.owner_id, s.region) for s in ram}
    regions = {s.region for s in ram} | {spec.organization.region}
    pairs |= {(a, r) for a in all_accounts for r in regions}
    return pairs


def policy_resources(spec: Spec) -> list[tuple[str, str, str, str]]:
    """(ARN, owner ID, Region, name) of every resource whose policy the spec owns."""
    catalog = load_catalog()
    out = []
    for policy in spec.managed_policies.values():
        ptype = catalog.policy_share_types[policy.resource_type]
        arn = parse_arn(policy.arn)
        assert arn is not None
        out.append((policy.arn, policy.owner_id, policy.region, ptype.resource_name(arn)))
    return out
