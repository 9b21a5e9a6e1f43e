"""`simulate`: one question, without a spec — a principal, an action, resources and the policies
around them, answered with the trace `access --explain` prints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trainshare import inputs
from trainshare.access.simulation import SimulateError, answer_json, answer_text, simulate
from trainshare.cli.common import Format, FormatOpt, out, print_json


def simulate_command(
    request: Annotated[
        Path,
        typer.Argument(
            help="The request: JSON (README, Simulating one request).",
            show_default=False,
            metavar="REQUEST.json",
        ),
    ],
    fmt: FormatOpt = Format.TEXT,
) -> None:
    """Can this principal perform this action on these resources, given these policies — and
    why: SCP and RCP levels, identity-based policies, a permissions boundary and the resource's
    policy, evaluated as AWS does (README, Simulating one request).

    Exit 0 with the answer (ALLOW, DENY, IMPLICIT_DENY or CONDITIONAL); 1 when the request
    cannot be read.

    Example:

    \\b
    trainshare simulate request.json
    trainshare simulate request.json -f json
    """
    data = inputs.read_json(request, inputs.SIMULATE_REQUEST)
    try:
        decision = simulate(data)
    except SimulateError as exc:
        raise SimulateError(f"{request}: {exc}") from None
    if fmt is Format.JSON:
        print_json(answer_json(decision))
        return
    out.print(answer_text(decision), markup=False)
