"""`capacity`: what the shared GPU capacity is doing — each reservation or Capacity Block the spec
shares, who runs in it, what sits idle and who pays for it (read-only, like `audit`).

boto3 loads only when this command reads AWS."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from trainshare import outputs
from trainshare.cli.aws import EndpointOpt, MaxSecondsOpt, ProfileOpt, RegionOpt, reading
from trainshare.cli.common import Format, FormatOpt, SpecArg, load, out, print_json, write_file
from trainshare.findings import Severity

LOOKBACK_HOURS = 168  # the hourly history a snapshot keeps: --idle-hours can be at most this


def capacity(
    spec: SpecArg,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    endpoint_url: EndpointOpt = None,
    snapshot_out: Annotated[
        Path | None, typer.Option(help="Write the capacity snapshot (JSON, no credentials) here.")
    ] = None,
    snapshot: Annotated[
        Path | None,
        typer.Option(help="Report on this capacity snapshot offline instead of reading AWS."),
    ] = None,
    idle_instances: Annotated[
        int,
        typer.Option(min=1, help="IDLE_SHARED_CAPACITY: at least this many instances idle …"),
    ] = 1,
    idle_hours: Annotated[
        int,
        typer.Option(
            min=1, max=LOOKBACK_HOURS, help="… in every hour of the last this many hours."
        ),
    ] = 24,
    ending_days: Annotated[
        float,
        typer.Option(
            min=0, help="RESERVATION_ENDING: ends within this many days (consumers in it)."
        ),
    ] = 7.0,
    fail_on: Annotated[
        Severity, typer.Option(help="Lowest finding severity that exits 2.")
    ] = Severity.WARNING,
    max_seconds: MaxSecondsOpt = 120.0,
    fmt: FormatOpt = Format.TEXT,
    html_file: Annotated[
        Path | None,
        typer.Option(
            "--html", help="Also write a self-contained HTML page (a bar per reservation)."
        ),
    ] = None,
) -> None:
    """Each shared Capacity Reservation or Capacity Block: owner, kind, type, AZ, matching, state,
    end, total and available instances, the accounts running in it, the billing owner and the
    idle instance-hours; findings as `audit` has them.

    Exit 0 no findings, 2 findings at or above --fail-on (default: any), 1 error.

    Example:

    \b
    trainshare capacity trainshare.yaml --profile management --html capacity.html
    trainshare capacity trainshare.yaml --snapshot cap.json -f json
    """
    loaded = load(spec, fmt)
    for path, what in ((snapshot_out, "capacity snapshot"), (html_file, "HTML report")):
        if path is not None:
            outputs.check_writable(path, what)  # before reading AWS, not after it
    from trainshare.access import model_from_spec
    from trainshare.capacity.model import CapacitySnapshot
    from trainshare.capacity.view import Thresholds, capacity_view, created_account_ids
    from trainshare.report.capacity import (
        capacity_table,
        capacity_to_csv,
        render_capacity_html,
        render_findings,
    )

    if snapshot is not None:
        live = CapacitySnapshot.read(snapshot)
    else:
        from trainshare.audit.capacity import read_capacity

        aws = reading("the shared capacity", profile, region, endpoint_url, max_seconds)
        with aws as (factory, step):
            live = read_capacity(loaded, factory, progress=step, lookback_hours=LOOKBACK_HOURS)
    if snapshot_out is not None:
        write_file(snapshot_out, live.to_json(), "capacity snapshot")
    model = model_from_spec(loaded, live.organization_id or None, created_account_ids(loaded, live))
    report = capacity_view(loaded, live, model, Thresholds(idle_instances, idle_hours, ending_days))
    if html_file is not None:
        write_file(html_file, render_capacity_html(report, str(spec)), "HTML report")
    if fmt is Format.JSON:
        print_json(report.to_json())
    elif fmt is Format.CSV:
        sys.stdout.write(capacity_to_csv(report))
    else:
        if not report.reservations:
            out.print(f"{spec} shares no Capacity Reservation", markup=False)
        else:
            out.print(capacity_table(report, out.width))
        for line in render_findings(report):
            out.print(line, markup=False)
    if report.blocking(fail_on):
        raise typer.Exit(2)
