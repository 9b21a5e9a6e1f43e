"""The example organization shipped inside the package, so `trainshare demo` runs from any
folder once trainshare is installed. `examples/ml-platform/` of the repository is the source of
truth: this folder holds a copy of its spec and policies, and a test keeps the two identical."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

EXAMPLE = "ml-platform"
# What the example needs to load, validate and deploy: the spec and the files it refers to.
SHIPPED = ("trainshare.yaml", "policies/training-data-owner.json")


@contextmanager
def example_spec(name: str = EXAMPLE) -> Iterator[Path]:
    """The path of the shipped example's trainshare.yaml, for as long as the context lasts
    (a real file even if the package were installed zipped)."""
    folder = resources.files(__package__).joinpath(name)
    with resources.as_file(folder) as path:
        yield path / "trainshare.yaml"
