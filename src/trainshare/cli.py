"""The `trainshare` command: parse arguments, call the layers, print, exit.

Exit codes: 0 success; 1 bad input (every problem is printed, located); 2 is reserved for
findings and drift (audit).
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from trainshare import __version__
from trainshare.errors import Severity, SpecError, TrainshareError
from trainshare.plan import build_plan, plan_to_json
from trainshare.report import issues_to_json, render_issues, render_plan
from trainshare.spec import Spec, load_spec

app = typer.Typer(
    name="trainshare",
    help="Share AI-training resources (GPU capacity, subnets, datasets, models) across the "
    "accounts of an AWS Organization, as Pulumi code.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"


SpecArg = Annotated[
    Path, typer.Argument(help="Path of the spec, e.g. trainshare.yaml.", show_default=False)
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        out.print(f"trainshare {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    _state["debug"] = debug


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", markup=True)
    raise typer.Exit(1)


def _load(spec: Path, fmt: Format) -> Spec:
    """Load and validate; on errors print every one (located) and exit 1."""
    try:
        loaded = load_spec(spec)
    except SpecError as exc:
        if fmt is Format.JSON:
            _print_json(issues_to_json(exc.issues))
            raise typer.Exit(1) from None
        err.print(render_issues(exc.issues), markup=False)
        errors = sum(1 for i in exc.issues if i.severity is Severity.ERROR)
        _fail(f"{spec}: {errors} error(s); nothing was planned or deployed")
    if fmt is Format.TEXT and loaded.warnings:
        err.print(render_issues(loaded.warnings), markup=False)
    return loaded


@app.command()
def validate(spec: SpecArg, fmt: FormatOpt = Format.TEXT) -> None:
    """Check a spec: every problem at once, each as file:line: field: what — how to fix."""
    loaded = _load(spec, fmt)
    if fmt is Format.JSON:
        _print_json(issues_to_json(loaded.warnings))
        return
    created = sum(1 for a in loaded.accounts.values() if a.created)
    out.print(
        f"{spec}: valid — {len(loaded.units)} OU(s), {len(loaded.accounts)} account(s) "
        f"({created} to create), {len(loaded.guardrails)} guardrail(s), "
        f"{len(loaded.shares)} share(s)"
    )


@app.command()
def plan(spec: SpecArg, fmt: FormatOpt = Format.TEXT) -> None:
    """Show what `pulumi up` will create, per account and Region, with every policy document."""
    loaded = _load(spec, fmt)
    graph = build_plan(loaded)
    if fmt is Format.JSON:
        _print_json(plan_to_json(graph))
        return
    out.print(render_plan(graph, loaded.limits, str(spec)), markup=False, end="")


def main() -> None:
    try:
        app()
    except TrainshareError as exc:
        if _state["debug"]:
            raise
        err.print(f"[bold red]error:[/] {exc}", markup=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
