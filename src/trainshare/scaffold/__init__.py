"""`trainshare init DIR`: a ready Pulumi project whose spec validates. Never overwrites a file."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from trainshare import __version__
from trainshare.errors import TrainshareError

# file written → its template in this package (".tmpl": {name} and {version} are filled in)
TEMPLATES = {
    "Pulumi.yaml": "Pulumi.yaml.tmpl",
    "__main__.py": "__main__.py.tmpl",
    "requirements.txt": "requirements.txt.tmpl",
    "trainshare.yaml": "trainshare.yaml",
}
FILES = tuple(TEMPLATES)


class ScaffoldError(TrainshareError):
    """The project cannot be written (a file is in the way, or the folder is not writable)."""


def project_name(folder: Path) -> str:
    """A Pulumi project name from the folder's name (letters, digits, `-`, `_`, `.`)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", folder.resolve().name).strip("-.")
    return name or "trainshare-project"


def init_project(folder: Path) -> list[Path]:
    """Write the project into `folder`; refuse, writing nothing, if any file already exists."""
    targets = [folder / name for name in FILES]
    existing = [t for t in targets if t.exists()]
    if existing:
        names = ", ".join(str(t) for t in existing)
        raise ScaffoldError(
            f"{names} already exist(s); nothing was written — choose an empty "
            "folder or move those files"
        )
    values = {"{name}": project_name(folder), "{version}": __version__}
    texts = {}
    for target in targets:
        template = TEMPLATES[target.name]
        text = resources.files(__package__).joinpath(template).read_text(encoding="utf-8")
        if template.endswith(".tmpl"):
            for placeholder, value in values.items():
                text = text.replace(placeholder, value)
        texts[target] = text
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for target, text in texts.items():
            target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ScaffoldError(f"cannot write into {folder}: {exc.strerror}") from None
    return targets
