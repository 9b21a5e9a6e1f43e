"""Collecting located findings, and turning pydantic's errors into ours."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from trainshare.catalog import finding
from trainshare.findings import Finding, Location, Severity
from trainshare.yamlsource import Located, Path_

M = TypeVar("M", bound=BaseModel)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def field_text(path: Path_) -> str:
    """A spec path as the user reads it: `shares.s.resources[0].arn`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return text or "(document)"


class Collector:
    """Gathers findings, each located at the line of the spec field it refers to."""

    def __init__(self, source: Located) -> None:
        self.source = source
        self.issues: list[Finding] = []

    def add(
        self,
        code: str,
        path: Path_,
        message: str,
        fix: str | None = None,
        severity: Severity | None = None,
    ) -> None:
        """A finding of a catalogued code at the spec field `path`. `fix` is specific to this
        instance (None: the catalogue's generic fix); the severity is the catalogue's unless
        the user chose another (see `catalog.finding`)."""
        location = Location(self.source.file, self.source.line_of(path), path=field_text(path))
        self.issues.append(finding(code, location, message, fix, severity))

    def refuse(
        self, code: str, path: Path_, message: str, fix: str | None = None
    ) -> Literal[False]:
        """`add`, then False: a rule returns `out.refuse(…)` where it fails (inside the `if` of
        its condition), so its message is built only when it fails."""
        self.add(code, path, message, fix)
        return False

    @property
    def has_errors(self) -> bool:
        return any(i.severity is Severity.ERROR for i in self.issues)

    def sorted(self) -> list[Finding]:
        # stable: check order within a line and field
        return sorted(self.issues, key=lambda i: (i.location.line or 0, i.location.path))

    def validate(self, model: type[M], data: Any, path: Path_) -> M | None:
        """`model.model_validate(data)`, reporting every error at its line; None on failure."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                self._pydantic(model, err, path)
            return None

    def _pydantic(self, model: type[BaseModel], err: Any, path: Path_) -> None:
        loc = tuple(part for part in err["loc"] if part != "[key]")
        full = (*path, *loc)
        kind, value = err["type"], err.get("input")
        if kind == "extra_forbidden":
            key = str(loc[-1])
            allowed = _fields_at(model, loc[:-1])
            hint = did_you_mean(key, allowed) or f"allowed here: {', '.join(allowed)}"
            self.add("UNKNOWN_KEY", full, f"unknown key {key!r}", f"remove it — {hint}")
        elif kind == "missing":
            self.add(
                "MISSING_KEY", full, f"required key {loc[-1]!r} is missing", f"add `{loc[-1]}: …`"
            )
        elif kind == "value_error":
            # Our validators raise "what is wrong — how to fix".
            msg, _, fix = str(err["msg"]).removeprefix("Value error, ").partition(" — ")
            self.add("INVALID_VALUE", full, msg, fix)
        elif kind in _TYPE_WORDS:
            self.add(
                "WRONG_TYPE",
                full,
                f"must be {_TYPE_WORDS[kind]}, got {_describe(value)}",
                f"write {_TYPE_WORDS[kind]} here",
            )
        elif kind == "too_short":
            self.add("INVALID_VALUE", full, "must not be empty", "add at least one entry")
        elif kind == "string_pattern_mismatch":
            pattern = err.get("ctx", {}).get("pattern", "")
            self.add(
                "INVALID_VALUE",
                full,
                f"{value!r} is not valid here (pattern {pattern})",
                "correct the value",
            )
        elif kind == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            self.add(
                "INVALID_VALUE",
                full,
                f"must be {expected}, got {_describe(value)}",
                f"write {expected}",
            )
        else:
            self.add("INVALID_VALUE", full, str(err["msg"]), "correct the value")


_TYPE_WORDS = {
    "string_type": "a string",
    "bool_type": "true or false",
    "int_type": "a whole number",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def _describe(value: Any) -> str:
    kind = {
        dict: "a mapping",
        list: "a list",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        type(None): "nothing",
    }.get(type(value), "a value")
    if isinstance(value, dict | list):
        return kind
    return f"{kind} ({value!r})"


def _fields_at(model: type[BaseModel], loc: Sequence[Any]) -> list[str]:
    """The field names of the (nested) model that `loc` points into."""
    current: Any = model
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(str(part))
        if field is None:
            return []
        annotation = field.annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        current = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []
