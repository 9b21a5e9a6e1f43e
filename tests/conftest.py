from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ml-platform" / "trainshare.yaml"


@pytest.fixture
def write_spec(tmp_path: Path):
    """Write spec text (and optional side files) into a fresh folder; return the spec's path."""

    def write(text: str, **files: str) -> Path:
        for name, content in files.items():
            target = tmp_path / name.replace("__", "/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
        path = tmp_path / "trainshare.yaml"
        path.write_text(text)
        return path

    return write


GOLDEN = REPO / "tests" / "golden"


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/golden/NAME; TRAINSHARE_UPDATE_GOLDEN=1 (`make golden`) rewrites it."""
    path = GOLDEN / name
    if os.environ.get("TRAINSHARE_UPDATE_GOLDEN"):
        path.write_text(actual)
    assert actual == path.read_text(), f"{name} differs; review, then `make golden`"
