"""`access`: who can use which shared resource, with which actions, and why."""

from __future__ import annotations

import difflib
import gc
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer

from trainshare import outputs
from trainshare.access import AccessModel, Context, Request, evaluate, model_from_spec
from trainshare.access.matrix import access_rows
from trainshare.cli.common import (
    ContextOpt,
    Format,
    FormatOpt,
    SpecArg,
    context_of,
    fail,
    load,
    out,
    print_json,
    write_file,
)
from trainshare.policy.iam import iam_index
from trainshare.report.access import (
    access_table,
    cells_to_csv,
    cells_to_json,
    decisions_table,
    explanations_to_json,
    render_explanations,
    render_html,
)


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _check_share(model: AccessModel, option: str, name: str) -> None:
    if name not in model.shares:
        fail(
            f"{option} {name!r}: no such share{_did_you_mean(name, model.shares)} "
            f"(the spec has {', '.join(model.shares)})"
        )


def _check_account(model: AccessModel, option: str, ref: str) -> None:
    if model.account(ref) is None:
        fail(f"{option} {ref!r}: not an account of the spec{_did_you_mean(ref, model.accounts)}")


def _check_action(option: str, action: str) -> None:
    """An IAM action (service:Name, as the Service Authorization Reference names it); a
    pattern (* or ?) is taken as written."""
    iam = iam_index()
    prefix, sep, name = action.partition(":")
    service = iam.service(prefix) if sep and name else None
    if service is None and sep and name:
        fail(
            f"{option} {action!r}: no AWS service {prefix!r}{_did_you_mean(prefix, iam.services())}"
        )
    if service is None:
        fail(f"{option} {action!r}: write service:Action, e.g. ec2:RunInstances")
    if "*" in name or "?" in name or iam.action(service, name) is not None:
        return
    close = difflib.get_close_matches(name, list(iam.actions(service).values()), n=1, cutoff=0.6)
    hint = f"; did you mean {service}:{close[0]}?" if close else ""
    fail(f"{option} {action!r} is not an action of {service}{hint}")


def access(
    spec: SpecArg,
    account: Annotated[
        list[str] | None,
        typer.Option(
            "--account", metavar="ACCOUNT", help="Only this account (key or ID). Repeatable."
        ),
    ] = None,
    share: Annotated[
        list[str] | None,
        typer.Option("--share", metavar="SHARE", help="Only this share. Repeatable."),
    ] = None,
    action: Annotated[
        list[str] | None,
        typer.Option(
            "--action",
            metavar="ACTION",
            help="Ask about this action (default: what each permission grants). Repeatable.",
        ),
    ] = None,
    context: ContextOpt = None,
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
    if html_file is not None:
        outputs.check_writable(html_file, "HTML report")  # before the matrix, not after it
    if snapshot is not None:
        from trainshare.access.from_snapshot import model_from_snapshot
        from trainshare.snapshot import Snapshot

        model = model_from_snapshot(Snapshot.read(snapshot), loaded.organization.partition, loaded)
    else:
        model = model_from_spec(loaded, org_id)
    ctx = context_of(context)
    if explain is not None:
        _explain(model, explain, ctx, fmt)
        return
    for name in share or []:
        _check_share(model, "--share", name)
    for ref in account or []:
        _check_account(model, "--account", ref)
    for name in action or []:
        _check_action("--action", name)
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
        write_file(html_file, render_html(model, cells, str(spec)), "HTML report")
    if fmt is Format.JSON:
        print_json(cells_to_json(cells))
    elif fmt is Format.CSV:
        sys.stdout.write(cells_to_csv(cells))
    elif filtered:
        out.print(decisions_table(cells, out.width))
    else:
        out.print(access_table(model, rows.summary(), out.width))


def _explain(model: AccessModel, question: tuple[str, str, str], ctx: Context, fmt: Format) -> None:
    account, share_key, action = question
    _check_account(model, "--explain", account)
    _check_share(model, "--explain", share_key)
    _check_action("--explain", action)
    share = model.shares[share_key]
    decisions = [
        (arn, evaluate(model, Request(account, arn, action, ctx, share_key)))
        for arn, _ in share.resources
    ]
    if fmt is Format.JSON:
        print_json(explanations_to_json(account, share_key, action, decisions))
    else:
        out.print(render_explanations(account, share_key, action, decisions), markup=False)
