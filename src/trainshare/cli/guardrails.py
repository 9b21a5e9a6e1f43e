"""`guardrails list` and `guardrails show`: the guardrail templates trainshare ships."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from trainshare.catalog import GuardrailTemplate, load_catalog
from trainshare.cli.common import Format, FormatOpt, err, fail, out, print_json
from trainshare.inputs import load_json
from trainshare.policy import minify, render_template
from trainshare.policy.lint import PolicyKind, lint_document, lint_rcp
from trainshare.policy.management import lint_management_policy
from trainshare.report.guardrails import render_templates, rendered_to_json, templates_to_json
from trainshare.report.tables import FINDING_COLUMNS, to_csv

HELP = (
    "The guardrail templates trainshare ships (catalog/guardrails): SCPs, RCPs, tag and EC2 "
    "declarative policies."
)


def guardrails_list(fmt: FormatOpt = Format.TEXT) -> None:
    """Every template with a one-line description.

    Example:

    \b
    trainshare guardrails list -f json
    """
    templates = load_catalog().guardrails
    if fmt is Format.JSON:
        print_json(templates_to_json(templates))
    elif fmt is Format.CSV:
        rows = templates_to_json(templates)["templates"]
        sys.stdout.write(to_csv(("name", "type", "description", "source"), rows))
    else:
        out.print(render_templates(templates), markup=False)


def _param_value(template: GuardrailTemplate, name: str, text: str) -> object:
    kind = template.params[name].type if name in template.params else "string"
    if kind == "string_list":
        if text.startswith("["):  # JSON, strictly: a located error, never a traceback
            return load_json(text, f"--param {name}")
        return [item.strip() for item in text.split(",") if item.strip()]
    if kind == "bool":
        if text.lower() not in ("true", "false"):
            fail(f"--param {name}: expected true or false, got {text!r}")
        return text.lower() == "true"
    return text


def guardrails_show(
    name: Annotated[
        str, typer.Argument(help="Template name (see `guardrails list`).", metavar="NAME")
    ],
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            metavar="NAME=VALUE",
            help="NAME=VALUE; lists as a,b,c or JSON. Repeatable.",
        ),
    ] = None,
    access_role: Annotated[str, typer.Option(help="The deploy role the template exempts.")] = (
        "OrganizationAccountAccessRole"
    ),
    fmt: FormatOpt = Format.TEXT,
) -> None:
    """Render a template: the minified document AWS receives, its size, and lint findings.
    An RCP's `${org_id}` stays as it is: the spec's `organization.id`, or the deployed
    organization's ID, takes its place.

    Example:

    \b
    trainshare guardrails show restrict-instance-types -p 'instance_types=p5.*,g5.*'
    """
    catalog = load_catalog()
    template = catalog.guardrails.get(name)
    if template is None:
        fail(f"no guardrail template {name!r}; `trainshare guardrails list` shows them")
    params: dict[str, object] = {}
    for assignment in param or []:
        key, sep, value = assignment.partition("=")
        if not sep:
            fail(f"--param {assignment!r}: write NAME=VALUE")
        params[key] = _param_value(template, key, value)
    document, problems = render_template(
        template, params, {"access_role": access_role, "partition": "aws"}
    )
    if document is None:
        for problem in problems:
            err.print(f"--param {problem.param}: {problem.message} — {problem.fix}", markup=False)
        fail(f"cannot render {name!r}")
    text = minify(document)
    limit = catalog.limits[catalog.policy_types[template.type].max_chars].value
    ptype = catalog.policy_types[template.type]
    if template.type == "rcp":
        findings = lint_rcp(document, f"template {name}")
    elif ptype.is_management:
        findings = lint_management_policy(document, ptype, f"template {name}")
    else:
        findings = lint_document(document, PolicyKind.SCP, f"template {name}")
    if fmt is Format.JSON:
        print_json(rendered_to_json(name, document, text, limit, findings))
        return
    if fmt is Format.CSV:  # the template's findings, as `lint -f csv` gives them
        sys.stdout.write(to_csv(FINDING_COLUMNS, (f.to_json() for f in findings)))
        return
    sys.stdout.write(text + "\n")
    err.print(
        f"{name}: {len(text):,} / {limit:,} characters minified ({template.source})", markup=False
    )
    for item in findings:
        err.print(item.render(), markup=False)
