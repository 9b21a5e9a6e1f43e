"""IAM's wildcards (IAM JSON reference: Action matches case-insensitively, Resource
case-sensitively; only `*` and `?` are special)."""

from __future__ import annotations

import pytest

from trainshare.policy import PolicyDocument, parse_document
from trainshare.policy.match import statement_covers_action
from trainshare.policy.wildcards import action_matches, glob_match


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("ec2:*", "EC2:RunInstances", True),
        ("EC2:run*", "ec2:RunInstances", True),
        ("ec2:Describe?apacityReservations", "ec2:DescribeCapacityReservations", True),
        ("ec2:Describe?", "ec2:DescribeCapacityReservations", False),
        ("s3:Get*", "s3:PutObject", False),
        ("ec2:[R]unInstances", "ec2:RunInstances", False),  # fnmatch would call this a match
        ("ec2:[R]unInstances", "ec2:[r]uninstances", True),
    ],
)
def test_action_patterns(pattern, action, expected):
    assert action_matches(pattern, action) is expected


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("arn:aws:s3:::bucket-*", "arn:aws:s3:::bucket-1/key", True),
        ("arn:aws:s3:::bucket-*", "arn:aws:s3:::Bucket-1", False),  # ARNs keep their case
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a\nb", True),  # `*` spans a newline
        ("arn:aws:s3:::bucket", "arn:aws:s3:::bucket\n", False),  # the whole value, no more
        ("arn:aws:s3:::b[1]", "arn:aws:s3:::b1", False),
        ("arn:aws:s3:::b[1]", "arn:aws:s3:::b[1]", True),
    ],
)
def test_value_patterns(pattern, value, expected):
    assert glob_match(pattern, value) is expected


def test_not_action_with_a_bracket_is_literal():
    stmt = parse_document(
        {"Statement": {"Effect": "Deny", "NotAction": ["s3:[G]etObject"], "Resource": "*"}}
    )
    assert isinstance(stmt, PolicyDocument)
    assert statement_covers_action(stmt.statements[0], "s3:GetObject")
