"""Condition operators, one table each (IAM JSON reference: Condition operators; single- vs
multivalued context keys). Each row: operator, policy values, request context → outcome."""

from __future__ import annotations

import pytest

from trainshare.access.conditions import Context, Match, evaluate_condition, evaluate_operator
from trainshare.policy import PolicyDocument, parse_document

YES, NO, UNKNOWN = Match.YES, Match.NO, Match.UNKNOWN
MISSING = object()  # the key is declared absent from the request


def ctx(value):
    if value is MISSING:
        return Context.of({}, absent=["k"])
    return Context.of({"k": value})


CASES = [
    # String: case-sensitive; IgnoreCase; Like with * and ?; negation; missing key.
    ("StringEquals", "p5.48xlarge", "p5.48xlarge", YES),
    ("StringEquals", "p5.48xlarge", "P5.48xlarge", NO),
    ("StringEquals", ["a", "b"], "b", YES),  # several values: OR
    ("StringNotEquals", ["a", "b"], "b", NO),
    ("StringNotEquals", ["a", "b"], "c", YES),
    ("StringEqualsIgnoreCase", "P5.48XLARGE", "p5.48xlarge", YES),
    ("StringNotEqualsIgnoreCase", "P5.48XLARGE", "p5.48xlarge", NO),
    ("StringLike", "p5.*", "p5.48xlarge", YES),
    ("StringLike", "p?.48xlarge", "p4.48xlarge", YES),
    ("StringLike", "p?.48xlarge", "p4d.48xlarge", NO),
    ("StringLike", "P5.*", "p5.48xlarge", NO),
    ("StringLike", "a[1]*", "a[1]b", YES),  # brackets are literal, not a character class
    ("StringNotLike", "p5.*", "g5.xlarge", YES),
    ("StringNotLike", "p5.*", "p5.2xlarge", NO),
    ("StringEquals", "x", MISSING, NO),
    ("StringNotEquals", "x", MISSING, YES),  # a missing key makes negated operators true
    ("StringNotLike", "x*", MISSING, YES),
    ("StringEqualsIfExists", "x", MISSING, YES),
    ("StringNotEqualsIfExists", "x", MISSING, YES),
    ("StringEqualsIfExists", "x", "y", NO),
    # Numeric
    ("NumericLessThan", "3600", "60", YES),
    ("NumericLessThan", "3600", "7200", NO),
    ("NumericLessThanEquals", "10", "10", YES),
    ("NumericGreaterThan", "1.5", "2", YES),
    ("NumericGreaterThanEquals", "2", "1", NO),
    ("NumericEquals", "10", "10.0", YES),
    ("NumericNotEquals", "10", "11", YES),
    ("NumericEquals", "10", "ten", NO),
    ("NumericLessThan", "10", MISSING, NO),
    ("NumericLessThanIfExists", "10", MISSING, YES),
    # Date: ISO 8601 or epoch seconds
    ("DateGreaterThan", "2026-01-01T00:00:00Z", "2026-11-28T12:00:00Z", YES),
    ("DateLessThan", "2026-01-01T00:00:00Z", "2026-11-28T12:00:00Z", NO),
    ("DateEquals", "2026-01-01T00:00:00Z", "1767225600", YES),
    ("DateLessThanEquals", "2026-01-01", "2026-01-01T00:00:00+00:00", YES),
    ("DateNotEquals", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", YES),
    ("DateGreaterThan", "2026-01-01T00:00:00Z", MISSING, NO),
    # Bool
    ("Bool", "true", "true", YES),
    ("Bool", "true", "false", NO),
    ("Bool", True, "TRUE", YES),
    ("Bool", "true", MISSING, NO),
    ("BoolIfExists", "false", MISSING, YES),
    # Binary
    ("BinaryEquals", "QmluYXJ5", "QmluYXJ5", YES),
    ("BinaryEquals", "QmluYXJ5", "b3RoZXI=", NO),
    # IP
    ("IpAddress", "10.0.0.0/8", "10.1.2.3", YES),
    ("IpAddress", "10.0.0.0/8", "192.168.0.1", NO),
    ("IpAddress", "2001:db8::/32", "2001:db8::1", YES),
    ("NotIpAddress", "10.0.0.0/8", "192.168.0.1", YES),
    ("NotIpAddress", "10.0.0.0/8", MISSING, YES),
    ("IpAddress", "10.0.0.0/8", MISSING, NO),
    # ARN: six parts, each with wildcards, case-sensitive
    ("ArnLike", "arn:aws:iam::*:role/Deploy*", "arn:aws:iam::222222222222:role/DeployRole", YES),
    ("ArnLike", "arn:aws:iam::*:role/Deploy*", "arn:aws:iam::222222222222:role/deployrole", NO),
    ("ArnEquals", "arn:aws:iam::222222222222:role/R", "arn:aws:iam::222222222222:role/R", YES),
    ("ArnLike", "arn:aws:iam::*:role/*", "not-an-arn", NO),
    ("ArnNotLike", "arn:aws:iam::*:role/Deploy", "arn:aws:iam::222222222222:role/Workload", YES),
    ("ArnNotLike", "arn:aws:iam::*:role/Deploy", "arn:aws:iam::222222222222:role/Deploy", NO),
    ("ArnNotEquals", "arn:aws:iam::1:role/A", MISSING, YES),
    ("ArnLike", "arn:aws:iam::*:role/A", MISSING, NO),
    # Null: true ↔ the key is missing
    ("Null", "true", MISSING, YES),
    ("Null", "true", "x", NO),
    ("Null", "false", "x", YES),
    ("Null", "false", MISSING, NO),
    # Set operators on multivalued keys
    ("ForAnyValue:StringEquals", ["team", "cost"], ["team", "owner"], YES),
    ("ForAnyValue:StringEquals", ["team"], ["owner"], NO),
    ("ForAllValues:StringEquals", ["team", "cost"], ["team", "cost"], YES),
    ("ForAllValues:StringEquals", ["team", "cost"], ["team", "owner"], NO),
    ("ForAllValues:StringEquals", ["team"], MISSING, YES),  # vacuously true
    ("ForAnyValue:StringEquals", ["team"], MISSING, NO),
    ("ForAnyValue:StringNotLike", ["ml.p5.*"], ["ml.p5.48xlarge", "ml.m5.large"], YES),
    ("ForAnyValue:StringNotLike", ["ml.p5.*"], ["ml.p5.48xlarge"], NO),
    ("ForAllValues:StringLike", ["ml.p5.*", "ml.g5.*"], ["ml.p5.48xlarge", "ml.g5.xlarge"], YES),
]


@pytest.mark.parametrize(
    ("operator", "policy", "request_value", "expected"),
    CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)],
)
def test_operator(operator, policy, request_value, expected):
    assert evaluate_operator(operator, "k", policy, ctx(request_value)).match is expected


