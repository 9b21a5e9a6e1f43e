"""`trainshare import` never gives up: on an organization with things a spec cannot express (a
subnet shared with an account outside the organization, an SCP trainshare refuses), it imports
everything else, says what it left out and why, exits 0, and the audit right after reports no
drift — each thing left out is a LEFT_OUT finding instead."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.integration.conftest import credentials
from trainshare.audit import ClientFactory, diff, read_snapshot
from trainshare.cli import app
from trainshare.plan import kinds
from trainshare.spec import load_spec

OUTSIDER = "999999999999"
# a Principal element: IAM accepts it in a resource policy, never in an SCP
WITH_PRINCIPAL = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "organizations:LeaveOrganization",
                "Resource": "*",
            }
        ],
    }
)
DENY_LEAVE = WITH_PRINCIPAL.replace('"Principal": "*", ', "")


def _org(org, emulator):
    client, root = org
    ml = client.create_organizational_unit(ParentId=root, Name="ml")["OrganizationalUnit"]["Id"]
    status = client.create_account(Email="team@example.com", AccountName="team")
    team = status["CreateAccountStatus"]["AccountId"]
    client.move_account(AccountId=team, SourceParentId=root, DestinationParentId=ml)
    for name, content in (("deny leave", DENY_LEAVE), ("odd", WITH_PRINCIPAL)):
        policy = client.create_policy(
            Content=content, Description="", Name=name, Type="SERVICE_CONTROL_POLICY"
        )["Policy"]["PolicySummary"]["Id"]
        client.attach_policy(PolicyId=policy, TargetId=ml)
    ec2 = emulator.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    ram = emulator.client("ram")
    ram.enable_sharing_with_aws_organization()
    org_id = client.describe_organization()["Organization"]["Id"]
    ram.create_resource_share(
        name="net",
        resourceArns=[f"arn:aws:ec2:us-east-1:{emulator.management_account}:subnet/{subnet}"],
        principals=[
            f"arn:aws:organizations::{emulator.management_account}:ou/{org_id}/{ml}",
            OUTSIDER,
        ],
        allowExternalPrincipals=True,
    )
    return team, ml


def test_import_leaves_out_what_it_cannot_express_and_audits_clean(org, emulator, tmp_path):
    team, ml = _org(org, emulator)
    out = tmp_path / "imported"
    result = CliRunner(env=credentials(emulator)).invoke(
        app, ["import", "--endpoint-url", emulator.endpoint, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    # said in the output, and as a comment in the spec
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    left_principal = next(n for n in notes if "share net: principal 999999999999 left out" in n)
    assert "ec2:Subnet can only be shared inside the organization" in left_principal
    left_scp = next(n for n in notes if n.startswith("note: SCP odd left out — "))
    text = (out / "trainshare.yaml").read_text()
    assert f"# {left_principal.removeprefix('note: ')}" in text
    assert f"# {left_scp.removeprefix('note: ')}" in text

    spec = load_spec(out / "trainshare.yaml")  # it validates
    assert [p.target for p in spec.shares["net"].principals] == ["ml"]
    assert set(spec.guardrails) == {"deny leave"}
    assert spec.accounts["team"].email == "team@example.com"  # managed, not only referenced
    assert spec.accounts["team"].adopted and spec.accounts["team"].unit == "ml"
    assert [(u.object, u.name, u.item) for u in spec.unmanaged] == [
        ("share-principal", "net", OUTSIDER)
    ]

    factory = ClientFactory(session=emulator.session(), endpoint_url=emulator.endpoint)
    report = diff(spec, read_snapshot(spec, factory))
    assert report.drift == []
    assert [f.message for f in report.findings if f.code == "LEFT_OUT"] == [
        f"{OUTSIDER} is not managed by the spec: {spec.unmanaged[0].why}"
    ]

    # every adopted resource, under the component's logical names
    document = json.loads((out / "pulumi-import.json").read_text())
    listed = {c["name"]: (c["type"], c.get("id")) for c in document["resources"][1:]}
    assert listed["imported/ou/ml"] == (kinds.ORGANIZATIONAL_UNIT, ml)
    assert listed["imported/account/team"] == (kinds.ACCOUNT, team)
    assert listed["imported/scp/deny leave"][0] == kinds.POLICY
    assert listed["imported/share/net"][0] == kinds.RESOURCE_SHARE
    assert any(name.startswith("imported/scp/deny leave/attach/") for name in listed)
    assert not any("odd" in name for name in listed)
    assert (out / "policies" / "odd.json").exists()  # to fix and add back
