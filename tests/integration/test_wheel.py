"""The wheel: built from a clean copy of the sources, installed in a fresh venv with the extra
`[emulator]`, `trainshare demo` runs from an empty folder.

Offline and fast: the wheel is built without build isolation (setuptools comes with the dev
extra), and the fresh venv sees this venv's site-packages through a .pth file, so pip resolves
`trainshare[emulator]`'s dependencies from what is installed here (never uninstalling anything
outside the fresh venv) and downloads nothing. What that cannot see — a module imported but not
declared — is checked against the wheel's metadata by the last test.
"""

from __future__ import annotations

import ast
import email
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from tests.conftest import REPO
from trainshare import __version__


def run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None):
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(
        REPO / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", out, ".",
        cwd=source)  # fmt: skip
    (built,) = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def venv(tmp_path_factory, wheel) -> Path:
    folder = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", "--without-pip", folder)
    python = folder / "bin" / "python"
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    here = sysconfig.get_paths()["purelib"]
    Path(site.stdout.strip(), "dependencies-from-the-test-venv.pth").write_text(here + "\n")
    run(python, "-m", "pip", "install", "--no-index", "--no-cache-dir", f"{wheel}[emulator]")
    return folder


def test_the_wheel_ships_the_example_the_license_and_the_extra(wheel):
    assert wheel.name == f"trainshare-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        meta = email.message_from_bytes(
            archive.read(f"trainshare-{__version__}.dist-info/METADATA")
        )
    assert {
        "trainshare/examples/ml-platform/trainshare.yaml",
        "trainshare/examples/ml-platform/policies/training-data-owner.json",
        "trainshare/catalog/data/ram_resource_types.yaml",
        "trainshare/scaffold/requirements.txt.tmpl",
        f"trainshare-{__version__}.dist-info/licenses/LICENSE",
    } <= names
    assert meta["License-Expression"] == "Apache-2.0"
    assert "emulator" in meta.get_all("Provides-Extra")
    requires = meta.get_all("Requires-Dist")
    assert any(r.startswith("moto[server]") and 'extra == "emulator"' in r for r in requires)
    assert not any(r.startswith("moto") and "extra" not in r for r in requires)


def test_the_installed_wheel_runs_the_demo_from_an_empty_folder(venv, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
    env["COLUMNS"] = "100"
    trainshare = venv / "bin" / "trainshare"
    assert run(trainshare, "--version", env=env).stdout == f"trainshare {__version__}\n"
    where = run(venv / "bin" / "python", "-c", "import trainshare; print(trainshare.__file__)")
    assert where.stdout.startswith(str(venv))  # the wheel's copy, not this checkout's
    result = run(trainshare, "demo", cwd=empty, env=env)
    assert "audit: no drift, no findings" in result.stdout
    assert re.search(r"^deployed \d+ resources$", result.stdout, re.M)
    assert sorted(p.name for p in empty.iterdir()) == ["trainshare-access.html"]


def _top_level_imports(root: Path) -> set[str]:
    names = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def _requirement_name(requirement: str) -> str:
    for stop in " [<>=!~;(":
        requirement = requirement.split(stop, maxsplit=1)[0]
    return requirement.lower().replace("_", "-").replace(".", "-")


def test_every_third_party_import_is_a_declared_dependency(wheel):
    """The fresh venv borrows this venv's packages, so this test catches an import that the
    wheel's metadata does not declare (which a real install would then miss)."""
    with zipfile.ZipFile(wheel) as archive:
        meta = email.message_from_bytes(
            archive.read(f"trainshare-{__version__}.dist-info/METADATA")
        )
    declared = {_requirement_name(r) for r in meta.get_all("Requires-Dist")}
    # flask and werkzeug come with moto[server]; botocore with boto3; pytest is the user's, for
    # the fixtures of trainshare.emulator.testing (a pytest plugin)
    declared |= {"flask", "werkzeug", "botocore", "pytest"}
    providers = metadata.packages_distributions()
    missing = set()
    for module in _top_level_imports(REPO / "src" / "trainshare"):
        if module in sys.stdlib_module_names or module in ("trainshare", "__future__"):
            continue
        dists = {_requirement_name(d) for d in providers.get(module, [module])}
        if not dists & declared:
            missing.add(module)
    assert missing == set()
