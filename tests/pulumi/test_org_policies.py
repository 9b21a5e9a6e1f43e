"""OrgSharing with policies of other types under the mock runtime: an RCP is registered as a
RESOURCE_CONTROL_POLICY with the organization's ID filled in, after its type is enabled, and
attached bottom-up."""

from __future__ import annotations

import dataclasses
import json
import textwrap

from tests.pulumi.mocks import ORG_ID
from trainshare.plan import kinds
from trainshare.pulumi import OrgSharing
from trainshare.spec import Guardrail, load_spec

FENCE = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "${org_id}"}},
            }
        ],
    },
    separators=(",", ":"),
)


def _spec(write_spec):
    spec = load_spec(
        write_spec(
            textwrap.dedent("""\
            version: 1
            organization: {management_account: "111111111111"}
            units: {ml: {}}
            accounts:
              data: {id: "222222222222", unit: ml}
            """)
        )
    )
    fence = Guardrail(
        key="fence",
        name="fence",
        description="d",
        document=FENCE,
        targets=("root", "ml", "data"),
        template=None,
        type="rcp",
    )
    return dataclasses.replace(spec, guardrails={"fence": fence})


def test_rcp_is_registered_after_its_type_is_enabled_and_attached_bottom_up(deploy, write_spec):
    spec = _spec(write_spec)

    def program():
        return OrgSharing("org", spec).policy_ids

    mocks, options, policy_ids = deploy(program)
    (policy,) = mocks.of_type(kinds.POLICY)
    assert policy.name == "org/rcp/fence"
    assert policy.inputs["type"] == "RESOURCE_CONTROL_POLICY"
    sent = json.loads(policy.inputs["content"])
    assert sent["Statement"][0]["Condition"] == {
        "StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID}
    }
    (enable,) = [r for r in mocks.of_type(kinds.COMMAND) if "policy-type" in r.name]
    assert enable.inputs["environment"]["TRAINSHARE_POLICY_TYPE"] == "RESOURCE_CONTROL_POLICY"
    attachments = [r.name for r in mocks.of_type(kinds.POLICY_ATTACHMENT)]
    assert attachments == [
        "org/rcp/fence/attach/data",
        "org/rcp/fence/attach/ml",
        "org/rcp/fence/attach/root",
    ]

    def waits_for(name):
        return {d._name for d in options[name].depends_on or []}

    assert "org/policy-type/RESOURCE_CONTROL_POLICY" in waits_for("org/rcp/fence/attach/data")
    assert "org/rcp/fence/attach/data" in waits_for("org/rcp/fence/attach/ml")
    assert "org/rcp/fence/attach/ml" in waits_for("org/rcp/fence/attach/root")
    assert policy_ids == {"fence": mocks.ids["org/rcp/fence"]}
