"""Existing accounts and OUs are managed, not only referenced: adopted by ID with Pulumi's
`import` option, never replaced, and an adopted account's `unit` is where `pulumi up` puts it."""

from __future__ import annotations

import textwrap

import pulumi

from trainshare.plan import build_plan, kinds
from trainshare.plan.build import ADOPTED_ACCOUNT_IGNORES
from trainshare.pulumi import OrgSharing
from trainshare.spec import load_spec

SPEC = textwrap.dedent("""\
    version: 1
    organization: {management_account: "111111111111"}
    units:
      platform: {id: ou-ab12-11111111, tags: {owner: platform-team}}
      quarantine: {}
    accounts:
      legacy: {id: "333333333333", email: legacy@example.com, unit: quarantine}
      referenced: {id: "444444444444", unit: platform}
      fresh: {email: fresh@example.com, unit: platform}
    guardrails:
      lock-down: {template: quarantine, targets: [quarantine]}
    """)


def _deploy(deploy, write_spec):
    spec = load_spec(write_spec(SPEC))

    def program():
        component = OrgSharing("org", spec)
        return pulumi.Output.all(component.account_ids, component.ou_ids)

    return deploy(program)


def test_an_existing_account_placed_in_quarantine_is_imported_and_moved(deploy, write_spec):
    mocks, options, (accounts, _) = _deploy(deploy, write_spec)
    legacy = mocks.named("org/account/legacy")
    assert legacy.type == kinds.ACCOUNT
    assert options["org/account/legacy"].import_ == "333333333333"
    assert mocks.ids["org/account/legacy"] == "333333333333"
    # its unit is its parent: the quarantine OU trainshare creates, by the ID AWS gave it
    assert legacy.inputs["parentId"] == mocks.ids["org/ou/quarantine"]
    assert legacy.inputs["email"] == "legacy@example.com"
    assert "roleName" not in legacy.inputs and "closeOnDeletion" not in legacy.inputs
    opts = options["org/account/legacy"]
    assert (opts.protect, opts.retain_on_delete) == (True, True)
    assert opts.ignore_changes == list(ADOPTED_ACCOUNT_IGNORES)
    assert accounts["legacy"] == "333333333333"


def test_an_existing_ou_is_imported_by_its_id_and_keeps_its_place(deploy, write_spec):
    mocks, options, (_, ous) = _deploy(deploy, write_spec)
    platform = mocks.named("org/ou/platform")
    assert options["org/ou/platform"].import_ == "ou-ab12-11111111"
    assert mocks.ids["org/ou/platform"] == "ou-ab12-11111111"
    assert platform.inputs["name"] == "platform"
    assert platform.inputs["tags"] == {"owner": "platform-team", "managed-by": "trainshare"}
    assert options["org/ou/platform"].ignore_changes == ["parentId"]
    assert options["org/ou/platform"].retain_on_delete is True
    assert ous["platform"] == "ou-ab12-11111111"
    # a created OU is neither imported nor kept
    assert options["org/ou/quarantine"].import_ is None
    assert not options["org/ou/quarantine"].retain_on_delete


def test_an_account_with_only_its_id_stays_a_reference(deploy, write_spec):
    mocks, _, (accounts, _) = _deploy(deploy, write_spec)
    names = {r.name for r in mocks.of_type(kinds.ACCOUNT)}
    assert names == {"org/account/legacy", "org/account/fresh"}
    assert accounts["referenced"] == "444444444444"
    # a new account is created (no import ID) and still throttled and role-named
    assert mocks.named("org/account/fresh").inputs["roleName"] == "OrganizationAccountAccessRole"


def test_adopted_accounts_do_not_count_against_create_account_concurrency(write_spec):
    accounts = "".join(
        f'  old-{i}: {{id: "{500000000000 + i}", email: o{i}@example.com}}\n' for i in range(6)
    ) + "".join(f"  new-{i}: {{email: n{i}@example.com}}\n" for i in range(6))
    spec = load_spec(
        write_spec(
            'version: 1\norganization: {management_account: "111111111111"}\n'
            f"accounts:\n{accounts}"
        )
    )
    plan = build_plan(spec)
    assert all(not plan[f"account/old-{i}"].waits_for for i in range(6))
    assert plan["account/new-5"].waits_for == ("account/new-0",)
