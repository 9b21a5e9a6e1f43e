"""Organizations policies of every type in the plan: the policy and its attachments, the type
enabled first (organization input or command), RCPs attached accounts → OUs → root."""

from __future__ import annotations

import dataclasses
import json
import textwrap

import pytest

from trainshare.plan import Join, Ref, build_plan, kinds
from trainshare.policy import minify
from trainshare.spec import Guardrail, load_spec

SECURE_TRANSPORT = minify(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}},
            }
        ],
    }
)
ORG_FENCE = SECURE_TRANSPORT.replace(
    '"BoolIfExists":{"aws:SecureTransport":"false"}',
    '"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"${org_id}"}',
)
OPT_OUT = minify({"services": {"default": {"opt_out_policy": {"@@assign": "optOut"}}}})


def spec_with(write_spec, *guardrails: Guardrail, create: bool = False):
    spec = load_spec(
        write_spec(
            textwrap.dedent(f"""\
            version: 1
            organization: {{management_account: "111111111111", create: {str(create).lower()}}}
            units: {{ml: {{training: {{}}}}}}
            accounts:
              data: {{id: "222222222222", unit: ml/training}}
              lab: {{email: lab@example.com, unit: ml}}
            """)
        )
    )
    return dataclasses.replace(spec, guardrails={g.key: g for g in guardrails})


def rcp(key="tls", targets=("root",), document=SECURE_TRANSPORT):
    return Guardrail(
        key=key,
        name=key,
        description="d",
        document=document,
        targets=tuple(targets),
        template=None,
        type="rcp",
    )


def test_rcp_is_a_resource_control_policy_and_its_attachment(write_spec):
    plan = build_plan(spec_with(write_spec, rcp()))
    policy = plan["rcp/tls"]
    assert policy.kind == kinds.POLICY
    assert policy.inputs["type"] == "RESOURCE_CONTROL_POLICY"
    assert policy.inputs["content"] == SECURE_TRANSPORT
    attach = plan["rcp/tls/attach/root"]
    assert attach.inputs == {
        "policy_id": Ref("rcp/tls", "id"),
        "target_id": Ref("organization", "roots[0].id"),
    }


def test_adopted_org_enables_the_rcp_type_by_command_before_attaching(write_spec):
    plan = build_plan(spec_with(write_spec, rcp()))
    enable = plan["policy-type/RESOURCE_CONTROL_POLICY"]
    assert enable.kind == kinds.COMMAND and enable.retain_on_delete
    environment = enable.inputs["environment"]
    assert environment["TRAINSHARE_ACTION"] == "enable-policy-type"
    assert environment["TRAINSHARE_POLICY_TYPE"] == "RESOURCE_CONTROL_POLICY"
    assert environment["TRAINSHARE_ROOT_ID"] == Ref("organization", "roots[0].id")
    assert "PolicyTypeAlreadyEnabledException" in enable.inputs["create"]
    assert "policy-type/RESOURCE_CONTROL_POLICY" in plan["rcp/tls/attach/root"].depends_on
    # no command for SCPs: assumed enabled on an adopted organization
    assert "policy-type/SERVICE_CONTROL_POLICY" not in plan


def test_created_org_enables_every_type_its_guardrails_have(write_spec):
    optout = Guardrail(
        key="ai",
        name="ai",
        description="d",
        document=OPT_OUT,
        targets=("root",),
        template=None,
        type="ai-opt-out",
    )
    scp = Guardrail(
        key="stay",
        name="stay",
        description="d",
        document='{"Version":"2012-10-17"}',
        targets=("root",),
        template=None,
    )
    plan = build_plan(spec_with(write_spec, rcp(), optout, scp, create=True))
    assert plan["organization"].inputs["enabled_policy_types"] == [
        "AISERVICES_OPT_OUT_POLICY",
        "RESOURCE_CONTROL_POLICY",
        "SERVICE_CONTROL_POLICY",
    ]
    assert not any(n.name.startswith("policy-type/") for n in plan.nodes)
    assert plan["ai-opt-out/ai"].inputs["type"] == "AISERVICES_OPT_OUT_POLICY"
    assert plan["scp/stay"].inputs["type"] == "SERVICE_CONTROL_POLICY"


