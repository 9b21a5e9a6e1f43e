"""Plans that survive spec edits: unique logical names, resource policies kept on delete, and
accounts that arrive in an OU only once its guardrails and shares are in place."""

from __future__ import annotations

import pytest

from trainshare.errors import PlanError
from trainshare.plan import Node, Plan, build_plan, kinds
from trainshare.plan.graph import in_dependency_order
from trainshare.spec import load_spec

HEADER = """\
version: 1
organization: {management_account: "111111111111"}
units:
  ml:
    training: {}
accounts:
  data: {id: "222222222222"}
  vision: {email: vision@example.com, unit: ml/training}
"""
EAST = "arn:aws:ecr:us-east-1:222222222222:repository/models"
WEST = "arn:aws:ecr:us-west-2:222222222222:repository/models"


def _models_share(key: str, arn: str, region: str) -> str:
    return f"""\
  {key}:
    owner: data
    region: {region}
    access: pull
    resources: [{{arn: "{arn}", policy: managed}}]
    principals: [ml]
"""


def test_one_repository_name_in_two_regions_gives_two_policies(write_spec):
    # Given the repository `models` in us-east-1 and in us-west-2, shared by one owner
    text = HEADER + "shares:\n"
    text += _models_share("east", EAST, "us-east-1") + _models_share("west", WEST, "us-west-2")
    # When the plan is built
    plan = build_plan(load_spec(write_spec(text)))
    # Then each repository has its own policy, named with its account and Region
    policies = plan.of_kind(kinds.REPOSITORY_POLICY)
    assert [(n.name, n.region) for n in policies] == [
        ("policy/ecr/222222222222/us-east-1/models", "us-east-1"),
        ("policy/ecr/222222222222/us-west-2/models", "us-west-2"),
    ]
    assert [n.inputs["repository"] for n in policies] == ["models", "models"]
    # and neither claims the old name `policy/ecr/models`, which stood for one resource only
    assert [n.aliases for n in policies] == [(), ()]


def test_a_policy_keeps_the_name_it_had_before_regions_were_in_names(write_spec):
    text = HEADER + "shares:\n" + _models_share("east", EAST, "us-east-1")
    node = build_plan(load_spec(write_spec(text))).of_kind(kinds.REPOSITORY_POLICY)[0]
    assert node.aliases == ("policy/ecr/models",)


def test_managed_resource_policies_are_kept_on_delete(write_spec):
    text = HEADER + "shares:\n" + _models_share("east", EAST, "us-east-1")
    node = build_plan(load_spec(write_spec(text))).of_kind(kinds.REPOSITORY_POLICY)[0]
    assert (node.retain_on_delete, node.protect) == (True, False)


def _node(name: str, region: str, depends_on: tuple[str, ...] = ()) -> Node:
    return Node(
        kinds.REPOSITORY_POLICY,
        name,
        account="data",
        account_id="222222222222",
        region=region,
        inputs={},
        depends_on=depends_on,
    )


def test_the_plan_refuses_two_resources_under_one_name():
    with pytest.raises(PlanError) as caught:
        Plan((_node("policy/ecr/models", "us-east-1"), _node("policy/ecr/models", "us-west-2")))
    assert str(caught.value) == (
        "two resources would have the logical name 'policy/ecr/models': "
        "aws:ecr/repositoryPolicy:RepositoryPolicy in data (222222222222) us-east-1 and "
        "aws:ecr/repositoryPolicy:RepositoryPolicy in data (222222222222) us-west-2; "
        "rename one of the spec entries that make them"
    )


def test_dependency_order_is_stable_and_refuses_a_cycle():
    a, b, c = _node("a", "r", ("c",)), _node("b", "r"), _node("c", "r")
    assert [n.name for n in in_dependency_order([a, b, c])] == ["b", "c", "a"]
    with pytest.raises(PlanError, match=r"^a: its dependencies form a cycle$"):
        in_dependency_order([_node("a", "r", ("b",)), _node("b", "r", ("a",))])


ARRIVAL = (
    HEADER.replace("training: {}", "training: {full_aws_access: false}")
    + """\
guardrails:
  everywhere: {template: deny-leave-organization, targets: [root]}
  ml-only: {template: deny-leave-organization, targets: [ml]}
  training-only: {template: allow-services, params: {actions: ["ec2:*"]}, targets: [ml/training]}
  on-vision: {template: deny-leave-organization, targets: [vision]}
shares:
  subnets:
    owner: data
    resources: ["arn:aws:ec2:us-east-1:222222222222:subnet/subnet-0123456789abcdef0"]
    principals: [ml/training, ml]
"""
)


def test_an_account_arrives_after_its_ous_guardrails_and_shares(write_spec):
    plan = build_plan(load_spec(write_spec(ARRIVAL)))
    account = plan["account/vision"]
    # the guardrails on every level above it, the allow-list switch of its OU, and the shares
    # that name its OU itself (a share with the parent OU reaches it through the parent)
    assert account.depends_on == (
        "scp/everywhere/attach/root",
        "scp/ml-only/attach/ml",
        "scp/training-only/attach/ml/training",
        "scp/FullAWSAccess/detach/ml/training",
        "share/subnets/principal/ml/training",
    )
    order = [n.name for n in plan.nodes]
    assert all(order.index(d) < order.index("account/vision") for d in account.depends_on)
    # what targets the account itself comes after it
    assert order.index("account/vision") < order.index("scp/on-vision/attach/vision")


def test_a_managed_policy_is_recorded_before_it_is_written(write_spec):
    text = (
        HEADER
        + "shares:\n"
        + _models_share("east", EAST, "us-east-1").replace(
            "policy: managed}", "policy: managed, extra_statements: [{Sid: Mine}]}"
        )
    )
    plan = build_plan(load_spec(write_spec(text)))
    policy = plan["policy/ecr/222222222222/us-east-1/models"]
    keeper = plan["policy/ecr/222222222222/us-east-1/models/keep"]
    assert policy.depends_on == (keeper.name,)
    environment = keeper.inputs["environment"]
    assert isinstance(environment, dict)
    # trainshare's own statements tell a policy it wrote before from the one it found
    assert environment["TRAINSHARE_OWN_SIDS"] == "EastOrgPaths TrainshareDataPerimeter"
    # where it found none, the owner's own statements are what it leaves
    assert environment["TRAINSHARE_KEEP"] == (
        '{"Version":"2012-10-17","Statement":[{"Sid":"Mine"}]}'
    )
    assert environment["TRAINSHARE_ROLE_ARN"] == (
        "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"
    )
