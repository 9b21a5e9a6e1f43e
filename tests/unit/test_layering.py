"""The house rule: pure layers import neither pulumi nor boto3 (DESIGN.md, Architecture)."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import REPO

SRC = REPO / "src" / "trainshare"
PURE = [
    "spec",
    "catalog",
    "policy",
    "plan",
    "report",
    "capacity",
    "errors.py",
    "cli",
    "inputs.py",
    "yamlsource.py",
    "snapshot.py",
]
FORBIDDEN = ("pulumi", "pulumi_aws", "boto3", "botocore")


def imported_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


@pytest.mark.parametrize("layer", PURE)
def test_pure_layer_imports_no_pulumi_or_boto3(layer):
    target = SRC / layer
    files = [target] if target.suffix == ".py" else sorted(target.rglob("*.py"))
    assert files
    offenders = [
        f"{f.relative_to(REPO)} imports {m}"
        for f in files
        for m in imported_modules(f)
        if m.split(".")[0] in FORBIDDEN
    ]
    assert offenders == []


def test_inputs_is_the_bottom_layer():
    """Every reader uses `inputs`: it may import nothing of trainshare's but `errors`."""
    ours = [m for m in imported_modules(SRC / "inputs.py") if m.split(".")[0] == "trainshare"]
    assert ours == ["trainshare.errors"]


def test_the_check_would_catch_an_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom pulumi_aws import ram\n")
    assert "pulumi_aws" in list(imported_modules(bad))


def test_only_the_emulator_imports_moto():
    """moto is the extra `trainshare[emulator]`: nothing else may need it."""
    offenders = [
        f"{f.relative_to(REPO)} imports {m}"
        for f in sorted(SRC.rglob("*.py"))
        if "emulator" not in f.relative_to(SRC).parts
        for m in imported_modules(f)
        if m.split(".")[0] in ("moto", "flask", "werkzeug")
    ]
    assert offenders == []
