"""A JSON diff for policy documents: the paths whose values differ, each with both values.

Statements are matched by Sid where both documents give every statement a distinct one (a
statement moved in the list is not a change), else by position. Lists of strings (actions,
condition values) are compared as sets in the order they are written: what is added and what is
removed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from trainshare.errors import TrainshareError
from trainshare.inputs import load_json


@dataclass(frozen=True, slots=True)
class JsonChange:
    path: str  # `Statement[Sid DenyGpu].Condition.StringNotLike.ec2:InstanceType`
    before: Any  # None where `added`
    after: Any  # None where `removed`
    added: bool = False
    removed: bool = False

    def render(self, width: int = 100) -> str:
        if self.added:
            return f"+ {self.path}: {_short(self.after, width)}"
        if self.removed:
            return f"- {self.path}: {_short(self.before, width)}"
        return f"~ {self.path}: {_short(self.before, width)} → {_short(self.after, width)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "change": "added" if self.added else "removed" if self.removed else "changed",
            "before": self.before,
            "after": self.after,
        }


def _short(value: Any, width: int) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= width else text[: width - 3] + "..."


def parse(text: Any) -> Any | None:
    """A JSON document from a string (a policy's text), or None when it is not one."""
    if not isinstance(text, str) or not text.lstrip().startswith(("{", "[")):
        return None
    try:
        return load_json(text, "policy")
    except TrainshareError:
        return None


def json_diff(before: Any, after: Any, path: str = "") -> list[JsonChange]:
    return list(_diff(before, after, path))


def _diff(before: Any, after: Any, path: str) -> Iterator[JsonChange]:
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        for key in dict.fromkeys((*before, *after)):
            where = f"{path}.{key}" if path else str(key)
            if key not in after:
                yield JsonChange(where, before[key], None, removed=True)
            elif key not in before:
                yield JsonChange(where, None, after[key], added=True)
            elif key == "Statement" and isinstance(before[key], list | dict):
                yield from _statements(_listed(before[key]), _listed(after[key]), where)
            else:
                yield from _diff(before[key], after[key], where)
        return
    if (
        _strings(before)
        and _strings(after)
        and (isinstance(before, list) or isinstance(after, list))
    ):
        was, now = _listed(before), _listed(after)
        gone = [v for v in was if v not in now]
        new = [v for v in now if v not in was]
        if gone:
            yield JsonChange(path, gone, None, removed=True)
        if new:
            yield JsonChange(path, None, new, added=True)
        return
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for i, (a, b) in enumerate(zip(before, after, strict=True)):
            yield from _diff(a, b, f"{path}[{i}]")
        return
    if before != after:
        yield JsonChange(path, before, after)


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _strings(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    )


def _sids(statements: list[Any]) -> list[str] | None:
    sids = [s.get("Sid") if isinstance(s, Mapping) else None for s in statements]
    if all(isinstance(s, str) and s for s in sids) and len(set(sids)) == len(sids):
        return [str(s) for s in sids]
    return None


def _statements(before: list[Any], after: list[Any], path: str) -> Iterator[JsonChange]:
    was, now = _sids(before), _sids(after)
    if was is None or now is None:
        for i in range(max(len(before), len(after))):
            where = f"{path}[{i}]"
            if i >= len(after):
                yield JsonChange(where, before[i], None, removed=True)
            elif i >= len(before):
                yield JsonChange(where, None, after[i], added=True)
            else:
                yield from _diff(before[i], after[i], where)
        return
    old = dict(zip(was, before, strict=True))
    new = dict(zip(now, after, strict=True))
    for sid in dict.fromkeys((*was, *now)):
        where = f"{path}[Sid {sid}]"
        if sid not in new:
            yield JsonChange(where, old[sid], None, removed=True)
        elif sid not in old:
            yield JsonChange(where, None, new[sid], added=True)
        else:
            yield from _diff(old[sid], new[sid], where)
