"""`import`: an existing organization described as a ready trainshare project.

boto3 loads only when this command runs (validate, plan and access start without it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from trainshare.cli.common import EndpointOpt, MaxSecondsOpt, ProfileOpt, err, out
from trainshare.cli.progress import progress


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
    endpoint_url: EndpointOpt = None,
    region: Annotated[str, typer.Option(help="The organization's default Region.")] = "us-east-1",
    share_regions: Annotated[
        list[str] | None,
        typer.Option("--share-region", help="Read RAM shares in this Region (repeatable)."),
    ] = None,
    owners: Annotated[
        list[str] | None,
        typer.Option("--owner", help="Also read this account's shares (repeatable)."),
    ] = None,
    all_accounts: Annotated[
        bool, typer.Option("--all-accounts", help="Read the shares of every active account.")
    ] = False,
    access_role: Annotated[
        str, typer.Option(help="Role assumed in member accounts to read their shares.")
    ] = "OrganizationAccountAccessRole",
    max_seconds: MaxSecondsOpt = 120.0,
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
    from trainshare.audit import ClientFactory, read_organization
    from trainshare.importer import IMPORT_FILE, import_snapshot, write_imported
    from trainshare.snapshot import Snapshot

    if snapshot is not None:
        live = Snapshot.read(snapshot)
    else:
        factory = ClientFactory.for_profile(profile, region, endpoint_url, max_seconds)
        with progress("reading the organization") as step:
            live = read_organization(
                factory,
                access_role=access_role,
                regions=share_regions or [region],
                owners=owners or (),
                all_accounts=all_accounts,
                progress=step,
            )
        err.print(f"read with {sum(factory.calls.values())} API calls", markup=False)
    imported = import_snapshot(live, region, access_role)
    written = write_imported(imported, live, out_dir)
    for note in imported.notes:
        err.print(f"note: {note}", markup=False)
    for path in written:
        out.print(f"wrote {path}", markup=False)
    adopted = len(json.loads((out_dir / IMPORT_FILE).read_text())["resources"]) - 1
    out.print(
        f"next: cd {out_dir} && pulumi preview — expect {adopted} imports, no replacement and "
        "no deletion; then trainshare audit trainshare.yaml",
        markup=False,
    )
