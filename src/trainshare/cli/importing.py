"""`import`: an existing organization described as a ready trainshare project.

boto3 loads only when this command runs (validate, plan and access start without it)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from trainshare import outputs
from trainshare.cli.aws import (
    DEFAULT_REGION,
    EndpointOpt,
    MaxSecondsOpt,
    ProfileOpt,
    RegionOpt,
    reading,
)
from trainshare.cli.common import Format, FormatOpt, err, out, print_json
from trainshare.report.tables import to_csv


def import_(
    out_dir: Annotated[
        Path,
        typer.Option("--out", help="Folder for the project (nothing is overwritten)."),
    ],
    snapshot: Annotated[
        Path | None,
        typer.Option(help="Import this audit snapshot (audit --snapshot-out) instead of AWS."),
    ] = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    endpoint_url: EndpointOpt = None,
    share_regions: Annotated[
        list[str] | None,
        typer.Option(
            "--share-region",
            metavar="REGION",
            help="Read RAM shares in this Region (repeatable; default: --region's).",
        ),
    ] = None,
    owners: Annotated[
        list[str] | None,
        typer.Option(
            "--owner", metavar="ACCOUNT_ID", help="Also read this account's shares (repeatable)."
        ),
    ] = None,
    all_accounts: Annotated[
        bool, typer.Option("--all-accounts", help="Read the shares of every active account.")
    ] = False,
    access_role: Annotated[
        str, typer.Option(help="Role assumed in member accounts to read their shares.")
    ] = "OrganizationAccountAccessRole",
    max_seconds: MaxSecondsOpt = 120.0,
    fmt: FormatOpt = Format.TEXT,
) -> None:
    """Describe an existing organization as a ready project: trainshare.yaml (OUs and accounts
    adopted by ID, SCPs as guardrails, RAM shares), policies/, the Pulumi program, and
    pulumi-import.json so that the first `pulumi up` imports instead of creating.

    Reads AWS read-only (as `audit` does) from the management account's credentials, or an
    audit snapshot with --snapshot.

    Example:

    \b
    trainshare import --profile management --out my-org --all-accounts
    trainshare import --snapshot snap.json --out my-org
    """
    from trainshare.audit import read_organization
    from trainshare.importer import IMPORT_FILE, import_snapshot, write_imported
    from trainshare.snapshot import Snapshot

    outputs.check_folder(out_dir, "project")  # before reading AWS, not after it
    if snapshot is not None:
        live = Snapshot.read(snapshot)
        region = region or DEFAULT_REGION
    else:
        aws = reading("the organization", profile, region, endpoint_url, max_seconds)
        with aws as (factory, step):
            region = region or factory.session.region_name or DEFAULT_REGION
            live = read_organization(
                factory,
                access_role=access_role,
                regions=share_regions or [region],
                owners=owners or (),
                all_accounts=all_accounts,
                progress=step,
            )
    imported = import_snapshot(live, region, access_role)
    written = write_imported(imported, live, out_dir)
    adopted = len(json.loads((out_dir / IMPORT_FILE).read_text())["resources"]) - 1
    then = (
        f"cd {out_dir} && trainshare plan trainshare.yaml --adopt {IMPORT_FILE} (= adopts, + "
        f"creates) && pulumi preview — expect {adopted} imports, no replacement and no "
        "deletion; then trainshare audit trainshare.yaml"
    )
    if fmt is Format.JSON:
        print_json(
            {
                "written": [str(p) for p in written],
                "notes": list(imported.notes),
                "imports": adopted,
                "next": then,
            }
        )
        return
    if fmt is Format.CSV:
        sys.stdout.write(to_csv(("file",), ({"file": str(p)} for p in written)))
        return
    for note in imported.notes:
        err.print(f"note: {note}", markup=False)
    for path in written:
        out.print(f"wrote {path}", markup=False)
    out.print(f"next: {then}", markup=False)
