"""The YAML limits as classes, on both parsers (issue #16): every alias bomb, nesting depth,
number length and tag is read exactly or refused with its code — the line between the two is the
README's limit, not an accident of one example.

- An alias bomb of L levels of W aliases each reads as its full expansion while it copies at
  most 100,000 values through at most 1,000 alias uses; past either, YAML_ALIASES.
- Lists nested d deep under a key read while the document is at most 64 levels deep.
- A number of n digits reads while n <= 40.
- A tag outside YAML's core schema is YAML_TAG wherever it stands; `!!str` keeps any plain
  text a string (an account ID's leading zero included).
- A bracket or a quote left open on any line of the example is named on that line, however far
  on the parser trips.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLE
from trainshare.errors import SpecError
from trainshare.inputs import MAX_NUMBER_CHARS
from trainshare.yamlsource import (
    MAX_ALIAS_NODES,
    MAX_ALIASES,
    MAX_DEPTH,
    load_yaml,
    load_yaml_ruamel,
)

LOADERS = pytest.mark.parametrize("loader", [load_yaml, load_yaml_ruamel])
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)


def outcome(loader, text: str):
    """The data, or the code of the one error."""
    try:
        return loader(text, "f.yaml").data
    except SpecError as error:
        (issue,) = error.issues
        return issue.code


def bomb(levels: int, width: int) -> tuple[str, dict[str, list[object]], int, int]:
    """The text, its full expansion, the values its aliases copy and how many alias uses the
    walk meets (a use inside a copied value counts again)."""
    text = f"a0: &a0 [{', '.join(['x'] * width)}]\n"
    expansion: dict[str, list[object]] = {"a0": ["x"] * width}
    size, uses_inside, copied, uses = 1 + width, 0, 0, 0
    for i in range(1, levels):
        text += f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]\n"
        expansion[f"a{i}"] = [expansion[f"a{i - 1}"]] * width
        copied += width * size
        uses += width * (1 + uses_inside)
        size, uses_inside = 1 + width * size, width * (1 + uses_inside)
    return text, expansion, copied, uses


@LOADERS
@SETTINGS
@given(levels=st.integers(1, 9), width=st.integers(1, 12))
def test_an_alias_bomb_reads_whole_within_the_limits_and_is_refused_past_them(
    loader, levels, width
):
    text, expansion, copied, uses = bomb(levels, width)
    if copied <= MAX_ALIAS_NODES and uses <= MAX_ALIASES:
        assert outcome(loader, text) == expansion
    else:
        assert outcome(loader, text) == "YAML_ALIASES"


@LOADERS
@SETTINGS
@given(depth=st.integers(1, 3 * MAX_DEPTH), flow=st.booleans())
def test_nesting_reads_up_to_the_limit_and_is_refused_past_it(loader, depth, flow):
    if flow:
        text = "a: " + "[" * depth + "]" * depth + "\n"
    else:  # block lists, one more level per line
        text = "a:\n" + "".join("  " * (i + 1) + "-\n" for i in range(depth - 1))
        text += "  " * depth + "- x\n"
    innermost: object = [] if flow else ["x"]
    for _ in range(depth - 1):
        innermost = [innermost]
    expected = {"a": innermost} if depth + 1 <= MAX_DEPTH else "YAML_TOO_DEEP"
    assert outcome(loader, text) == expected


@LOADERS
@SETTINGS
@given(digits=st.integers(1, 3 * MAX_NUMBER_CHARS), sign=st.sampled_from(["", "-"]))
def test_a_number_reads_up_to_the_limit_and_is_refused_past_it(loader, digits, sign):
    number = sign + "9" * digits
    expected = {"a": int(number)} if len(number) <= MAX_NUMBER_CHARS else "YAML_NUMBER"
    assert outcome(loader, f"a: {number}\n") == expected


CORE = ["str", "int", "float", "bool", "null", "map", "seq"]
TAGS = st.one_of(
    st.sampled_from(
        ["!!omap", "!!pairs", "!!set", "!!binary", "!!python/object:os.system", "!!yaml"]
    ),
    st.from_regex(r"![a-z][a-z0-9]{0,8}", fullmatch=True),  # local tags
    st.from_regex(r"!<tag:example\.com,2026:[a-z]{1,8}>", fullmatch=True),
    st.from_regex(r"!![a-z]{1,8}", fullmatch=True).filter(
        lambda tag: tag[2:] not in {*CORE, "timestamp", "value", "merge"}
    ),
)


@LOADERS
@SETTINGS
@given(tag=TAGS, value=st.sampled_from(["x", "1", "[a]", "{b: c}", "'q'"]))
def test_a_tag_outside_the_core_schema_is_refused_wherever_it_stands(loader, tag, value):
    assert outcome(loader, f"a:\n  - {tag} {value}\n") == "YAML_TAG"


PLAIN = st.one_of(
    st.from_regex(r"0[0-9]{11}", fullmatch=True),  # an account ID with its leading zero
    st.from_regex(r"-?[0-9]{1,12}(\.[0-9]{1,3})?([eE][0-9])?", fullmatch=True),
    st.sampled_from(["true", "False", "null", "~", "0o17", "0x1F", ".inf", "yes", "on"]),
    st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True),
)


@LOADERS
@SETTINGS
@given(text=PLAIN)
def test_a_str_tag_keeps_any_plain_text_a_string(loader, text):
    assert outcome(loader, f"a: !!str {text}\nb: [!!str {text}]\n") == {"a": text, "b": [text]}


# -- a syntax error names where the structure went wrong --------------------------------------

EXAMPLE_LINES = (EXAMPLE.read_text()).split("\n")
VALUE_LINES = [
    i
    for i, line in enumerate(EXAMPLE_LINES)
    if re.match(r"^\s*[A-Za-z_][\w-]*: \S", line) and not line.lstrip().startswith("#")
]


@pytest.mark.parametrize("opened", ["[a, b", "{a: b", '"abc', "'abc"])
@pytest.mark.parametrize("index", VALUE_LINES, ids=lambda i: f"line{i + 1}")
def test_a_bracket_or_quote_left_open_is_named_where_it_opened(index, opened):
    """Any value of the example, its bracket or quote left open: the parser trips lines later
    (a quote runs on to the next quote), and the error still names the line it opened on."""
    key = EXAMPLE_LINES[index].split(": ", 1)[0]
    text = "\n".join([*EXAMPLE_LINES[:index], f"{key}: {opened}", *EXAMPLE_LINES[index + 1 :]])
    with pytest.raises(SpecError) as caught:
        load_yaml(text, "f.yaml")
    (issue,) = caught.value.issues
    assert issue.code == "YAML_SYNTAX"
    assert f" line {index + 1} (`{key.strip()}: {opened}`)" in issue.message
