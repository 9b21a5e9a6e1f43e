"""Guardrails of every Organizations policy type: `type:`, their documents, and the rules the tree
adds (catalog/data/policy_types.yaml holds each type's facts).

- `type:` is a key of the catalog's policy types; a template has its own type, and a guardrail
  naming both must agree. SCPs keep their checks in `spec.guardrails`/`scp_checks`; the others are
  linted here: an RCP with the RCP grammar (`policy.rcp`), a management policy with its type's
  grammar (`policy.management`), each against its type's size limit.
- Per target, at most the type's `per_target` policies; an RCP target always carries the
  AWS-managed `RCPFullAWSAccess` too, which cannot be detached (orgs_manage_policies_rcps).
- An RCP attached to the management account has no effect there: RCPs do not apply to
  resources in the management account (orgs_manage_policies_rcps).
- `ai_services_opt_out: all` (or a list of AI services) on a unit is an AI services opt-out
  policy attached to it: `ai-services-opt-out-<path>`.
- A management policy's effective policy per account (`policy.effective`): a value operator a
  policy higher up locks (`@@operators_allowed_for_child_policies`) has no effect, and two
  policies on one target assigning one setting leave it to the order AWS attached them in —
  both warnings, since AWS accepts the documents.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from trainshare.catalog import Catalog, GuardrailTemplate, finding
from trainshare.errors import SpecError
from trainshare.findings import Finding, Location, Severity
from trainshare.inputs import InputError, load_json
from trainshare.policy.document import minify
from trainshare.policy.effective import Attached, Effective, EffectiveMerger, Level
from trainshare.policy.lint import lint_rcp
from trainshare.policy.management import ai_opt_out_document, lint_management_policy
from trainshare.policy.templates import ORG_ID_PLACEHOLDER
from trainshare.spec.issues import Collector
from trainshare.spec.resolved import ROOT, Account, Guardrail, Spec, Unit, unit_chain
from trainshare.spec.scp_checks import SCP, check_per_target_limit
from trainshare.yamlsource import Path_, load_yaml

RCP = "rcp"
OPT_OUT_KEY = "ai_services_opt_out"


def guardrail_type(
    out: Collector,
    catalog: Catalog,
    written: str | None,
    template: GuardrailTemplate | None,
    path: Path_,
) -> str | None:
    """The guardrail's type: as written, else its template's, else `scp`; None when unknown
    or at odds with the template's."""
    if written is not None and written not in catalog.policy_types:
        out.add(
            "UNKNOWN_POLICY_TYPE",
            (*path, "type"),
            f"{written!r} is not an Organizations policy type trainshare knows",
            f"use one of: {', '.join(catalog.policy_types)}",
        )
        return None
    if template is not None and written is not None and written != template.type:
        out.add(
            "GUARDRAIL_TYPE_MISMATCH",
            (*path, "type"),
            f"template {template.name!r} is a {template.type} guardrail, not {written}",
            f"write `type: {template.type}`, or drop `type:`",
        )
        return None
    return written or (template.type if template is not None else SCP)


def lint_typed(
    kind: str,
    document: Any,
    source: str,
    *,
    lines: Mapping[Path_, int],
    limits: Mapping[str, int],
    catalog: Catalog,
) -> list[Finding]:
    """Findings for a document of a non-SCP type, against its own grammar and size limit."""
    ptype = catalog.policy_types[kind]
    limit = limits[ptype.max_chars]
    if kind == RCP:
        if not isinstance(document, dict):
            return lint_management_policy(document, ptype, source, lines)  # not an object
        return lint_rcp(document, source, lines, max_chars=limit)
    return lint_management_policy(document, ptype, source, lines, max_chars=limit)


def document_from_text(
    kind: str,
    text: str,
    source: str,
    *,
    limits: Mapping[str, int],
    catalog: Catalog,
    report: Callable[[list[Finding]], bool],
) -> str | None:
    """A policy file of a non-SCP type: linted (located to its lines), then minified."""
    try:
        located = load_yaml(text, source)  # JSON is YAML: every element's line
        document = load_json(text, source)  # strict: no NaN, Infinity or endless numbers
    except (InputError, SpecError) as exc:
        title = catalog.policy_types[kind].title
        report([finding("POLICY_SYNTAX", Location(source), f"not a JSON {title}: {exc}")])
        return None
    findings = lint_typed(
        kind, document, source, lines=located.lines, limits=limits, catalog=catalog
    )
    return minify(document) if report(findings) else None


