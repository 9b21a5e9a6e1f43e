"""Per account, the spec names how the deploy reaches it: the role to assume, an external ID and
a session name; `organization.access_role` stays the default."""

from __future__ import annotations

import textwrap

import pytest

from trainshare.errors import SpecError
from trainshare.plan import build_plan, kinds
from trainshare.spec import load_spec

SPEC = textwrap.dedent("""\
    version: 1
    organization: {management_account: "111111111111", access_role: PlatformAdmin}
    accounts:
      shared: {id: "222222222222", ACCESS}
      data: {id: "333333333333"}
    shares:
      gpus:
        owner: shared
        resources: ["arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-0123456789abcdef0"]
        principals: [data]
      subnet:
        owner: data
        resources: ["arn:aws:ec2:us-east-1:333333333333:subnet/subnet-0a1b2c3d4e5f60718"]
        principals: [shared]
    """)
ACCESS = "access_role: PlatformDeploy, external_id: acme-7, session_name: platform-ci"


def test_an_account_s_own_role_external_id_and_session_name_are_assumed(write_spec):
    plan = build_plan(load_spec(write_spec(SPEC.replace("ACCESS", ACCESS))))
    assert plan["provider/222222222222/us-east-1"].inputs["assume_roles"] == [
        {
            "role_arn": "arn:aws:iam::222222222222:role/PlatformDeploy",
            "session_name": "platform-ci",
            "external_id": "acme-7",
        }
    ]
    # another owner keeps the organization's role
    assert plan["provider/333333333333/us-east-1"].inputs["assume_roles"] == [
        {"role_arn": "arn:aws:iam::333333333333:role/PlatformAdmin", "session_name": "trainshare"}
    ]
    # the share's permission command assumes the same role, with the same external ID
    (command,) = [
        n for n in plan.of_kind(kinds.COMMAND) if n.name.startswith("share/gpus/permission/")
    ]
    environment = command.inputs["environment"]
    assert (
        environment["TRAINSHARE_ROLE_ARN"],
        environment["TRAINSHARE_EXTERNAL_ID"],
        environment["TRAINSHARE_SESSION_NAME"],
    ) == ("arn:aws:iam::222222222222:role/PlatformDeploy", "acme-7", "platform-ci")


@pytest.mark.parametrize(
    ("access", "field", "message"),
    [
        ("external_id: x", "external_id", "String should have at least 2 characters"),
        ("session_name: 'a b'", "session_name", "'a b' is not valid here (pattern ^[\\w+=,.@-]+$)"),
        ("access_role: 'no spaces'", "access_role", "'no spaces' is not valid here"),
    ],
)
def test_bad_access_settings_are_located_errors(write_spec, access, field, message):
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(SPEC.replace("ACCESS", access)))
    issue = next(i for i in caught.value.issues if i.location.path == f"accounts.shared.{field}")
    assert (issue.code, issue.location.line) == ("INVALID_VALUE", 4)
    assert issue.message.startswith(message)
