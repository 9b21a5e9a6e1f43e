"""`synth`: a synthetic organization of a chosen size, for benchmarks and trials."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trainshare import outputs
from trainshare.cli.common import fail, out


def synth(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for trainshare.yaml and policies/.")
    ],
    accounts: Annotated[int, typer.Option(min=2, help="Accounts, owners included.")] = 100,
    units: Annotated[int, typer.Option(min=0, help="OUs.")] = 10,
    depth: Annotated[int, typer.Option(min=1, max=5, help="OU depth (AWS allows 5).")] = 3,
    guardrails: Annotated[int, typer.Option(min=0, help="SCPs.")] = 10,
    custom: Annotated[
        float, typer.Option(min=0, max=1, help="Fraction of SCPs that are custom documents.")
    ] = 0.3,
    shares: Annotated[int, typer.Option(min=0, help="Shares.")] = 10,
    resources: Annotated[int, typer.Option(min=1, help="Resources per share.")] = 5,
    principals: Annotated[int, typer.Option(min=1, help="Principals per share.")] = 3,
    owners: Annotated[int, typer.Option(min=1, help="Accounts that own shared resources.")] = 5,
    policy_shares: Annotated[
        float, typer.Option(min=0, max=1, help="Fraction of shares that are policy shares.")
    ] = 0.2,
    seed: Annotated[int, typer.Option(help="Same seed, same organization.")] = 7,
    rcps: Annotated[
        int, typer.Option(min=0, help="Resource control policies (data-perimeter templates).")
    ] = 0,
) -> None:
    """Write a synthetic organization (deterministic from --seed) that `validate` accepts: for
    benchmarks, and to try trainshare at your organization's size.

    Example:

    \b
    trainshare synth --out synthetic-org --accounts 5000 --units 500 --shares 500
    """
    from trainshare.synth import SynthParams, write_synthetic

    if owners >= accounts:
        fail(f"--owners ({owners}) must be fewer than --accounts ({accounts})")
    params = SynthParams(
        accounts=accounts,
        units=units,
        depth=depth,
        guardrails=guardrails,
        custom_share=custom,
        shares=shares,
        resources_per_share=resources,
        principals_per_share=principals,
        owners=owners,
        policy_shares=policy_shares,
        seed=seed,
        rcps=rcps,
    )
    outputs.check_folder(out_dir, "synthetic organization")
    try:
        path = write_synthetic(out_dir, params, overwrite=False)
    except FileExistsError as exc:
        fail(str(exc))
    except OSError as exc:  # a file in the way of a folder, a read-only disk, no space
        fail(f"cannot write the synthetic organization to {out_dir}: {exc.strerror or exc}")
    out.print(f"wrote {path}", markup=False)
