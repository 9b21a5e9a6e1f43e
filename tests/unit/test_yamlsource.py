"""The fast libyaml path and the ruamel path read the same data, with the same lines, under
YAML 1.2 — including the texts where YAML 1.1 would differ."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainshare.errors import SpecError
from trainshare.yamlsource import _fast, load_yaml, load_yaml_ruamel, read_yaml, resolve_scalar

TEXTS = [
    "a: 1\nb: -2\nc: 1.5\nd: true\ne: ~\nf: x\n",
    "norway: NO\nanswer: yes\nswitch: on\n",  # YAML 1.1 booleans, strings in 1.2
    "octal: 0o17\nhex: 0x1F\nleading: 012\nsexagesimal: 1:20\n",
    "quoted: \"true\"\nsingle: '123'\n",
    "list:\n  - a\n  - {b: 1, c: [d, e]}\n  -\n    - nested\n",
    'tags: {team: vision, cost: "42"}\nempty: {}\nnone:\n',
    'id: "012345678901"\nunquoted: 012345678901\n',
]


@pytest.mark.parametrize("text", TEXTS)
def test_both_parsers_agree(text):
    fast = _fast(text, "f.yaml")
    slow = load_yaml_ruamel(text, "f.yaml")
    assert fast is not None
    assert (fast.data, fast.lines) == (slow.data, slow.lines)


def test_yaml_1_2_semantics():
    data = load_yaml("norway: NO\nanswer: yes\nn: 0o17\nz: 012\n", "f").data
    assert data == {"norway": "NO", "answer": "yes", "n": 15, "z": 12}
    assert [resolve_scalar(t) for t in ("null", "", "True", "-3", "1e3", ".inf", "x1")] == [
        None,
        None,
        True,
        -3,
        1000.0,
        float("inf"),
        "x1",
    ]


def test_unquoted_arns_in_flow_lists_read_the_same():
    text = "resources: [arn:aws:s3:::bucket, arn:aws:ec2:us-east-1:1:subnet/s]\n"
    assert (
        load_yaml(text, "f").data
        == load_yaml_ruamel(text, "f").data
        == {"resources": ["arn:aws:s3:::bucket", "arn:aws:ec2:us-east-1:1:subnet/s"]}
    )


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("? [a, b]\n: c\n", "YAML_COMPLEX_KEY", "a list or a mapping is used as a key"),
        ("a: !!binary aGk=\n", "YAML_TAG", "the tag !!binary is not supported"),
        ('a: !!int "5"\n', "YAML_TAG", "the tag !!int is not supported"),
        ("a: !!omap [{b: 1}]\n", "YAML_TAG", "the tag !!omap is not supported"),
        ("a: !!set {b, c}\n", "YAML_TAG", "the tag !!set is not supported"),
        ("a:\n  b: !custom 1\n", "YAML_TAG", "the tag !custom is not supported"),
    ],
)
@pytest.mark.parametrize("loader", [load_yaml, load_yaml_ruamel])
def test_complex_keys_and_tags_are_located_errors_on_both_paths(loader, text, code, message):
    # Found by review: a complex key crashed the fast path, and !!binary read as a string;
    # issue #16: !!omap and custom tags reached the validator as ruamel objects.
    with pytest.raises(SpecError) as caught:
        loader(text, "f.yaml")
    (issue,) = caught.value.issues
    line = 1 if code == "YAML_COMPLEX_KEY" else text.count("\n")
    assert (issue.code, issue.location.line, issue.message) == (code, line, message)
    assert issue.fix.startswith(("remove the tag", "keys are names"))


def test_duplicate_keys_are_located_on_both_paths():
    for loader in (load_yaml, load_yaml_ruamel):
        with pytest.raises(SpecError) as caught:
            loader("a: 1\nb: 2\na: 3\n", "f.yaml")
        (issue,) = caught.value.issues
        assert (issue.code, issue.location.line, issue.message) == (
            "DUPLICATE_KEY",
            3,
            "key 'a' appears twice in the same mapping",
        )


LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(9)
)


@pytest.mark.parametrize("loader", [load_yaml, load_yaml_ruamel])
@pytest.mark.parametrize(
    ("text", "code", "line", "message"),
    [
        # billion laughs: 10 levels of 10 aliases each would be 10^10 strings
        (LAUGHS, "YAML_ALIASES", 4, "more than 1,000 aliases"),
        ("a: &x [1, *x]\n", "YAML_ALIASES", 1, "an alias refers to the anchor it is inside"),
        ("a: &x {b: *x}\n", "YAML_ALIASES", 1, "an alias refers to the anchor it is inside"),
        (
            "a: &x [1]\n" + "".join(f"k{i}: *x\n" for i in range(1001)),
            "YAML_ALIASES",
            1002,
            "more than 1,000 aliases",
        ),
        ("a: " + "[" * 80 + "]" * 80 + "\n", "YAML_TOO_DEEP", 1, "nested more than 64 deep"),
        (
            "a: &a [" + ", ".join(["x"] * 2000) + "]\n" + "".join(f"k{i}: *a\n" for i in range(60)),
            "YAML_ALIASES",
            52,
            "aliases copy more than 100,000 values",
        ),
        ("a:\n  b: 1" + "0" * 5000 + "\n", "YAML_NUMBER", 2, "a number of 5,001 characters"),
        ("a: 0x" + "f" * 100 + "\n", "YAML_NUMBER", 1, "a number of 102 characters"),
    ],
)
def test_inputs_past_the_limits_are_located_errors(loader, text, code, line, message):
    """Issue #16: each of these crashed, recursed forever or ate gigabytes."""
    with pytest.raises(SpecError) as caught:
        loader(text, "f.yaml")
    (issue,) = caught.value.issues
    assert issue.code == code
    assert issue.location.line == line
    assert message in issue.message