def check_counts(
    out: Collector,
    guardrails: Mapping[str, Guardrail],
    limits: Mapping[str, int],
    catalog: Catalog,
) -> None:
    """Per target and type (SCPs: `scp_checks.check_scp_counts`): at most the type's
    per-target limit, RCPFullAWSAccess included for RCPs."""
    by_target: dict[tuple[str, str], list[Guardrail]] = {}
    for guardrail in guardrails.values():
        if guardrail.type == SCP:
            continue
        for target in guardrail.targets:
            by_target.setdefault((guardrail.type, target), []).append(guardrail)
    for (kind, target), attached in by_target.items():
        ptype = catalog.policy_types[kind]
        check_per_target_limit(
            out,
            target,
            attached,
            code="TOO_MANY_POLICIES",
            managed=ptype.aws_managed.name if ptype.aws_managed is not None else None,
            limit=limits[ptype.per_target],
            what=f"policies of type {kind}",
            fix=f"merge guardrails, attach some higher in the tree, or set "
            f"organization.limits.{ptype.per_target} if your quota differs",
        )


def check_management_target(out: Collector, kind: str, path: Path_) -> None:
    """A guardrail of `kind` attached to the management account, where SCPs and RCPs have no
    effect (other types apply there)."""
    if kind == SCP:
        out.add(
            "SCP_ON_MANAGEMENT_ACCOUNT",
            path,
            "SCPs never apply to the management account; this attachment has no effect",
            "",
        )
    elif kind == RCP:
        out.add(
            "RCP_ON_MANAGEMENT_ACCOUNT",
            path,
            "RCPs do not apply to resources in the management account; this attachment has "
            "no effect",
            "",
        )


def opt_out_guardrails(
    out: Collector,
    raw_units: Mapping[str, Any],
    units: Mapping[str, Unit],
    taken: Mapping[str, Guardrail],
) -> dict[str, Guardrail]:
    """The AI services opt-out policies the units' `ai_services_opt_out` ask for."""
    found: dict[str, Guardrail] = {}
    for path, value, ypath in _opt_outs(raw_units, ROOT, ("units",)):
        if path not in units:
            continue  # the unit itself is reported
        services = _opt_out_services(out, value, (*ypath, OPT_OUT_KEY))
        if services is None:
            continue
        key = "ai-services-opt-out-" + path.replace("/", "-")
        if key in taken:
            out.add(
                "DUPLICATE_KEY",
                (*ypath, OPT_OUT_KEY),
                f"the guardrail {key!r} this makes is already in guardrails",
                "rename that guardrail, or write the opt-out there",
            )
            continue
        which = "every AI service" if services == "all" else ", ".join(services)
        found[key] = Guardrail(
            key=key,
            name=key,
            description=f"{which} opted out (ai_services_opt_out on {path})",
            document=minify(ai_opt_out_document(services)),
            targets=(path,),
            template=None,
            type="ai-opt-out",
        )
    return found


def _opt_outs(
    children: Mapping[str, Any], parent: str, ypath: Path_
) -> list[tuple[str, Any, Path_]]:
    found: list[tuple[str, Any, Path_]] = []
    for name, body in children.items():
        if not isinstance(body, dict) or not isinstance(name, str):
            continue
        path = name if parent == ROOT else f"{parent}/{name}"
        here = (*ypath, name)
        if OPT_OUT_KEY in body:
            found.append((path, body[OPT_OUT_KEY], here))
        kids = {k: v for k, v in body.items() if isinstance(v, dict)}
        found += _opt_outs(kids, path, here)
    return found


def _opt_out_services(out: Collector, value: Any, path: Path_) -> str | list[str] | None:
    if value == "all":
        return "all"
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return list(dict.fromkeys(value))
    out.add(
        "INVALID_VALUE",
        path,
        f"ai_services_opt_out is `all` or a list of AI services, got {value!r}",
        "write `ai_services_opt_out: all`",
    )
    return None


def with_org_id(document: str, org_id: str | None) -> str:
    """A rendered document with the organization's ID where the spec names it."""
    return document.replace(ORG_ID_PLACEHOLDER, org_id) if org_id else document


