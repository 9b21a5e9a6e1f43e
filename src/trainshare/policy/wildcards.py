"""IAM's wildcards, `*` (any run of characters) and `?` (one): every other character is itself,
`[` too, unlike fnmatch's. Actions match case-insensitively, ARNs and other values
case-sensitively (IAM JSON reference: reference_policies_elements_action, _resource).
Each pattern is compiled once per process.

A policy variable's value, and the special variables `${*}` and `${?}`, stand for themselves even
where wildcards count (IAM user guide, "Variables and tags", special characters): a resolved
pattern writes such a literal `*` as LITERAL_STAR and `?` as LITERAL_QUESTION (two characters of
Unicode's private use area, which no ARN or condition value holds).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_Matcher = Callable[[str], re.Match[str] | None]
_GLOBS: dict[str, _Matcher] = {}
_GLOBS_IGNORING_CASE: dict[str, _Matcher] = {}


LITERAL_STAR = "\ue000"
LITERAL_QUESTION = "\ue001"
_TRANSLATION = {"*": ".*", "?": ".", LITERAL_STAR: re.escape("*"), LITERAL_QUESTION: re.escape("?")}


def _compile(pattern: str, flags: int) -> _Matcher:
    body = "".join(_TRANSLATION.get(c) or re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL | flags).fullmatch


def literal(text: str) -> str:
    """`text` as a pattern that matches exactly it (its `*` and `?` are not wildcards)."""
    return text.replace("*", LITERAL_STAR).replace("?", LITERAL_QUESTION)


def unliteral(pattern: str) -> str:
    """A resolved pattern's text as it reads, for comparisons without wildcards."""
    return pattern.replace(LITERAL_STAR, "*").replace(LITERAL_QUESTION, "?")


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
