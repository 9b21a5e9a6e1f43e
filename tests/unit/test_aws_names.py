"""An SCP's or a RAM share's AWS name can differ from its key (`name:`): what `trainshare import`
writes for names the spec cannot take as keys, so that the live object keeps its name."""

from __future__ import annotations

from tests.unit.test_spec_errors import BASE, CR, errors_of
from trainshare.plan import build_plan, kinds
from trainshare.spec import load_spec

SPEC = BASE + (
    "guardrails:\n"
    "  team-deny-gpu: {name: team/deny-gpu, template: deny-leave-organization, targets: [ml]}\n"
    "shares:\n"
    "  gpu-2:\n"
    "    name: gpu\n"
    "    owner: shared-services\n"
    f"    resources: [{CR}]\n"
    "    principals: [ml]\n"
)


def test_the_plan_names_aws_objects_by_name_and_nodes_by_key(write_spec):
    plan = build_plan(load_spec(write_spec(SPEC)))
    policy = plan["scp/team-deny-gpu"]
    share = plan["share/gpu-2"]
    assert (policy.kind, policy.inputs["name"]) == (kinds.POLICY, "team/deny-gpu")
    assert (share.kind, share.inputs["name"]) == (kinds.RESOURCE_SHARE, "gpu")


def test_without_name_the_key_is_the_name(write_spec):
    spec = load_spec(write_spec(SPEC.replace("name: team/deny-gpu, ", "")))
    assert spec.guardrails["team-deny-gpu"].name == "team-deny-gpu"


def test_a_policy_share_has_no_name(write_spec):
    text = BASE + (
        "shares:\n  data:\n    name: x\n    owner: shared-services\n    access: read\n"
        "    principals: [ml]\n    resources: [{arn: 'arn:aws:s3:::acme-data', policy: managed}]\n"
    )
    (error,) = errors_of(write_spec, text)
    assert (error.code, error.location.path, error.location.line) == (
        "INVALID_VALUE",
        "shares.data.name",
        13,
    )
    assert error.message.startswith("`name` is the name of a RAM share in AWS")


def test_an_scp_name_is_at_most_128_characters(write_spec):
    text = (
        BASE
        + f"guardrails:\n  g: {{name: {'x' * 129}, template: deny-leave-organization, targets: [ml]}}\n"
    )
    (error,) = errors_of(write_spec, text)
    assert (error.location.path, error.location.line) == ("guardrails.g.name", 12)
