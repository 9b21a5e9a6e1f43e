"""`validate` and `plan`: the spec checked, and what `pulumi up` would create from it — or,
with `--against OLD`, what it changes in the stack deployed from the previous spec."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from trainshare.catalog import finding, load_catalog
from trainshare.cli.common import (
    Format,
    FormatOpt,
    SpecArg,
    SpecsArg,
    err,
    fail,
    load,
    out,
    print_error,
    print_json,
)
from trainshare.errors import PlanError, SpecError
from trainshare.findings import Finding, Location, Severity
from trainshare.plan import build_plan, plan_to_json
from trainshare.plan.adoption import adopted_plan, read_adoption
from trainshare.plan.changes import compare_plans
from trainshare.report import (
    changes_to_json,
    issues_to_json,
    render_changes,
    render_issues,
    render_plan,
)
from trainshare.report.effective import effective_to_json, render_effective
from trainshare.report.plan import moves
from trainshare.report.tables import ISSUE_COLUMNS, PLAN_COLUMNS, to_csv
from trainshare.snapshot import Snapshot
from trainshare.spec import Spec, load_spec
from trainshare.spec.changes import compare_specs
from trainshare.spec.org_policies import effective_policies
from trainshare.yamlsource import read_yaml

AgainstOpt = Annotated[
    Path | None,
    typer.Option(
        "--against",
        help="The previous spec (the one deployed): also check what changing it to SPEC does.",
        show_default=False,
    ),
]
AllowUnshareOpt = Annotated[
    bool,
    typer.Option(
        "--allow-unshare", help="Removing a share of capacity (or a protected one) is intended."
    ),
]


def _against(
    spec: Path, loaded: Spec, against: Path, fmt: Format, allow_unshare: bool
) -> tuple[Spec, list[Finding]]:
    """The previous spec, and what comparing it with SPEC finds; errors end the command."""
    try:
        old = load_spec(against)
    except SpecError as exc:
        err.print(render_issues(exc.issues), markup=False)
        fail(f"{against}: the previous spec is not valid; compare against one that is")
    issues = compare_specs(old, loaded, read_yaml(spec), allow_unshare=allow_unshare)
    errors = [i for i in issues if i.severity is Severity.ERROR]
    if errors:
        if fmt is Format.JSON:
            print_json(issues_to_json(issues))
            raise typer.Exit(1)
        err.print(render_issues(issues), markup=False)
        fail(f"{spec}: {len(errors)} error(s) against {against}; nothing was planned")
    if fmt is Format.TEXT and issues:
        err.print(render_issues(issues), markup=False)
    return old, issues


def validate(
    specs: SpecsArg,
    fmt: FormatOpt = Format.TEXT,
    against: AgainstOpt = None,
    allow_unshare: AllowUnshareOpt = False,
) -> None:
    """Check specs: every problem at once, each as file:line: field: what — how to fix.

    With several specs (as the pre-commit hook passes them), each is checked and reported; the
    exit is 1 if any has an error. `-f json` gives one spec's answer as an object, several as
    {"files": [{"file": …, "valid": …, …}]}. --against compares one spec with its previous
    version.

    Example:

    \b
    trainshare validate trainshare.yaml
    trainshare validate infra/*/trainshare.yaml -f json
    trainshare validate trainshare.yaml --against deployed/trainshare.yaml
    """
    if against is not None and len(specs) != 1:
        raise typer.BadParameter("--against compares one spec: give exactly one SPEC")
    answers = [(spec, *_validate_one(spec, fmt, against, allow_unshare)) for spec in specs]
    if fmt is Format.JSON:
        if len(answers) == 1:
            print_json(answers[0][2])
        else:
            print_json({"files": [{"file": str(spec), **answer} for spec, _, answer in answers]})
    elif fmt is Format.CSV:
        rows = ({"file": str(spec), **i} for spec, _, a in answers for i in a["issues"])
        sys.stdout.write(to_csv(ISSUE_COLUMNS, rows))
    if not all(valid for _, valid, _ in answers):
        raise typer.Exit(1)


def _validate_one(
    spec: Path, fmt: Format, against: Path | None, allow_unshare: bool
) -> tuple[bool, dict[str, Any]]:
    """(valid, the JSON answer); in text, the issues and a verdict line printed."""
    text = fmt is Format.TEXT
    try:
        loaded = load_spec(spec)
    except SpecError as exc:
        if text:
            err.print(render_issues(exc.issues), markup=False)
            errors = sum(1 for i in exc.issues if i.severity is Severity.ERROR)
            print_error(f"{spec}: {errors} error(s); nothing was planned or deployed")
        return False, issues_to_json(exc.issues)
    if text and loaded.warnings:
        err.print(render_issues(loaded.warnings), markup=False)
    issues = list(loaded.warnings)
    try:
        build_plan(loaded)  # what only the composed plan can tell (a resource policy's size)
    except PlanError as exc:
        print_error(f"{spec}: {exc}")
        return False, issues_to_json(
            [*issues, finding("PLAN_ERROR", Location(str(spec), path="(document)"), str(exc), "")]
        )
    if against is not None:
        issues += _against(spec, loaded, against, fmt, allow_unshare)[1]
    if text:
        created = sum(1 for a in loaded.accounts.values() if a.created)
        out.print(
            f"{spec}: valid — {len(loaded.units)} OU(s), {len(loaded.accounts)} account(s) "
            f"({created} to create), {len(loaded.guardrails)} guardrail(s), "
            f"{len(loaded.shares)} share(s)",
            markup=False,
        )
    return True, issues_to_json(issues)


def plan(
    spec: SpecArg,
    fmt: FormatOpt = Format.TEXT,
    against: AgainstOpt = None,
    allow_unshare: AllowUnshareOpt = False,
    snapshot: Annotated[
        Path | None,
        typer.Option(
            help="The live organization (an `audit --snapshot-out` file): shows which adopted "
            "accounts `pulumi up` moves, and from where."
        ),
    ] = None,
    adopt: Annotated[
        Path | None,
        typer.Option(
            help="An import file (pulumi-import.json, from `trainshare import`): what it lists "
            "is adopted (=), as `OrgSharing(..., adopt=FILE)` does."
        ),
    ] = None,
) -> None:
    """Show what `pulumi up` will create (+) and adopt (=), per account and Region, with every
    policy document and each account's effective management policies; with --adopt FILE, also
    what the program adopts from that import file; with --against OLD, what it changes in the
    stack deployed from OLD, and why; with --snapshot, which adopted accounts it moves.

    Example:

    \b
    trainshare plan trainshare.yaml
    trainshare plan trainshare.yaml -f json > plan.json
    trainshare plan trainshare.yaml --adopt pulumi-import.json
    trainshare plan trainshare.yaml --against deployed/trainshare.yaml
    trainshare plan trainshare.yaml --snapshot snap.json
    """
    loaded = load(spec, fmt)
    graph = build_plan(loaded)
    if adopt is not None:
        found = read_adoption(adopt, graph)
        graph = adopted_plan(graph, found.ids)
        for name in found.skipped:
            err.print(
                f"warning: {adopt}: {name} is not in the plan (removed from the spec?): skipped",
                markup=False,
            )
    if against is not None:
        old, issues = _against(spec, loaded, against, fmt, allow_unshare)
        changes = compare_plans(build_plan(old), graph)
        if fmt is Format.JSON:
            print_json({**changes_to_json(changes), "issues": issues_to_json(issues)})
            return
        out.print(render_changes(changes, str(against), str(spec)), markup=False, end="")
        return
    moved = moves(loaded, Snapshot.read(snapshot)) if snapshot is not None else None
    catalog = load_catalog()
    effective = effective_policies(loaded.guardrails, loaded.units, loaded.accounts, catalog)
    titles = {key: t.title for key, t in catalog.policy_types.items()}
    if fmt is Format.JSON:
        document = plan_to_json(graph)
        if moved is not None:
            document["moves"] = moved
        if effective:
            document["effective_policies"] = effective_to_json(effective, titles)
        print_json(document)
        return
    if fmt is Format.CSV:
        sys.stdout.write(to_csv(PLAN_COLUMNS, plan_to_json(graph)["resources"]))
        return
    out.print(render_plan(graph, loaded.limits, str(spec), moved), markup=False, end="")
    if effective:
        out.print("\n" + render_effective(effective, titles), markup=False, end="")
