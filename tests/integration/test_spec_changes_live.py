"""Spec edits played on the emulator: a share's permission changes in place."""

from __future__ import annotations

from trainshare.emulator.bridge import EmulatorMocks, Target, _ram_permission
from trainshare.emulator.extensions import organizations_adopts_existing_account
from trainshare.plan.commands import ram_permission_inputs, where_inputs
from trainshare.plan.graph import Ref

OWNER = "222222222222"
PIPELINE = f"arn:aws:sagemaker:us-east-1:{OWNER}:pipeline/train"
READ = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSageMakerPipeline"
EXECUTE = "arn:aws:ram::aws:permission/AWSRAMPermissionSageMakerPipelineAllowExecution"


def test_a_permission_change_keeps_the_share_and_puts_its_resources_back(emulator, org):
    # Given a live share of a pipeline with a principal, under the read permission
    _, root = org
    organizations_adopts_existing_account("111111111111", OWNER, "owner", "o@example.com", root)
    ram = emulator.client("ram", OWNER)
    share = ram.create_resource_share(
        name="pipelines", resourceArns=[PIPELINE], principals=["333333333333"]
    )["resourceShare"]["resourceShareArn"]
    # When the spec's permission becomes "allow execution" and the command runs
    inputs = ram_permission_inputs(
        Ref("share/pipelines", "arn"),
        EXECUTE,
        [READ, EXECUTE],
        [PIPELINE],
        where_inputs("us-east-1", f"arn:aws:iam::{OWNER}:role/OrganizationAccountAccessRole"),
    )
    environment = {**inputs["environment"], "TRAINSHARE_SHARE_ARN": share}  # type: ignore[dict-item]
    _ram_permission(EmulatorMocks(emulator), Target(OWNER, "us-east-1"), environment)
    # Then the same share (same ARN) holds the new permission, the pipeline and the principal
    listed = ram.list_resource_share_permissions(resourceShareArn=share)["permissions"]
    assert [p["arn"] for p in listed] == [EXECUTE]
    associations = ram.get_resource_share_associations(
        associationType="RESOURCE", resourceShareArns=[share]
    )["resourceShareAssociations"]
    assert [(a["associatedEntity"], a["status"]) for a in associations] == [
        (PIPELINE, "ASSOCIATED")
    ]
    principals = ram.get_resource_share_associations(
        associationType="PRINCIPAL", resourceShareArns=[share]
    )["resourceShareAssociations"]
    assert [a["associatedEntity"] for a in principals] == ["333333333333"]
    # and running it again changes nothing
    _ram_permission(EmulatorMocks(emulator), Target(OWNER, "us-east-1"), environment)
    assert [
        p["arn"] for p in ram.list_resource_share_permissions(resourceShareArn=share)["permissions"]
    ] == [EXECUTE]
