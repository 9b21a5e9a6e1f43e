"""Effective access: reach, permission and the SCP path (Organizations user guide, "SCP
evaluation": every level root → OU → account needs an Allow, any Deny wins, the management
account is exempt). Given a spec, when a request is evaluated, then the effect and its reason."""

from __future__ import annotations

import gc
import json
import textwrap

import pytest

from trainshare.access import AccessError, Context, Effect, Request, evaluate, model_from_spec
from trainshare.access.evaluate import Evaluator
from trainshare.access.grouping import Grouping
from trainshare.access.matrix import access_matrix, access_rows, collector_paused
from trainshare.spec import load_spec

CR = "arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-1"
FG = "arn:aws:sagemaker:us-east-1:222222222222:feature-group/f"
BASE = """\
version: 1
organization: {management_account: "111111111111"}
units:
  ml:
    training: {}
    research: {}
accounts:
  owner: {id: "222222222222", unit: ml}
  vision: {id: "333333333333", unit: ml/training}
  lab: {id: "444444444444", unit: ml/research}
  loose: {id: "555555555555"}
"""


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


DENY_RUN = policy({"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*"})
ALLOW_S3 = policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})


def model(write_spec, guardrails="", shares=None, **files):
    shares = (
        shares
        or f"""\
shares:
  gpu: {{owner: owner, resources: ["{CR}"], principals: [ml/training, lab]}}
"""
    )
    text = BASE + (("guardrails:\n" + textwrap.indent(guardrails, "  ")) if guardrails else "")
    return model_from_spec(load_spec(write_spec(text + shares, **files)))


def decide(m, account, action="ec2:RunInstances", resource=CR, **context):
    return evaluate(m, Request(account, resource, action, Context.of(context)))


def texts(decision):
    return [s.text for s in decision.trace]


def test_reached_through_an_ou_and_allowed_by_full_aws_access(write_spec):
    d = decide(model(write_spec), "vision")
    assert d.effect is Effect.ALLOW
    assert texts(d)[0] == "share gpu reaches vision (333333333333) through OU ml/training"
    assert texts(d)[-1] == "SCP at account vision: allowed by FullAWSAccess Statement[0]"


def test_reached_directly_and_through_the_organization(write_spec):
    assert "reaches lab (444444444444) directly" in texts(decide(model(write_spec), "lab"))[0]
    m = model(
        write_spec,
        shares=f'shares:\n  gpu: {{owner: owner, resources: ["{CR}"], principals: [root]}}\n',
    )
    assert texts(decide(m, "loose"))[0].endswith("through the organization")


def test_not_reached(write_spec):
    d = decide(model(write_spec), "loose")
    assert d.effect is Effect.IMPLICIT_DENY
    assert texts(d) == [
        "share gpu does not reach loose (555555555555): it is shared with "
        "ml/training, lab, and loose is in the root"
    ]


def test_the_owner_never_receives_its_own_resource(write_spec):
    d = decide(model(write_spec), "owner")
    assert d.effect is Effect.IMPLICIT_DENY
    assert "owns this resource" in texts(d)[0]


def test_permission_must_grant_the_action(write_spec):
    d = decide(model(write_spec), "vision", action="ec2:TerminateInstances")
    assert d.effect is Effect.IMPLICIT_DENY
    assert texts(d)[1].startswith(
        "AWSRAMDefaultPermissionCapacityReservation does not grant ec2:TerminateInstances"
    )


def test_deny_at_the_root_wins(write_spec):
    m = model(write_spec, "g: {document: p.json, targets: [root]}\n", **{"p.json": DENY_RUN})
    d = decide(m, "vision")
    assert d.effect is Effect.DENY
    assert texts(d)[-1] == "SCP at the root: g Statement[0] denies ec2:RunInstances"


def test_deny_at_an_intermediate_ou_is_never_skipped(write_spec):
    m = model(write_spec, "g: {document: p.json, targets: [ml]}\n", **{"p.json": DENY_RUN})
    assert decide(m, "vision").effect is Effect.DENY
    assert decide(m, "lab").effect is Effect.DENY
    assert texts(decide(m, "vision"))[-1] == "SCP at OU ml: g Statement[0] denies ec2:RunInstances"


