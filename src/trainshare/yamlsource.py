"""YAML → plain Python data, keeping the line of every key and list item.

Two parsers, one result. The fast path composes the node tree with libyaml (PyYAML's C
composer: a 10,000-account spec in 0.4 s instead of 4.5 s) and resolves plain scalars with YAML
1.2's core schema (`resolve_scalar`), so `yes`, `on` and `012` stay strings as YAML 1.2 says.
libyaml implements YAML 1.1 and refuses a few 1.2 texts (an unquoted `arn:…` inside `[…]`); then
ruamel.yaml's composer (pure Python, YAML 1.2) reads the file instead, and reports the errors.
Either way the node tree is walked once (`_Walker`) into plain dicts/lists/scalars with a
`{path: line}` table, so any later check can say where in the file a problem is, and within
bounded cost: nesting, aliases and the values they copy, number lengths; tags other than the
core schema's are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML, nodes
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

from trainshare import inputs
from trainshare.errors import SpecError
from trainshare.findings import Finding, Location, Severity

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


# YAML 1.2 core schema (yaml.org/spec/1.2.2, 10.3.2): how a plain scalar resolves.
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT = {
    ".inf": float("inf"),
    "+.inf": float("inf"),
    "-.inf": float("-inf"),
    ".nan": float("nan"),
}


def resolve_scalar(text: str) -> Any:
    """A plain (unquoted) scalar's value under the YAML 1.2 core schema. A number longer than
    `inputs.MAX_NUMBER_CHARS` raises ValueError (converting it could take seconds)."""
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    numeric = _INT.match(text) or _OCT.match(text) or _HEX.match(text) or _FLOAT.match(text)
    if numeric and len(text) > inputs.MAX_NUMBER_CHARS:
        raise ValueError(f"a number of {len(text)} characters")
    if _INT.match(text):
        return int(text)
    if _OCT.match(text):
        return int(text[2:], 8)
    if _HEX.match(text):
        return int(text[2:], 16)
    if text.lower() in _SPECIAL_FLOAT:
        return _SPECIAL_FLOAT[text.lower()]
    if _FLOAT.match(text):
        return float(text)
    return text


# What an input may cost (README, "Limits on what an input can cost"): a billion-laughs file of a
# few lines would otherwise expand to gigabytes, and a recursive alias never ends.
MAX_DEPTH = inputs.MAX_DEPTH  # nested mappings and sequences
MAX_ALIASES = 1_000  # uses of `*anchor` in one file
MAX_ALIAS_NODES = 100_000  # values those uses copy, all together


class _RefusedError(Exception):
    def __init__(self, code: str, line: int | None, message: str, fix: str) -> None:
        self.line, self.code, self.message, self.fix = line, code, message, fix


_CORE_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}"
    for t in ("null", "bool", "int", "float", "str", "timestamp", "value", "merge")
)
# The tag both parsers give a plain scalar that has no tag of its own: `_scalar` resolves it
# with YAML 1.2's core schema, and tells it from an explicit `!!str 012…`, which stays a string.
_PLAIN_TAG = "tag:trainshare,2026:plain"
_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_UNSUPPORTED_TAG_FIX = (
    "remove the tag: trainshare reads plain YAML (strings, numbers, true/false, null, lists "
    "and mappings)"
)


class _Walker:
    """A node tree (libyaml's or ruamel's: the same shape) into plain data and a line table,
    within the limits above. Aliases are the same node object met again: each use is counted,
    and so is every value it copies; meeting a node inside itself is a recursive alias."""

    def __init__(self, mapping: type, sequence: type) -> None:
        self.mapping, self.sequence = mapping, sequence
        self.lines: dict[Path_, int] = {(): 1}
        self.seen: set[int] = set()  # collection nodes already walked once
        self.open: set[int] = set()  # collection nodes being walked (the path to here)
        self.aliases = 0
        self.copied = 0
        self.use_line = 1  # where the alias being copied is used

    def walk(self, node: Any, path: Path_, depth: int, copy: bool) -> Any:
        if copy:
            self.copied += 1
            if self.copied > MAX_ALIAS_NODES:
                raise _RefusedError(
                    "YAML_ALIASES",
                    self.use_line,
                    f"aliases copy more than {MAX_ALIAS_NODES:,} values",
                    "write the repeated values out, or use fewer aliases of large anchors",
                )
        if isinstance(node, self.mapping | self.sequence):
            return self._collection(node, path, depth, copy)
        return _scalar(node)

    def _collection(self, node: Any, path: Path_, depth: int, copy: bool) -> Any:
        ident = id(node)
        if ident in self.open:
            raise _RefusedError(
                "YAML_ALIASES",
                self.lines.get(path, _line(node)),
                "an alias refers to the anchor it is inside (a recursive alias)",
                "an anchor's value cannot contain its own alias",
            )
        if ident in self.seen:
            if not copy:
                self.use_line = self._key_line(path, node)
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _RefusedError(
                    "YAML_ALIASES",
                    self.use_line,
                    f"more than {MAX_ALIASES:,} aliases",
                    "write the repeated values out",
                )
            copy = True
        if depth >= MAX_DEPTH:
            message = f"mappings and lists are nested more than {MAX_DEPTH} deep"
            raise _RefusedError("YAML_TOO_DEEP", _line(node), message, "flatten the document")
        self.seen.add(ident)
        self.open.add(ident)
        try:
            if isinstance(node, self.mapping):
                return self._mapping(node, path, depth, copy)
            return self._sequence(node, path, depth, copy)
        finally:
            self.open.discard(ident)

    def _key_line(self, path: Path_, node: Any) -> int:
        """The line of the nearest key above an alias: a node met through an alias carries the
        anchor's line, not the alias's."""
        for end in range(len(path), 0, -1):
            if isinstance(path[end - 1], str):
                return self.lines.get(path[:end], _line(node))
        return _line(node)

    def _mapping(self, node: Any, path: Path_, depth: int, copy: bool) -> dict[Any, Any]:
        if node.tag != _MAP_TAG:
            raise _tag_refused(node)
        out: dict[Any, Any] = {}
        lines = self.lines
        for key_node, value_node in node.value:
            if isinstance(key_node, self.mapping | self.sequence):
                raise _RefusedError(
                    "YAML_COMPLEX_KEY",
                    _line(key_node),
                    "a list or a mapping is used as a key",
                    "keys are names: write a plain string",
                )
            key = _scalar(key_node)
            if key in out:
                raise _RefusedError(
                    "DUPLICATE_KEY",
                    _line(key_node),
                    f"key {str(key)!r} appears twice in the same mapping",
                    "each key may appear once; merge the two entries or rename one",
                )
            child = (*path, str(key))
            lines[child] = key_node.start_mark.line + 1
            out[key] = self.walk(value_node, child, depth + 1, copy)
        return out

    def _sequence(self, node: Any, path: Path_, depth: int, copy: bool) -> list[Any]:
        if node.tag != _SEQ_TAG:
            raise _tag_refused(node)
        items: list[Any] = []
        for index, item in enumerate(node.value):
            child = (*path, index)
            self.lines[child] = item.start_mark.line + 1
            items.append(self.walk(item, child, depth + 1, copy))
        return items


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1


def _scalar(node: Any) -> Any:
    tag = node.tag
    if tag == _PLAIN_TAG or (not node.style and tag in _CORE_SCALAR_TAGS and tag != _STR_TAG):
        # plain (or `!!int 3`): YAML 1.2's core schema decides
        try:
            return resolve_scalar(node.value)
        except ValueError:
            raise _RefusedError(
                "YAML_NUMBER",
                _line(node),
                f"a number of {len(node.value):,} characters (at most {inputs.MAX_NUMBER_CHARS})",
                "quote it if it is a name; no value of a spec needs such a number",
            ) from None
    if tag == _STR_TAG:
        return node.value  # quoted, a block scalar, or tagged `!!str`
    raise _tag_refused(node)


def _tag_refused(node: Any) -> _RefusedError:
    tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
    return _RefusedError(
        "YAML_TAG", _line(node), f"the tag {tag} is not supported", _UNSUPPORTED_TAG_FIX
    )


def _walk(node: Any, file: str, mapping: type, sequence: type) -> Located:
    walker = _Walker(mapping, sequence)
    try:
        data = walker.walk(node, (), 0, False) if node is not None else None
    except _RefusedError as refused:
        raise _refused(refused.code, file, refused.line, refused.message, refused.fix) from None
    return Located(data=data, file=file, lines=walker.lines)


class _PlainResolver(VersionedResolver):
    """ruamel's YAML 1.2 resolver, but a plain scalar without a tag gets `_PLAIN_TAG`."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is nodes.ScalarNode and implicit[0]:
            return Tag(suffix=_PLAIN_TAG)
        return super().resolve(kind, value, implicit)


