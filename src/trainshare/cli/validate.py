"""`validate` and `plan`: the spec checked, and what `pulumi up` would create from it."""

from __future__ import annotations

from trainshare.cli.common import Format, FormatOpt, SpecArg, load, out, print_json, reported
from trainshare.plan import build_plan, plan_to_json
from trainshare.report import issues_to_json, render_plan


def validate(spec: SpecArg, fmt: FormatOpt = Format.TEXT) -> None:
    """Check a spec: every problem at once, each as file:line: field: what — how to fix."""
    loaded = load(spec, fmt)
    with reported(prefix=f"{spec}: "):
        build_plan(loaded)  # what only the composed plan can tell (a resource policy's size)
    if fmt is Format.JSON:
        print_json(issues_to_json(loaded.warnings))
        return
    created = sum(1 for a in loaded.accounts.values() if a.created)
    out.print(
        f"{spec}: valid — {len(loaded.units)} OU(s), {len(loaded.accounts)} account(s) "
        f"({created} to create), {len(loaded.guardrails)} guardrail(s), "
        f"{len(loaded.shares)} share(s)"
    )


def plan(spec: SpecArg, fmt: FormatOpt = Format.TEXT) -> None:
    """Show what `pulumi up` will create, per account and Region, with every policy document."""
    loaded = load(spec, fmt)
    graph = build_plan(loaded)
    if fmt is Format.JSON:
        print_json(plan_to_json(graph))
        return
    out.print(render_plan(graph, loaded.limits, str(spec)), markup=False, end="")
