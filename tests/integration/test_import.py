"""`trainshare import`: an organization built by hand (nested OUs, awkward names, SCPs, a RAM share)
→ a project whose spec audits clean against it, and whose pulumi-import.json makes the first
`pulumi up` import every resource and create none."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE
from tests.integration.conftest import credentials, error_response
from trainshare.audit import ClientFactory, diff, read_snapshot
from trainshare.cli import app
from trainshare.emulator.demo import audit_emulator, deploy
from trainshare.emulator.world import seed_world
from trainshare.importer import import_snapshot, write_imported
from trainshare.plan import build_plan, kinds
from trainshare.scaffold import ScaffoldError
from trainshare.spec import load_spec

SPEC = load_spec(EXAMPLE)
DENY_LEAVE = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}
        ],
    }
)


@pytest.fixture
def hand_made(org, emulator):
    """An organization nobody described in YAML: names with spaces and slashes, an OU called
    `root`, two accounts with the same name, an SCP on an OU and an account, a subnet shared
    with a nested OU and an account."""
    client, root = org
    ml = client.create_organizational_unit(ParentId=root, Name="Machine Learning")
    ml_id = ml["OrganizationalUnit"]["Id"]
    training = client.create_organizational_unit(ParentId=ml_id, Name="training/gpu")
    training_id = training["OrganizationalUnit"]["Id"]
    odd = client.create_organizational_unit(ParentId=root, Name="root")["OrganizationalUnit"]
    ids = {}
    for name, email, parent in (
        ("gpu team", "gpu@example.com", training_id),
        ("sandbox", "sb1@example.com", odd["Id"]),
        ("sandbox", "sb2@example.com", ml_id),
    ):
        status = client.create_account(Email=email, AccountName=name)["CreateAccountStatus"]
        account = status["AccountId"]
        client.move_account(AccountId=account, SourceParentId=root, DestinationParentId=parent)
        ids[email] = account
    policy = client.create_policy(
        Content=DENY_LEAVE, Description="", Name="deny leave", Type="SERVICE_CONTROL_POLICY"
    )["Policy"]["PolicySummary"]["Id"]
    client.attach_policy(PolicyId=policy, TargetId=ml_id)
    client.enable_aws_service_access(ServicePrincipal="backup.amazonaws.com")
    client.attach_policy(PolicyId=policy, TargetId=ids["sb1@example.com"])
    ec2 = emulator.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    ram = emulator.client("ram")
    ram.enable_sharing_with_aws_organization()
    org_id = client.describe_organization()["Organization"]["Id"]
    ou_arn = f"arn:aws:organizations::{emulator.management_account}:ou/{org_id}/{training_id}"
    ram.create_resource_share(
        name="gpu subnet",
        resourceArns=[f"arn:aws:ec2:us-east-1:{emulator.management_account}:subnet/{subnet}"],
        principals=[ou_arn, ids["sb2@example.com"]],
        allowExternalPrincipals=False,
    )
    return ids


def run_import(emulator, out, *args):
    return CliRunner(env=credentials(emulator)).invoke(
        app, ["import", "--endpoint-url", emulator.endpoint, "--out", str(out), *args]
    )


def test_import_from_the_live_org_audits_clean_and_adopts_everything(emulator, hand_made, tmp_path):
    out = tmp_path / "adopted"
    result = run_import(emulator, out)
    assert result.exit_code == 0, result.output
    spec = load_spec(out / "trainshare.yaml")
    # names the spec could not take as they were, written so that they round-trip
    assert set(spec.units) == {"Machine Learning", "Machine Learning/training-gpu", "root-1"}
    assert {a.key for a in spec.accounts.values() if a.id in hand_made.values()} == {
        "gpu team",
        "sandbox",
        "sandbox-2",
    }
    assert "note: OU 'training/gpu' is written as 'training-gpu'" in result.stderr
    key = {a.id: a.key for a in spec.accounts.values()}
    sb1, sb2 = key[hand_made["sb1@example.com"]], key[hand_made["sb2@example.com"]]
    assert spec.guardrails["deny leave"].targets == ("Machine Learning", sb1)
    assert {p.target for p in spec.shares["gpu subnet"].principals} == {
        "Machine Learning/training-gpu",
        sb2,
    }
    factory = ClientFactory(session=emulator.session(), endpoint_url=emulator.endpoint)
    report = diff(spec, read_snapshot(spec, factory))
    assert report.drift == [] and report.findings == []

    # pulumi-import.json names exactly the plan's non-provider nodes, with their live IDs
    document = json.loads((out / "pulumi-import.json").read_text())
    component, *children = document["resources"]
    assert component == {"type": kinds.COMPONENT, "name": "adopted", "component": True}
    plan = build_plan(spec)
    expected = {
        f"adopted/{n.name}": n.kind
        for n in plan.nodes
        # a command cannot be imported: it runs at the first deploy and finds its work done
        if n.kind not in (kinds.PROVIDER, kinds.COMMAND) and n.mode != "read"
    }
    assert {c["name"]: c["type"] for c in children} == expected
    assert all(c["parent"] == "adopted" for c in children)
    by_name = {c["name"]: c["id"] for c in children}
    share_arn = by_name["adopted/share/gpu subnet"]
    assert share_arn.startswith(f"arn:aws:ram:us-east-1:{emulator.management_account}:")
    policy_id = by_name["adopted/scp/deny leave"]
    assert by_name[f"adopted/scp/deny leave/attach/{sb1}"] == (
        f"{hand_made['sb1@example.com']}:{policy_id}"
    )
    assert by_name[f"adopted/share/gpu subnet/principal/{sb2}"] == (
        f"{share_arn},{hand_made['sb2@example.com']}"
    )
    assert by_name["adopted/ram-organization-sharing"] == emulator.management_account
    assert spec.organization.trusted_services == ("backup.amazonaws.com",)
    assert by_name["adopted/service-access/backup.amazonaws.com"] == "backup.amazonaws.com"

    # the program, run with that file, imports every resource and creates none but the
    # commands, which find the live share's permission already the spec's
    main = (out / "__main__.py").read_text()
    assert (
        '"adopted",' in main
        and 'part=part, org=org_stack, adopt=HERE / "pulumi-import.json"' in main
    )
    mocks, _ = deploy(emulator, spec, lambda _: None, adopt=document, name="adopted")
    assert [(t, n) for t, n, _ in mocks.created] == [
        (kinds.COMMAND, "adopted/share/gpu subnet/permission/ec2/Subnet")
    ]
    assert {(t, n, i) for t, n, i in mocks.imported} == {
        (c["type"], c["name"], c["id"]) for c in children
    }
    _, after = audit_emulator(emulator, spec)
    assert after.drift == [] and after.findings == []


def test_import_refuses_to_overwrite_and_writes_nothing(emulator, hand_made, tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "__main__.py").write_text("# mine\n")
    result = run_import(emulator, out)
    assert result.exit_code == 1
    assert "__main__.py already exist(s); nothing was written" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["__main__.py"]
    assert (out / "__main__.py").read_text() == "# mine\n"


def test_import_from_a_member_account_is_a_clear_error(emulator, hand_made, tmp_path):
    member = hand_made["gpu@example.com"]
    result = CliRunner(env=credentials(emulator, member)).invoke(
        app, ["import", "--endpoint-url", emulator.endpoint, "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert (
        f"these credentials are for the member account {member}; read the organization with "
        f"the management account's ({emulator.management_account})"
    ) in result.stderr


def test_a_consolidated_billing_org_is_imported_with_what_it_has(emulator, tmp_path):
    """Without all features: OUs, accounts (managed, so they can move) and a share with an
    account are imported, the spec says `feature_set: CONSOLIDATED_BILLING`, and it audits clean;
    a guardrail added to it is a located error that says how to enable all features."""
    client = emulator.client("organizations")
    client.create_organization(FeatureSet="CONSOLIDATED_BILLING")
    root = client.list_roots()["Roots"][0]["Id"]
    ml = client.create_organizational_unit(ParentId=root, Name="ml")["OrganizationalUnit"]["Id"]
    account = client.create_account(Email="gpu@example.com", AccountName="gpu")[
        "CreateAccountStatus"
    ]["AccountId"]
    client.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ml)
    result = run_import(emulator, tmp_path / "o")
    assert result.exit_code == 0, result.output
    assert "the organization has feature set CONSOLIDATED_BILLING" in result.output
    spec_file = tmp_path / "o" / "trainshare.yaml"
    spec = load_spec(spec_file)
    assert spec.organization.feature_set == "CONSOLIDATED_BILLING"
    assert spec.accounts["gpu"].adopted and spec.accounts["gpu"].unit == "ml"
    assert spec.units["ml"].id == ml
    audit = CliRunner(env=credentials(emulator)).invoke(
        app, ["audit", str(spec_file), "--endpoint-url", emulator.endpoint]
    )
    assert audit.exit_code == 0, audit.output
    assert "no drift" in audit.output

    with spec_file.open("a") as stream:
        stream.write("guardrails:\n  deny-leave:\n    template: deny-leave-organization\n")
        stream.write("    targets: [ml]\n")
    result = CliRunner().invoke(app, ["validate", str(spec_file)])
    assert result.exit_code == 1
    assert (
        "guardrails.deny-leave: the guardrail deny-leave (an Organizations policy) needs all "
        "features: the organization has feature set CONSOLIDATED_BILLING "
        "(organization.feature_set)"
    ) in result.output
    assert "aws organizations enable-all-features" in result.output


def test_an_imported_snapshot_round_trips_the_example(emulator, tmp_path):
    seed_world(emulator, SPEC)
    deploy(emulator, SPEC, lambda _: None)
    snapshot, _ = audit_emulator(emulator, SPEC)
    written = write_imported(import_snapshot(snapshot), snapshot, tmp_path / "imported")
    spec = load_spec(tmp_path / "imported" / "trainshare.yaml")
    assert all(a.id for a in spec.accounts.values())
    assert all(u.id for u in spec.units.values())
    assert set(spec.shares) == {"gpu-capacity", "training-subnet", "vision-features"}
    assert set(spec.guardrails) == {"gpu-instance-types", "keep-sharing-inside"}
    assert spec.shares["gpu-capacity"].principals[0].target == "ml/training"
    report = diff(spec, snapshot)
    assert report.drift == [] and report.findings == []
    assert {p.name for p in written} >= {"trainshare.yaml", "pulumi-import.json", "__main__.py"}
    with pytest.raises(ScaffoldError, match="nothing was written"):
        write_imported(import_snapshot(snapshot), snapshot, tmp_path / "imported")


def test_import_command_from_a_snapshot_file(emulator, tmp_path):
    seed_world(emulator, SPEC)
    deploy(emulator, SPEC, lambda _: None)
    snapshot, _ = audit_emulator(emulator, SPEC)
    path = tmp_path / "snap.json"
    path.write_text(snapshot.to_json())
    runner = CliRunner()
    result = runner.invoke(app, ["import", "--snapshot", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert f"wrote {tmp_path / 'o' / 'trainshare.yaml'}" in result.stdout
    assert runner.invoke(app, ["validate", str(tmp_path / "o" / "trainshare.yaml")]).exit_code == 0


def test_unreadable_snapshot_is_a_clear_error(tmp_path):
    (tmp_path / "snap.json").write_text("{not json")
    runner = CliRunner()
    missing = runner.invoke(
        app, ["import", "--snapshot", str(tmp_path / "nope.json"), "--out", str(tmp_path / "o")]
    )
    assert missing.exit_code == 1
    assert f"{tmp_path / 'nope.json'}: cannot read the snapshot: No such file or directory" in (
        missing.stderr
    )
    broken = runner.invoke(
        app, ["import", "--snapshot", str(tmp_path / "snap.json"), "--out", str(tmp_path / "o")]
    )
    assert broken.exit_code == 1 and "snap.json: not JSON" in broken.stderr
    assert not (tmp_path / "o").exists()


def test_a_missing_permission_names_the_call_and_the_policy(
    emulator, hand_made, tmp_path, monkeypatch
):
    """ListPolicies answered AccessDenied, as AWS does when the reading role lacks it."""
    original = ClientFactory.client

    def denying(self, service, region="us-east-1", session=None):
        client = original(self, service, region, session)
        client.meta.events.register("before-send.organizations.ListPolicies", _deny)
        return client

    monkeypatch.setattr(ClientFactory, "client", denying)
    result = run_import(emulator, tmp_path / "o")
    assert result.exit_code == 1
    assert (
        "reading the organization: access denied to ListPolicies (not allowed); the audit's IAM "
        "policy is docs/audit-permissions.json"
    ) in " ".join(result.stderr.split())
    assert not (tmp_path / "o").exists()


def _deny(request, **_):
    return error_response(request, "AccessDeniedException", "not allowed")


def test_scps_whose_names_collide_or_change_are_each_adopted(org, emulator, tmp_path):
    """Issue #16: `a b`, `a-b` and `a:b` shared one document and `team/deny-gpu` (written as
    `team-deny-gpu`) was not adopted; each now keeps its document and is imported by its ID."""
    client, root = org
    ml = client.create_organizational_unit(ParentId=root, Name="ml")["OrganizationalUnit"]["Id"]
    ids = {}
    for n, name in enumerate(("a b", "a-b", "a:b", "team/deny-gpu")):
        content = json.loads(DENY_LEAVE)
        content["Statement"][0]["Sid"] = f"Deny{n}"
        policy = client.create_policy(
            Content=json.dumps(content), Description="", Name=name, Type="SERVICE_CONTROL_POLICY"
        )["Policy"]["PolicySummary"]["Id"]
        client.attach_policy(PolicyId=policy, TargetId=ml)
        ids[name] = policy
    out = tmp_path / "adopted"
    result = run_import(emulator, out)
    assert result.exit_code == 0, result.output
    spec = load_spec(out / "trainshare.yaml")
    by_name = {g.name: g for g in spec.guardrails.values()}
    assert set(by_name) == set(ids)
    for n, name in enumerate(ids):
        assert json.loads(by_name[name].document)["Statement"][0]["Sid"] == f"Deny{n}"
    document = json.loads((out / "pulumi-import.json").read_text())
    adopted = {r["name"]: r["id"] for r in document["resources"][1:]}
    assert {adopted[f"adopted/scp/{g.key}"]: g.name for g in spec.guardrails.values()} == {
        v: k for k, v in ids.items()
    }
    mocks, _ = deploy(emulator, spec, lambda _: None, adopt=document, name="adopted")
    assert mocks.created == []
    _, after = audit_emulator(emulator, spec)
    assert after.drift == [] and after.findings == []
