"""Every finding code raised in src/ has a catalogue entry and a test that asserts it.

A code, in src/, is an UPPER_SNAKE string literal given as the code argument of a call that makes
a finding — `catalog.finding`, `Finding`, a collector's `add` or `refuse` (the spec's
`Collector`, the linters'), the audit's `find`, yamlsource's `_refused`/`_RefusedError`, the
policy validators' `PolicyProblem` — or as `code=`, or assigned to a variable or field named `code`. A new way of
making findings is named in FINDING_MAKERS. `emulator/` is AWS's side of the wire: no findings.

A test asserts a code when the literal stands in an `assert` statement, or in a table that a
`pytest.mark.parametrize` reads (the test then asserts the code it is given).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from trainshare.catalog import load_catalog
from trainshare.findings import Severity

SRC = REPO / "src" / "trainshare"
TESTS = REPO / "tests"
NOT_SCANNED = {SRC / "emulator"}
CODE = re.compile(r"^[A-Z][A-Z0-9]+(?:_[A-Z0-9]+)*$")
# the calls that make findings, and the position of the code among their arguments
FINDING_MAKERS = {
    "finding": 0,
    "Finding": 0,
    "add": 0,
    "refuse": 0,
    "find": 0,
    "_refused": 0,
    "_RefusedError": 0,
    "PolicyProblem": 3,
}


def _literals(node: ast.AST) -> Iterator[str]:
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            yield from CODE.findall(child.value)


def _code_literals(node: ast.expr) -> Iterator[str]:
    """The codes an argument spells: a literal, or literals chosen between (`A if x else B`)."""
    if isinstance(node, ast.Constant | ast.IfExp | ast.BoolOp):
        yield from _literals(node)


def codes_raised(source: str) -> set[str]:
    """The finding codes a module raises (see the module docstring for what counts)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            at = FINDING_MAKERS.get(ast.unparse(node.func).rpartition(".")[2])
            if at is not None and len(node.args) > at:
                found.update(_code_literals(node.args[at]))
            for keyword in node.keywords:
                if keyword.arg == "code":
                    found.update(_code_literals(keyword.value))
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "code" for t in targets):
                found.update(_literals(node.value))
    return found


def codes_asserted(source: str) -> set[str]:
    """The codes a test module asserts: in `assert` statements and in parametrize tables."""
    tree = ast.parse(source)
    found: set[str] = set()
    tables: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            tables.update({t.id: node.value for t in targets if isinstance(t, ast.Name)})
    wanted: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            found.update(_literals(node))
        elif isinstance(node, ast.Call) and ast.unparse(node.func).endswith("mark.parametrize"):
            found.update(_literals(node))
            wanted += [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]
    seen: set[str] = set()
    while wanted:  # a table may be built from other module-level tables
        name = wanted.pop()
        if name in seen or name not in tables:
            continue
        seen.add(name)
        found.update(_literals(tables[name]))
        wanted += [n.id for n in ast.walk(tables[name]) if isinstance(n, ast.Name)]
    return found


def _python_files(root: Path, skip: set[Path]) -> list[Path]:
    return [p for p in sorted(root.rglob("*.py")) if not any(s in p.parents for s in skip)]


RAISED: dict[str, list[str]] = {}
for _path in _python_files(SRC, NOT_SCANNED):
    for _code in codes_raised(_path.read_text(encoding="utf-8")):
        RAISED.setdefault(_code, []).append(str(_path.relative_to(REPO)))
ASSERTED: set[str] = set()
for _path in _python_files(TESTS, set()):
    if _path.name != Path(__file__).name:
        ASSERTED |= codes_asserted(_path.read_text(encoding="utf-8"))
CATALOGUE = load_catalog().findings


@pytest.mark.parametrize("code", sorted(RAISED))
def test_a_code_raised_in_src_has_a_catalogue_entry(code):
    assert code in CATALOGUE, (
        f"{code} (raised in {', '.join(RAISED[code])}) needs an entry in "
        "src/trainshare/catalog/data/findings.yaml: severity, title, fix"
    )


@pytest.mark.parametrize("code", sorted(RAISED))
def test_a_code_raised_in_src_is_asserted_by_a_test(code):
    assert code in ASSERTED, (
        f"{code} (raised in {', '.join(RAISED[code])}): write a test that triggers it and "
        "asserts the code and its message"
    )


def test_every_catalogue_entry_is_raised_somewhere():
    assert sorted(set(CATALOGUE) - set(RAISED)) == [], "retire the entry (`retired: true`)"


def test_every_catalogue_entry_has_a_severity_a_title_and_a_fix():
    for kind in CATALOGUE.values():
        assert kind.severity in set(Severity), kind
        assert kind.title.strip() and kind.fix.strip(), kind


# -- the scanners themselves --------------------------------------------------------------------


def test_the_scan_finds_codes_in_calls_keywords_and_code_variables():
    source = (
        'out.add("UNKNOWN_KEY", path, "m")\n'
        'return ctx.out.refuse("SELF_PRINCIPAL", path, "m", "f")\n'
        'raise _refused("YAML_SYNTAX", file, 1, "m", "f")\n'
        'Finding(code="DUPLICATE_KEY")\n'
        'PolicyProblem("Statement", "m", "f", "MISSING_PRINCIPAL")\n'
        'class PolicyProblem:\n    code: str = "POLICY_SYNTAX"\n'
        'code = "PRINCIPAL_IN_SCP" if p else "POLICY_STRUCTURE"\n'
        'out.add("UNSHARE", path, "m", "f", Severity.WARNING)\n'
        'self.find("RCP_TYPE_DISABLED" if rcp else "POLICY_TYPE_DISABLED", where, "m")\n'
        'self.find(lookup("NOT_A_CODE"), where, "m")\n'
        'if status == "SERVICE_CONTROL_POLICY": pass\n'
        'client.list(Filter="SERVICE_CONTROL_POLICY")\n'
        'environment.get("TRAINSHARE_ACTION")\n'
        'seen.add(("SCP", name))\n'
    )
    assert codes_raised(source) == {
        "UNKNOWN_KEY",
        "SELF_PRINCIPAL",
        "YAML_SYNTAX",
        "DUPLICATE_KEY",
        "PRINCIPAL_IN_SCP",
        "POLICY_STRUCTURE",
        "UNSHARE",
        "MISSING_PRINCIPAL",
        "POLICY_SYNTAX",
        "RCP_TYPE_DISABLED",
        "POLICY_TYPE_DISABLED",
    }


def test_a_code_only_listed_in_a_test_is_not_asserted():
    source = (
        'LISTED = {"ACCOUNT_OUTSIDE_SPEC"}\n'
        'CASES = [("UNKNOWN_KEY", "x")]\n'
        "BOTH = CASES + MORE\n"
        'MORE = [("DUPLICATE_KEY", "y")]\n'
        '@pytest.mark.parametrize(("code", "text"), BOTH)\n'
        "def test_case(code, text): ...\n"
        "def test_other():\n"
        '    assert finding.code == "YAML_SYNTAX"\n'
    )
    assert codes_asserted(source) == {"UNKNOWN_KEY", "DUPLICATE_KEY", "YAML_SYNTAX"}
