"""Condition operators × value shapes: a value of the wrong shape never crashes and never matches
by accident — under the negated operators neither (IAM user guide, Condition operators; the
tables of cloud-copilot's iam-simulate). Each row: operator, policy values, request value, the
outcome."""

from __future__ import annotations

import pytest

from trainshare.access.conditions import Context, Match, evaluate_operator

YES, NO, UNKNOWN = Match.YES, Match.NO, Match.UNKNOWN
EMPTY = object()  # the key is given, with no value at all (a multivalued key's empty set)

SHAPES = [
    # ARN: a request value that is not an ARN, a policy value with too few parts
    ("ArnLike", "arn:aws:iam::*:role/*", "role/Deploy", NO),
    ("ArnNotLike", "arn:aws:iam::*:role/Deploy", "role/Deploy", NO),
    ("ArnEquals", "arn:aws:iam::*", "arn:aws:iam::1:role/R", NO),
    ("ArnNotEquals", "arn:aws:iam::*", "arn:aws:iam::1:role/R", NO),
    ("ArnNotLike", "arn:aws:iam::*:role/Deploy", "arn:aws:iam::1:role/Other", YES),
    ("ArnLike", "arn:aws:s3:::bucket/*", "xrn:aws:s3:::bucket/key", NO),
    ("ArnNotLike", "arn:aws:s3:::bucket/*", "xrn:aws:s3:::bucket/key", NO),
    # ARN parts: a `*` does not cross a colon (ARN operators), unlike StringLike
    (
        "ArnLike",
        "arn:aws:someservice:*:111122223333:finance/*",
        "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/doc.txt",
        NO,
    ),
    (
        "StringLike",
        "arn:aws:someservice:*:111122223333:finance/*",
        "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/doc.txt",
        YES,
    ),
    # IP: not an address, not a CIDR, the other IP version
    ("IpAddress", "10.0.0.0/8", "not-an-ip", NO),
    ("NotIpAddress", "10.0.0.0/8", "not-an-ip", NO),
    ("NotIpAddress", "not-a-cidr", "10.1.2.3", NO),
    ("IpAddress", "not-a-cidr", "10.1.2.3", NO),
    ("IpAddress", "10.0.0.0/8", "2001:db8::1", NO),
    ("NotIpAddress", "10.0.0.0/8", "2001:db8::1", YES),
    ("IpAddress", "10.1.2.3", "10.1.2.3", YES),  # an address is its /32
    # Bool: only true/false, either case
    ("Bool", "true", "yes", NO),
    ("Bool", "maybe", "true", NO),
    ("Bool", "TRUE", "true", YES),
    ("Bool", False, "false", YES),
    # Date: ISO 8601 (W3C profiles) or epoch seconds; anything else and out of range: no match
    ("DateGreaterThan", "2026-01-01T00:00:00Z", "not-a-date", NO),
    ("DateNotEquals", "2026-01-01T00:00:00Z", "not-a-date", NO),
    ("DateLessThan", "2026-01-01T00:00:00Z", "99999999999999999999", NO),
    ("DateNotEquals", "2026-01-01T00:00:00Z", "99999999999999999999", NO),
    ("DateLessThan", "2027-01", "2026-06-01T00:00:00Z", YES),  # a year and month
    ("DateLessThan", "2027", "1970-01-01T00:30:00Z", YES),  # an integer is epoch seconds
    ("DateEquals", "2026-06", "2026-06-01T00:00:00Z", YES),
    ("DateGreaterThan", "2026-01-01T00:00:00Z", "1767225601.5", YES),  # epoch, fractional
    ("DateEquals", "2026-01-01T01:00:00+01:00", "2026-01-01T00:00:00Z", YES),  # zones
    # Numeric: decimal numbers only (no NaN, no infinity, no Python spellings)
    ("NumericEquals", "1000", "1_000", NO),
    ("NumericNotEquals", "1000", "1_000", NO),
    ("NumericLessThan", "10", "nan", NO),
    ("NumericNotEquals", "10", "inf", NO),
    ("NumericEquals", "1000", "1e3", YES),
    ("NumericGreaterThan", "-1", "-0.5", YES),
    ("NumericEquals", 10, "10.0", YES),  # a JSON number in the policy
    # Binary: base64 only
    ("BinaryEquals", "QmluYXJ5", "not base64!", NO),
    # Null: only true/false count
    ("Null", "maybe", "x", NO),
    ("Null", "FALSE", "x", YES),
    # Set operators over an empty set of values: ForAllValues is true, ForAnyValue false
    ("ForAllValues:StringEquals", ["team"], EMPTY, YES),
    ("ForAllValues:StringNotEquals", ["team"], EMPTY, YES),
    ("ForAnyValue:StringEquals", ["team"], EMPTY, NO),
    ("ForAllValues:ArnLike", ["arn:aws:iam::*:role/*"], ["arn:aws:iam::1:role/R", "bad"], NO),
    ("ForAnyValue:ArnLike", ["arn:aws:iam::*:role/*"], ["arn:aws:iam::1:role/R", "bad"], YES),
]


def ctx(value):
    if value is EMPTY:
        return Context.of({"k": []})
    return Context.of({"k": value})


@pytest.mark.parametrize(
    ("operator", "policy", "request_value", "expected"),
    SHAPES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(SHAPES)],
)
def test_operator_on_a_value_of_this_shape(operator, policy, request_value, expected):
    assert evaluate_operator(operator, "k", policy, ctx(request_value)).match is expected


def test_a_date_out_of_range_is_no_match_with_a_warning():
    outcome = evaluate_operator(
        "DateLessThan", "aws:CurrentTime", "2026-01-01T00:00:00Z", ctx_of("99999999999999999999")
    )
    assert outcome.match is NO
    assert outcome.warnings == (
        "DateLessThan aws:CurrentTime: 99999999999999999999 is out of range for a date",
    )


def ctx_of(value):
    return Context.of({"aws:CurrentTime": value})


def test_an_unknown_request_value_is_unknown_whatever_its_operator():
    for operator in ("ArnNotLike", "NotIpAddress", "DateNotEquals", "Bool"):
        outcome = evaluate_operator(operator, "k", "x", Context())
        assert (outcome.match, outcome.unknown_keys) == (UNKNOWN, frozenset({"k"})), operator
