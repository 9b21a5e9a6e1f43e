"""Policy variables as the policy language writes them: `${aws:username}`,
`${aws:PrincipalTag/team, 'none'}`, and the special `${*}`, `${?}`, `${$}` (IAM user guide, "IAM
policy elements: Variables and tags", reference_policies_variables). Resolving them against a
request is the access analysis's (`access.variables`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from trainshare.policy.wildcards import literal

# ${key} or ${key, 'default'}; anything else between ${ and } is not a variable
_VARIABLE = re.compile(r"\$\{\s*([^,{}'\s]+)\s*(?:,\s*'((?:[^']|'')*)'\s*)?\}")
_SPECIAL = {"*": literal("*"), "?": literal("?"), "$": "$"}


@dataclass(frozen=True, slots=True)
class Variable:
    key: str
    default: str | None


Piece = str | Variable


@functools.lru_cache(maxsize=8192)
def pieces(text: str) -> tuple[Piece, ...]:
    """The text as literal pieces and variables (a special character is a literal piece)."""
    out: list[Piece] = []
    at = 0
    for found in _VARIABLE.finditer(text):
        out.append(text[at : found.start()])
        key, default = found.group(1), found.group(2)
        if key in _SPECIAL and default is None:
            out.append(_SPECIAL[key])
        else:
            out.append(Variable(key, None if default is None else default.replace("''", "'")))
        at = found.end()
    out.append(text[at:])
    return tuple(p for p in out if p != "")


def variable_keys(text: str) -> frozenset[str]:
    """The keys the variables in `text` read, lower-cased."""
    if "${" not in text:
        return frozenset()
    return frozenset(p.key.lower() for p in pieces(text) if isinstance(p, Variable))