def _libyaml_loader() -> type | None:
    """libyaml's composer (when PyYAML was built with it), giving a plain scalar without a tag
    `_PLAIN_TAG` (libyaml's own resolver is YAML 1.1's)."""
    base = getattr(yaml, "CSafeLoader", None)
    if base is None:
        return None

    def resolve(self: Any, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0]:
            return _PLAIN_TAG
        return base.resolve(self, kind, value, implicit)

    return type("_PlainLoader", (base,), {"resolve": resolve})


_LIBYAML_LOADER = _libyaml_loader()


def _fast(text: str, file: str) -> Located | None:
    """The libyaml path; None when libyaml cannot read the text (ruamel then does)."""
    loader = _LIBYAML_LOADER
    if loader is None:
        return None
    try:
        node = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        if "maximum nesting depth" in str(exc.problem):  # libyaml stops at 1,000 levels
            raise _too_deep(file, exc.problem_mark.line + 1 if exc.problem_mark else None) from None
        return None
    except yaml.YAMLError:
        return None
    return _walk(node, file, yaml.MappingNode, yaml.SequenceNode)


def _refused(code: str, file: str, line: int | None, message: str, fix: str) -> SpecError:
    return SpecError(
        [Finding(code, Severity.ERROR, Location(file, line, path="(document)"), message, fix)]
    )


