"""Spec edits under the mock runtime: what the component registers keeps its resources."""

from __future__ import annotations

import pulumi

from trainshare.plan import kinds
from trainshare.pulumi import OrgSharing

SPEC = """\
version: 1
organization: {management_account: "111111111111"}
units:
  ml: {}
accounts:
  data: {id: "222222222222"}
shares:
  east:
    owner: data
    access: pull
    resources: [{arn: "arn:aws:ecr:us-east-1:222222222222:repository/models", policy: managed}]
    principals: [ml]
  west:
    owner: data
    region: us-west-2
    access: pull
    resources: [{arn: "arn:aws:ecr:us-west-2:222222222222:repository/models", policy: managed}]
    principals: [ml]
"""


def test_one_repository_name_in_two_regions_registers_two_kept_policies(deploy, write_spec):
    path = write_spec(SPEC)
    mocks, options, _ = deploy(lambda: OrgSharing("org", path).policy_ids)
    policies = mocks.of_type(kinds.REPOSITORY_POLICY)
    assert sorted(r.name for r in policies) == [
        "org/policy/ecr/222222222222/us-east-1/models",
        "org/policy/ecr/222222222222/us-west-2/models",
    ]
    assert {r.inputs["repository"] for r in policies} == {"models"}
    # each with its own Region's provider
    assert len({r.provider for r in policies}) == 2
    commands = {r.name: r for r in mocks.of_type(kinds.COMMAND)}
    for registration in policies:
        opts = options[registration.name]
        assert opts.retain_on_delete is True
        assert not opts.aliases  # `policy/ecr/models` stood for one resource, not two
        # the policy found is recorded first, and put back when trainshare lets go of it
        keeper = commands[f"{registration.name}/keep"]
        assert [d._name for d in opts.depends_on] == [f"{registration.name}/keep"]  # type: ignore[union-attr]
        assert {"create", "update", "delete"} <= set(keeper.inputs)
        assert keeper.inputs["environment"]["TRAINSHARE_NAME"] == "models"


def test_a_renamed_node_carries_an_alias_to_its_old_name(deploy, write_spec):
    path = write_spec(SPEC.split("  west:", maxsplit=1)[0])
    _, options, _ = deploy(lambda: OrgSharing("org", path).policy_ids)
    aliases = options["org/policy/ecr/222222222222/us-east-1/models"].aliases
    assert [(a.name, a.parent) for a in aliases or []] == [("org/policy/ecr/models", ...)]
    assert isinstance(aliases[0], pulumi.Alias)


RENAMES_OLD = """\
version: 1
organization: {management_account: "111111111111"}
units:
  ml: {}
accounts:
  data: {id: "222222222222"}
  lab: {id: "333333333333", unit: ml}
shares:
  gpus:
    owner: data
    resources: ["arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-0123456789abcdef0"]
    principals: [lab]
"""
RENAMES_NEW = """\
version: 1
organization: {management_account: "111111111111"}
units:
  ml: {}
accounts:
  platform-data: {id: "222222222222", renamed_from: data}
  research-lab: {id: "333333333333", unit: ml, renamed_from: lab}
shares:
  gpu-capacity:
    owner: platform-data
    resources: ["arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-0123456789abcdef0"]
    principals: [research-lab]
    renamed_from: gpus
"""


def _registered(deploy, path):
    mocks, options, _ = deploy(lambda: OrgSharing("org", path).share_arns)
    return {r.name: r for r in mocks.registrations}, options


def test_a_renamed_share_and_accounts_keep_their_resources_and_providers(
    deploy, write_spec, tmp_path
):
    old, _ = _registered(deploy, write_spec(RENAMES_OLD))
    new_path = tmp_path / "new" / "trainshare.yaml"
    new_path.parent.mkdir()
    new_path.write_text(RENAMES_NEW)
    new, options = _registered(deploy, new_path)
    # Every resource of the old stack is in the new one, under its name or as an alias
    aliases = {f"{a.name}": name for name, opts in options.items() for a in (opts.aliases or [])}
    assert {n for n in old if n not in new} == {n for n in old if n in aliases}, (
        "whatever was renamed is aliased"
    )
    assert aliases["org/share/gpus"] == "org/share/gpu-capacity"
    assert (
        aliases["org/share/gpus/principal/lab"] == "org/share/gpu-capacity/principal/research-lab"
    )
    # the providers, keyed by account ID, have the same names
    providers = sorted(n for n, r in old.items() if r.type == "pulumi:providers:aws")
    assert providers == sorted(n for n, r in new.items() if r.type == "pulumi:providers:aws")
    assert "org/provider/222222222222/us-east-1" in providers
    # the share is renamed in place (its name is not replace-forcing), the principal unchanged
    assert new["org/share/gpu-capacity"].inputs["name"] == "gpu-capacity"
    assert (
        new["org/share/gpu-capacity/principal/research-lab"].inputs["principal"]
        == old["org/share/gpus/principal/lab"].inputs["principal"]
        == "333333333333"
    )


PIPELINES = """\
version: 1
organization: {management_account: "111111111111"}
accounts:
  data: {id: "222222222222"}
  lab: {id: "333333333333"}
shares:
  pipelines:
    owner: data
    resources: ["arn:aws:sagemaker:us-east-1:222222222222:pipeline/train"]
    principals: [lab]
    permissions: [PERMISSION]
"""


def test_a_permission_change_leaves_the_share_untouched(deploy, tmp_path):
    registered = []
    for permission in (
        "AWSRAMDefaultPermissionSageMakerPipeline",
        "AWSRAMPermissionSageMakerPipelineAllowExecution",
    ):
        path = tmp_path / permission / "trainshare.yaml"
        path.parent.mkdir()
        path.write_text(PIPELINES.replace("PERMISSION", permission))
        registered.append(_registered(deploy, path)[0])
    before, after = registered
    share = "org/share/pipelines"
    # the share's inputs are the same (none of them forces a replacement, none changes)
    assert before[share].inputs == after[share].inputs
    assert "permissionArns" not in after[share].inputs
    # the association of the pipeline is the same resource with the same inputs
    resource = "org/share/pipelines/resource/sagemaker/pipeline/train"
    assert before[resource].inputs == after[resource].inputs
    # only the permission's command changes: an update in place, not a replacement
    command = "org/share/pipelines/permission/sagemaker/Pipeline"
    changed = {
        k
        for k in after[command].inputs["environment"]
        if after[command].inputs["environment"][k] != before[command].inputs["environment"][k]
    }
    assert changed == {"TRAINSHARE_PERMISSION_ARN"}
    assert before[command].inputs.get("triggers") is None
