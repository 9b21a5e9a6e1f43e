"""`emulator`: a local AWS organization to point the AWS CLI, boto3 and trainshare at.

moto and pulumi load only when this command runs."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from trainshare.cli.common import Format, err, load
from trainshare.report.fit import fit_line


def emulator(
    spec: Annotated[
        Path | None,
        typer.Option(help="Seed the world this spec assumes and deploy it (default: none)."),
    ] = None,
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port on 127.0.0.1 (default: a free one).")
    ] = 0,
) -> None:
    """Start the AWS emulator (moto, on 127.0.0.1) and serve until Ctrl-C or SIGTERM.

    With --spec, the organization and resources the spec assumes are seeded and the spec is
    deployed into it; without, an empty organization. When it is ready, the first lines on
    stdout are `export AWS_…` lines that make the AWS CLI, boto3 and trainshare act as the
    management account against it; progress goes to stderr.

    Example:

    \b
    trainshare emulator --spec trainshare.yaml > emulator.env &
    until grep -q AWS_DEFAULT_REGION emulator.env; do sleep 1; done
    . ./emulator.env && trainshare audit trainshare.yaml
    """
    loaded = load(spec, Format.TEXT) if spec is not None else None
    from trainshare.emulator.serve import serving

    stop = threading.Event()

    def say(line: str) -> None:  # progress on stderr, within the terminal's width
        for part in fit_line(line, err.width):
            err.print(part, markup=False)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with serving(loaded, port, say) as credentials:
            if not stop.is_set():
                sys.stdout.write("".join(line + "\n" for line in credentials.exports()))
                sys.stdout.flush()
                err.print(
                    f"ready: serving on {credentials.endpoint_url} until Ctrl-C or SIGTERM",
                    markup=False,
                )
            while not stop.wait(0.5):
                pass
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    err.print("emulator stopped", markup=False)
