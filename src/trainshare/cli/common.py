"""What every command shares: the consoles, the option types, JSON printing, loading a spec, and
the one error path (`reported`): a `TrainshareError` becomes `error: …` on stderr and exit 1.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from trainshare import outputs
from trainshare.access.conditions import Context
from trainshare.errors import SpecError, TrainshareError
from trainshare.findings import Severity
from trainshare.report import issues_to_json, render_issues
from trainshare.spec import Spec, load_spec

# no emoji codes: AWS text holds them by chance (`…aws:ram::aws:permission` printed a ram 🐏)
out = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
P = ParamSpec("P")
R = TypeVar("R")
E = TypeVar("E", bound=StrEnum)
# set by the app's callback (--debug) before any command runs
state = {"debug": False}


class Format(StrEnum):
    """Output formats, by the same names for every command: text (or table), json, csv."""

    TEXT = "text"
    TABLE = "text"  # the same format by its other name: `-f table` is `-f text`
    JSON = "json"
    CSV = "csv"


TableFormat = Format  # the name commands with a table used; the same formats


def parse_choice(value: str, names: Mapping[str, E], listed: str) -> E:
    """A `--format`-like option's value by any of its `names` (any case; a member of the enum is
    a name too, being a string), else a usage error that lists the choices."""
    name = value.strip().lower()
    if name in names:
        return names[name]
    raise typer.BadParameter(f"{value!r} is not one of {listed}")


FORMAT_NAMES = {"text": Format.TEXT, "table": Format.TEXT, "json": Format.JSON, "csv": Format.CSV}


def parse_format(value: str) -> Format:
    return parse_choice(value, FORMAT_NAMES, "text (or table), json, csv")


SpecArg = Annotated[
    Path,
    typer.Argument(
        help="Path of the spec, e.g. trainshare.yaml.", show_default=False, metavar="SPEC"
    ),
]
SpecsArg = Annotated[
    list[Path],
    typer.Argument(
        help="Paths of specs (one or more), e.g. trainshare.yaml.",
        show_default=False,
        metavar="SPEC...",
    ),
]
FormatOpt = Annotated[
    Format,
    typer.Option(
        "--format",
        "-f",
        parser=parse_format,
        metavar="text|json|csv",
        help="Output format: text (or table), json or csv.",
    ),
]


def context_of(pairs: list[str] | None) -> Context:
    """`--context KEY=VALUE` options (repeatable; a key given twice has both values)."""
    values: dict[str, list[str]] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            fail(f"--context {pair!r}: write KEY=VALUE, e.g. ec2:InstanceType=p5.48xlarge")
        values.setdefault(key, []).append(value)
    return Context.of(values)


ContextOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--context",
        metavar="KEY=VALUE",
        help="KEY=VALUE known about the request, e.g. ec2:InstanceType=p5.48xlarge. Repeatable.",
    ),
]


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_file(path: Path, text: str, what: str) -> None:
    """A file the user asked for, written whole (`outputs.write_text`), and `wrote PATH` on
    stderr."""
    outputs.write_text(path, text, what)
    err.print(f"wrote {path}", markup=False)


def print_error(message: str) -> None:
    """`error: message` on stderr."""
    err.print(f"[bold red]error:[/] {escape(message)}", markup=True)


def fail(message: str) -> NoReturn:
    """Bad input the command itself noticed: `error: message` on stderr, exit 1."""
    print_error(message)
    raise typer.Exit(1)


@contextmanager
def reported(prefix: str = "") -> Iterator[None]:
    """The one error path: a TrainshareError (any subclass) raised inside becomes
    `error: {prefix}{message}` and exit 1; with --debug it propagates (a traceback)."""
    try:
        yield
    except TrainshareError as exc:
        if state["debug"]:
            raise
        fail(f"{prefix}{exc}")


def reporting(command: Callable[P, R]) -> Callable[P, R]:
    """A command run inside `reported()`: `__init__` registers every command through this, so a
    command raises TrainshareError and never catches it only to print it."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with reported():
            return command(*args, **kwargs)

    return run


def load(spec: Path, fmt: Format) -> Spec:
    """Load and validate; on errors print every one (located) and exit 1."""
    try:
        loaded = load_spec(spec)
    except SpecError as exc:
        if fmt is Format.JSON:
            print_json(issues_to_json(exc.issues))
            raise typer.Exit(1) from None
        err.print(render_issues(exc.issues), markup=False)
        errors = sum(1 for i in exc.issues if i.severity is Severity.ERROR)
        fail(f"{spec}: {errors} error(s); nothing was planned or deployed")
    if fmt is Format.TEXT and loaded.warnings:
        err.print(render_issues(loaded.warnings), markup=False)
    return loaded
