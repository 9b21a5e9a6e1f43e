"""The `guardrails` section: each guardrail's type, its policy document (a template rendered,
or a file) linted as the policy AWS receives, and its targets.

An SCP is linted here; other Organizations policy types (RCPs, management policies) by their
own grammar in spec/org_policies.py, which also holds their rules across the tree. Rules across
SCPs and the tree (SCPs per target, lockout, Denies that hit the deploy role) are in
spec/scp_checks.py. A new rule on one guardrail is a `check_<what>` function here, called from
`_guardrail`; it reports with `ctx.out.add` (spec/context.py).
"""

from __future__ import annotations

import json
from typing import Any

from trainshare import inputs
from trainshare.findings import Finding, Severity
from trainshare.policy import minify, render_template
from trainshare.policy.lint import PolicyKind, lint_document, lint_text
from trainshare.spec import org_policies
from trainshare.spec.context import Context, References
from trainshare.spec.issues import did_you_mean
from trainshare.spec.model import GuardrailSpec
from trainshare.spec.resolved import Guardrail, Organization
from trainshare.spec.scp_checks import SCP
from trainshare.yamlsource import Path_


def guardrails(
    ctx: Context, raw: dict[str, Any], refs: References, org: Organization
) -> dict[str, Guardrail]:
    found: dict[str, Guardrail] = {}
    for key, body in raw.items():
        guardrail = _guardrail(ctx, key, body, refs, org)
        if guardrail is not None:
            found[key] = guardrail
    return found


def _guardrail(
    ctx: Context, key: str, body: Any, refs: References, org: Organization
) -> Guardrail | None:
    path: Path_ = ("guardrails", key)
    spec = ctx.out.validate(GuardrailSpec, body, path)
    if spec is None:
        return None
    check_policy_name(ctx, key, path)
    template = ctx.catalog.guardrails.get(spec.template) if spec.template else None
    kind = org_policies.guardrail_type(ctx.out, ctx.catalog, spec.type, template, path)
    if kind is None:
        return None
    document = guardrail_document(ctx, key, spec, path, org=org, kind=kind)
    targets = guardrail_targets(ctx, spec.targets, (*path, "targets"), refs, org=org, kind=kind)
    if document is None or targets is None:
        return None
    description = spec.description or (
        ctx.catalog.guardrails[spec.template].description if spec.template else key
    )
    return Guardrail(
        key=key,
        name=spec.name or key,
        description=description,
        document=document,
        targets=targets,
        template=spec.template,
        renamed_from=spec.renamed_from,
        type=kind,
    )


def check_policy_name(ctx: Context, key: str, path: Path_) -> None:
    if not 1 <= len(key) <= 128:
        ctx.out.add("INVALID_VALUE", path, "a policy name is 1-128 characters", "shorten the key")


# -- the document ---------------------------------------------------------------------------------


def guardrail_document(
    ctx: Context, key: str, spec: GuardrailSpec, path: Path_, *, org: Organization, kind: str
) -> str | None:
    """The minified document AWS receives, or None when it cannot be made or has errors."""
    if not check_one_source(ctx, key, spec, path):
        return None
    if spec.document is not None:
        return _file_document(ctx, spec, path, spec.document, kind)
    assert spec.template is not None
    return _template_document(ctx, spec, path, spec.template, org=org, kind=kind)


def check_one_source(ctx: Context, key: str, spec: GuardrailSpec, path: Path_) -> bool:
    if (spec.template is None) == (spec.document is None):
        return ctx.out.refuse(
            "GUARDRAIL_SOURCE",
            path,
            f"guardrail {key!r} needs exactly one of `template` and `document`",
            "name a template (`trainshare guardrails list`) or a JSON file",
        )
    return True


