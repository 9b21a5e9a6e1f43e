"""The README's commands run as written.

Every ```sh block of the README is marked on the line before it:
- `<!-- readme-test: sh -->`: run with bash (errexit, pipefail) in a fresh folder holding a copy
  of `examples/` and, at its top, of the ml-platform example (so both `trainshare.yaml` and
  `examples/ml-platform/trainshare.yaml` are there), with this venv's `trainshare` first on
  PATH and no AWS setting of the machine's;
- `<!-- readme-test: skip (why) -->`: not run, for a reason given (it needs AWS, or installs
  into the current Python), so that a new block is run or skipped on purpose, never forgotten.
A block after `<!-- readme-test: file NAME -->` is written to NAME in a project folder holding
the example, and pytest runs that folder: the README's own test suite.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
MARKED = re.compile(
    r"^<!-- readme-test: (?P<kind>sh|skip \([^\n]+\)|file (?P<name>[\w.]+)) -->\n"
    r"```(?P<lang>\w*)\n(?P<body>.*?)^```$",
    re.M | re.S,
)
SH_BLOCK = re.compile(r"^```sh$", re.M)
BLOCKS = [(m["kind"].split()[0], m["name"], m["lang"], m["body"]) for m in MARKED.finditer(README)]
SHELL = [body for kind, _, _, body in BLOCKS if kind == "sh"]
FILES = {name: body for kind, name, _, body in BLOCKS if kind == "file"}
BIN = Path(sys.executable).parent


def test_the_marks_are_where_they_should_be():
    assert README.count("<!-- readme-test:") == len(BLOCKS)  # none is mistyped
    kinds = {"sh": "sh", "skip": "sh", "file": "python"}
    assert all(lang == kinds[kind] for kind, _, lang, _ in BLOCKS)
    # every shell block is run or skipped on purpose
    marked = sum(1 for kind, _, _, _ in BLOCKS if kind in ("sh", "skip"))
    assert marked == len(SH_BLOCK.findall(README))
    assert len(SHELL) >= 6
    assert set(FILES) == {"conftest.py", "test_platform.py"}


def project(folder: Path) -> Path:
    """A folder with examples/ and the ml-platform example at its top."""
    folder.mkdir(parents=True, exist_ok=True)
    example = REPO / "examples" / "ml-platform"
    shutil.copytree(
        REPO / "examples", folder / "examples", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(example / "trainshare.yaml", folder / "trainshare.yaml")
    shutil.copytree(example / "policies", folder / "policies")
    return folder


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        COLUMNS="100",
    )
    return env


@pytest.mark.parametrize("block", SHELL, ids=[b.splitlines()[0][:60] for b in SHELL])
def test_a_shell_block_runs(block, tmp_path):
    folder = project(tmp_path / "work")
    shell = subprocess.Popen(
        ["bash", "-c", "set -euo pipefail\n" + block],
        cwd=folder,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: what it left running is ended below
    )
    try:
        stdout, stderr = shell.communicate(timeout=300)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(shell.pid, signal.SIGKILL)
        shell.communicate()
    assert shell.returncode == 0, f"{block}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"


def test_the_pytest_example_passes(tmp_path):
    folder = project(tmp_path / "platform")
    for name, body in FILES.items():
        (folder / name).write_text(body, encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(folder),
            str(folder / "test_platform.py"),
        ],
        cwd=folder,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
