"""The plan graph of the example, and the rules that shape any plan."""

from __future__ import annotations

import json
import textwrap

from tests.conftest import EXAMPLE, check_golden
from trainshare.plan import Join, Mode, Ref, build_plan, kinds, plan_to_json
from trainshare.spec import load_spec


def test_plan_json_matches_golden():
    """Refresh with `make golden` (TRAINSHARE_UPDATE_GOLDEN=1) and review the diff."""
    actual = json.dumps(plan_to_json(build_plan(load_spec(EXAMPLE))), indent=2) + "\n"
    check_golden("ml-platform.plan.json", actual)


def test_every_dependency_comes_earlier():
    plan = build_plan(load_spec(EXAMPLE))
    seen: set[str] = set()
    for node in plan.nodes:
        missing = [d for d in node.dependencies() if d not in seen]
        assert not missing, f"{node.name} depends on {missing}, not created before it"
        seen.add(node.name)
    assert len(seen) == len(plan.nodes), "logical names are unique"


def test_org_principals_are_arns_and_wait_for_org_sharing():
    plan = build_plan(load_spec(EXAMPLE))
    ou_principal = plan["share/gpu-capacity/principal/ml/training"]
    assert ou_principal.inputs["principal"] == Ref("ou/ml/training", "arn")
    assert "ram-organization-sharing" in ou_principal.depends_on
    account_principal = plan["share/vision-features/principal/team-vision"]
    assert account_principal.inputs["principal"] == Ref("account/team-vision", "id")
    assert account_principal.depends_on == ()


def test_shares_are_made_by_their_owner_with_explicit_settings():
    plan = build_plan(load_spec(EXAMPLE))
    share = plan["share/gpu-capacity"]
    assert share.provider == "provider/222222222222/us-east-1"
    assert share.inputs["allow_external_principals"] is False
    assert "permission_arns" not in share.inputs  # replace-forcing: set by its own command
    assert share.ignore_changes == ("permissionArns",)
    permission = plan["share/gpu-capacity/permission/ec2/CapacityReservation"]
    assert permission.inputs["environment"]["TRAINSHARE_PERMISSION_ARN"] == (  # type: ignore[index]
        "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionCapacityReservation"
    )
    provider = plan[share.provider]
    assert provider.inputs == {
        "region": "us-east-1",
        "allowed_account_ids": ["222222222222"],
        "assume_roles": [
            {
                "role_arn": "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole",
                "session_name": "trainshare",
            }
        ],
    }
    # Organizations resources use the management account's own credentials, pinned to it.
    assert plan["provider/111111111111/us-east-1"].inputs == {
        "region": "us-east-1",
        "allowed_account_ids": ["111111111111"],
    }


def test_adopted_org_is_read_and_org_wide_switches_survive_a_destroy():
    plan = build_plan(load_spec(EXAMPLE))
    assert plan["organization"].mode == Mode.READ
    assert plan["organization"].kind == kinds.GET_ORGANIZATION
    # RAM's trusted access is owned by SharingWithOrganization alone, not managed twice.
    assert plan.of_kind(kinds.AWS_SERVICE_ACCESS) == []
    # Deleting it would switch off org-wide sharing that others may rely on.
    assert plan["ram-organization-sharing"].retain_on_delete


def test_other_trusted_services_are_enabled_and_kept_on_delete(write_spec):
    spec = load_spec(
        write_spec(
            'version: 1\norganization: {management_account: "111111111111", '
            "trusted_services: [tagpolicies.tag.amazonaws.com]}\n"
        )
    )
    (node,) = build_plan(spec).of_kind(kinds.AWS_SERVICE_ACCESS)
    assert node.inputs == {"service_principal": "tagpolicies.tag.amazonaws.com"}
    assert node.retain_on_delete


def test_accounts_are_protected_and_creations_are_throttled(write_spec):
    accounts = "".join(f"  team-{i}: {{email: t{i}@example.com}}\n" for i in range(12))
    header = 'version: 1\norganization: {management_account: "111111111111"}\naccounts:\n'
    spec = load_spec(write_spec(header + accounts))
    plan = build_plan(spec)
    nodes = plan.of_kind(kinds.ACCOUNT)
    assert all(n.protect and n.retain_on_delete for n in nodes)
    assert all(n.inputs["close_on_deletion"] is False for n in nodes)
    assert [n.waits_for for n in nodes[:6]] == [(), (), (), (), (), ("account/team-0",)]
    assert nodes[11].waits_for == ("account/team-6",)
    assert all("account/" not in " ".join(n.dependencies()) for n in nodes)  # not a dependency


def test_created_org_lists_ram_and_enables_scps(write_spec):
    spec = load_spec(
        write_spec(
            textwrap.dedent("""\
        version: 1
        organization: {management_account: "111111111111", create: true}
        units: {ml: {}}
        accounts:
          owner: {id: "222222222222"}
        guardrails:
          stay: {template: deny-leave-organization, targets: [root]}
        shares:
          net:
            owner: owner
            resources: ["arn:aws:ec2:us-east-1:222222222222:subnet/subnet-1"]
            principals: [root]
        """)
        )
    )
    plan = build_plan(spec)
    org = plan["organization"]
    assert (org.kind, org.protect) == (kinds.ORGANIZATION, True)
    assert org.inputs["aws_service_access_principals"] == ["ram.amazonaws.com"]
    assert org.inputs["enabled_policy_types"] == ["SERVICE_CONTROL_POLICY"]
    assert plan["share/net/principal/root"].inputs["principal"] == Ref("organization", "arn")
    assert plan["scp/stay/attach/root"].inputs["target_id"] == Ref("organization", "roots[0].id")


def test_adopted_ou_principal_is_built_from_the_org_id(write_spec):
    spec = load_spec(
        write_spec(
            textwrap.dedent("""\
        version: 1
        organization: {management_account: "111111111111"}
        units: {platform: {id: ou-ab12-11111111}}
        accounts:
          owner: {id: "222222222222", unit: platform}
        shares:
          net:
            owner: owner
            resources: ["arn:aws:ec2:us-east-1:222222222222:subnet/subnet-1"]
            principals: [platform]
        """)
        )
    )
    plan = build_plan(spec)
    unit = plan["ou/platform"]  # adopted: imported by ID, never created or replaced
    assert unit.import_id == "ou-ab12-11111111"
    assert (unit.retain_on_delete, unit.ignore_changes) == (True, ("parentId",))
    assert unit.inputs["parent_id"] == Ref("organization", "roots[0].id")
    assert "account/owner" not in plan, "an account with only `id` is a reference"
    assert plan["share/net/principal/platform"].inputs["principal"] == Join(
        ("arn:aws:organizations::111111111111:ou/", Ref("organization", "id"), "/ou-ab12-11111111")
    )


def test_scp_content_is_the_minified_document():
    plan = build_plan(load_spec(EXAMPLE))
    content = plan["scp/gpu-instance-types"].inputs["content"]
    assert isinstance(content, str)
    assert content == json.dumps(json.loads(content), separators=(",", ":"))
