"""Bounded reading and strict JSON (issue #16): every input has a cost limit, and each limit is a
clear error naming the file, the place and the limit."""

from __future__ import annotations

import os

import pytest

from tests.unit.test_spec_errors import BASE, errors_of
from trainshare import inputs
from trainshare.inputs import InputError, load_json, read_json, read_text, read_text_as
from trainshare.policy.lint import PolicyKind, lint_text


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('{"a": NaN}', 1, "NaN is not JSON (JSON has no NaN or Infinity)"),
        ('{"a": "NaN",\n "b": Infinity}', 2, "Infinity is not JSON (JSON has no NaN or Infinity)"),
        ("[-Infinity]", 1, "-Infinity is not JSON (JSON has no NaN or Infinity)"),
        ("[1e400]", 1, "1e400 is too large for a number"),
        ("[1" + "0" * 5000 + "]", 1, "a number of 5,001 characters (at most 40)"),
        ("[1." + "0" * 50 + "]", 1, "a number of 52 characters (at most 40)"),
        ("[" * 65 + "]" * 65, None, "arrays and objects are nested more than 64 deep"),
        ("[" * 100_000 + "]" * 100_000, None, "arrays and objects are nested more than 64 deep"),
        ('{"a": "\\ud800"}', None, "the string '\\ud800' holds half of a UTF-16 surrogate pair"),
        ('{"a": 1,}', 1, "not JSON: Expecting property name enclosed in double quotes"),
    ],
)
def test_what_strict_json_refuses(text, line, message):
    with pytest.raises(InputError) as caught:
        load_json(text, "p.json")
    assert caught.value.line == line
    assert caught.value.message.startswith(message)
    assert str(caught.value).startswith("p.json" + (f":{line}" if line else ""))


def test_what_strict_json_reads():
    text = '{"a": [1, -2.5, "NaN", "\\ud83d\\ude00", null, true], "b": ' + "[" * 63 + "]" * 63 + "}"
    assert load_json(text, "p.json")["a"] == [1, -2.5, "NaN", "\U0001f600", None, True]


def test_a_policy_with_nan_is_a_syntax_finding_not_a_condition():
    policy = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", '
        '"Resource": "*",\n "Condition": {"NumericLessThan": {"s3:max-keys": NaN}}}]}'
    )
    (found,) = lint_text(policy, PolicyKind.SCP, "p.json")
    assert (found.code, str(found.location)) == ("POLICY_SYNTAX", "p.json: line 2")
    assert found.message == "NaN is not JSON (JSON has no NaN or Infinity)"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/", "is a folder, not a policy document file"),
        ("/nonexistent/p.json", "cannot read the policy document: No such file or directory"),
        ("p\0.json", "the path contains a NUL byte"),
    ],
)
def test_files_that_cannot_be_read(path, message):
    with pytest.raises(InputError) as caught:
        read_text(path, inputs.POLICY)
    assert caught.value.message == message


class _ReaderError(Exception):
    pass


def test_read_text_as_raises_the_readers_own_error_with_the_same_message(tmp_path):
    """Given a folder, when a reader with its own error type reads it, then that error holds
    the `InputError`'s whole text; a readable file's text comes back as `read_text` gives it."""
    with pytest.raises(InputError) as plain:
        read_text(tmp_path, inputs.SNAPSHOT)
    with pytest.raises(_ReaderError) as own:
        read_text_as(tmp_path, inputs.SNAPSHOT, _ReaderError)
    assert (
        str(own.value)
        == str(plain.value)
        == f"{tmp_path}: is a folder, not a snapshot file — name a file"
    )
    assert own.value.__cause__ is None and own.value.__suppress_context__
    ok = tmp_path / "s.json"
    ok.write_text("{}")
    assert read_text_as(ok, inputs.SNAPSHOT, _ReaderError) == "{}"


def test_dev_zero_is_read_only_up_to_the_limit(monkeypatch):
    """An endless file costs the limit and one byte, in chunks of at most a MiB: every byte
    `os.read` hands back is counted (reading on would fail the test, not hang it)."""
    reads: list[int] = []
    real_read = os.read

    def counted(fd: int, size: int) -> bytes:
        assert size <= inputs.MiB, f"asked for {size:,} bytes at once"
        chunk = real_read(fd, size)
        reads.append(len(chunk))
        assert sum(reads) <= inputs.POLICY.max_bytes + 1, "read past the limit"
        return chunk

    monkeypatch.setattr(inputs.os, "read", counted)
    with pytest.raises(InputError) as caught:
        read_text("/dev/zero", inputs.POLICY)
    monkeypatch.undo()
    assert sum(reads) == inputs.POLICY.max_bytes + 1  # the limit, and the byte that passes it
    assert str(caught.value) == (
        "/dev/zero: a policy document may be at most 1,048,576 bytes (1 MiB); this one is more "
        "than that — check that this is the policy document you meant"
    )


