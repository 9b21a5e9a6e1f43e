"""Shared capacity in `plan` and `access`: given a share of reservations the spec states (an
interruptible one, a Capacity Block) with a billing owner, when the plan and the access model are
built, then the plan assigns billing and plans the acceptance, and both say what a consumer must
know (an interruptible reservation is reclaimed with two minutes' notice)."""

from __future__ import annotations

from trainshare.access import Request, evaluate, model_from_spec
from trainshare.access.statements import Verdict
from trainshare.plan import build_plan, kinds, plan_to_json
from trainshare.plan.capacity import ACCEPT_BILLING, ASSIGN_BILLING, REVOKE_BILLING
from trainshare.plan.graph import Join, Ref
from trainshare.plan.slices import all_parts, select
from trainshare.report import render_plan
from trainshare.spec import load_spec

OWNER, VISION = "222222222222", "333333333333"
ICR = f"arn:aws:ec2:us-east-1:{OWNER}:capacity-reservation/cr-0000000000000000a"
CB = f"arn:aws:ec2:us-east-1:{OWNER}:capacity-reservation/cr-0000000000000000b"
SPEC = f"""\
version: 1
organization: {{management_account: "111111111111"}}
units:
  ml:
    id: ou-ab12-11111111
    training: {{id: ou-ab12-22222222}}
accounts:
  gpu-owner: {{id: "{OWNER}", unit: ml}}
  team-vision: {{id: "{VISION}", unit: ml/training}}
  team-new: {{email: new@example.com, unit: ml/training}}
shares:
  gpu:
    owner: gpu-owner
    resources:
      - arn: {ICR}
        capacity: {{kind: interruptible, instance_type: p5.48xlarge}}
      - arn: {CB}
        capacity: {{kind: capacity-block, end: "2099-01-15T11:30:00Z"}}
    principals: [ml/training]
    billing_owner: {{payer}}
"""


def plan_of(write_spec, payer="team-vision"):
    return build_plan(load_spec(write_spec(SPEC.replace("{payer}", payer))))


def test_the_owner_assigns_billing_once_shared_and_the_billing_owner_accepts(write_spec):
    plan = plan_of(write_spec)
    assign = plan["share/gpu/billing/cr-0000000000000000a/assign"]
    accept = plan["share/gpu/billing/cr-0000000000000000a/accept"]
    assert (assign.kind, assign.account_id, accept.account_id) == (kinds.COMMAND, OWNER, VISION)
    assert (assign.inputs["create"], assign.inputs["delete"]) == (ASSIGN_BILLING, REVOKE_BILLING)
    assert accept.inputs["create"] == ACCEPT_BILLING and "delete" not in accept.inputs
    environment = assign.inputs["environment"]
    assert {k: environment[k] for k in ("TRAINSHARE_ACTION", "TRAINSHARE_RESERVATION_ID")} == {
        "TRAINSHARE_ACTION": "assign-billing",
        "TRAINSHARE_RESERVATION_ID": "cr-0000000000000000a",
    }
    assert environment["TRAINSHARE_BILLING_OWNER"] == VISION
    assert environment["TRAINSHARE_ROLE_ARN"] == (
        f"arn:aws:iam::{OWNER}:role/OrganizationAccountAccessRole"
    )
    assert accept.inputs["environment"]["TRAINSHARE_ROLE_ARN"] == (
        f"arn:aws:iam::{VISION}:role/OrganizationAccountAccessRole"
    )
    # the request is made once the share holds the reservation and reaches the OU
    assert set(assign.depends_on) >= {
        "share/gpu/resource/ec2/capacity-reservation/cr-0000000000000000a",
        "share/gpu/principal/ml/training",
    }
    assert accept.depends_on == (assign.name,)