def warn_unknown_trusted_service(
    out: Collector, service: str, path: Path_, catalog: Catalog, hint: str | None
) -> None:
    """A principal missing from the catalog's list is a warning: AWS adds services to it. One
    the catalog knows AWS rejects stays an error."""
    if service in catalog.trusted_services_unsupported:
        out.add(
            "UNKNOWN_TRUSTED_SERVICE",
            path,
            f"{service} does not support trusted access with AWS Organizations "
            "(EnableAWSServiceAccess rejects it with InvalidInputException)",
            hint or "remove it",
        )
        return
    out.add(
        "UNKNOWN_TRUSTED_SERVICE",
        path,
        f"{service} is not in trainshare's list of services that support trusted access "
        f"(checked {catalog.trusted_services_checked}); AWS rejects it with "
        "InvalidInputException if it does not",
        hint or "if AWS lists it now, add it to catalog/data/trusted_services.yaml",
        Severity.WARNING,
    )


def effective_policies(
    guardrails: Mapping[str, Guardrail],
    units: Mapping[str, Unit],
    accounts: Mapping[str, Account],
    catalog: Catalog,
) -> dict[str, dict[str, Effective]]:
    """Management type → account key → its effective policy (types no guardrail has, and
    accounts none applies to, left out). Policies on one target apply in the spec's order (AWS:
    attachment order, which parallel attachment does not fix)."""
    by_type: dict[str, dict[str, list[Attached]]] = {}
    for guardrail in guardrails.values():
        ptype = catalog.policy_types.get(guardrail.type)
        if ptype is None or not ptype.is_management:
            continue
        try:
            document = json.loads(guardrail.document)
        except ValueError:
            continue  # reported where the document was read
        for target in guardrail.targets:
            at = by_type.setdefault(guardrail.type, {}).setdefault(target, [])
            at.append(Attached(guardrail.key, document))
    found: dict[str, dict[str, Effective]] = {}
    for kind in [k for k in catalog.policy_types if k in by_type]:
        attached = by_type[kind]
        merger = EffectiveMerger()
        for key, account in accounts.items():
            path = [*unit_chain(account.unit, units), key]
            levels = [Level(t, tuple(attached.get(t, ()))) for t in (ROOT, *path)]
            if any(level.policies for level in levels):
                found.setdefault(kind, {})[key] = merger.merge(levels)
    return found


def check_effective(out: Collector, spec: Spec, catalog: Catalog) -> None:
    """Warnings for what AWS leaves out of an account's effective management policy: an
    operator a policy higher up locks, a second assign of one setting on one target."""
    guardrails = spec.guardrails
    seen: set[tuple[str, str, str, str]] = set()
    by_kind = effective_policies(guardrails, spec.units, spec.accounts, catalog)
    for kind, per_account in by_kind.items():
        title = catalog.policy_types[kind].title
        for effective in per_account.values():
            for item in effective.ignored:
                key = (item.policy, item.target, item.where, item.operator)
                if key in seen:
                    continue
                seen.add(key)
                where = (
                    _guardrail_path(guardrails[item.policy]) if item.policy in guardrails else ()
                )
                if item.kind == "locked":
                    out.add(
                        "MGMT_POLICY_OVERRIDE_IGNORED",
                        where,
                        f"{title} {item.policy!r} on {item.target}: {item.operator} at "
                        f"{item.where} has no effect: {item.reason}",
                        "drop it, or allow the operator in the policy above "
                        "(@@operators_allowed_for_child_policies)",
                        Severity.WARNING,
                    )
                else:
                    out.add(
                        "MGMT_POLICY_ASSIGN_CONFLICT",
                        where,
                        f"{title} {item.policy!r} on {item.target} assigns {item.where} "
                        f"differently from another policy there ({item.reason}); AWS keeps the "
                        "first one attached, and the policies attach in parallel",
                        "set it in one of the policies only",
                        Severity.WARNING,
                    )


def _guardrail_path(guardrail: Guardrail) -> Path_:
    """Where a guardrail is written: under guardrails, or a unit's ai_services_opt_out."""
    if guardrail.description.endswith(f"({OPT_OUT_KEY} on {guardrail.targets[0]})"):
        return ("units", *guardrail.targets[0].split("/"), OPT_OUT_KEY)
    return ("guardrails", guardrail.key)