def test_a_large_file_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.json"
    with big.open("wb") as stream:
        stream.truncate(inputs.POLICY.max_bytes + 1)  # sparse: nothing to read, a size to check
    with pytest.raises(InputError, match="this one is 1,048,577 bytes"):
        read_text(big, inputs.POLICY)


def test_a_fifo_without_a_writer_does_not_hang(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert read_text(fifo, inputs.SPEC) == ""


def test_latin_1_names_the_line_and_a_bom_is_dropped(tmp_path):
    latin = tmp_path / "p.json"
    latin.write_bytes('{\n "Sid": "caf\u00e9"}'.encode("latin-1"))
    with pytest.raises(InputError) as caught:
        read_json(latin, inputs.POLICY)
    assert (caught.value.line, caught.value.message) == (
        2,
        "the policy document is not UTF-8 text: byte 0xe9 cannot be decoded",
    )
    bom = tmp_path / "bom.json"
    bom.write_bytes(b'\xef\xbb\xbf{"a": 1}')
    assert read_json(bom, inputs.POLICY) == {"a": 1}


def test_a_guardrail_document_at_dev_zero_is_a_located_error(write_spec):
    text = BASE + "guardrails:\n  g: {document: /dev/zero, targets: [ml]}\n"
    (error,) = errors_of(write_spec, text)
    assert (error.code, error.location.path, error.location.line) == (
        "POLICY_FILE_MISSING",
        "guardrails.g.document",
        12,
    )
    assert error.message == (
        "'/dev/zero': a policy document may be at most 1,048,576 bytes (1 MiB); this one is more "
        "than that"
    )


def test_extra_statements_with_infinity_are_a_located_error(write_spec):
    text = BASE + (
        "shares:\n  data:\n    owner: shared-services\n    access: read\n    principals: [ml]\n"
        "    resources:\n      - arn: arn:aws:s3:::acme-data\n        policy: managed\n"
        "        extra_statements: extra.json\n"
    )
    (error,) = errors_of(write_spec, text, **{"extra.json": '[{"Sid": "A",\n "N": Infinity}]'})
    assert (error.code, error.location.line) == ("INVALID_JSON", 19)
    assert error.message.endswith(
        "extra.json:2: Infinity is not JSON (JSON has no NaN or Infinity) — write the value as a "
        "string"
    )


# Every file a spec names, every way it cannot be read: one error on that field, at its line.
SPEC_FILES = {
    "an SCP": ("guardrails:\n  g: {document: FILE, targets: [ml]}\n", "guardrails.g.document", 12),
    "an RCP": (
        "guardrails:\n  g: {type: rcp, document: FILE, targets: [ml]}\n",
        "guardrails.g.document",
        12,
    ),
    "a tag policy": (
        "guardrails:\n  g: {type: tag, document: FILE, targets: [ml]}\n",
        "guardrails.g.document",
        12,
    ),
    "a backup policy": (
        "guardrails:\n  g: {type: backup, document: FILE, targets: [ml]}\n",
        "guardrails.g.document",
        12,
    ),
    "extra statements": (
        "shares:\n  data:\n    owner: shared-services\n    access: read\n    principals: [ml]\n"
        "    resources:\n      - arn: arn:aws:s3:::acme-data\n        policy: managed\n"
        "        extra_statements: FILE\n",
        "shares.data.resources[0].extra_statements",
        19,
    ),
}
UNREADABLE = {
    "missing": ("missing.json", "cannot read the policy document: No such file or directory"),
    "a folder": ("sub", "is a folder, not a policy document file"),
    "endless": ("/dev/zero", "a policy document may be at most 1,048,576 bytes (1 MiB)"),
    "Latin-1": ("latin.json", "the policy document is not UTF-8 text: byte 0xe9"),
    "a NUL byte": ('"p\\0.json"', "the path contains a NUL byte"),
    "a dangling link": ("link.json", "cannot read the policy document: No such file or directory"),
}


@pytest.mark.parametrize("how", UNREADABLE)
@pytest.mark.parametrize("what", SPEC_FILES)
def test_every_file_a_spec_names_that_cannot_be_read_is_one_located_error(
    write_spec, tmp_path, what, how
):
    text, field, line = SPEC_FILES[what]
    value, message = UNREADABLE[how]
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.json").symlink_to(tmp_path / "nowhere.json")
    (tmp_path / "latin.json").write_bytes(b'{"Sid": "caf\xe9"}')
    (error,) = errors_of(write_spec, BASE + text.replace("FILE", value))
    assert (error.location.path, error.location.line) == (field, line)
    assert message in error.message
