"""Stacks split by owner: the org slice and one per owner account and Region register, between
them, exactly what the single stack does; owners read the org slice through its outputs."""

from __future__ import annotations

import textwrap
from typing import Any

import pulumi
import pytest

from tests.pulumi.mocks import RecordingMocks, Registration
from trainshare.errors import PlanError
from trainshare.plan import build_plan, kinds
from trainshare.plan.slices import REFS_OUTPUT, all_parts, exported_refs
from trainshare.pulumi import TYPE_TOKEN, OrgSharing
from trainshare.spec import load_spec

SPEC = textwrap.dedent("""\
    version: 1
    organization: {management_account: "111111111111", region: us-east-1}
    units:
      ml:
        training: {}
        research: {}
    accounts:
      platform: {id: "111111111111"}
      shared-services: {id: "222222222222", unit: ml}
      data: {id: "333333333333", unit: ml}
      team-vision: {email: vision@example.com, unit: ml/training}
    guardrails:
      keep-sharing-inside: {template: deny-external-sharing, targets: [root]}
    shares:
      gpu-east:
        owner: shared-services
        resources: ["arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-0123456789abcdef0"]
        principals: [ml/training]
      gpu-west:
        owner: shared-services
        region: us-west-2
        resources: ["arn:aws:ec2:us-west-2:222222222222:capacity-reservation/cr-0fedcba9876543210"]
        principals: [team-vision]
      datasets:
        owner: data
        access: read
        resources: [{arn: "arn:aws:s3:::acme-datasets", policy: managed}]
        principals: [ml/research]
      mgmt-subnet:
        owner: platform
        resources: ["arn:aws:ec2:us-east-1:111111111111:subnet/subnet-0a1b2c3d4e5f60718"]
        principals: [root]
    """)


class _StackMocks(RecordingMocks):
    """Answers a StackReference with the org stack's outputs."""

    def __init__(self, org_outputs: dict[str, Any]) -> None:
        super().__init__()
        self.org_outputs = org_outputs

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        if args.typ != "pulumi:pulumi:StackReference":
            return super().new_resource(args)
        self.registrations.append(Registration(args.typ, args.name, dict(args.inputs), None, True))
        return f"{args.name}-id", {"name": args.inputs.get("name"), "outputs": self.org_outputs}


def _run(program, mocks: RecordingMocks) -> tuple[RecordingMocks, Any]:
    pulumi.runtime.set_mocks(mocks, project="trainshare-test", stack="test", preview=False)
    result: dict[str, Any] = {}

    @pulumi.runtime.test
    def body():
        return pulumi.Output.from_input(program()).apply(lambda v: result.setdefault("v", v))

    body()
    return mocks, result.get("v")


def _resources(mocks: RecordingMocks) -> list[tuple[str, str]]:
    return [(r.type, r.name) for r in mocks.registrations if r.type != TYPE_TOKEN]


@pytest.fixture
def spec(write_spec):
    return load_spec(write_spec(SPEC))


def test_the_slices_together_register_exactly_what_the_single_stack_does(spec):
    single, _ = _run(lambda: OrgSharing("org", spec) and None, RecordingMocks())
    org, refs = _run(lambda: OrgSharing("org", spec, part="org").refs, RecordingMocks())
    plan = build_plan(spec)
    parts = [str(p) for p in all_parts(plan)]
    assert parts == [
        "org",
        "owner:222222222222/us-east-1",
        "owner:222222222222/us-west-2",
        "owner:111111111111/us-east-1",
        "owner:333333333333/us-east-1",
    ]
    slices = {"org": _resources(org)}
    for part in parts[1:]:
        mocks, _ = _run(
            lambda p=part: OrgSharing("org", spec, part=p, org=refs) and None, RecordingMocks()
        )
        slices[part] = _resources(mocks)

    union = sorted({r for registered in slices.values() for r in registered})
    assert union == sorted(_resources(single))
    # every resource but a provider is in exactly one slice
    counted: dict[tuple[str, str], int] = {}
    for registered in slices.values():
        for resource in registered:
            counted[resource] = counted.get(resource, 0) + 1
    assert {r for r, n in counted.items() if n > 1} == {
        (
            kinds.PROVIDER,
            "org/provider/111111111111/us-east-1",
        )  # the management account owns a share
    }
    # the org slice exports what the owners read, and nothing else
    assert sorted(refs) == [str(r) for r in exported_refs(plan)]
    assert {"ou/ml/training.arn", "account/team-vision.id", "organization.arn"} <= set(refs)