def test_a_level_without_an_allow_denies_implicitly(write_spec):
    text = BASE.replace("training: {}", "training: {full_aws_access: false}")
    spec = (
        text
        + "guardrails:\n  s3-only: {document: p.json, targets: [ml/training]}\n"
        + (f'shares:\n  gpu: {{owner: owner, resources: ["{CR}"], principals: [ml/training]}}\n')
    )
    m = model_from_spec(load_spec(write_spec(spec, **{"p.json": ALLOW_S3})))
    d = decide(m, "vision")
    assert d.effect is Effect.IMPLICIT_DENY
    assert texts(d)[-2] == (
        "SCP at OU ml/training: no statement allows ec2:RunInstances "
        "(attached: s3-only); every level needs an Allow"
    )


def test_full_aws_access_removed_from_an_account(write_spec):
    text = BASE.replace("unit: ml/training}", "unit: ml/training, full_aws_access: false}")
    spec = (
        text
        + "guardrails:\n  s3-only: {document: p.json, targets: [vision]}\n"
        + (f'shares:\n  gpu: {{owner: owner, resources: ["{CR}"], principals: [ml/training]}}\n')
    )
    m = model_from_spec(load_spec(write_spec(spec, **{"p.json": ALLOW_S3})))
    assert decide(m, "vision").effect is Effect.IMPLICIT_DENY


def test_the_management_account_is_exempt_from_scps(write_spec):
    shares = (
        f'shares:\n  gpu: {{owner: owner, resources: ["{CR}"], principals: ["111111111111"]}}\n'
    )
    m = model(
        write_spec, "g: {document: p.json, targets: [root]}\n", shares, **{"p.json": DENY_RUN}
    )
    d = decide(m, "111111111111")
    assert d.effect is Effect.ALLOW
    assert texts(d)[-1] == (
        "management (111111111111) is the management account: SCPs never apply to it"
    )


def test_an_external_account_is_conditional(write_spec):
    shares = (
        f'shares:\n  gpu: {{owner: owner, resources: ["{CR}"], '
        'principals: ["999999999999"], allow_external: true}\n'
    )
    d = decide(model(write_spec, shares=shares), "999999999999")
    assert d.effect is Effect.CONDITIONAL
    assert texts(d)[0].endswith("directly, by account ID (outside the organization)")
    assert texts(d)[-1].endswith("is outside the organization: its own SCPs are not known")


def test_conditions_decide_with_context_and_name_unknown_keys(write_spec):
    m = model(
        write_spec,
        "gpu-types: {template: restrict-instance-types, params: "
        "{instance_types: [p5.*]}, targets: [ml/training]}\n",
    )
    unknown = decide(m, "vision")
    assert (unknown.effect, unknown.unknown_keys) == (
        Effect.CONDITIONAL,
        frozenset({"ec2:InstanceType"}),
    )
    assert decide(m, "vision", **{"ec2:InstanceType": "p5.48xlarge"}).effect is Effect.ALLOW
    assert decide(m, "vision", **{"ec2:InstanceType": "m5.large"}).effect is Effect.DENY
    # The template exempts the deploy role: its ArnNotLike is definitely false, so the Deny
    # cannot apply, whatever the (unknown) instance type.
    role = "arn:aws:iam::333333333333:role/OrganizationAccountAccessRole"
    assert decide(m, "vision", **{"aws:PrincipalArn": role}).effect is Effect.ALLOW
    assert (
        decide(m, "vision", **{"aws:PrincipalArn": role, "ec2:InstanceType": "m5.large"}).effect
        is Effect.ALLOW
    )


def test_requested_region_is_filled_from_the_resource(write_spec):
    m = model(
        write_spec,
        "regions: {template: restrict-regions, params: "
        "{allowed_regions: [eu-west-1]}, targets: [root]}\n",
    )
    d = decide(m, "vision")
    assert d.effect is Effect.DENY, d.explain()
    assert "restrict" not in texts(d)[-1] and "DenyOutsideAllowedRegions" in texts(d)[-1]