def test_rcps_attach_accounts_first_then_ous_from_the_deepest_then_the_root(write_spec):
    targets = ("root", "ml", "ml/training", "data", "lab")
    plan = build_plan(spec_with(write_spec, rcp(targets=targets)))

    def after(target):
        node = plan[f"rcp/tls/attach/{target}"]
        return {d.rsplit("/", 1)[1] for d in node.depends_on if "/attach/" in d}

    # depth: data (ml/training + 1) = 3; ml/training and lab (ml + 1) = 2; ml = 1; root = 0
    assert after("data") == set()
    assert after("ml/training") == after("lab") == {"data"}
    assert after("ml") == {"training", "lab"}
    assert after("root") == {"ml"}
    names = [n.name for n in plan.nodes]
    assert names.index("rcp/tls/attach/data") < names.index("rcp/tls/attach/ml/training")
    assert names.index("rcp/tls/attach/ml") < names.index("rcp/tls/attach/root")


def test_a_created_account_does_not_wait_for_the_rcps_of_its_ou(write_spec):
    """The RCP waits for the account (bottom-up), so the account must not wait for the RCP."""
    plan = build_plan(spec_with(write_spec, rcp(targets=("ml", "lab"))))
    assert not any("rcp/" in d for d in plan["account/lab"].dependencies())
    assert "rcp/tls/attach/lab" in plan["rcp/tls/attach/ml"].depends_on


def test_scp_attachments_keep_no_order_among_themselves(write_spec):
    scp = Guardrail(
        key="stay",
        name="stay",
        description="d",
        document='{"Version":"2012-10-17"}',
        targets=("root", "ml"),
        template=None,
    )
    plan = build_plan(spec_with(write_spec, scp))
    assert plan["scp/stay/attach/root"].depends_on == ()


def test_org_id_placeholder_becomes_the_organizations_id_at_deploy(write_spec):
    plan = build_plan(spec_with(write_spec, rcp(document=ORG_FENCE)))
    content = plan["rcp/tls"].inputs["content"]
    assert isinstance(content, Join)
    before, org_id, after = content.parts
    assert org_id == Ref("organization", "id")
    assert json.loads(f"{before}o-abc123def4{after}")["Statement"][0]["Condition"] == {
        "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123def4"}
    }


@pytest.mark.parametrize(
    ("kind", "aws_name", "node"),
    [
        ("tag", "TAG_POLICY", "tag/g"),
        ("declarative-ec2", "DECLARATIVE_POLICY_EC2", "declarative-ec2/g"),
        ("backup", "BACKUP_POLICY", "backup/g"),
        ("ai-opt-out", "AISERVICES_OPT_OUT_POLICY", "ai-opt-out/g"),
    ],
)
def test_each_management_type_plans_its_policy_attachment_and_enablement(
    write_spec, kind, aws_name, node
):
    guardrail = Guardrail(
        key="g", name="g", description="d", document="{}", targets=("ml",), template=None, type=kind
    )
    plan = build_plan(spec_with(write_spec, guardrail))
    assert plan[node].inputs["type"] == aws_name
    attach = plan[f"{node}/attach/ml"]
    assert attach.inputs["target_id"] == Ref("ou/ml", "id")
    assert f"policy-type/{aws_name}" in attach.depends_on
    # accounts arriving in the OU wait for its management policies, as for its SCPs
    assert f"{node}/attach/ml" in plan["account/lab"].depends_on


def test_full_aws_access_detach_waits_only_for_scps(write_spec):
    spec = spec_with(write_spec, rcp(targets=("ml",)))
    units = {
        path: dataclasses.replace(u, full_aws_access=path != "ml") for path, u in spec.units.items()
    }
    allow = Guardrail(
        key="allow",
        name="allow",
        description="d",
        document='{"Version":"2012-10-17"}',
        targets=("ml",),
        template=None,
    )
    spec = dataclasses.replace(spec, units=units, guardrails={**spec.guardrails, "allow": allow})
    detach = build_plan(spec)["scp/FullAWSAccess/detach/ml"]
    assert detach.depends_on == ("scp/allow/attach/ml",)
