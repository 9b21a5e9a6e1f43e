"""What trainshare reads from outside, at a bounded cost: files by kind, and strict JSON.

The bottom layer (it imports nothing of trainshare's but `errors`); every reader of a file a user
names goes through it:

- `read_text(path, kind)` reads a file of one `InputKind` (spec, policy document, snapshot, import
  file), refusing before it reads more than that kind's size limit — `/dev/zero` costs a few
  megabytes, never gigabytes. UTF-8 only; a missing file, a folder, a path with a NUL byte, or
  bytes that are not UTF-8 are an `InputError` naming the file (and the line).
- `load_json(text, source)` parses strict JSON: `NaN` and `Infinity` (Python's `json` accepts them,
  JSON does not) are refused, so are numbers longer than `MAX_NUMBER_CHARS` or too large for a
  float, nesting deeper than `MAX_DEPTH`, and strings holding half a UTF-16 surrogate pair (they
  cannot be written back as UTF-8).
- `read_json(path, kind)` is the two together.
- `read_text_as(path, kind, error)` is `read_text` for a reader with its own error type (a
  snapshot's, a capacity snapshot's): the `InputError`'s message, raised as `error`.

Every error is an `InputError`: `source[:line[:column]]: message — fix`, with the limit when one
was hit.
The limits are the README's ("Limits on what an input can cost").
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainshare.errors import TrainshareError

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class InputKind:
    """A kind of file trainshare reads, and the most bytes it reads of one."""

    name: str
    max_bytes: int


# A 10,000-account spec (`make bench-full`'s L) is 1.2 MB, its snapshot about 10 MB: the limits
# leave room for ten times that. Policy documents AWS accepts are at most 20 KB (S3) to 32 KB
# (KMS); the linter takes any IAM policy.
SPEC = InputKind("spec", 16 * MiB)
POLICY = InputKind("policy document", 1 * MiB)
SNAPSHOT = InputKind("snapshot", 128 * MiB)
IMPORT_FILE = InputKind("import file", 64 * MiB)
# a simulate request holds a few policies of a few KB each; room for a hundred of them
SIMULATE_REQUEST = InputKind("simulate request", 4 * MiB)

MAX_DEPTH = 64  # nesting of JSON arrays/objects and YAML sequences/mappings
MAX_NUMBER_CHARS = 40  # digits of a JSON or YAML number (an account ID has 12)

_CHUNK = 1 * MiB


class InputError(TrainshareError):
    """A file or a document that cannot be read within its limits."""

    def __init__(
        self,
        source: str,
        message: str,
        fix: str = "",
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.source, self.message, self.fix = source, message, fix
        self.line, self.column = line, column
        where = source
        if line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        super().__init__(f"{where}: {message}" + (f" — {fix}" if fix else ""))


def read_text(path: str | Path, kind: InputKind) -> str:
    """The UTF-8 text of a file of `kind`, at most `kind.max_bytes` of it (else an error).

    FIFOs open without waiting for a writer (one that never comes reads as empty); character
    devices are read in chunks up to the limit. A UTF-8 byte-order mark is dropped.
    """
    name = str(path)
    if "\0" in name:
        raise InputError(
            repr(name), "the path contains a NUL byte", "check how the path was written"
        )
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(name, f"cannot read the {kind.name}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(name, f"is a folder, not a {kind.name} file", "name a file")
        if stat.S_ISREG(info.st_mode) and info.st_size > kind.max_bytes:
            raise _too_large(name, kind, info.st_size)
        os.set_blocking(fd, True)
        data = _read_bounded(fd, name, kind)
    finally:
        os.close(fd)
    return _decode(data, name, kind)


def read_text_as(path: Path, kind: InputKind, error: Callable[[str], Exception]) -> str:
    """`read_text`, its `InputError` raised as the reader's own `error` (same message)."""
    try:
        return read_text(path, kind)
    except InputError as exc:
        raise error(str(exc)) from None


def _read_bounded(fd: int, name: str, kind: InputKind) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        try:
            chunk = os.read(fd, min(_CHUNK, kind.max_bytes + 1 - total))
        except OSError as exc:
            raise InputError(name, f"cannot read the {kind.name}: {exc.strerror}") from None
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > kind.max_bytes:
            raise _too_large(name, kind, None)