def test_a_billing_owner_created_by_the_spec_is_named_by_its_deploy_time_id(write_spec):
    plan = plan_of(write_spec, payer="team-new")
    assign = plan["share/gpu/billing/cr-0000000000000000a/assign"]
    assert assign.inputs["environment"]["TRAINSHARE_BILLING_OWNER"] == Ref("account/team-new", "id")
    role = plan["share/gpu/billing/cr-0000000000000000a/accept"].inputs["environment"][
        "TRAINSHARE_ROLE_ARN"
    ]
    assert role == Join(
        ("arn:aws:iam::", Ref("account/team-new", "id"), ":role/OrganizationAccountAccessRole")
    )


def test_the_plan_says_an_interruptible_reservation_can_be_reclaimed(write_spec):
    plan = plan_of(write_spec)
    association = plan["share/gpu/resource/ec2/capacity-reservation/cr-0000000000000000a"]
    assert association.note == (
        "interruptible Capacity Reservation: gpu-owner can reclaim it at any time; consumers' "
        "instances in it are terminated after a 2-minute notice, with no fallback to On-Demand "
        "(launch with MarketType interruptible-capacity-reservation)"
    )
    text = render_plan(plan, {"scp_max_chars": 10240})
    assert f"    note: {association.note}" in text
    block = plan["share/gpu/resource/ec2/capacity-reservation/cr-0000000000000000b"]
    assert "EC2 terminates their instances from 30 minutes before its end" in block.note
    as_json = {n["name"]: n for n in plan_to_json(plan)["resources"]}
    assert as_json[association.name]["note"] == association.note
    assert "note" not in as_json["share/gpu"]


def test_access_says_it_in_every_trace(write_spec):
    model = model_from_spec(load_spec(write_spec(SPEC.replace("{payer}", "team-vision"))))
    decision = evaluate(model, Request("team-vision", ICR, "ec2:RunInstances"))
    notes = [s.text for s in decision.trace if s.verdict is Verdict.NOTE and s.stage == "share"]
    assert notes == [
        "cr-0000000000000000a: interruptible Capacity Reservation: gpu-owner can reclaim it at "
        "any time; consumers' instances in it are terminated after a 2-minute notice, with no "
        "fallback to On-Demand (launch with MarketType interruptible-capacity-reservation)"
    ]


def test_the_acceptance_assumes_the_billing_owners_own_role(write_spec):
    """A billing owner that names its own access_role, external_id and session_name is reached
    with them, as its provider would be."""
    text = SPEC.replace("{payer}", "team-vision").replace(
        f'team-vision: {{id: "{VISION}", unit: ml/training}}',
        f'team-vision: {{id: "{VISION}", unit: ml/training, access_role: TeamDeploy, '
        "external_id: vision-ext-1, session_name: vision-deploy}",
    )
    accept = build_plan(load_spec(write_spec(text)))[
        "share/gpu/billing/cr-0000000000000000a/accept"
    ]
    environment = accept.inputs["environment"]
    assert {
        k: environment[k]
        for k in ("TRAINSHARE_ROLE_ARN", "TRAINSHARE_EXTERNAL_ID", "TRAINSHARE_SESSION_NAME")
    } == {
        "TRAINSHARE_ROLE_ARN": f"arn:aws:iam::{VISION}:role/TeamDeploy",
        "TRAINSHARE_EXTERNAL_ID": "vision-ext-1",
        "TRAINSHARE_SESSION_NAME": "vision-deploy",
    }


def test_split_stacks_put_the_acceptance_in_the_org_slice_not_a_slice_of_its_own(write_spec):
    """The request is the owner's (its slice); the acceptance runs in the billing owner's
    account, which the org stack's credentials reach: the billing owner, not an owner of
    shares, gets no stack."""
    plan = plan_of(write_spec)
    parts = all_parts(plan)
    assert [str(p) for p in parts] == ["org", f"owner:{OWNER}/us-east-1"]
    org, owner = ({n.name for n in select(plan, p)} for p in parts)
    assert "share/gpu/billing/cr-0000000000000000a/accept" in org - owner
    assert "share/gpu/billing/cr-0000000000000000a/assign" in owner - org
