"""OrgSharing in the user's own program: resources of that program shared by their Outputs, the
spec built in Python, and outputs by spec key."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from tests.pulumi.mocks import RecordingMocks
from trainshare.errors import PlanError, SpecError
from trainshare.plan import kinds
from trainshare.pulumi import OrgSharing
from trainshare.pulumi.composed import RAM_TYPES
from trainshare.spec import SpecBuilder

OWNER = "222222222222"


class _ProgramMocks(RecordingMocks):
    """Subnets and reservations get ARNs in the account and Region the test says."""

    def __init__(self, account: str = OWNER, region: str = "us-east-1") -> None:
        super().__init__()
        self.account, self.region = account, region

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        rid, state = super().new_resource(args)
        if args.typ == "aws:ec2/subnet:Subnet":
            state["arn"] = f"arn:aws:ec2:{self.region}:{self.account}:subnet/subnet-0abc"
        if args.typ == "aws:ec2/capacityReservation:CapacityReservation":
            state["arn"] = f"arn:aws:ec2:{self.region}:{self.account}:capacity-reservation/cr-0abc"
        return rid, state


def _run(program, mocks: RecordingMocks | None = None) -> tuple[RecordingMocks, Any]:
    mocks = mocks or _ProgramMocks()
    pulumi.runtime.set_mocks(mocks, project="trainshare-test", stack="test", preview=False)
    result: dict[str, Any] = {}

    @pulumi.runtime.test
    def body():
        return pulumi.Output.from_input(program()).apply(lambda v: result.setdefault("v", v))

    body()
    return mocks, result.get("v")


def _builder() -> SpecBuilder:
    return (
        SpecBuilder("111111111111")
        .unit("ml/training")
        .account("shared-services", id=OWNER, unit="ml")
        .account("team-vision", email="vision@example.com", unit="ml/training")
    )


def test_a_subnet_of_the_same_program_is_shared_by_its_arn():
    def program():
        subnet = aws.ec2.Subnet("training", vpc_id="vpc-1", cidr_block="10.0.0.0/24")
        spec = _builder().share(
            "training-subnet", owner="shared-services", resources=[subnet], principals=["ml"]
        )
        platform = OrgSharing("org", spec.to_dict())
        return platform.share_arn("training-subnet")

    mocks, share_arn = _run(program)
    association = mocks.named("org/share/training-subnet/resource/ec2/subnet/training")
    assert association.inputs["resourceArn"] == f"arn:aws:ec2:us-east-1:{OWNER}:subnet/subnet-0abc"
    assert association.inputs["resourceShareArn"] == share_arn
    # made by the owner, where the subnet is
    assert f"::org/provider/{OWNER}/us-east-1::" in (association.provider or "")


def test_an_output_arn_is_shared_with_its_declared_type_and_name():
    def program():
        reservation = aws.ec2.CapacityReservation(
            "gpus",
            instance_type="p5.48xlarge",
            instance_platform="Linux/UNIX",
            availability_zone="us-east-1a",
            instance_count=2,
        )
        spec = _builder().share(
            "gpu",
            owner="shared-services",
            resources=[{"arn": reservation.arn, "type": "ec2:CapacityReservation", "name": "p5"}],
            principals=["ml/training"],
        )
        OrgSharing("org", spec.to_dict())

    mocks, _ = _run(program)
    association = mocks.named("org/share/gpu/resource/ec2/capacity-reservation/p5")
    assert association.inputs["resourceArn"].endswith(":capacity-reservation/cr-0abc")


def test_a_resource_in_another_account_fails_the_deployment_naming_the_share():
    def program():
        subnet = aws.ec2.Subnet("training", vpc_id="vpc-1", cidr_block="10.0.0.0/24")
        spec = _builder().share(
            "net", owner="shared-services", resources=[subnet], principals=["ml"]
        )
        OrgSharing("org", spec.to_dict())

    with pytest.raises(Exception) as caught:
        _run(program, _ProgramMocks(account="999999999999"))
    assert (
        "share net: arn:aws:ec2:us-east-1:999999999999:subnet/subnet-0abc is in account "
        f"999999999999, not the owner's {OWNER} — RAM shares a resource from the account that "
        "owns it, in its Region: fix the share's owner or region"
    ) in str(caught.value)


def test_a_bare_output_or_an_unshareable_resource_is_refused_with_the_form_to_use():
    def bare():
        subnet = aws.ec2.Subnet("training", vpc_id="vpc-1", cidr_block="10.0.0.0/24")
        spec = _builder().share(
            "net", owner="shared-services", resources=[subnet.arn], principals=["ml"]
        )
        OrgSharing("org", spec.to_dict())

    with pytest.raises(PlanError) as caught:
        _run(bare)
    assert str(caught.value) == (
        "shares.net.resources[0]: an Output needs its RAM type and a name for the plan — write "
        '{"arn": output, "type": "ec2:Subnet", "name": "training-subnet"}'
    )

    def bucket():
        data = aws.s3.Bucket("data")
        spec = _builder().share("d", owner="shared-services", resources=[data], principals=["ml"])
        OrgSharing("org", spec.to_dict())

    with pytest.raises(PlanError) as caught:
        _run(bucket)
    assert str(caught.value).startswith(
        "shares.d.resources[0]: a aws:s3/bucket:Bucket cannot be shared through RAM by trainshare"
    )


def test_a_spec_built_in_python_is_checked_as_a_file_is():
    builder = _builder().account("broken", email="not-an-email")
    with pytest.raises(SpecError) as caught:
        builder.build()
    assert [(i.location.file, i.location.path, i.code) for i in caught.value.issues] == [
        ("<SpecBuilder>", "accounts.broken.email", "INVALID_EMAIL"),
        # shared-services is a reference (only its ID) in an OU trainshare creates
        ("<SpecBuilder>", "accounts.shared-services.unit", "EXISTING_ACCOUNT_IN_NEW_OU"),
    ]
    spec = _builder().build()
    assert set(spec.units) == {"ml", "ml/training"}
    assert spec.accounts["team-vision"].unit == "ml/training"


def test_outputs_one_key_at_a_time_and_an_unknown_key_is_named():
    def program():
        platform = OrgSharing("org", _builder().build())
        with pytest.raises(PlanError) as caught:
            platform.ou_id("ml/trainin")
        assert str(caught.value) == "the spec has no OU 'ml/trainin' (it has: ml, ml/training)"
        return pulumi.Output.all(
            platform.account_id("shared-services"),
            platform.account_id("team-vision"),
            platform.ou_id("ml/training"),
        )

    mocks, (owner, vision, training) = _run(program)
    assert owner == OWNER
    assert vision == mocks.ids["org/account/team-vision"]
    assert training == mocks.ids["org/ou/ml/training"]


def test_ram_type_tokens_are_the_ones_the_sdk_classes_register():
    classes = {
        "aws:ec2/subnet:Subnet": aws.ec2.Subnet,
        "aws:ec2/capacityReservation:CapacityReservation": aws.ec2.CapacityReservation,
        "aws:ec2/placementGroup:PlacementGroup": aws.ec2.PlacementGroup,
        "aws:ec2/managedPrefixList:ManagedPrefixList": aws.ec2.ManagedPrefixList,
        "aws:ec2transitgateway/transitGateway:TransitGateway": aws.ec2transitgateway.TransitGateway,
        "aws:resourcegroups/group:Group": aws.resourcegroups.Group,
    }
    assert set(classes) == set(RAM_TYPES)
    for token, cls in classes.items():
        assert token in cls._internal_init.__code__.co_consts, cls.__name__
    assert kinds.RESOURCE_ASSOCIATION  # the plan kind the placeholders feed