def _too_large(name: str, kind: InputKind, size: int | None) -> InputError:
    has = f"{size:,} bytes" if size is not None else "more than that"
    return InputError(
        name,
        f"a {kind.name} may be at most {kind.max_bytes:,} bytes ({kind.max_bytes // MiB} MiB); "
        f"this one is {has}",
        f"check that this is the {kind.name} you meant",
    )


def _decode(data: bytes, name: str, kind: InputKind) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            name,
            f"the {kind.name} is not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded",
            "save the file as UTF-8 (an editor's 'encoding' setting; Latin-1 is not UTF-8)",
            line,
        ) from None
    return text.removeprefix("\ufeff")


# -- strict JSON ----------------------------------------------------------------------------------


class _NumberError(Exception):
    def __init__(self, literal: str, message: str) -> None:
        self.literal, self.message = literal, message


def _parse_constant(literal: str) -> Any:
    raise _NumberError(literal, f"{literal} is not JSON (JSON has no NaN or Infinity)")


def _parse_int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_NUMBER_CHARS:
        raise _NumberError(literal, _long_number(literal))
    return int(literal)


def _parse_float(literal: str) -> float:
    if len(literal) > MAX_NUMBER_CHARS:
        raise _NumberError(literal, _long_number(literal))
    value = float(literal)
    if not math.isfinite(value):
        raise _NumberError(literal, f"{literal} is too large for a number")
    return value


def _long_number(literal: str) -> str:
    return f"a number of {len(literal):,} characters (at most {MAX_NUMBER_CHARS})"


def load_json(text: str, source: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Strict JSON (RFC 8259) with bounded nesting and numbers; an `InputError` otherwise."""
    try:
        data = json.loads(
            text,
            parse_constant=_parse_constant,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except json.JSONDecodeError as exc:
        raise InputError(
            source,
            f"not JSON: {exc.msg}",
            "fix the JSON syntax (a missing comma or quote is the usual cause)",
            exc.lineno,
            exc.colno,
        ) from None
    except _NumberError as exc:
        raise InputError(
            source, exc.message, "write the value as a string", _line_of(text, exc.literal)
        ) from None
    except RecursionError:
        raise _too_deep(source, max_depth) from None
    _check_nesting(data, source, max_depth)
    return data


def read_json(path: str | Path, kind: InputKind) -> Any:
    """`load_json` of `read_text`."""
    return load_json(read_text(path, kind), str(path))


def _too_deep(source: str, max_depth: int) -> InputError:
    return InputError(
        source,
        f"arrays and objects are nested more than {max_depth} deep",
        "flatten the document",
    )


def _check_nesting(data: Any, source: str, max_depth: int) -> None:
    """Depth of containers, and strings that cannot be written as UTF-8 (a lone surrogate)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            if depth >= max_depth:
                raise _too_deep(source, max_depth)
            for key, item in value.items():
                _check_string(key, source)
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            if depth >= max_depth:
                raise _too_deep(source, max_depth)
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            _check_string(value, source)


def _check_string(value: str, source: str) -> None:
    if value.isascii():
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(
            source,
            f"the string {value[:40]!r} holds half of a UTF-16 surrogate pair (\\ud800-\\udfff)",
            "write the character itself, or both halves of the pair",
        ) from None


_STRING = r'"(?:[^"\\]|\\.)*"'


def _line_of(text: str, literal: str) -> int | None:
    """The line of the first `literal` outside a string (for errors only)."""
    for match in re.finditer(f"{_STRING}|{re.escape(literal)}", text):
        if not match.group().startswith('"'):
            return text.count("\n", 0, match.start()) + 1
    return None


__all__ = [
    "IMPORT_FILE",
    "MAX_DEPTH",
    "MAX_NUMBER_CHARS",
    "POLICY",
    "SIMULATE_REQUEST",
    "SNAPSHOT",
    "SPEC",
    "InputError",
    "InputKind",
    "load_json",
    "read_json",
    "read_text",
    "read_text_as",
]
