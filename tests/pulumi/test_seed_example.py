"""examples/seed: the seed tutorial corrected, in plain pulumi_aws, run under the mock runtime."""

from __future__ import annotations

import json
import runpy

from tests.conftest import REPO
from trainshare.plan import kinds

SEED = REPO / "examples" / "seed" / "__main__.py"


def _run(deploy):
    return deploy(lambda: runpy.run_path(str(SEED)) and None)


def test_seed_share_has_a_resource_a_principal_and_a_real_permission(deploy):
    mocks, _, _ = _run(deploy)
    (share,) = mocks.of_type(kinds.RESOURCE_SHARE)
    assert share.inputs["permissionArns"] == [
        "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionCapacityReservation"
    ]
    assert share.inputs["allowExternalPrincipals"] is False
    (resource,) = mocks.of_type(kinds.RESOURCE_ASSOCIATION)
    assert resource.inputs["resourceArn"].startswith(
        "arn:aws:ec2:us-east-1:222222222222:capacity-reservation/"
    )
    (principal,) = mocks.of_type(kinds.PRINCIPAL_ASSOCIATION)
    assert principal.inputs["principal"] == mocks.ids["aiTrainingTeamAccount"]
    assert len(mocks.of_type(kinds.SHARING_WITH_ORGANIZATION)) == 1


def test_seed_scp_is_a_real_minified_document_on_the_ou(deploy):
    mocks, _, _ = _run(deploy)
    (policy,) = mocks.of_type(kinds.POLICY)
    document = json.loads(policy.inputs["content"])
    assert document["Statement"][0]["Effect"] == "Deny"
    assert policy.inputs["content"] == json.dumps(document, separators=(",", ":"))
    (attachment,) = mocks.of_type(kinds.POLICY_ATTACHMENT)
    assert attachment.inputs["targetId"].startswith("ou-")


def test_seed_share_is_made_by_the_owner_and_the_account_is_protected(deploy):
    mocks, options, _ = _run(deploy)
    (share,) = mocks.of_type(kinds.RESOURCE_SHARE)
    assert "::resource-owner::" in share.provider
    owner = mocks.named("resource-owner").inputs
    assert json.loads(owner["assumeRoles"])[0]["roleArn"] == (
        "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"
    )
    opts = options["aiTrainingTeamAccount"]
    assert (opts.protect, opts.retain_on_delete) == (True, True)
    assert options["sharing-with-organization"].retain_on_delete
