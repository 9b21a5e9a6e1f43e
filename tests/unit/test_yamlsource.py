"""The fast libyaml path and the ruamel path read the same data, with the same lines, under
YAML 1.2 — including the texts where YAML 1.1 would differ."""

from __future__ import annotations

import pytest

from trainshare.errors import SpecError
from trainshare.yamlsource import _fast, load_yaml, load_yaml_ruamel, resolve_scalar

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


@pytest.mark.parametrize("text", ["? [a, b]\n: c\n", "a: !!binary aGk=\n", 'a: !!int "5"\n'])
def test_complex_keys_and_explicit_tags_are_left_to_ruamel(text):
    # Found by review: a complex key crashed the fast path, and !!binary read as a string.
    assert _fast(text, "f") is None
    try:
        expected = load_yaml_ruamel(text, "f").data
    except SpecError as exc:
        with pytest.raises(SpecError):
            load_yaml(text, "f")
        assert exc.issues
    else:
        assert load_yaml(text, "f").data == expected


def test_duplicate_keys_are_located_on_both_paths():
    for loader in (load_yaml, load_yaml_ruamel):
        with pytest.raises(SpecError) as caught:
            loader("a: 1\nb: 2\na: 3\n", "f.yaml")
        (issue,) = caught.value.issues
        assert (issue.code, issue.line, issue.message) == (
            "DUPLICATE_KEY",
            3,
            "key 'a' appears twice in the same mapping",
        )
