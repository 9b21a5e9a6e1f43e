"""The RCP grammar (orgs_manage_policies_rcps_syntax): exact codes, messages and locations."""

from __future__ import annotations

import json

import pytest

from trainshare.catalog import load_catalog
from trainshare.policy import render_template
from trainshare.policy.lint import lint_rcp
from trainshare.policy.rcp import covered_services_date
from trainshare.yamlsource import load_yaml

CATALOG = load_catalog()


def deny(**extra):
    return {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "*", **extra}


def lint(*statements, version="2012-10-17"):
    document = {"Version": version, "Statement": list(statements)}
    text = json.dumps(document, indent=2)
    found = lint_rcp(document, "rcp.json", load_yaml(text, "rcp.json").lines)
    return [(f.code, str(f.location), f.message) for f in found]


def test_a_clean_rcp_has_no_finding():
    secure = deny(Action="s3:*", Condition={"BoolIfExists": {"aws:SecureTransport": "false"}})
    assert lint(secure) == []


def test_allow_principal_and_ec2_action_are_each_a_located_error():
    """The issue's three: an Allow statement, a Principal other than "*", an EC2 action."""
    found = lint(
        deny(Sid="Ok"),
        deny(Sid="Allows", Effect="Allow"),
        deny(Sid="NamesRole", Principal={"AWS": "arn:aws:iam::111122223333:role/x"}),
        deny(Sid="Ec2", Action=["s3:GetObject", "ec2:RunInstances"]),
    )
    assert found == [
        (
            "RCP_ALLOW_STATEMENT",
            "rcp.json:12: Statement[1] (Sid Allows)",
            "Effect: Allow: an RCP you write can only deny (the one Allow is AWS's "
            "RCPFullAWSAccess, attached everywhere)",
        ),
        (
            "RCP_PRINCIPAL",
            "rcp.json:20: Statement[2] (Sid NamesRole)",
            "Principal: {'AWS': 'arn:aws:iam::111122223333:role/x'}: every RCP statement has "
            '"Principal": "*"',
        ),
        (
            "RCP_SERVICE_NOT_COVERED",
            "rcp.json:30: Statement[3] (Sid Ec2)",
            f"Action: 'ec2:RunInstances': RCPs do not cover ec2 (the services AWS listed as of "
            f"{covered_services_date()}); a Deny on it has no effect",
        ),
    ]


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            deny(Action="*"),
            (
                "RCP_BARE_WILDCARD",
                'Action: "*": an RCP names the service of each action ("s3:*", not "*")',
            ),
        ),
        (
            {"Effect": "Deny", "Principal": "*", "NotAction": "s3:GetObject", "Resource": "*"},
            ("RCP_UNSUPPORTED_ELEMENT", "NotAction: not supported in an RCP"),
        ),
        (
            {k: v for k, v in {**deny(), "NotPrincipal": {"AWS": "1"}}.items() if k != "Principal"},
            ("RCP_UNSUPPORTED_ELEMENT", "NotPrincipal: not supported in an RCP"),
        ),
        (
            {k: v for k, v in deny().items() if k != "Principal"},
            ("RCP_PRINCIPAL", 'Principal: missing: every RCP statement has "Principal": "*"'),
        ),
        (
            {k: v for k, v in deny().items() if k != "Resource"},
            ("RCP_MISSING_RESOURCE", "an RCP statement needs Resource or NotResource"),
        ),
        (
            deny(Action="sagemaker:CreateTrainingJob"),
            (
                "RCP_SERVICE_NOT_COVERED",
                "Action: 'sagemaker:CreateTrainingJob': RCPs do not cover sagemaker (the services AWS "
                f"listed as of {covered_services_date()}); a Deny on it has no effect",
            ),
        ),
    ],
)
def test_each_rcp_rule(statement, expected):
    assert [(code, message) for code, _, message in lint(statement)][:1] == [expected]


def test_version_must_be_2012():
    assert lint(deny(), version="2008-10-17") == [
        (
            "POLICY_STRUCTURE",
            "rcp.json",
            "Version: an RCP must say '2012-10-17', got '2008-10-17'",
        )
    ]


def test_iam_findings_still_apply_to_an_rcp():
    found = lint(deny(Action="s3:GetObjekt"))
    assert [code for code, _, _ in found] == ["UNKNOWN_ACTION"]


def test_size_counts_the_longest_organization_id():
    stmt = deny(Condition={"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "${org_id}"}})
    document = {"Version": "2012-10-17", "Statement": [stmt]}
    size = len(json.dumps(document, separators=(",", ":"))) + 25
    assert lint_rcp(document, max_chars=size) == [] or all(
        f.code == "POLICY_NEAR_SIZE_LIMIT" for f in lint_rcp(document, max_chars=size)
    )
    (over,) = lint_rcp(document, "rcp.json", max_chars=size - 1)
    assert (over.code, over.message) == (
        "POLICY_TOO_LARGE",
        f"the minified RCP is {size:,} characters; the limit is {size - 1:,}",
    )


@pytest.mark.parametrize("name", [n for n, t in CATALOG.guardrails.items() if t.type == "rcp"])
def test_every_rcp_template_lints_clean(name):
    params = {
        "buckets": ["acme-training-data"],
        "key_arns": ["arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
    }
    params = params if name == "rcp-protect-training-data" else {}
    context = {"access_role": "OrganizationAccountAccessRole", "partition": "aws"}
    document, _ = render_template(CATALOG.guardrails[name], params, context)
    assert document is not None
    assert lint_rcp(document, name) == []
