"""Progress of long reads (`audit`, `import`, `capacity`): a live status line on stderr when it
is a terminal, nothing at all otherwise or under CI.

    with progress("reading the organization") as step:
        read_snapshot(spec, factory, progress=step)   # step("shares of 2222… in us-east-1: 3")

Quiet when stderr is not a terminal (a pipe, a file, a CI log), or when the `CI` variable is set
(GitHub Actions, GitLab CI and most others set it, and some give the job a terminal), or when
`TERM=dumb`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape

from trainshare.cli.common import err

Step = Callable[[str], None]


def shows_progress(console: Console) -> bool:
    return (
        console.is_terminal
        and not console.is_dumb_terminal
        and os.environ.get("CI", "").lower() not in ("1", "true", "yes")
    )


def _quiet(_: str) -> None:
    pass


@contextmanager
def progress(label: str, console: Console | None = None) -> Iterator[Step]:
    """A callable taking each step's description; the status line shows the label, the latest
    step, how many steps and how long so far. Gone when the context ends."""
    console = console or err
    if not shows_progress(console):
        yield _quiet
        return
    started = time.monotonic()
    steps = 0
    with console.status(f"{escape(label)}…") as status:

        def step(text: str) -> None:
            nonlocal steps
            steps += 1
            elapsed = time.monotonic() - started
            status.update(
                f"{escape(label)}… {escape(text)}  [dim]({steps} read, {elapsed:.0f} s)[/]"
            )

        yield step
