"""The emulator's Organizations policy types (emulator/org_policies.py), each behaviour on its own:
given an organization on the emulator, when a policy of a type is created, attached or detached,
then the answer is the one AWS documents (exact error codes, reasons and messages)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from trainshare.emulator.extensions import organizations_adopts_existing_account

RCP = "RESOURCE_CONTROL_POLICY"
SECURE_TRANSPORT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}},
            }
        ],
    }
)
OPT_OUT = json.dumps({"services": {"default": {"opt_out_policy": {"@@assign": "optOut"}}}})
IMDS = json.dumps(
    {"ec2_attributes": {"instance_metadata_defaults": {"http_tokens": {"@@assign": "required"}}}}
)
BACKUP = json.dumps({"plans": {"p": {"regions": {"@@assign": ["us-east-1"]}}}})
TAG = json.dumps({"tags": {"team": {"tag_key": {"@@assign": "team"}}}})


def attached(client, target, policy_type):
    found = client.list_policies_for_target(TargetId=target, Filter=policy_type)["Policies"]
    return sorted(p["Name"] for p in found)


def error(exc: pytest.ExceptionInfo) -> tuple[str, str, str]:
    body = exc.value.response
    return body["Error"]["Code"], body.get("Reason", ""), body["Error"]["Message"]


def test_rcp_full_aws_access_is_attached_everywhere_once_rcps_are_enabled(org):
    client, root = org
    unit = client.create_organizational_unit(ParentId=root, Name="ml")["OrganizationalUnit"]["Id"]
    # given RCPs not enabled: no RCP anywhere (moto alone attaches RCPFullAWSAccess from the start)
    assert attached(client, root, RCP) == attached(client, unit, RCP) == []
    # when the type is enabled
    client.enable_policy_type(RootId=root, PolicyType=RCP)
    # then it is on the root, every OU and every account, and on those created later
    later = client.create_organizational_unit(ParentId=root, Name="x")["OrganizationalUnit"]["Id"]
    for target in (root, unit, "111111111111", later):
        assert attached(client, target, RCP) == ["RCPFullAWSAccess"]
    types = client.list_roots()["Roots"][0]["PolicyTypes"]
    assert {"Type": RCP, "Status": "ENABLED"} in types


def test_an_adopted_account_gets_rcp_full_aws_access_when_rcps_are_enabled(org):
    client, root = org
    client.enable_policy_type(RootId=root, PolicyType=RCP)
    organizations_adopts_existing_account("111111111111", "222222222222", "o", "o@x.com", root)
    assert attached(client, "222222222222", RCP) == ["RCPFullAWSAccess"]


def test_rcp_full_aws_access_cannot_be_detached(org):
    client, root = org
    client.enable_policy_type(RootId=root, PolicyType=RCP)
    with pytest.raises(ClientError) as exc:
        client.detach_policy(PolicyId="p-RCPFullAWSAccess", TargetId=root)
    assert error(exc) == (
        "ConstraintViolationException",
        "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
        "You cannot detach RCPFullAWSAccess.",
    )


def test_a_targets_last_scp_cannot_be_detached(org):
    client, root = org
    with pytest.raises(ClientError) as exc:
        client.detach_policy(PolicyId="p-FullAWSAccess", TargetId=root)
    assert error(exc) == (
        "ConstraintViolationException",
        "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
        f"{root} must keep at least one service control policy.",
    )


def test_an_rcp_attaches_only_once_the_type_is_enabled(org):
    client, root = org
    policy = client.create_policy(Content=SECURE_TRANSPORT, Description="", Name="tls", Type=RCP)[
        "Policy"
    ]["PolicySummary"]
    assert "/resource_control_policy/" in policy["Arn"]
    with pytest.raises(ClientError) as exc:
        client.attach_policy(PolicyId=policy["Id"], TargetId=root)
    assert error(exc)[0] == "PolicyTypeNotEnabledException"
    client.enable_policy_type(RootId=root, PolicyType=RCP)
    client.attach_policy(PolicyId=policy["Id"], TargetId=root)
    assert attached(client, root, RCP) == ["RCPFullAWSAccess", "tls"]
    targets = client.list_targets_for_policy(PolicyId=policy["Id"])["Targets"]
    assert [t["TargetId"] for t in targets] == [root]


def test_five_rcps_per_target_rcp_full_aws_access_included(org):
    client, root = org
    client.enable_policy_type(RootId=root, PolicyType=RCP)
    for n in range(4):
        policy = client.create_policy(
            Content=SECURE_TRANSPORT, Description="", Name=f"r{n}", Type=RCP
        )
        client.attach_policy(PolicyId=policy["Policy"]["PolicySummary"]["Id"], TargetId=root)
    extra = client.create_policy(Content=SECURE_TRANSPORT, Description="", Name="r4", Type=RCP)
    with pytest.raises(ClientError) as exc:
        client.attach_policy(PolicyId=extra["Policy"]["PolicySummary"]["Id"], TargetId=root)
    assert error(exc) == (
        "ConstraintViolationException",
        "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
        f"{root} already has 5 policies of type {RCP}; the maximum is 5.",
    )


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ({"Effect": "Allow"}, "Statement[0].Effect: Allow: an RCP you write can only deny"),
        (
            {"Principal": {"AWS": "333333333333"}},
            "Statement[0].Principal: {'AWS': '333333333333'}: every RCP",
        ),
        ({"Action": "*"}, 'Statement[0].Action: "*": an RCP names the service of each action'),
    ],
)
def test_an_rcp_outside_the_grammar_is_malformed(org, statement, message):
    client, _ = org
    body = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", **statement}
    content = json.dumps({"Version": "2012-10-17", "Statement": [body]})
    with pytest.raises(ClientError) as exc:
        client.create_policy(Content=content, Description="", Name="bad", Type=RCP)
    code, _, text = error(exc)
    assert code == "MalformedPolicyDocumentException"
    assert text.startswith(
        "The provided policy document does not meet the requirements of the specified policy "
        f"type: {message}"
    )


def test_an_rcp_over_5120_characters_is_refused(org):
    client, _ = org
    statement = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}
    statement["Sid"] = "x" * 5100
    content = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    with pytest.raises(ClientError) as exc:
        client.create_policy(Content=content, Description="", Name="big", Type=RCP)
    assert error(exc) == (
        "ConstraintViolationException",
        "POLICY_CONTENT_LIMIT_EXCEEDED",
        f"The resource control policy is {len(content)} characters; the maximum is 5120.",
    )


@pytest.mark.parametrize(
    ("policy_type", "content", "segment"),
    [
        ("AISERVICES_OPT_OUT_POLICY", OPT_OUT, "aiservices_opt_out_policy"),
        ("TAG_POLICY", TAG, "tag_policy"),
        ("DECLARATIVE_POLICY_EC2", IMDS, "declarative_policy_ec2"),
        ("BACKUP_POLICY", BACKUP, "backup_policy"),
    ],
)
def test_every_management_type_is_created_enabled_attached_and_listed(
    org, policy_type, content, segment
):
    client, root = org
    client.enable_policy_type(RootId=root, PolicyType=policy_type)
    policy = client.create_policy(Content=content, Description="d", Name="p", Type=policy_type)
    summary = policy["Policy"]["PolicySummary"]
    assert f"/{segment}/" in summary["Arn"] and summary["Type"] == policy_type
    client.attach_policy(PolicyId=summary["Id"], TargetId=root)
    assert attached(client, root, policy_type) == ["p"]
    listed = client.list_policies(Filter=policy_type)["Policies"]
    assert [p["Name"] for p in listed] == ["p"]
    described = client.describe_policy(PolicyId=summary["Id"])["Policy"]
    assert json.loads(described["Content"]) == json.loads(content)


def test_a_management_policy_outside_its_grammar_is_malformed(org):
    client, _ = org
    bad = json.dumps({"services": {"default": {"opt_out_policy": {"@@assign": "optout"}}}})
    with pytest.raises(ClientError) as exc:
        client.create_policy(
            Content=bad, Description="", Name="p", Type="AISERVICES_OPT_OUT_POLICY"
        )
    assert error(exc)[0] == "MalformedPolicyDocumentException"
    assert "'optout' must be written 'optOut'" in error(exc)[2]


def test_disabling_a_type_detaches_its_policies_and_keeps_them(org):
    client, root = org
    client.enable_policy_type(RootId=root, PolicyType="TAG_POLICY")
    policy = client.create_policy(Content=TAG, Description="", Name="t", Type="TAG_POLICY")
    client.attach_policy(PolicyId=policy["Policy"]["PolicySummary"]["Id"], TargetId=root)
    client.disable_policy_type(RootId=root, PolicyType="TAG_POLICY")
    assert attached(client, root, "TAG_POLICY") == []
    assert [p["Name"] for p in client.list_policies(Filter="TAG_POLICY")["Policies"]] == ["t"]


def test_trusted_access_accepts_the_catalogs_principals(org):
    client, _ = org
    client.enable_aws_service_access(ServicePrincipal="iam.amazonaws.com")
    enabled = client.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    assert [s["ServicePrincipal"] for s in enabled] == ["iam.amazonaws.com"]
