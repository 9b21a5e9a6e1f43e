"""`validate` and `plan`: the spec checked, and what `pulumi up` would create from it — or,
with `--against OLD`, what it changes in the stack deployed from the previous spec."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trainshare.cli.common import (
    Format,
    FormatOpt,
    SpecArg,
    err,
    fail,
    load,
    out,
    print_json,
    reported,
)
from trainshare.errors import Severity, SpecError, SpecIssue
from trainshare.plan import build_plan, plan_to_json
from trainshare.plan.changes import compare_plans
from trainshare.report import (
    changes_to_json,
    issues_to_json,
    render_changes,
    render_issues,
    render_plan,
)
from trainshare.report.plan import moves
from trainshare.snapshot import Snapshot
from trainshare.spec import Spec, load_spec
from trainshare.spec.changes import compare_specs
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
) -> tuple[Spec, list[SpecIssue]]:
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
    spec: SpecArg,
    fmt: FormatOpt = Format.TEXT,
    against: AgainstOpt = None,
    allow_unshare: AllowUnshareOpt = False,
) -> None:
    """Check a spec: every problem at once, each as file:line: field: what — how to fix.

    Example:

    \b
    trainshare validate trainshare.yaml
    trainshare validate trainshare.yaml --against deployed/trainshare.yaml -f json
    """
    loaded = load(spec, fmt)
    with reported(prefix=f"{spec}: "):
        build_plan(loaded)  # what only the composed plan can tell (a resource policy's size)
    issues = list(loaded.warnings)
    if against is not None:
        issues += _against(spec, loaded, against, fmt, allow_unshare)[1]
    if fmt is Format.JSON:
        print_json(issues_to_json(issues))
        return
    created = sum(1 for a in loaded.accounts.values() if a.created)
    out.print(
        f"{spec}: valid — {len(loaded.units)} OU(s), {len(loaded.accounts)} account(s) "
        f"({created} to create), {len(loaded.guardrails)} guardrail(s), "
        f"{len(loaded.shares)} share(s)"
    )


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
) -> None:
    """Show what `pulumi up` will create (+) and adopt (=), per account and Region, with every
    policy document; with --against OLD, what it changes in the stack deployed from OLD, and
    why; with --snapshot, which adopted accounts it moves.

    Example:

    \b
    trainshare plan trainshare.yaml
    trainshare plan trainshare.yaml --against deployed/trainshare.yaml
    trainshare plan trainshare.yaml --snapshot snap.json
    """
    loaded = load(spec, fmt)
    graph = build_plan(loaded)
    if against is not None:
        old, issues = _against(spec, loaded, against, fmt, allow_unshare)
        changes = compare_plans(build_plan(old), graph)
        if fmt is Format.JSON:
            print_json({**changes_to_json(changes), "issues": issues_to_json(issues)})
            return
        out.print(render_changes(changes, str(against), str(spec)), markup=False, end="")
        return
    moved = moves(loaded, Snapshot.read(snapshot)) if snapshot is not None else None
    if fmt is Format.JSON:
        document = plan_to_json(graph)
        if moved is not None:
            document["moves"] = moved
        print_json(document)
        return
    out.print(render_plan(graph, loaded.limits, str(spec), moved), markup=False, end="")
