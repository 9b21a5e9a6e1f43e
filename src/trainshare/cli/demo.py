"""`demo`: the whole loop against an embedded emulator (pulumi and moto load only here)."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Annotated

import typer

from trainshare import outputs
from trainshare.access.matrix import summarize
from trainshare.cli.common import Format, fail, load, out
from trainshare.report.access import access_table
from trainshare.report.audit import render_audit
from trainshare.report.capacity import capacity_table, render_findings
from trainshare.report.fit import fit_line


def demo(
    spec: Annotated[
        Path | None,
        typer.Argument(
            help="The spec to deploy (default: the ml-platform example shipped with trainshare).",
            show_default=False,
        ),
    ] = None,
    html_file: Annotated[Path, typer.Option("--html", help="Where to write the access report.")] = (
        Path("trainshare-access.html")
    ),
    keep: Annotated[
        bool, typer.Option("--keep", help="Leave the emulator running and print its endpoint.")
    ] = False,
) -> None:
    """The whole loop, locally: the real Pulumi program against an embedded AWS emulator, then
    audit (expect no drift), the access matrix, and what the shared capacity is doing. Needs no
    AWS account and no network.

    Example:

    \b
    trainshare demo
    trainshare demo trainshare.yaml --keep
    """
    from trainshare.emulator.demo import run_demo

    printing = threading.Lock()

    def say(line: str) -> None:
        """One line within the terminal's width, no name broken; whole, though Pulumi
        registers resources (and so reports them) from several threads at once."""
        parts = fit_line(line, out.width)
        with printing:
            for part in parts:
                out.print(part, markup=False)

    from trainshare.examples import example_spec

    outputs.check_writable(html_file, "access report")  # before the deploy, not after it
    with contextlib.ExitStack() as stack:  # the shipped example's files, while the demo runs
        loaded = load(spec or stack.enter_context(example_spec()), Format.TEXT)
        result = run_demo(loaded, html_file, say, keep)
    lines = render_audit(result.report)
    if lines:
        for line in lines:
            out.print(line, markup=False)
        fail("the audit found drift right after deploying: please report this as a bug")
    out.print("audit: no drift, no findings", markup=False)
    out.print(access_table(result.model, summarize(result.cells), out.width))
    out.print(f"access report: {html_file}", markup=False)
    if result.capacity is not None:
        out.print(capacity_table(result.capacity, out.width))
        for line in render_findings(result.capacity):
            out.print(line, markup=False)
