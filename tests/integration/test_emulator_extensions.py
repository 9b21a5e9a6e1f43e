"""Each moto extension on its own: given the emulator, when the AWS behaviour is exercised,
then it behaves as the cited AWS document says (and as unextended moto does not)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.iam import models as iam_models

from trainshare.emulator.capacity import adopt_reservation
from trainshare.emulator.extensions import (
    organizations_adopts_existing_account,
    organizations_adopts_existing_ou,
)

OWNER = "222222222222"
CR = f"arn:aws:ec2:us-east-1:{OWNER}:capacity-reservation/cr-0123456789abcdef0"
FG = f"arn:aws:sagemaker:us-east-1:{OWNER}:feature-group/vision"


@pytest.fixture
def owner_ram(emulator, org):
    _, root = org
    organizations_adopts_existing_account("111111111111", OWNER, "owner", "o@example.com", root)
    adopt_reservation(OWNER, "us-east-1", CR.rsplit("/", 1)[1])
    return emulator.client("ram", OWNER)


def test_capacity_reservations_and_feature_groups_are_shareable(owner_ram):
    share = owner_ram.create_resource_share(name="s", resourceArns=[CR, FG])["resourceShare"]
    found = owner_ram.get_resource_share_associations(
        associationType="RESOURCE", resourceShareArns=[share["resourceShareArn"]]
    )
    assert {a["associatedEntity"] for a in found["resourceShareAssociations"]} == {CR, FG}


def test_a_volume_is_still_not_shareable(owner_ram):
    with pytest.raises(ClientError, match="You cannot share the selected resource type"):
        owner_ram.create_resource_share(
            name="s", resourceArns=[f"arn:aws:ec2:us-east-1:{OWNER}:volume/vol-1"]
        )


def test_member_shares_with_a_nested_ou_and_the_organization(emulator, org, owner_ram):
    client, root = org
    ml = client.create_organizational_unit(ParentId=root, Name="ml")["OrganizationalUnit"]
    training = client.create_organizational_unit(ParentId=ml["Id"], Name="training")[
        "OrganizationalUnit"
    ]
    org_arn = client.describe_organization()["Organization"]["Arn"]
    share = owner_ram.create_resource_share(name="s", principals=[training["Arn"], org_arn])
    arn = share["resourceShare"]["resourceShareArn"]
    found = owner_ram.get_resource_share_associations(
        associationType="PRINCIPAL", resourceShareArns=[arn]
    )
    assert {a["associatedEntity"] for a in found["resourceShareAssociations"]} == {
        training["Arn"],
        org_arn,
    }
    ghost = training["Arn"].rsplit("/", 1)[0] + "/ou-zzzz-99999999"
    with pytest.raises(ClientError, match="could not be found"):
        owner_ram.create_resource_share(name="t", principals=[ghost])


def test_associate_and_disassociate(owner_ram):
    arn = owner_ram.create_resource_share(name="s")["resourceShare"]["resourceShareArn"]
    owner_ram.associate_resource_share(
        resourceShareArn=arn, resourceArns=[CR], principals=["333333333333"]
    )
    principals = owner_ram.get_resource_share_associations(
        associationType="PRINCIPAL", resourceShareArns=[arn]
    )
    assert [a["associatedEntity"] for a in principals["resourceShareAssociations"]] == [
        "333333333333"
    ]
    owner_ram.disassociate_resource_share(resourceShareArn=arn, resourceArns=[CR])
    resources = owner_ram.get_resource_share_associations(
        associationType="RESOURCE", resourceShareArns=[arn]
    )
    assert resources["resourceShareAssociations"] == []


def test_a_share_keeps_its_permissions(owner_ram):
    permission = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionCapacityReservation"
    arn = owner_ram.create_resource_share(name="s", permissionArns=[permission])["resourceShare"][
        "resourceShareArn"
    ]
    listed = owner_ram.list_resource_share_permissions(resourceShareArn=arn)["permissions"]
    assert [p["arn"] for p in listed] == [permission]


def test_org_sharing_is_enabled_from_the_management_account_only(emulator, org, owner_ram):
    client, _ = org
    with pytest.raises(ClientError, match="OperationNotPermittedException"):
        owner_ram.enable_sharing_with_aws_organization()
    emulator.client("ram").enable_sharing_with_aws_organization()
    enabled = client.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    assert [s["ServicePrincipal"] for s in enabled] == ["ram.amazonaws.com"]


def test_adopted_account_and_ou_keep_their_ids_and_full_aws_access(emulator, org):
    client, root = org
    unit = organizations_adopts_existing_ou("111111111111", "ou-ab12-11111111", "platform", root)
    organizations_adopts_existing_account("111111111111", OWNER, "owner", "o@example.com", unit.id)
    assert client.list_parents(ChildId=OWNER)["Parents"][0]["Id"] == "ou-ab12-11111111"
    for target in (OWNER, "ou-ab12-11111111"):
        attached = client.list_policies_for_target(
            TargetId=target, Filter="SERVICE_CONTROL_POLICY"
        )["Policies"]
        assert [p["Name"] for p in attached] == ["FullAWSAccess"]
    # the member can reach its organization, as a member account can on AWS
    described = emulator.client("organizations", OWNER).describe_organization()
    assert described["Organization"]["MasterAccountId"] == "111111111111"


def test_each_emulator_starts_from_an_empty_world(emulator):
    with pytest.raises(ClientError, match="AWSOrganizationsNotInUseException"):
        emulator.client("organizations").describe_organization()


def test_update_changes_only_what_is_given(owner_ram):
    arn = owner_ram.create_resource_share(name="gpu", allowExternalPrincipals=False)[
        "resourceShare"
    ]["resourceShareArn"]
    updated = owner_ram.update_resource_share(resourceShareArn=arn, allowExternalPrincipals=True)
    assert (
        updated["resourceShare"]["name"],
        updated["resourceShare"]["allowExternalPrincipals"],
    ) == ("gpu", True)
    renamed = owner_ram.update_resource_share(resourceShareArn=arn, name="gpu-2")
    assert renamed["resourceShare"]["allowExternalPrincipals"] is True


PIPELINE = f"arn:aws:sagemaker:us-east-1:{OWNER}:pipeline/train"
READ = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSageMakerPipeline"
EXECUTE = "arn:aws:ram::aws:permission/AWSRAMPermissionSageMakerPipelineAllowExecution"


def test_a_permission_is_replaced_only_while_no_resource_of_its_type_is_shared(owner_ram):
    # Given a share holding a pipeline under the type's default permission
    arn = owner_ram.create_resource_share(name="s", resourceArns=[PIPELINE])["resourceShare"][
        "resourceShareArn"
    ]
    # When the permission is replaced with the pipeline still in the share, AWS refuses
    with pytest.raises(ClientError) as caught:
        owner_ram.associate_resource_share_permission(
            resourceShareArn=arn, permissionArn=EXECUTE, replace=True
        )
    assert caught.value.response["Error"]["Code"] == "OperationNotPermittedException"
    # and without `replace` it refuses whatever the share holds
    owner_ram.disassociate_resource_share(resourceShareArn=arn, resourceArns=[PIPELINE])
    owner_ram.associate_resource_share_permission(resourceShareArn=arn, permissionArn=READ)
    with pytest.raises(ClientError, match="set replace to true"):
        owner_ram.associate_resource_share_permission(resourceShareArn=arn, permissionArn=EXECUTE)
    # Then, with no pipeline in the share, the replacement is made
    owner_ram.associate_resource_share_permission(
        resourceShareArn=arn, permissionArn=EXECUTE, replace=True
    )
    listed = owner_ram.list_resource_share_permissions(resourceShareArn=arn)["permissions"]
    assert [p["arn"] for p in listed] == [EXECUTE]


def test_the_callers_account_is_found_by_its_key_as_moto_finds_it(emulator, owner_ram):
    """Given keys in two accounts, when each calls, then each acts as its own account; a key
    no longer in its account (the world reset) is looked up again, an unknown one is moto's
    default account."""
    owner = emulator.session(OWNER).get_credentials().access_key
    management = emulator.session().get_credentials().access_key
    find = iam_models.get_account_id_from
    for _ in range(2):  # the second time from what it remembered
        assert (find(owner), find(management)) == (OWNER, "111111111111")
    assert owner_ram.get_resource_share_associations(associationType="PRINCIPAL") is not None
    assert emulator.client("sts", OWNER).get_caller_identity()["Account"] == OWNER
    del iam_models.iam_backends[OWNER]["aws"].access_keys[owner]
    assert find(owner) == DEFAULT_ACCOUNT_ID
    assert find("AKIANOTAKEYANYWHERE0") == DEFAULT_ACCOUNT_ID


def test_member_shares_with_a_nested_ou_and_the_organization_in_aws_us_gov(emulator):
    # Given an organization in the aws-us-gov partition, with a member and a nested OU,
    region = "us-gov-west-1"
    client = emulator.client("organizations", region=region)
    client.create_organization(FeatureSet="ALL")
    root = client.list_roots()["Roots"][0]["Id"]
    organizations_adopts_existing_account("111111111111", OWNER, "owner", "o@example.com", root)
    ml = client.create_organizational_unit(ParentId=root, Name="ml")["OrganizationalUnit"]
    training = client.create_organizational_unit(ParentId=ml["Id"], Name="training")[
        "OrganizationalUnit"
    ]
    org_arn = client.describe_organization()["Organization"]["Arn"]
    assert training["Arn"].startswith("arn:aws-us-gov:organizations::")
    # when the member shares with both, then RAM takes them, as it does in the aws partition,
    ram = emulator.client("ram", OWNER, region)
    share = ram.create_resource_share(name="s", principals=[training["Arn"], org_arn])
    found = ram.get_resource_share_associations(
        associationType="PRINCIPAL", resourceShareArns=[share["resourceShare"]["resourceShareArn"]]
    )
    assert {a["associatedEntity"] for a in found["resourceShareAssociations"]} == {
        training["Arn"],
        org_arn,
    }
    # and an OU that does not exist is refused as unknown.
    ghost = training["Arn"].rsplit("/", 1)[0] + "/ou-zzzz-99999999"
    with pytest.raises(ClientError, match="OrganizationalUnit ou-zzzz-99999999 could not be found"):
        ram.create_resource_share(name="t", principals=[ghost])