def test_an_owner_slice_sends_the_values_the_org_slice_exported(spec):
    org, refs = _run(lambda: OrgSharing("org", spec, part="org").refs, RecordingMocks())
    owner, _ = _run(
        lambda: OrgSharing("org", spec, part="owner:shared-services/us-east-1", org=refs) and None,
        RecordingMocks(),
    )
    principal = owner.named("org/share/gpu-east/principal/ml/training").inputs["principal"]
    assert principal == refs["ou/ml/training.arn"]
    assert principal.endswith("/" + org.ids["org/ou/ml/training"])
    # only that owner's nodes, in that Region, with its provider
    assert {name for _, name in _resources(owner)} == {
        "org/provider/222222222222/us-east-1",
        "org/share/gpu-east",
        "org/share/gpu-east/permission/ec2/CapacityReservation",
        "org/share/gpu-east/resource/ec2/capacity-reservation/cr-0123456789abcdef0",
        "org/share/gpu-east/principal/ml/training",
    }


def test_an_owner_stack_uses_its_own_credentials(spec):
    _, refs = _run(lambda: OrgSharing("org", spec, part="org").refs, RecordingMocks())
    owner, _ = _run(
        lambda: OrgSharing("org", spec, part="owner:222222222222", org=refs) and None,
        RecordingMocks(),
    )
    for region in ("us-east-1", "us-west-2"):
        provider = owner.named(f"org/provider/222222222222/{region}").inputs
        assert "assumeRoles" not in provider  # the stack's credentials are the owner's
        assert provider["allowedAccountIds"] == '["222222222222"]'
    command = owner.named("org/share/gpu-east/permission/ec2/CapacityReservation")
    assert command.inputs["environment"]["TRAINSHARE_ROLE_ARN"] == ""


def test_an_owner_slice_reads_the_org_stack_through_a_stack_reference(spec):
    _, refs = _run(lambda: OrgSharing("org", spec, part="org").refs, RecordingMocks())
    mocks = _StackMocks({REFS_OUTPUT: refs})
    owner, _ = _run(
        lambda: OrgSharing("org", spec, part="owner:data", org="acme/platform/org") and None,
        mocks,
    )
    reference = next(r for r in owner.registrations if r.type == "pulumi:pulumi:StackReference")
    assert reference.inputs["name"] == "acme/platform/org"
    policy = next(r for r in owner.registrations if r.type == kinds.BUCKET_POLICY)
    assert refs["organization.id"] in policy.inputs["policy"]


def test_parts_are_checked_and_an_owner_needs_the_org_stack(spec):
    def run(**kwargs):
        return _run(lambda: OrgSharing("org", spec, **kwargs) and None, RecordingMocks())

    with pytest.raises(PlanError) as caught:
        run(part="owners:data")
    assert str(caught.value) == (
        "part 'owners:data': write 'org' or 'owner:<account>[/<region>]', e.g. "
        "owner:shared-services/us-east-1"
    )
    with pytest.raises(PlanError) as caught:
        run(part="owner:team-vision")
    assert str(caught.value).startswith(
        "part 'owner:team-vision': that account owns nothing there; the owners are: "
        "owner:222222222222/us-east-1, owner:222222222222/us-west-2, "
    )
    with pytest.raises(PlanError) as caught:
        run(part="owner:data")
    assert str(caught.value) == (
        "part owner:333333333333: an owner slice reads the org slice's outputs — pass org= "
        "(the org stack's name or StackReference)"
    )
    with pytest.raises(Exception) as caught:
        run(
            part="owner:data", org={"organization.arn": "arn:aws:organizations::1:organization/o-1"}
        )
    assert "the org stack exports no " in str(caught.value)