def test_unknown_key_is_unknown_and_named():
    outcome = evaluate_operator("StringEquals", "ec2:InstanceType", "p5.*", Context())
    assert (outcome.match, outcome.unknown_keys) == (UNKNOWN, frozenset({"ec2:InstanceType"}))


def test_closed_context_treats_unlisted_keys_as_missing():
    closed = Context.of({}, closed=True)
    assert evaluate_operator("StringNotEquals", "k", "x", closed).match is YES


def test_unknown_operator_is_unknown_with_a_note_never_a_silent_answer():
    outcome = evaluate_operator("StringSoundsLike", "k", "x", ctx("x"))
    assert outcome.match is UNKNOWN
    assert outcome.notes == ("operator StringSoundsLike is not evaluated",)


def block_of(condition):
    document = parse_document(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Condition": condition}],
        }
    )
    assert isinstance(document, PolicyDocument)
    return document.statements[0].condition


def test_keys_in_a_block_and_operators_are_anded():
    block = block_of({"StringEquals": {"a": "1", "b": "2"}, "Bool": {"c": "true"}})
    assert evaluate_condition(block, Context.of({"a": "1", "b": "2", "c": "true"})).match is YES
    assert evaluate_condition(block, Context.of({"a": "1", "b": "3", "c": "true"})).match is NO
    # a definite NO decides even when another key is unknown
    assert evaluate_condition(block, Context.of({"a": "9"})).match is NO
    partial = evaluate_condition(block, Context.of({"a": "1", "b": "2"}))
    assert (partial.match, partial.unknown_keys) == (UNKNOWN, frozenset({"c"}))


def test_keys_are_case_insensitive_values_are_not():
    assert (
        evaluate_operator(
            "StringEquals", "EC2:InstanceType", "p5", Context.of({"ec2:instancetype": "p5"})
        ).match
        is YES
    )
