"""The house rules on imports (DESIGN.md, Architecture): trainshare's own layers import only
layers below them, and the pure layers import neither pulumi nor boto3.

Layers are the top-level modules and packages of src/trainshare, in tiers from the bottom up
(`TIERS`); a module of a package may be a layer of its own, lower than its package (a data
format lower layers read: `capacity.model`). A module may import its own layer and any layer of a lower tier — never one of its
own tier or above. Every import counts: at the top of a file, inside a function (the CLI's lazy
imports) and under TYPE_CHECKING. A new layer gets a tier here, or this test fails.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from tests.conftest import REPO

SRC = REPO / "src" / "trainshare"
# Bottom first. Data flows spec → catalog/policy → plan → {pulumi, access, audit, report}; a
# layer imports what it reads, so the spec imports the catalog and the policy grammar, and the
# plan imports the spec. The package root (`trainshare.__version__`) is below every layer.
TIERS: tuple[tuple[str, ...], ...] = (
    ("findings",),  # Finding, Location, Severity
    ("errors",),  # TrainshareError and the located SpecError
    ("inputs", "outputs"),  # every file read, bounded; every file written, whole
    ("yamlsource", "capacity.model"),  # located YAML; the capacity snapshot's format
    ("catalog",),  # AWS facts as data
    ("policy",),  # policy documents: grammar, linter, templates
    ("spec", "snapshot"),  # the spec, checked and resolved; the audit snapshot's format
    ("plan",),  # the desired-state graph
    ("access", "pulumi", "scaffold", "synth"),  # what the plan means; the component; files
    ("capacity", "diff"),  # the capacity view; a spec change (both read the access model)
    ("audit", "importer"),  # reading AWS (boto3); an organization as a spec
    ("report",),  # output formats
    ("emulator", "examples"),  # the AWS emulator and the demo; the shipped example
    ("cli",),  # the command line, on top
)
TIER = {layer: rank for rank, layers in enumerate(TIERS) for layer in layers}
PURE = [
    "findings.py",
    "errors.py",
    "inputs.py",
    "outputs.py",
    "yamlsource.py",
    "snapshot.py",
    "catalog",
    "policy",
    "spec",
    "plan",
    "access",
    "capacity",
    "diff",
    "report",
]
FORBIDDEN = ("pulumi", "pulumi_aws", "boto3", "botocore")


def imported_modules(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "trainshare":  # `from trainshare import spec` names the layer
                yield from (f"trainshare.{alias.name}" for alias in node.names)
            else:
                yield node.module


def layer_of(path: Path, src: Path, tier: Mapping[str, int] | None = None) -> str:
    """`src/trainshare/spec/tree.py` → `spec`; `src/trainshare/errors.py` → `errors`;
    `src/trainshare/capacity/model.py` → `capacity.model`, a layer of its own in TIERS."""
    parts = [part.removesuffix(".py") for part in path.relative_to(src).parts]
    return _layer(parts, TIER if tier is None else tier)


def _layer(parts: list[str], tier: Mapping[str, int]) -> str:
    """The layer of a module named by its parts under trainshare (`["capacity", "model"]`)."""
    module = ".".join(parts[:2])
    return module if module in tier else parts[0]


def upward_imports(src: Path, tier: Mapping[str, int]) -> list[str]:
    """Every import of a layer of the importer's own tier or above, as `file imports module`."""
    found = []
    for path in sorted(src.rglob("*.py")):
        if path.parent == src and path.name == "__init__.py":
            continue  # the package root
        layer = layer_of(path, src, tier)
        for module in imported_modules(path):
            parts = module.split(".")
            if parts[0] != "trainshare" or len(parts) < 2 or parts[1] == "__version__":
                continue
            target = _layer(parts[1:], tier)
            if target == layer:
                continue
            if target not in tier or tier[target] >= tier[layer]:
                found.append(f"{path.relative_to(src)} imports {module}")
    return found


def test_every_layer_has_a_tier():
    layers = {layer_of(p, SRC) for p in SRC.rglob("*.py") if p != SRC / "__init__.py"}
    assert sorted(layers - set(TIER)) == [], "give the new layer a tier in TIERS"
    assert sorted(set(TIER) - layers) == [], "a layer in TIERS that does not exist"


def test_layers_import_only_layers_below_them():
    assert upward_imports(SRC, TIER) == []


def test_the_direction_check_catches_an_upward_and_a_sideways_import(tmp_path):
    # given a tree where the spec reaches up to the CLI and the plan is imported by its sibling
    src = tmp_path / "trainshare"
    (src / "spec").mkdir(parents=True)
    (src / "spec" / "validate.py").write_text(
        "from trainshare.catalog import load_catalog\n"
        "def f():\n    from trainshare.cli.common import out\n"
    )
    (src / "access").mkdir()
    (src / "access" / "model.py").write_text(
        "import trainshare.pulumi\nfrom trainshare import plan\n"
    )
    (src / "errors.py").write_text("from trainshare import __version__\n")
    # and a format module that reaches up into its own package, which may import it
    (src / "capacity").mkdir()
    (src / "capacity" / "model.py").write_text("from trainshare.capacity.view import f\n")
    (src / "capacity" / "view.py").write_text("from trainshare.capacity.model import R\n")
    # then the upward imports (even inside a function) and the sideways one are reported, the
    # downward ones are not
    assert upward_imports(src, TIER) == [
        "access/model.py imports trainshare.pulumi",
        "capacity/model.py imports trainshare.capacity.view",
        "spec/validate.py imports trainshare.cli.common",
    ]


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
