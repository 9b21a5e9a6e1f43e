"""`audit`: the live organization (read-only) diffed against the spec, with risky findings.

boto3 loads only when this command runs (validate, plan and access start without it)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from trainshare import outputs
from trainshare.cli.aws import EndpointOpt, MaxSecondsOpt, ProfileOpt, RegionOpt, reading
from trainshare.cli.common import Format, FormatOpt, SpecArg, load, out, print_json, write_file
from trainshare.findings import Severity
from trainshare.report.tables import AUDIT_COLUMNS, audit_rows, to_csv


def audit(
    spec: SpecArg,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    endpoint_url: EndpointOpt = None,
    all_accounts: Annotated[
        bool,
        typer.Option(
            "--all-accounts", help="Read the shares of every account, not only the spec's owners."
        ),
    ] = False,
    snapshot_out: Annotated[
        Path | None, typer.Option(help="Write the snapshot (JSON, no credentials) here.")
    ] = None,
    snapshot: Annotated[
        Path | None, typer.Option(help="Diff this snapshot offline instead of reading AWS.")
    ] = None,
    fail_on: Annotated[
        Severity, typer.Option(help="Lowest finding severity that exits 2 (drift always does).")
    ] = Severity.ERROR,
    max_seconds: MaxSecondsOpt = 120.0,
    fmt: FormatOpt = Format.TEXT,
) -> None:
    """Read the live organization (read-only), diff it against the spec, report risky findings.

    Exit 0 clean, 2 drift or findings at or above --fail-on, 1 error.

    Example:

    \b
    trainshare audit trainshare.yaml --profile management --snapshot-out snap.json
    trainshare audit trainshare.yaml --snapshot snap.json -f json
    """
    loaded = load(spec, Format.JSON if fmt is Format.JSON else Format.TEXT)
    if snapshot_out is not None:
        outputs.check_writable(snapshot_out, "snapshot")  # before the audit, not after it
    from trainshare.audit import diff, read_snapshot
    from trainshare.report.audit import render_audit
    from trainshare.snapshot import Snapshot

    if snapshot is not None:
        live = Snapshot.read(snapshot)
    else:
        aws = reading("the organization", profile, region, endpoint_url, max_seconds)
        with aws as (factory, step):
            live = read_snapshot(loaded, factory, all_accounts, progress=step)
    if snapshot_out is not None:
        write_file(snapshot_out, live.to_json(), "snapshot")
    report = diff(loaded, live)
    if fmt is Format.JSON:
        print_json(report.to_json())
    elif fmt is Format.CSV:
        sys.stdout.write(to_csv(AUDIT_COLUMNS, audit_rows(report.to_json())))
    else:
        lines = render_audit(report)
        if not lines:
            out.print(f"no drift: the organization matches {spec}", markup=False)
        for line in lines:
            out.print(line, markup=False)
    if report.blocking(fail_on):
        raise typer.Exit(2)
