"""IAM's wildcards, `*` (any run of characters) and `?` (one): every other character is itself,
`[` too, unlike fnmatch's. Actions match case-insensitively, ARNs and other values
case-sensitively (IAM JSON reference: reference_policies_elements_action, _resource).
Each pattern is compiled once per process.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_Matcher = Callable[[str], re.Match[str] | None]
_GLOBS: dict[str, _Matcher] = {}
_GLOBS_IGNORING_CASE: dict[str, _Matcher] = {}


def _compile(pattern: str, flags: int) -> _Matcher:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL | flags).fullmatch


def glob_match(pattern: str, value: str) -> bool:
    """IAM's wildcards, case-sensitively (ARNs): `*` any run of characters, `?` one; every
    other character is itself (`[` too, unlike fnmatch)."""
    match = _GLOBS.get(pattern)
    if match is None:
        match = _GLOBS[pattern] = _compile(pattern, 0)
    return match(value) is not None


def action_matches(pattern: str, action: str) -> bool:
    """`glob_match` for actions, which IAM matches case-insensitively."""
    match = _GLOBS_IGNORING_CASE.get(pattern)
    if match is None:
        match = _GLOBS_IGNORING_CASE[pattern] = _compile(pattern, re.IGNORECASE)
    return match(action) is not None
