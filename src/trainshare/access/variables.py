"""Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'none'}`, `${*}`.

IAM user guide, "IAM policy elements: Variables and tags" (reference_policies_variables):
- a variable is replaced by the value of the request-context key it names (case-insensitive);
- only in documents of Version 2012-10-17 (elsewhere `${…}` is literal text), only in the
  resource part of a Resource ARN (after the fifth colon) and in the values of string, ARN and
  Bool condition operators;
- a key with no value in the request — absent, or multivalued (a multivalued key cannot be a
  variable) — leaves nothing to match: the policy value matches no request value, unless the
  variable gives a default, `${key, 'default'}` (`''` in a default is one quote);
- `${*}`, `${?}` and `${$}` stand for the characters themselves;
- one pass: what a variable resolves to is not resolved again.

A key whose value trainshare does not know makes the value unknown: the caller answers
CONDITIONAL, naming the key (answer with --context KEY=VALUE), and never guesses.
"""

from __future__ import annotations

from collections.abc import Callable

from trainshare.policy.variables import pieces
from trainshare.policy.wildcards import literal, unliteral


class Unknown(frozenset[str]):
    """The keys whose values are unknown, when a value cannot be resolved without them."""


# lookup(key) → the key's values, None when the key is absent, Unknown when not known
Lookup = Callable[[str], tuple[str, ...] | Unknown | None]
NO_VALUE = None  # resolves to nothing: matches no request value


def resolve(text: str, lookup: Lookup, *, wildcards: bool) -> str | Unknown | None:
    """`text` with its variables replaced: a string, NO_VALUE, or the unknown keys. With
    `wildcards`, the values put in stand for themselves (`policy.wildcards.literal`)."""
    if "${" not in text:
        return text
    out: list[str] = []
    unknown: set[str] = set()
    for piece in pieces(text):
        if isinstance(piece, str):
            out.append(piece)
            continue
        found = lookup(piece.key)
        if isinstance(found, Unknown):
            unknown |= found
            continue
        value = found[0] if found is not None and len(found) == 1 else piece.default
        if value is None:
            return NO_VALUE
        out.append(literal(value) if wildcards else value)
    if unknown:
        return Unknown(unknown)
    return "".join(out) if wildcards else unliteral("".join(out))


def resolve_resource(pattern: str, lookup: Lookup) -> str | Unknown | None:
    """A Resource pattern with the variables of its resource part replaced (the part after
    the fifth colon; before it `${…}` is literal text)."""
    if "${" not in pattern:
        return pattern
    parts = pattern.split(":", 5)
    if len(parts) < 6:
        return pattern
    resolved = resolve(parts[5], lookup, wildcards=True)
    if resolved is None or isinstance(resolved, Unknown):
        return resolved
    return ":".join([*parts[:5], resolved])