def load_yaml(text: str, file: str) -> Located:
    """Parse YAML text; a syntax error, a duplicate key, or input past the limits above is a
    located `SpecError`."""
    fast = _fast(text, file)
    return fast if fast is not None else load_yaml_ruamel(text, file)


def load_yaml_ruamel(text: str, file: str) -> Located:
    """The pure-Python YAML 1.2 path (ruamel.yaml's composer), with its error reporting."""
    reader = YAML(typ="rt", pure=True)
    reader.Resolver = _PlainResolver
    reader.max_depth = MAX_DEPTH + 1  # ruamel ≥ 0.19 counts the scalars too; older: recursion
    try:
        node = reader.compose(text)
    except MarkedYAMLError as exc:
        if type(exc).__name__ == "MaxDepthExceededError":
            mark = exc.problem_mark
            raise _too_deep(file, mark.line + 1 if mark else None) from None
        raise _syntax_error(text, file, exc) from None
    except ReaderError as exc:
        raise _refused(
            "YAML_SYNTAX",
            file,
            text.count("\n", 0, max(exc.position, 0)) + 1,
            f"character #x{exc.character:04x} is not allowed in YAML",
            "remove the control character (often pasted from a terminal)",
        ) from None
    except RecursionError:
        raise _too_deep(file, None) from None
    except YAMLError as exc:  # anything else ruamel refuses: still a located spec error
        raise _refused(
            "YAML_SYNTAX", file, 1, f"not valid YAML: {exc}", "fix the YAML syntax"
        ) from None
    return _walk(node, file, nodes.MappingNode, nodes.SequenceNode)


def _too_deep(file: str, line: int | None) -> SpecError:
    message = f"mappings and lists are nested more than {MAX_DEPTH} deep"
    return _refused("YAML_TOO_DEEP", file, line, message, "flatten the document")


def _syntax_error(text: str, file: str, exc: MarkedYAMLError) -> SpecError:
    """Where the parser noticed the problem, and where the structure it was reading began
    (the mapping a stray list item broke, the quote that never closed)."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    message = f"not valid YAML: {exc.problem or exc.context}"
    context = exc.context_mark
    if exc.problem and exc.context and context is not None and context.line + 1 != line:
        message += f", {exc.context} that starts at line {context.line + 1}"
        message += _shown(text, context.line)
    if line is not None and (quoted := _open_quote(text, line)) is not None:
        start, end = quoted
        message += (
            f", after a quoted string that runs from line {start}{_shown(text, start - 1)} to "
            f"line {end} — is its closing quote missing?"
        )
    return _refused(
        "YAML_SYNTAX",
        file,
        line,
        message,
        "fix the YAML syntax there (indentation, quotes, colons)",
    )


def _shown(text: str, index: int) -> str:
    """` (`the line`)`, the 0-based line `index` of `text`, shortened; empty if blank."""
    lines = text.splitlines()
    source = lines[index].strip() if 0 <= index < len(lines) else ""
    return f" (`{source[:60]}`)" if source else ""


def _open_quote(text: str, line: int) -> tuple[int, int] | None:
    """(first, last line) of a quoted string spanning lines that ends just before `line` or on
    it: a quote left open runs on to the next quote, and the parser trips only after it."""
    last = None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        for token in yaml.scan(text, Loader=loader):
            if token.start_mark.line + 1 > line:
                break
            if (
                isinstance(token, yaml.ScalarToken)
                and token.style in ('"', "'")
                and token.start_mark.line != token.end_mark.line
            ):
                last = (token.start_mark.line + 1, token.end_mark.line + 1)
    except yaml.YAMLError:
        pass  # the error being explained: the tokens before it are what counts
    return last if last is not None and last[1] >= line - 1 else None


def read_yaml(path: Path) -> Located:
    try:
        text = inputs.read_text(path, inputs.SPEC)
    except inputs.InputError as exc:
        raise _refused(
            "SPEC_UNREADABLE", exc.source, exc.line, exc.message, exc.fix or "check the path"
        ) from None
    return load_yaml(text, str(path))
