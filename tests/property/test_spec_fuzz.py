"""No input produces a traceback: mutated specs either load or raise SpecError."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from tests.conftest import EXAMPLE
from trainshare.errors import SpecError
from trainshare.spec import load_spec

BASE = YAML(typ="safe", pure=True).load(EXAMPLE.read_text())

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10**13),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(
        ["root", "ml", "ml/training", "team-vision", "222222222222", "arn:aws:s3:::b", "us-east-1"]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*prefix, index))
    return out


PATHS = _paths(BASE)[1:]


@st.composite
def mutated(draw) -> Any:
    spec = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(PATHS))
        parent = spec
        try:
            for part in path[:-1]:
                parent = parent[part]
            action = draw(st.sampled_from(["replace", "delete", "add"]))
            if action == "replace":
                parent[path[-1]] = draw(values)
            elif action == "delete":
                del parent[path[-1]]
            elif isinstance(parent[path[-1]], dict):
                parent[path[-1]][draw(st.text(max_size=8))] = draw(values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or retyped this path
    return spec


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_spec_loads_or_raises_spec_error(spec):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trainshare.yaml"
        with path.open("w") as stream:
            YAML(typ="safe", pure=True).dump(spec, stream)
        try:
            load_spec(path)
        except SpecError as exc:
            assert exc.issues, "a SpecError always carries at least one issue"
            assert all(i.location.line is not None and i.message for i in exc.issues)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_loads_or_raises_spec_error(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trainshare.yaml"
        path.write_text(text)
        try:
            load_spec(path)
        except SpecError as exc:
            assert exc.issues