def _file_document(
    ctx: Context, spec: GuardrailSpec, path: Path_, file: str, kind: str
) -> str | None:
    if spec.params:
        ctx.out.add(
            "INVALID_VALUE",
            (*path, "params"),
            "`params` only applies to templates",
            "remove `params`",
        )
    text = read_document(ctx, file, (*path, "document"))
    if text is None:
        return None
    if kind != SCP:
        return org_policies.document_from_text(
            kind,
            text,
            file,
            limits=ctx.limits,
            catalog=ctx.catalog,
            report=lambda found: report_lint(ctx, found, (*path, "document")),
        )
    findings = lint_text(text, PolicyKind.SCP, file, max_chars=ctx.limits["scp_max_chars"])
    if not report_lint(ctx, findings, (*path, "document")):
        return None
    return minify(json.loads(text))


def _template_document(
    ctx: Context, spec: GuardrailSpec, path: Path_, name: str, *, org: Organization, kind: str
) -> str | None:
    template = ctx.catalog.guardrails.get(name)
    if template is None:
        hint = did_you_mean(name, ctx.catalog.guardrails)
        ctx.out.add(
            "UNKNOWN_TEMPLATE",
            (*path, "template"),
            f"no guardrail template named {name!r}",
            hint or f"known: {', '.join(ctx.catalog.guardrails)}",
        )
        return None
    context = {"access_role": org.access_role, "partition": org.partition}
    if org.id:
        context["org_id"] = org.id
    document, problems = render_template(template, spec.params, context)
    for problem in problems:
        ctx.out.add(
            "TEMPLATE_PARAM", (*path, "params", problem.param), problem.message, problem.fix
        )
    if document is None:
        return None
    if kind != SCP:
        found = org_policies.lint_typed(
            kind, document, f"template {name}", lines={}, limits=ctx.limits, catalog=ctx.catalog
        )
        return minify(document) if report_lint(ctx, found, (*path, "params")) else None
    findings = lint_document(
        document, PolicyKind.SCP, f"template {name}", max_chars=ctx.limits["scp_max_chars"]
    )
    return minify(document) if report_lint(ctx, findings, (*path, "params")) else None


def report_lint(ctx: Context, findings: list[Finding], path: Path_) -> bool:
    """Linter findings as spec findings at `path`; False when any is an error."""
    for item in findings:
        ctx.out.add(item.code, path, f"{item.location}: {item.message}", item.fix)
    return not any(item.severity is Severity.ERROR for item in findings)


def read_document(ctx: Context, relative: str, path: Path_) -> str | None:
    """A policy file named by the spec (relative to the spec's folder), read within bounds."""
    try:
        return inputs.read_text(ctx.base_dir / relative, inputs.POLICY)
    except inputs.InputError as exc:
        where = f"{relative!r}" + (f" line {exc.line}" if exc.line is not None else "")
        ctx.out.add(
            "POLICY_FILE_MISSING",
            path,
            f"{where}: {exc.message}",
            exc.fix or "the path is relative to the spec file's folder",
        )
        return None


# -- the targets ----------------------------------------------------------------------------------


def guardrail_targets(
    ctx: Context,
    targets: list[str],
    path: Path_,
    refs: References,
    *,
    org: Organization,
    kind: str,
) -> tuple[str, ...] | None:
    """The targets resolved (`root`, OU paths, account keys); None when one is unknown."""
    resolved: list[str] = []
    ok = True
    for index, ref in enumerate(targets):
        target = refs.target(ref)
        if not check_target_known(ctx, ref, target, (*path, index), refs):
            ok = False
            continue
        assert target is not None
        if not check_target_once(ctx, ref, target, (*path, index), resolved):
            continue
        if refs.account_id(target) == org.management_account:
            org_policies.check_management_target(ctx.out, kind, (*path, index))
        resolved.append(target)
    return tuple(resolved) if ok else None


def check_target_known(
    ctx: Context, ref: str, target: str | None, path: Path_, refs: References
) -> bool:
    if target is None:
        return ctx.out.refuse(
            "UNKNOWN_TARGET",
            path,
            f"guardrail target {ref!r} is not `root`, an OU path or an account of the spec",
            refs.hint(ref),
        )
    return True


def check_target_once(
    ctx: Context, ref: str, target: str, path: Path_, resolved: list[str]
) -> bool:
    if target in resolved:
        return ctx.out.refuse("DUPLICATE_TARGET", path, f"{ref!r} is listed twice", "remove one")
    return True