def test_nesting_deeper_than_libyaml_allows_is_a_located_error():
    # libyaml stops at 1,000 levels; ruamel's composer recurses: neither may crash
    with pytest.raises(SpecError) as caught:
        load_yaml("a: " + "[" * 5000 + "]" * 5000 + "\n", "f.yaml")
    (issue,) = caught.value.issues
    assert issue.code == "YAML_TOO_DEEP"


def test_aliases_within_the_limits_still_read():
    text = (
        "p: &p [ml/training, ml/research]\nshares:\n  a: {principals: *p}\n  b: {principals: *p}\n"
    )
    data = load_yaml(text, "f").data
    assert data["shares"] == {
        "a": {"principals": ["ml/training", "ml/research"]},
        "b": {"principals": ["ml/training", "ml/research"]},
    }


def test_a_syntax_error_names_where_the_structure_went_wrong():
    text = "version: 1\nunits:\n  ml:\n    training: {}\n  - stray\n"
    with pytest.raises(SpecError) as caught:
        load_yaml(text, "f.yaml")
    (issue,) = caught.value.issues
    assert (issue.code, issue.location.line) == ("YAML_SYNTAX", 5)
    assert issue.message == (
        "not valid YAML: expected <block end>, but found '-', while parsing a block mapping "
        "that starts at line 3 (`ml:`)"
    )


def test_a_quote_left_open_is_named_where_it_opened():
    text = 'version: 1\naccounts:\n  a: {id: "1}\n  b: {id: x}\n  c: {id: "2"}\n'
    with pytest.raises(SpecError) as caught:
        load_yaml(text, "f.yaml")
    (issue,) = caught.value.issues
    assert (issue.code, issue.location.line) == ("YAML_SYNTAX", 5)
    assert issue.message == (
        "not valid YAML: expected ',' or '}', but got '<scalar>', while parsing a flow mapping "
        'that starts at line 3 (`a: {id: "1}`), after a quoted string that runs from line 3 '
        '(`a: {id: "1}`) to line 5 — is its closing quote missing?'
    )


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "/dev/zero",
            "a spec may be at most 16,777,216 bytes (16 MiB); this one is more than that",
        ),
        ("/", "is a folder, not a spec file"),
        ("nul\0here.yaml", "the path contains a NUL byte"),
    ],
)
def test_unreadable_specs_are_located_errors(path, message):
    with pytest.raises(SpecError) as caught:
        read_yaml(Path(path) if "\0" not in path else path)  # type: ignore[arg-type]
    (issue,) = caught.value.issues
    assert issue.code == "SPEC_UNREADABLE"
    assert issue.message == message


def test_a_latin_1_spec_names_the_line_of_the_first_bad_byte(tmp_path):
    spec = tmp_path / "trainshare.yaml"
    spec.write_bytes("version: 1\n# caf\xe9\n".encode("latin-1"))
    with pytest.raises(SpecError) as caught:
        read_yaml(spec)
    (issue,) = caught.value.issues
    assert (issue.code, issue.location.line) == ("SPEC_UNREADABLE", 2)
    assert issue.message == "the spec is not UTF-8 text: byte 0xe9 cannot be decoded"
