"""`init`: a ready Pulumi project around a commented spec that validates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trainshare.cli.common import out


def init(
    folder: Annotated[Path, typer.Argument(help="Folder for the new project (created if needed).")],
) -> None:
    """Scaffold a ready Pulumi project: Pulumi.yaml, __main__.py, requirements.txt, a commented
    trainshare.yaml that validates, and trainshare.schema.json, which the spec's first line
    points editors at. Never overwrites a file.

    Example:

    \b
    trainshare init my-platform
    """
    from trainshare.scaffold import init_project

    for path in init_project(folder):
        out.print(f"wrote {path}", markup=False)
    out.print(f"next: edit {folder / 'trainshare.yaml'}, then trainshare validate it", markup=False)
