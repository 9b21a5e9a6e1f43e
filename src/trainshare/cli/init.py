"""`init`: a ready Pulumi project around a commented spec that validates; with --split, the
stacks that deploy it by owner."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trainshare import outputs
from trainshare.cli.common import out


def init(
    folder: Annotated[Path, typer.Argument(help="Folder for the new project (created if needed).")],
    split: Annotated[
        bool,
        typer.Option(
            "--split",
            help="Stacks by owner: Pulumi.org.yaml, Pulumi.owner-<id>-<region>.yaml, a deploy "
            "role per owner (deploy-roles/) and deploy.py (org first, owners in parallel). In a "
            "folder that has a trainshare.yaml, for that spec.",
        ),
    ] = False,
    deploy_role: Annotated[
        str, typer.Option(help="With --split: the role each owner's stacks assume.")
    ] = "trainshare-deploy",
    org_stack: Annotated[str, typer.Option(help="With --split: the org stack's name.")] = "org",
) -> None:
    """Scaffold a ready Pulumi project: Pulumi.yaml, __main__.py, requirements.txt, a commented
    trainshare.yaml that validates, and trainshare.schema.json, which the spec's first line
    points editors at. With --split, the stacks that deploy it by owner. Never overwrites a
    file.

    Example:

    \b
    trainshare init my-platform
    trainshare init my-platform --split
    """
    from trainshare.scaffold import init_project, init_split

    outputs.check_folder(folder, "project")
    if not split:
        for path in init_project(folder):
            out.print(f"wrote {path}", markup=False)
        out.print(
            f"next: edit {folder / 'trainshare.yaml'}, then trainshare validate it", markup=False
        )
        return
    written, _ = init_split(folder, deploy_role, org_stack)
    for path in written:
        out.print(f"wrote {path}", markup=False)
    out.print(
        f"next: create each owner's role from {folder / 'deploy-roles'}/<account>.json, then "
        f"cd {folder} && python deploy.py --preview",
        markup=False,
    )