def test_a_deny_on_another_resource_does_not_apply_and_not_resource_inverts(write_spec):
    other = policy(
        {
            "Effect": "Deny",
            "Action": "ec2:RunInstances",
            "Resource": "arn:aws:ec2:*:*:capacity-reservation/cr-other",
        }
    )
    m = model(write_spec, "g: {document: p.json, targets: [root]}\n", **{"p.json": other})
    assert decide(m, "vision").effect is Effect.ALLOW
    inverted = policy(
        {
            "Effect": "Deny",
            "Action": "ec2:RunInstances",
            "NotResource": "arn:aws:ec2:*:*:capacity-reservation/cr-other",
        }
    )
    m = model(write_spec, "g: {document: p.json, targets: [root]}\n", **{"p.json": inverted})
    assert decide(m, "vision").effect is Effect.DENY


def test_a_deny_on_instances_stops_a_launch_into_the_reservation(write_spec):
    # RunInstances is authorized against instance/* too (catalog data: action_resources).
    on_instances = policy(
        {"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "arn:aws:ec2:*:*:instance/*"}
    )
    m = model(write_spec, "g: {document: p.json, targets: [root]}\n", **{"p.json": on_instances})
    assert decide(m, "vision").effect is Effect.DENY


def test_permission_actions_not_in_the_catalog_make_it_conditional(write_spec):
    shares = (
        f'shares:\n  fg: {{owner: owner, resources: ["{FG}"], principals: [vision], '
        "permissions: [AWSRAMPermissionSageMakerFeatureGroupReadOnly]}\n"
    )
    m = model(write_spec, shares=shares)
    assert decide(m, "vision", "sagemaker:GetRecord", FG).effect is Effect.ALLOW
    assert decide(m, "vision", "sagemaker:PutRecord", FG).effect is Effect.IMPLICIT_DENY


def test_unknown_account_or_resource_is_an_error(write_spec):
    m = model(write_spec)
    with pytest.raises(AccessError, match="no account 'nobody'"):
        decide(m, "nobody")
    with pytest.raises(AccessError, match="is not a resource of any share"):
        decide(m, "vision", resource="arn:aws:ec2:us-east-1:222222222222:subnet/subnet-9")


def test_a_matrix_is_built_with_the_collector_paused_and_its_state_restored(
    write_spec, monkeypatch
):
    seen = []
    real_group = Grouping.group

    def group(self, account):
        seen.append(gc.isenabled())
        return real_group(self, account)

    monkeypatch.setattr(Grouping, "group", group)
    m = model(write_spec)
    assert gc.isenabled()
    cells = access_matrix(m)
    assert seen and not any(seen)  # paused while the rows were decided
    assert gc.isenabled() and {c.account.key for c in cells} == {"vision", "lab"}
    gc.disable()
    try:
        access_rows(m)
        assert not gc.isenabled()  # left off: it was off before
    finally:
        gc.enable()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError
    assert gc.isenabled()


def test_one_evaluator_decides_a_group_under_each_context_it_is_given(write_spec):
    m = model(
        write_spec,
        "gpu-types: {template: restrict-instance-types, params: "
        "{instance_types: [p5.*]}, targets: [ml/training]}\n",
    )
    grouping = Grouping(Evaluator(m))
    vision = m.accounts["vision"]

    def effect(**context):
        action = "ec2:RunInstances"
        return grouping.group_scps(
            m.shares["gpu"],
            vision,
            resource=CR,
            action=action,
            action_group=grouping.action_group(vision, action),
            context=Context.of(context),
        )

    assert effect() == (Effect.CONDITIONAL, frozenset({"ec2:InstanceType"}))
    assert effect(**{"ec2:InstanceType": "m5.large"}) == (Effect.DENY, frozenset())
    assert effect(**{"ec2:InstanceType": "p5.48xlarge"}) == (Effect.ALLOW, frozenset())
