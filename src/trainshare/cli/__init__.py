"""The `trainshare` command: parse arguments, call the layers, print, exit.

Exit codes: 0 success; 1 bad input or an error (every problem is printed, located); 2 blocking
findings (`lint`) or drift and findings (`audit`); 3 changes found (`diff`).

Adding a command:
1. Write `cli/<name>.py` with one function per command: typer options as annotated parameters
   (shared ones — SpecArg, FormatOpt… — from `cli/common.py`; a command that reads AWS takes
   ProfileOpt… from `cli/aws.py` and reads inside `aws.reading`), the docstring as its help.
   Load a spec with `common.load`; shape output in `report/`, print it here with
   `common.out`/`common.print_json`, write a file the user asked for with `common.write_file`.
2. Let a `TrainshareError` (or a subclass) from the layers below propagate: `_register` runs
   every command inside `common.reported()`, which prints it as `error: …` and exits 1. Call
   `common.fail(message)` for bad input the command notices itself. Never catch an error only
   to print it.
3. Import boto3, moto or pulumi (anything reaching `trainshare.audit`, `emulator`, `pulumi`)
   inside the function, not at the top: every command module is imported at startup.
4. Register it below in `COMMANDS`, in the order `trainshare --help` lists it (a group: its
   own `typer.Typer`, as `guardrails`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from trainshare import __version__
from trainshare.cli import (
    access,
    audit,
    capacity,
    common,
    demo,
    diff,
    emulator,
    guardrails,
    importing,
    init,
    lint,
    schema,
    simulate,
    synth,
    validate,
)
from trainshare.cli.common import out, reporting
from trainshare.cli.group import TrainshareGroup

app = typer.Typer(
    name="trainshare",
    help="Share AI-training resources (GPU capacity, subnets, datasets, models) across the "
    "accounts of an AWS Organization, as Pulumi code.",
    no_args_is_help=True,
    cls=TrainshareGroup,  # usage errors exit 1; --debug before or after the subcommand
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # click's help: paragraphs rewrapped, no type placeholders on flags
)


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
    common.state["debug"] = debug


def _register(group: typer.Typer, command: Callable[..., None], name: str | None = None) -> None:
    group.command(name)(reporting(command))


# The commands, in the order `trainshare --help` lists them; NAMES: where a command's name is not
# its function's.
COMMANDS: tuple[Callable[..., None], ...] = (
    validate.validate,
    validate.plan,
    diff.diff,
    access.access,
    simulate.simulate_command,
    lint.lint,
    audit.audit,
    capacity.capacity,
    demo.demo,
    emulator.emulator,
    importing.import_,
    synth.synth,
    init.init,
    schema.schema,
)
NAMES: dict[Callable[..., None], str] = {
    simulate.simulate_command: "simulate",
    importing.import_: "import",
}
for command in COMMANDS:
    _register(app, command, NAMES.get(command))
guardrails_app = typer.Typer(help=guardrails.HELP, no_args_is_help=True, rich_markup_mode=None)
_register(guardrails_app, guardrails.guardrails_list, "list")
_register(guardrails_app, guardrails.guardrails_show, "show")
app.add_typer(guardrails_app, name="guardrails")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
