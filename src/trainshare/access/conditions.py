"""IAM condition evaluation, offline, with an explicit third outcome: UNKNOWN.

Semantics follow the IAM JSON reference, Condition operators
(reference_policies_elements_condition_operators) and multivalued keys
(reference_policies_condition-single-vs-multi-valued-context-keys):
- several operators, and several keys under one operator, are ANDed; several values are ORed;
- a negated operator (StringNotEquals, ArnNotLike, NotIpAddress, …) is true when the request value
  matches none of the policy values;
- a key missing from the request makes positive operators false, negated ones true, `…IfExists`
  true, `Null: true` true, `ForAllValues:` true and `ForAnyValue:` false;
- String operators are case-sensitive unless `…IgnoreCase`; `*` and `?` are wildcards in `…Like`;
  ARN operators compare each of the six colon-separated parts, with wildcards, case-sensitively.

A key the analysis does not know (neither given by the user, filled automatically, nor declared
absent) makes the outcome UNKNOWN with that key named — never a silent allow or deny; so does an
operator this module does not know.
"""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from trainshare.policy.lint import KNOWN_OPERATORS, as_list, parse_operator
from trainshare.policy.wildcards import glob_match


class Match(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Outcome:
    match: Match
    unknown_keys: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()

    @staticmethod
    def all_of(outcomes: Iterable[Outcome]) -> Outcome:
        """AND: NO wins, then UNKNOWN (collecting keys and notes), then YES."""
        unknown: set[str] = set()
        notes: list[str] = []
        for outcome in outcomes:
            if outcome.match is Match.NO:
                return outcome
            if outcome.match is Match.UNKNOWN:
                unknown |= outcome.unknown_keys
                notes += outcome.notes
        if unknown or notes:
            return Outcome(Match.UNKNOWN, frozenset(unknown), tuple(notes))
        return YES


YES = Outcome(Match.YES)
NO = Outcome(Match.NO)


@dataclass(frozen=True)
class Context:
    """Request context: known keys with their values; everything else is unknown, unless
    `absent` names it or `closed` says every unlisted key is missing."""

    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    absent: frozenset[str] = frozenset()
    closed: bool = False

    @staticmethod
    def of(values: Mapping[str, str | Sequence[str]], **kwargs: Any) -> Context:
        normal = {k.lower(): (v,) if isinstance(v, str) else tuple(v) for k, v in values.items()}
        absent = frozenset(k.lower() for k in kwargs.pop("absent", ()))
        return Context(normal, absent, **kwargs)

    def with_values(self, values: Mapping[str, str | Sequence[str]]) -> Context:
        """These values added where the context does not already have the key."""
        extra = {k.lower(): (v,) if isinstance(v, str) else tuple(v) for k, v in values.items()}
        return Context({**extra, **self.values}, self.absent, self.closed)

    def lookup(self, key: str) -> tuple[str, ...] | Match:
        """The values of `key`, or Match.NO when it is missing, Match.UNKNOWN when unknown."""
        low = key.lower()
        if low in self.values:
            return self.values[low]
        if low in self.absent or self.closed:
            return Match.NO
        return Match.UNKNOWN


_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _date(text: str) -> datetime | None:
    number = _number(text)
    if number is not None:
        return datetime.fromtimestamp(number, tz=UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _arn_like(pattern: str, value: str) -> bool:
    want, have = pattern.split(":", 5), value.split(":", 5)
    return len(want) == len(have) == 6 and all(
        glob_match(w, h) for w, h in zip(want, have, strict=True)
    )


def _ordered(kind: str, a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    result: bool = {
        "Equals": a == b,
        "LessThan": a < b,
        "LessThanEquals": a <= b,
        "GreaterThan": a > b,
        "GreaterThanEquals": a >= b,
    }[kind]
    return result


def _ip_in(value: str, network: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def _compare(base: str, have: str, want: str) -> bool:
    """One request value against one policy value, for a positive operator."""
    if base == "StringEquals":
        return have == want
    if base == "StringEqualsIgnoreCase":
        return have.casefold() == want.casefold()
    if base == "StringLike":
        return glob_match(want, have)
    if base in ("ArnEquals", "ArnLike"):
        return _arn_like(want, have)
    if base == "Bool":
        return have.lower() == want.lower()
    if base == "BinaryEquals":
        try:
            return base64.b64decode(have) == base64.b64decode(want)
        except ValueError:
            return False
    if base == "IpAddress":
        return _ip_in(have, want)
    if base.startswith("Numeric"):
        return _ordered(base.removeprefix("Numeric"), _number(have), _number(want))
    return _ordered(base.removeprefix("Date"), _date(have), _date(want))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def evaluate_operator(op_text: str, key: str, policy_values: Any, ctx: Context) -> Outcome:
    operator = parse_operator(op_text)
    wants = [_text(v) for v in as_list(policy_values)]
    found = ctx.lookup(key)
    if found is Match.UNKNOWN:
        return Outcome(Match.UNKNOWN, frozenset({key}))
    if operator.base == "Null":
        missing = found is Match.NO
        return YES if any((w.lower() == "true") == missing for w in wants) else NO
    negated = operator.base in _NEGATED
    positive = _NEGATED.get(operator.base, operator.base)
    if operator.base not in KNOWN_OPERATORS:
        return Outcome(Match.UNKNOWN, notes=(f"operator {op_text} is not evaluated",))
    if found is Match.NO:
        if operator.if_exists or operator.set_prefix == "ForAllValues:":
            return YES
        if operator.set_prefix == "ForAnyValue:":
            return NO
        return YES if negated else NO

    def single(have: str) -> bool:
        hit = any(_compare(positive, have, want) for want in wants)
        return not hit if negated else hit

    assert not isinstance(found, Match)
    if operator.set_prefix == "ForAllValues:":
        return YES if all(single(v) for v in found) else NO
    return YES if any(single(v) for v in found) else NO


def evaluate_condition(block: Any, ctx: Context) -> Outcome:
    """A statement's whole Condition element."""
    if not isinstance(block, Mapping):
        return YES
    outcomes = []
    for op_text, keys in block.items():
        if not isinstance(keys, Mapping):
            continue
        for key, values in keys.items():
            outcome = evaluate_operator(str(op_text), str(key), values, ctx)
            if outcome.match is Match.NO:
                return outcome
            outcomes.append(outcome)
    return Outcome.all_of(outcomes)
