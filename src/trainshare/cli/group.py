"""The command line's conventions, kept for every command by the group class the app uses:

- a usage error (an unknown option, a bad value, a missing argument) exits 1, like every other
  bad input; exit 2 stays "findings or drift" (`lint`, `audit`); click's default is 2;
- `--debug` works before or after the subcommand (`trainshare --debug audit …` and
  `trainshare audit … --debug`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import typer
from typer.core import TyperGroup

DEBUG = "--debug"
# typer carries its own copy of click; its UsageError is the base of the public BadParameter
UsageError = cast("type[Exception]", typer.BadParameter.__mro__[1])
assert UsageError.__name__ == "UsageError"


def debug_first(args: list[str]) -> list[str]:
    """`--debug` moved to the front from anywhere before a `--` (an option of the app, not of
    a command)."""
    end = args.index("--") if "--" in args else len(args)
    if DEBUG not in args[:end]:
        return args
    return [DEBUG, *(a for a in args[:end] if a != DEBUG), *args[end:]]


@contextmanager
def usage_exits_1() -> Iterator[None]:
    try:
        yield
    except UsageError as exc:
        exc.exit_code = 1  # type: ignore[attr-defined]  # click reads the instance's
        raise


class TrainshareGroup(TyperGroup):
    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: Any = None,
        **extra: Any,
    ) -> Any:
        if parent is None:
            args = debug_first(list(args))
        with usage_exits_1():
            return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        with usage_exits_1():
            return super().invoke(ctx)
