"""YAML → plain Python data, keeping the line of every key and list item.

ruamel.yaml's round-trip loader records positions (`.lc`) on every mapping and sequence; we walk
the tree once, copy it into plain dicts/lists/scalars, and keep a `{path: line}` table so that any
later check (pydantic's or ours) can say where in the file a problem is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from trainshare.errors import SpecError, SpecIssue

Path_ = tuple[str | int, ...]


@dataclass
class Located:
    """Plain data plus the line (1-based) of each key path."""

    data: Any
    file: str
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


def _plain(node: Any, path: Path_, lines: dict[Path_, int]) -> Any:
    if isinstance(node, CommentedMap):
        out: dict[Any, Any] = {}
        for key, value in node.items():
            line, _col = node.lc.key(key)
            child = (*path, str(key))
            lines[child] = line + 1
            out[key] = _plain(value, child, lines)
        return out
    if isinstance(node, CommentedSeq):
        items: list[Any] = []
        for index, value in enumerate(node):
            line, _col = node.lc.item(index)
            lines[(*path, index)] = line + 1
            items.append(_plain(value, (*path, index), lines))
        return items
    if isinstance(node, str):
        return str(node)  # drop ruamel's ScalarString subclasses
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def _refused(file: str, line: int | None, code: str, message: str, fix: str) -> SpecError:
    return SpecError(
        [SpecIssue(code=code, path=(), message=message, fix=fix, file=file, line=line)]
    )


def load_yaml(text: str, file: str) -> Located:
    """Parse YAML text; a syntax error or duplicate key is a located `SpecError`."""
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    try:
        raw = yaml.load(text)
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        raise _refused(
            file,
            mark.line + 1 if mark else None,
            "DUPLICATE_KEY",
            f"{_duplicate_key(exc.problem)} appears twice in the same mapping",
            "each key may appear once; merge the two entries or rename one",
        ) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise _refused(
            file,
            mark.line + 1 if mark else None,
            "YAML_SYNTAX",
            f"not valid YAML: {exc.problem or exc.context}",
            "fix the YAML syntax at this line (indentation, quotes, colons)",
        ) from None
    except ReaderError as exc:
        raise _refused(
            file,
            text.count("\n", 0, max(exc.position, 0)) + 1,
            "YAML_SYNTAX",
            f"character #x{exc.character:04x} is not allowed in YAML",
            "remove the control character (often pasted from a terminal)",
        ) from None
    except YAMLError as exc:  # anything else ruamel refuses: still a located spec error
        raise _refused(
            file, 1, "YAML_SYNTAX", f"not valid YAML: {exc}", "fix the YAML syntax"
        ) from None
    lines: dict[Path_, int] = {(): 1}
    return Located(data=_plain(raw, (), lines), file=file, lines=lines)


def read_yaml(path: Path) -> Located:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _refused(
            str(path),
            None,
            "SPEC_UNREADABLE",
            f"cannot read the spec: {exc}",
            "check the path and that the file is UTF-8 text",
        ) from None
    return load_yaml(text, str(path))


def _duplicate_key(problem: str | None) -> str:
    match = re.search(r'found duplicate key "([^"]*)"', problem or "")
    return f"key {match.group(1)!r}" if match else "a key"
