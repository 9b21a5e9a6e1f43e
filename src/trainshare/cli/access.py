"""`access`: who can use which shared resource, with which actions, and why."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Annotated

import typer

from trainshare.access import AccessModel, Context, Request, evaluate, model_from_spec
from trainshare.access.matrix import access_rows
from trainshare.cli.common import Format, FormatOpt, SpecArg, err, fail, load, out, print_json
from trainshare.report.access import (
    access_table,
    cells_to_csv,
    cells_to_json,
    decisions_table,
    explanations_to_json,
    render_explanations,
    render_html,
)


def _context(pairs: list[str] | None) -> Context:
    values: dict[str, list[str]] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            fail(f"--context {pair!r}: write KEY=VALUE, e.g. ec2:InstanceType=p5.48xlarge")
        values.setdefault(key, []).append(value)
    return Context.of(values)


def access(
    spec: SpecArg,
    account: Annotated[
        list[str] | None,
        typer.Option("--account", help="Only this account (key or ID). Repeatable."),
    ] = None,
    share: Annotated[
        list[str] | None, typer.Option("--share", help="Only this share. Repeatable.")
    ] = None,
    action: Annotated[
        list[str] | None,
        typer.Option(
            "--action",
            help="Ask about this action (default: what each permission grants). Repeatable.",
        ),
    ] = None,
    context: Annotated[
        list[str] | None,
        typer.Option(
            "--context",
            help="KEY=VALUE known about the request, e.g. ec2:InstanceType=p5.48xlarge. "
            "Repeatable.",
        ),
    ] = None,
    explain: Annotated[
        tuple[str, str, str] | None,
        typer.Option(
            "--explain",
            metavar="ACCOUNT SHARE ACTION",
            help="The full trace, in words, for one question.",
        ),
    ] = None,
    snapshot: Annotated[
        Path | None,
        typer.Option(
            help="Analyse the live organization of this audit snapshot instead of the spec."
        ),
    ] = None,
    org_id: Annotated[
        str | None,
        typer.Option(
            help="The organization's ID (o-…), so aws:PrincipalOrgID conditions can be decided."
        ),
    ] = None,
    fmt: FormatOpt = Format.TEXT,
    html_file: Annotated[
        Path | None, typer.Option("--html", help="Also write a self-contained HTML report here.")
    ] = None,
) -> None:
    """Who can use which shared resource, with which actions, and why (SCPs included).

    Example:

    \b
    trainshare access trainshare.yaml --html access.html
    trainshare access trainshare.yaml --explain research-lab gpu-capacity ec2:RunInstances
    """
    loaded = load(spec, Format.JSON if fmt is not Format.TEXT else Format.TEXT)
    if snapshot is not None:
        from trainshare.access.from_snapshot import model_from_snapshot
        from trainshare.snapshot import Snapshot

        model = model_from_snapshot(Snapshot.read(snapshot), loaded.organization.partition, loaded)
    else:
        model = model_from_spec(loaded, org_id)
    ctx = _context(context)
    if explain is not None:
        _explain(model, explain, ctx, fmt)
        return
    for name in share or []:
        if name not in model.shares:
            fail(f"--share {name!r}: no such share; the spec has {', '.join(model.shares)}")
    for ref in account or []:
        if model.account(ref) is None:
            fail(f"--account {ref!r}: not an account of the spec")
    # The spec and the model live until exit: keep the collector from rescanning them while
    # the matrix allocates its cells (about a fifth of the matrix's time at 10,000 accounts).
    gc.collect()
    gc.freeze()
    rows = access_rows(model, ctx, account, share, action)
    filtered = bool(account or share or action)
    # the plain table counts rows; every other output wants a Cell per decision
    needs_cells = html_file is not None or fmt is not Format.TEXT or filtered
    cells = list(rows.cells()) if needs_cells else []
    if html_file is not None:
        html_file.write_text(render_html(model, cells, str(spec)), encoding="utf-8")
        err.print(f"wrote {html_file}", markup=False)
    if fmt is Format.JSON:
        print_json(cells_to_json(cells))
    elif fmt is Format.CSV:
        sys.stdout.write(cells_to_csv(cells))
    elif filtered:
        out.print(decisions_table(cells))
    else:
        out.print(access_table(model, rows.summary(), out.width))


def _explain(model: AccessModel, question: tuple[str, str, str], ctx: Context, fmt: Format) -> None:
    account, share_key, action = question
    share = model.shares.get(share_key)
    if share is None:
        fail(f"--explain: no share {share_key!r}; the spec has {', '.join(model.shares)}")
    decisions = [
        (arn, evaluate(model, Request(account, arn, action, ctx, share_key)))
        for arn, _ in share.resources
    ]
    if fmt is Format.JSON:
        print_json(explanations_to_json(account, share_key, action, decisions))
    else:
        out.print(render_explanations(account, share_key, action, decisions), markup=False)
