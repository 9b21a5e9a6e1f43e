"""The example shipped in the package is examples/ml-platform, file for file."""

from __future__ import annotations

from tests.conftest import REPO
from trainshare.examples import SHIPPED, example_spec
from trainshare.scaffold import render_project
from trainshare.spec import load_spec

SOURCE = REPO / "examples" / "ml-platform"


def test_the_shipped_example_is_a_copy_of_examples_ml_platform():
    with example_spec() as spec:
        shipped = spec.parent
        files = sorted(
            p.relative_to(shipped).as_posix()
            for p in shipped.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        )
        assert files == sorted(SHIPPED)
        for name in SHIPPED:
            assert (shipped / name).read_bytes() == (SOURCE / name).read_bytes(), (
                f"src/trainshare/examples/ml-platform/{name} differs from examples/ml-platform/"
                f"{name}: copy it over (examples/ml-platform is the source of truth)"
            )


def test_every_file_the_example_refers_to_is_shipped():
    """A new policy file in examples/ml-platform must be added to SHIPPED (and copied)."""
    needed = {
        p.relative_to(SOURCE).as_posix() for p in (SOURCE / "policies").rglob("*") if p.is_file()
    }
    assert needed <= set(SHIPPED)
    with example_spec() as spec:
        assert load_spec(spec).organization.management_account == "111111111111"


def test_the_example_program_is_the_one_init_writes():
    """One program for every stack: it reads `trainshare:spec` (and the part) from stack config."""
    program = render_project(SOURCE)[SOURCE / "__main__.py"]
    assert (SOURCE / "__main__.py").read_text() == program, (
        "examples/ml-platform/__main__.py differs from what `trainshare init` writes: "
        "regenerate it from trainshare.scaffold.render_project"
    )
    assert 'config.get("spec", "trainshare.yaml")' in program
