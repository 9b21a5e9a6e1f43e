"""IAM condition evaluation, offline, with an explicit third outcome: UNKNOWN.

Semantics follow the IAM user guide, "Condition operators"
(reference_policies_elements_condition_operators) and "Single-valued vs. multivalued context
keys" (reference_policies_condition-single-vs-multi-valued-context-keys):
- several operators, and several keys under one operator, are ANDed; several values are ORed;
- a negated operator (StringNotEquals, ArnNotLike, NotIpAddress, …) is true when the request value
  matches none of the policy values;
- a key missing from the request makes positive operators false, negated ones true, `…IfExists`
  true, `Null: true` true, `ForAllValues:` true (also on an empty set of values) and
  `ForAnyValue:` false;
- String operators are case-sensitive unless `…IgnoreCase`; `*` and `?` are wildcards in `…Like`;
  ARN operators compare each of the six colon-separated parts, with wildcards, case-sensitively;
- dates are W3C ISO 8601 or epoch seconds; IP values are addresses or CIDR blocks.

A value of the wrong shape — a request value that is not an ARN under an ARN operator, not an
address under an IP operator, not `true`/`false` under Bool, a date out of range — matches
nothing, and a negated operator is false over it too (it cannot be said not to match what it
cannot be compared with; the behaviour of cloud-copilot's iam-simulate tables). So a wrong-typed
value never matches by accident; a date out of range also leaves a warning in the trace.

A key the analysis does not know (neither given by the user, filled automatically, nor declared
absent) makes the outcome UNKNOWN with that key named — never a silent allow or deny; so does a
policy variable whose key is unknown, and an operator this module does not know.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum, StrEnum
from typing import Any

from trainshare.access.variables import NO_VALUE, Unknown, resolve
from trainshare.policy.model import Condition, ConditionBlock
from trainshare.policy.operators import VARIABLE_FAMILIES, parse_operator
from trainshare.policy.wildcards import glob_match


class Match(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Outcome:
    match: Match
    unknown_keys: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()  # why UNKNOWN, besides keys (an operator not evaluated)
    warnings: tuple[str, ...] = ()  # values that can never match (a date out of range)

    @staticmethod
    def all_of(outcomes: Iterable[Outcome]) -> Outcome:
        """AND: NO wins, then UNKNOWN (collecting keys and notes), then YES."""
        unknown: set[str] = set()
        notes: list[str] = []
        warnings: list[str] = []
        for outcome in outcomes:
            if outcome.match is Match.NO:
                return outcome
            warnings += outcome.warnings
            if outcome.match is Match.UNKNOWN:
                unknown |= outcome.unknown_keys
                notes += outcome.notes
        if unknown or notes:
            return Outcome(Match.UNKNOWN, frozenset(unknown), tuple(notes), tuple(warnings))
        return Outcome(Match.YES, warnings=tuple(warnings)) if warnings else YES


YES = Outcome(Match.YES)
NO = Outcome(Match.NO)


@dataclass(frozen=True)
class Context:
    """Request context: known keys with their values; everything else is unknown, unless
    `absent` names it or `closed` says every unlisted key is missing — but for the keys
    `unknown` names, which stay unknown (`simulate`'s "unknown" list)."""

    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    absent: frozenset[str] = frozenset()
    closed: bool = False
    unknown: frozenset[str] = frozenset()

    @staticmethod
    def of(values: Mapping[str, str | Sequence[str]], **kwargs: Any) -> Context:
        normal = {k.lower(): (v,) if isinstance(v, str) else tuple(v) for k, v in values.items()}
        absent = frozenset(k.lower() for k in kwargs.pop("absent", ()))
        return Context(normal, absent, **kwargs)

    def with_values(self, values: Mapping[str, str | Sequence[str]]) -> Context:
        """These values added where the context does not already have the key."""
        extra = {k.lower(): (v,) if isinstance(v, str) else tuple(v) for k, v in values.items()}
        return Context({**extra, **self.values}, self.absent, self.closed, self.unknown)

    def without(self, *keys: str) -> Context:
        """These keys declared absent (unless the context has them)."""
        gone = frozenset(k.lower() for k in keys) - self.values.keys()
        return Context(self.values, self.absent | gone, self.closed, self.unknown)

    def replacing(self, key: str, value: str) -> Context:
        """This one key's value replaced (or added)."""
        return Context(
            {**self.values, key.lower(): (value,)}, self.absent, self.closed, self.unknown
        )

    def lookup(self, key: str) -> tuple[str, ...] | Match:
        """The values of `key`, or Match.NO when it is missing, Match.UNKNOWN when unknown."""
        low = key.lower()
        if low in self.values:
            return self.values[low]
        if low in self.unknown:
            return Match.UNKNOWN
        if low in self.absent or self.closed:
            return Match.NO
        return Match.UNKNOWN

    def variable(self, key: str) -> tuple[str, ...] | Unknown | None:
        """`lookup` as policy variables read it (`access.variables.Lookup`)."""
        found = self.lookup(key)
        if isinstance(found, tuple):
            return found
        return Unknown({key}) if found is Match.UNKNOWN else None


class _Cmp(Enum):
    """One request value against one policy value."""

    MATCH = 1
    NO_MATCH = 2
    INVALID = 3  # either side has the wrong shape for the operator: never a match


_MATCH, _NO_MATCH, _INVALID = _Cmp.MATCH, _Cmp.NO_MATCH, _Cmp.INVALID
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_EPOCH = re.compile(r"[+-]?\d+(?:\.\d+)?")
_YEAR_MONTH = re.compile(r"(\d{4})(?:-(\d{2}))?")


def _number(text: str) -> float | None:
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if value not in (float("inf"), float("-inf")) else None


class _OutOfRangeError(ValueError):
    pass


def _date(text: str) -> datetime | None:
    """A W3C ISO 8601 date (YYYY-MM, YYYY-MM-DD, with a time and a zone; no zone is UTC) or
    epoch seconds — digits alone are epoch seconds, as iam-simulate reads them; None when it is
    neither. Raises _OutOfRangeError for a date Python cannot hold."""
    if _EPOCH.fullmatch(text):
        try:
            return datetime.fromtimestamp(float(text), tz=UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise _OutOfRangeError(text) from exc
    partial = _YEAR_MONTH.fullmatch(text)
    try:
        if partial:
            return datetime(int(partial.group(1)), int(partial.group(2) or 1), 1, tzinfo=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _ordered(kind: str, a: Any, b: Any) -> _Cmp:
    if a is None or b is None:
        return _INVALID
    hit: bool = {
        "Equals": a == b,
        "LessThan": a < b,
        "LessThanEquals": a <= b,
        "GreaterThan": a > b,
        "GreaterThanEquals": a >= b,
    }[kind]
    return _MATCH if hit else _NO_MATCH


def _arn(have: str, want: str) -> _Cmp:
    wants, haves = want.split(":", 5), have.split(":", 5)
    if len(wants) != 6 or len(haves) != 6 or haves[0] != "arn":
        return _INVALID
    hit = all(glob_match(w, h) for w, h in zip(wants, haves, strict=True))
    return _MATCH if hit else _NO_MATCH


def _ip(have: str, want: str) -> _Cmp:
    try:
        address = ipaddress.ip_address(have)
        network = ipaddress.ip_network(want, strict=False)
    except ValueError:
        return _INVALID
    if address.version != network.version:
        return _NO_MATCH
    return _MATCH if address in network else _NO_MATCH


def _bool(have: str, want: str) -> _Cmp:
    have, want = have.lower(), want.lower()
    if have not in ("true", "false") or want not in ("true", "false"):
        return _INVALID
    return _MATCH if have == want else _NO_MATCH


def _binary(have: str, want: str) -> _Cmp:
    try:
        hit = base64.b64decode(have, validate=True) == base64.b64decode(want, validate=True)
    except (ValueError, binascii.Error):
        return _INVALID
    return _MATCH if hit else _NO_MATCH


def _compare(base: str, have: str, want: str) -> _Cmp:
    """One request value against one policy value, for a positive operator."""
    if base == "StringEquals":
        return _MATCH if have == want else _NO_MATCH
    if base == "StringEqualsIgnoreCase":
        return _MATCH if have.casefold() == want.casefold() else _NO_MATCH
    if base == "StringLike":
        return _MATCH if glob_match(want, have) else _NO_MATCH
    if base in ("ArnEquals", "ArnLike"):
        return _arn(have, want)
    if base == "Bool":
        return _bool(have, want)
    if base == "BinaryEquals":
        return _binary(have, want)
    if base == "IpAddress":
        return _ip(have, want)
    if base.startswith("Numeric"):
        return _ordered(base.removeprefix("Numeric"), _number(have), _number(want))
    return _ordered(base.removeprefix("Date"), _date(have), _date(want))


def _wants(
    condition: Condition, ctx: Context, variables: bool
) -> tuple[list[str | None], set[str]]:
    """The policy values with their variables resolved (None: a value with nothing to match),
    and the keys of variables whose values are unknown."""
    family = condition.operator.family
    if not variables or family not in VARIABLE_FAMILIES:
        return list(condition.values), set()
    wildcards = condition.operator.positive in ("StringLike", "ArnLike", "ArnEquals")
    wants: list[str | None] = []
    unknown: set[str] = set()
    for value in condition.values:
        resolved = resolve(value, ctx.variable, wildcards=wildcards)
        if isinstance(resolved, Unknown):
            unknown |= resolved
        else:
            wants.append(resolved)
    return wants, unknown


def evaluate(condition: Condition, ctx: Context, variables: bool = False) -> Outcome:
    """One operator on one key. `variables`: whether `${…}` in the values are policy
    variables (`Statement.variables`)."""
    operator = condition.operator
    key = condition.key
    found = ctx.lookup(key)
    if found is Match.UNKNOWN:
        return Outcome(Match.UNKNOWN, frozenset({key}))
    if operator.base == "Null":
        missing = found is Match.NO
        flags = [v.lower() for v in condition.values]
        return YES if ("true" if missing else "false") in flags else NO
    if operator.family is None:
        return Outcome(Match.UNKNOWN, notes=(f"operator {operator.text} is not evaluated",))
    if found is Match.NO:
        if operator.if_exists or operator.set_prefix == "ForAllValues:":
            return YES
        if operator.set_prefix == "ForAnyValue:":
            return NO
        return YES if operator.negated else NO
    assert not isinstance(found, Match)
    wants, unknown = _wants(condition, ctx, variables)
    positive = operator.positive
    warnings: list[str] = []

    def single(have: str) -> bool:
        hit = invalid = False
        for want in wants:
            if want is NO_VALUE:
                continue
            try:
                result = _compare(positive, have, want)
            except _OutOfRangeError as exc:
                warnings.append(f"{operator.text} {key}: {exc} is out of range for a date")
                result = _INVALID
            hit |= result is _MATCH
            invalid |= result is _INVALID
        if operator.negated:
            return not hit and not invalid
        return hit

    if operator.set_prefix == "ForAllValues:":
        decided = all(single(v) for v in found)
    else:  # ForAnyValue:, and a plain operator over a key with several values
        decided = any(single(v) for v in found)
    if unknown and decided is operator.negated:
        # a policy value not known yet could still match (negated: rule the request out); a
        # match already found (negated: a request value that is not matched) stays
        return Outcome(Match.UNKNOWN, frozenset(unknown), warnings=tuple(warnings))
    if warnings:
        return Outcome(Match.YES if decided else Match.NO, warnings=tuple(warnings))
    return YES if decided else NO


def evaluate_condition(block: ConditionBlock, ctx: Context, variables: bool = False) -> Outcome:
    """A statement's whole Condition element."""
    if not block.conditions:
        return YES
    outcomes = []
    for condition in block.conditions:
        outcome = evaluate(condition, ctx, variables)
        if outcome.match is Match.NO:
            return outcome
        outcomes.append(outcome)
    return Outcome.all_of(outcomes)


def evaluate_operator(op_text: str, key: str, values: Any, ctx: Context) -> Outcome:
    """One operator on one key, from the policy's JSON (tests and the matrix read it so)."""
    items = values if isinstance(values, list) else [values]
    texts = tuple(("true" if v else "false") if isinstance(v, bool) else str(v) for v in items)
    return evaluate(Condition(parse_operator(op_text), key, texts), ctx, variables=True)
