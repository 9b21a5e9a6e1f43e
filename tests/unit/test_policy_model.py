"""The typed policy model: a document is parsed once into typed values, or into an
UnparsablePolicy naming every problem — never into an empty list of statements. Each policy type
has its own validator on top of the grammar every policy shares."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trainshare.policy import (
    PolicyDocument,
    PolicyType,
    Principal,
    StatementEffect,
    UnparsablePolicy,
    parse_document,
    parse_policy_json,
    validate,
)
from trainshare.policy.parse import _checked_statement, _well_formed


def doc(*statements, **top):
    return {"Version": "2012-10-17", "Statement": list(statements), **top}


def test_a_document_is_typed_values():
    parsed = parse_document(
        doc(
            {
                "Sid": "Read",
                "Effect": "Allow",
                "Principal": {"AWS": "111122223333", "Service": ["s3.amazonaws.com"]},
                "Action": "s3:GetObject",
                "Resource": ["arn:aws:s3:::b/*"],
                "Condition": {"Bool": {"aws:SecureTransport": True}, "NumericLessThan": {"n": 5}},
            }
        )
    )
    assert isinstance(parsed, PolicyDocument)
    (stmt,) = parsed.statements
    assert (stmt.index, stmt.sid, stmt.effect) == (0, "Read", StatementEffect.ALLOW)
    assert stmt.actions == ("s3:GetObject",) and not stmt.not_action
    assert stmt.resources == ("arn:aws:s3:::b/*",)
    assert stmt.principal == Principal(aws=("111122223333",), service=("s3.amazonaws.com",))
    # condition values are their text, as IAM compares them
    assert [(c.operator.text, c.key, c.values) for c in stmt.condition.conditions] == [
        ("Bool", "aws:SecureTransport", ("true",)),
        ("NumericLessThan", "n", ("5",)),
    ]
    assert stmt.keys_read == {"aws:securetransport", "n"}
    assert parsed.has_allow()


def test_a_single_statement_object_and_a_missing_resource():
    parsed = parse_document({"Statement": {"Effect": "Deny", "NotAction": "s3:*"}})
    assert isinstance(parsed, PolicyDocument)
    (stmt,) = parsed.statements
    assert stmt.not_action and stmt.resources is None and stmt.resource_patterns == ("*",)
    assert parsed.version is None and not parsed.variables


def test_variables_are_variables_only_in_version_2012_10_17():
    stmt = {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}/*"}
    new = parse_document(doc(stmt))
    old = parse_document({"Version": "2008-10-17", "Statement": [stmt]})
    assert isinstance(new, PolicyDocument) and isinstance(old, PolicyDocument)
    assert new.statements[0].variables and new.statements[0].keys_read == {"aws:username"}
    assert not old.statements[0].variables and old.statements[0].keys_read == frozenset()


@pytest.mark.parametrize(
    ("value", "problems"),
    [
        ([], [("(document)", "a policy must be a JSON object")]),
        ({"Version": "2012-10-17"}, [("Statement", "missing")]),
        (doc("x"), [("Statement[0]", "must be an object")]),
        (
            doc({"Effect": "Maybe", "Action": "s3:*"}),
            [("Statement[0].Effect", "must be Allow or Deny, got 'Maybe'")],
        ),
        (
            doc({"Effect": "Allow", "Action": ["s3:*", 5]}),
            [("Statement[0].Action", "must be a string or a non-empty list of strings")],
        ),
        (
            doc({"Effect": "Allow", "Action": "s3:*", "Principal": "arn:aws:iam::1:root"}),
            [
                (
                    "Statement[0].Principal",
                    'must be "*" or an object such as {"AWS": ["arn:aws:iam::111122223333:root"]}',
                )
            ],
        ),
        (
            doc({"Effect": "Allow", "Action": "s3:*", "Condition": {"StringEquals": {"k": {}}}}),
            [
                (
                    "Statement[0].Condition.StringEquals.k",
                    "must be a string, number or boolean, or a non-empty list of them",
                )
            ],
        ),
        (
            doc({"Effect": "Allow", "Action": "s3:*", "Condition": {"StringEquals": {"k": []}}}),
            [
                (
                    "Statement[0].Condition.StringEquals.k",
                    "must be a string, number or boolean, or a non-empty list of them",
                )
            ],
        ),
        (
            doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "NotResource": "*"}),
            [("Statement[0]", "has both Resource and NotResource")],
        ),
        (
            {"Version": "2019-01-01", "Statement": []},
            [("Version", "must be '2012-10-17', got '2019-01-01'")],
        ),
    ],
)
def test_what_does_not_fit_the_grammar_is_an_unparsable_policy_with_every_problem(value, problems):
    parsed = parse_document(value)
    assert isinstance(parsed, UnparsablePolicy)
    assert [(p.where, p.message) for p in parsed.problems] == problems


def test_one_bad_statement_makes_the_whole_document_unparsable_never_shorter():
    parsed = parse_document(
        doc({"Effect": "Deny", "Action": "*", "Resource": "*"}, {"Effect": "Deny"})
    )
    assert isinstance(parsed, UnparsablePolicy)
    assert parsed.reason == "Statement[1]: needs exactly one of Action and NotAction"


def test_json_text_that_is_not_json_is_unparsable():
    for text, message in (
        ('{"Version": ', "not valid JSON: Expecting value"),
        ('{"Statement": NaN}', "NaN is not JSON (JSON has no NaN or Infinity)"),
        ("[1, Infinity]", "Infinity is not JSON (JSON has no NaN or Infinity)"),
    ):
        parsed = parse_policy_json(text)
        assert isinstance(parsed, UnparsablePolicy), text
        assert parsed.problems[0].message == message, text
    assert parse_policy_json(' {"Statement": []} ') == PolicyDocument(())


def test_an_empty_statement_list_parses_but_is_not_an_scp():
    assert parse_document(doc()) == PolicyDocument((), "2012-10-17")
    assert [(p.where, p.message) for p in validate(doc(), PolicyType.SCP)] == [
        ("Statement", "must be an object or a non-empty list")
    ]


@pytest.mark.parametrize(
    ("policy_type", "statement", "codes"),
    [
        (PolicyType.SCP, {"Effect": "Deny", "Action": "*", "Principal": "*"}, ["PRINCIPAL_IN_SCP"]),
        (PolicyType.SCP, {"Effect": "Deny", "Action": "*"}, []),
        (PolicyType.RESOURCE, {"Effect": "Deny", "Action": "*"}, ["MISSING_PRINCIPAL"]),
        (PolicyType.RESOURCE, {"Effect": "Deny", "Action": "*", "NotPrincipal": "*"}, []),
        (
            PolicyType.IDENTITY,
            {"Effect": "Allow", "Action": "*", "Principal": "*"},
            ["POLICY_STRUCTURE"],
        ),
        (PolicyType.IDENTITY, {"Effect": "Allow", "Action": "*", "Resource": "*"}, []),
    ],
)
def test_each_policy_type_has_its_validator(policy_type, statement, codes):
    assert [p.code for p in validate(doc(statement), policy_type)] == codes


def test_an_scp_without_version_is_refused():
    problems = validate({"Statement": [{"Effect": "Deny", "Action": "*"}]}, PolicyType.SCP)
    assert [(p.where, p.message) for p in problems] == [
        ("Version", "must be '2012-10-17', got None")
    ]


# The parser reads a well-formed statement by a quick path and anything else carefully; both
# must give the same statement wherever the quick one answers.
_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from(["*", "s3:GetObject", "Allow", "Deny", "arn:aws:s3:::b/${aws:username}"]),
    st.lists(st.sampled_from(["*", "s3:*", "ec2:Run*"]), max_size=2),
    st.dictionaries(
        st.sampled_from(["AWS", "Service", "StringEquals", "Bool", "Other"]),
        st.one_of(
            st.sampled_from(["*", "111122223333"]),
            st.dictionaries(
                st.sampled_from(["aws:SourceIp", "k"]),
                st.one_of(st.sampled_from(["a", True, 1]), st.lists(st.just("x"), max_size=2)),
                max_size=2,
            ),
        ),
        max_size=2,
    ),
)
_wellish = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "Action": st.one_of(st.just("s3:GetObject"), st.lists(st.just("s3:*"), min_size=1)),
    },
    optional={
        "Sid": st.sampled_from(["A", "b1"]),
        "Resource": st.sampled_from(["*", ["arn:aws:s3:::b/${aws:username}/*"]]),
        "Principal": st.one_of(
            st.just("*"), st.fixed_dictionaries({"AWS": st.sampled_from(["*", ["1"]])})
        ),
        "Condition": st.fixed_dictionaries(
            {"StringLike": st.fixed_dictionaries({"k": st.sampled_from(["${aws:x}", ["a", 1]])})}
        ),
    },
)
_random = st.dictionaries(
    st.sampled_from(
        [
            "Sid",
            "Effect",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Principal",
            "NotPrincipal",
            "Condition",
            "Extra",
        ]
    ),
    _values,
    max_size=6,
)
_statements = st.one_of(
    _wellish,
    _random,
    st.tuples(_wellish, _random).map(lambda pair: {**pair[0], **pair[1]}),
)


@settings(max_examples=400, deadline=None)
@given(_statements, st.booleans())
def test_the_quick_reading_agrees_with_the_careful_one(raw, variables):
    quick = _well_formed(0, raw, variables)
    careful, problems = _checked_statement(0, raw, variables)
    if quick is not None:
        assert (careful, problems) == (quick, [])
    assert (careful is None) == bool(problems)
