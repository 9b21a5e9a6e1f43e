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
    for registration in policies:
        opts = options[registration.name]
        assert opts.retain_on_delete is True
        assert not opts.aliases  # `policy/ecr/models` stood for one resource, not two


def test_a_renamed_node_carries_an_alias_to_its_old_name(deploy, write_spec):
    path = write_spec(SPEC.split("  west:", maxsplit=1)[0])
    _, options, _ = deploy(lambda: OrgSharing("org", path).policy_ids)
    aliases = options["org/policy/ecr/222222222222/us-east-1/models"].aliases
    assert [(a.name, a.parent) for a in aliases or []] == [("org/policy/ecr/models", ...)]
    assert isinstance(aliases[0], pulumi.Alias)
