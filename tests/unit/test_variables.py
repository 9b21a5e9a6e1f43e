"""Policy variables (IAM user guide, "IAM policy elements: Variables and tags"): present, absent,
defaulted, unknown; in Resource and in condition values; special characters; only in documents
of Version 2012-10-17."""

from __future__ import annotations

import pytest

from trainshare.access.conditions import Context, Match, evaluate_condition
from trainshare.access.statements import resource_outcome
from trainshare.access.variables import Unknown, resolve, resolve_resource
from trainshare.policy import PolicyDocument, parse_document
from trainshare.policy.wildcards import glob_match

YES, NO, UNKNOWN = Match.YES, Match.NO, Match.UNKNOWN
CTX = Context.of(
    {"aws:username": "ada", "aws:PrincipalTag/team": "vision", "aws:TagKeys": ["a", "b"]},
    absent=["aws:PrincipalTag/project"],
)


@pytest.mark.parametrize(
    ("text", "resolved"),
    [
        ("home/${aws:username}/", "home/ada/"),
        ("home/${AWS:UserName}/", "home/ada/"),  # keys are case-insensitive
        ("${aws:PrincipalTag/project}", None),  # absent: nothing to match
        ("${aws:PrincipalTag/project, 'none'}", "none"),  # …unless a default is given
        ("${ aws:PrincipalTag/project , 'it''s' }", "it's"),  # '' is one quote
        ("${aws:TagKeys}", None),  # a multivalued key is no variable
        ("${aws:TagKeys, 'x'}", "x"),
        ("a${*}b${?}c${$}d", "a*b?c$d"),  # the special characters stand for themselves
        ("${aws:PrincipalTag/project, '${aws:username}'}", "${aws:username}"),  # one pass
        ("${aws:username", "${aws:username"),  # not a variable: literal text
        ("plain", "plain"),
    ],
)
def test_resolve_without_wildcards(text, resolved):
    assert resolve(text, CTX.variable, wildcards=False) == resolved


def test_a_key_nobody_gave_is_unknown_and_named():
    found = resolve("x-${aws:PrincipalTag/cost}-${aws:username}", CTX.variable, wildcards=False)
    assert isinstance(found, Unknown) and found == {"aws:PrincipalTag/cost"}


def test_special_characters_and_values_are_literal_where_wildcards_count():
    star = resolve("b-${*}", CTX.variable, wildcards=True)
    assert isinstance(star, str)
    assert glob_match(star, "b-*") and not glob_match(star, "b-anything")
    starry = Context.of({"aws:username": "a*"})
    pattern = resolve("home/${aws:username}/*", starry.variable, wildcards=True)
    assert isinstance(pattern, str)
    assert glob_match(pattern, "home/a*/x") and not glob_match(pattern, "home/ab/x")


def test_in_a_resource_only_the_part_after_the_fifth_colon_is_resolved():
    assert resolve_resource("arn:aws:s3:::b/${aws:username}/*", CTX.variable) == (
        "arn:aws:s3:::b/ada/*"
    )
    literal = "arn:aws:sqs:${aws:RequestedRegion}:1:q-${aws:username}"
    assert resolve_resource(literal, CTX.variable) == "arn:aws:sqs:${aws:RequestedRegion}:1:q-ada"


def statement(version="2012-10-17", **element):
    document = parse_document(
        {"Version": version, "Statement": [{"Effect": "Allow", "Action": "s3:*", **element}]}
    )
    assert isinstance(document, PolicyDocument)
    return document.statements[0]


@pytest.mark.parametrize(
    ("pattern", "arn", "expected"),
    [
        ("arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/ada/notes", YES),
        ("arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/bob/notes", NO),
        ("arn:aws:s3:::b/${aws:PrincipalTag/project}/*", "arn:aws:s3:::b/x/notes", NO),
        ("arn:aws:s3:::b/${aws:PrincipalTag/project, 'shared'}/*", "arn:aws:s3:::b/shared/n", YES),
        ("arn:aws:s3:::b/${aws:PrincipalTag/cost}/*", "arn:aws:s3:::b/x/notes", UNKNOWN),
    ],
)
def test_variables_in_resource(pattern, arn, expected):
    outcome = resource_outcome(statement(Resource=pattern), arn, CTX)
    assert outcome.match is expected
    if expected is UNKNOWN:
        assert outcome.unknown_keys == {"aws:PrincipalTag/cost"}


def test_a_not_resource_whose_variable_has_no_value_covers_every_resource():
    stmt = statement(NotResource="arn:aws:s3:::b/${aws:PrincipalTag/project}/*")
    assert resource_outcome(stmt, "arn:aws:s3:::b/x/notes", CTX).match is YES


def test_in_version_2008_10_17_a_variable_is_literal_text():
    stmt = statement(version="2008-10-17", Resource="arn:aws:s3:::b/${aws:username}/*")
    assert resource_outcome(stmt, "arn:aws:s3:::b/ada/x", CTX).match is NO
    assert resource_outcome(stmt, "arn:aws:s3:::b/${aws:username}/x", CTX).match is YES


ABAC = {"StringNotEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"aws:ResourceTag/team": "vision", "aws:PrincipalTag/team": "vision"}, NO),
        ({"aws:ResourceTag/team": "nlp", "aws:PrincipalTag/team": "vision"}, YES),
        # a caller without the tag: the value matches nothing, so "not equals" holds
        ({"aws:ResourceTag/team": "vision", "absent": ["aws:PrincipalTag/team"]}, YES),
        ({"aws:ResourceTag/team": "vision"}, UNKNOWN),
    ],
)
def test_the_abac_guardrail_condition(context, expected):
    absent = context.pop("absent", [])
    outcome = evaluate_condition(
        statement(Condition=ABAC).condition, Context.of(context, absent=absent), variables=True
    )
    assert outcome.match is expected
    if expected is UNKNOWN:
        assert outcome.unknown_keys == {"aws:PrincipalTag/team"}


def test_variables_only_in_string_arn_and_bool_values():
    ctx = Context.of({"n": "5", "aws:username": "5"})
    numeric = statement(Condition={"NumericEquals": {"n": "${aws:username}"}})
    string = statement(Condition={"StringEquals": {"n": "${aws:username}"}})
    assert evaluate_condition(numeric.condition, ctx, numeric.variables).match is NO
    assert evaluate_condition(string.condition, ctx, string.variables).match is YES


def test_an_unknown_variable_does_not_hide_a_match_already_found():
    stmt = statement(Condition={"StringEquals": {"k": ["a", "${aws:PrincipalTag/cost}"]}})
    found = evaluate_condition(stmt.condition, Context.of({"k": "a"}), stmt.variables)
    assert found.match is YES
    missing = evaluate_condition(stmt.condition, Context.of({"k": "b"}), stmt.variables)
    assert (missing.match, missing.unknown_keys) == (UNKNOWN, {"aws:PrincipalTag/cost"})
