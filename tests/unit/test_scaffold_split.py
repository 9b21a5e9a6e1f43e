"""`trainshare init --split`: a stack per slice, a deploy role per owner, and deploy.py, which
deploys the org stack first and the owner stacks in parallel."""

from __future__ import annotations

import importlib.util
import json
import shutil
import textwrap
import threading
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from tests.conftest import REPO
from trainshare.catalog.deploy_permissions import deploy_policy
from trainshare.cli import app

runner = CliRunner()

SPEC = textwrap.dedent("""\
    version: 1
    organization: {management_account: "111111111111"}
    units: {ml: {}}
    accounts:
      shared-services: {id: "222222222222", unit: ml}
      data: {id: "333333333333", unit: ml}
    shares:
      east:
        owner: shared-services
        resources: ["arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-0123456789abcdef0"]
        principals: [ml]
      west:
        owner: shared-services
        region: eu-west-1
        resources: ["arn:aws:ec2:eu-west-1:222222222222:capacity-reservation/cr-0fedcba987654321f"]
        principals: [ml]
      data:
        owner: data
        resources: ["arn:aws:ec2:us-east-1:333333333333:subnet/subnet-0a1b2c3d4e5f60718"]
        principals: [ml]
    """)


def _deploy_module(folder: Path):
    spec = importlib.util.spec_from_file_location("deploy_under_test", folder / "deploy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_split_writes_a_stack_per_slice_and_a_role_per_owner(tmp_path):
    (tmp_path / "trainshare.yaml").write_text(SPEC)
    result = runner.invoke(app, ["init", str(tmp_path), "--split"])
    assert result.exit_code == 0, result.output
    stacks = sorted(p.name for p in tmp_path.glob("Pulumi.*.yaml"))
    assert stacks == [
        "Pulumi.org.yaml",
        "Pulumi.owner-222222222222-eu-west-1.yaml",
        "Pulumi.owner-222222222222-us-east-1.yaml",
        "Pulumi.owner-333333333333-us-east-1.yaml",
    ]
    yaml = YAML(typ="safe")
    assert yaml.load((tmp_path / "Pulumi.org.yaml").read_text())["config"] == {
        "trainshare:part": "org",
        "aws:region": "us-east-1",
    }
    west = yaml.load((tmp_path / "Pulumi.owner-222222222222-eu-west-1.yaml").read_text())
    assert west["config"] == {
        "trainshare:part": "owner:222222222222/eu-west-1",
        "trainshare:orgStack": "org",
        "aws:region": "eu-west-1",
        "aws:assumeRoles": [
            {
                "roleArn": "arn:aws:iam::222222222222:role/trainshare-deploy",
                "sessionName": "trainshare-deploy",
            }
        ],
    }
    roles = sorted(p.name for p in (tmp_path / "deploy-roles").iterdir())
    assert roles == ["222222222222.json", "333333333333.json"]
    role = json.loads((tmp_path / "deploy-roles" / "333333333333.json").read_text())
    assert role["RoleName"] == "trainshare-deploy"
    assert role["Policy"] == deploy_policy("owner")
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": "arn:aws:iam::111111111111:root"}
    # the existing project's files are left alone
    assert not (tmp_path / "__main__.py").exists()
    again = runner.invoke(app, ["init", str(tmp_path), "--split"])
    assert again.exit_code == 1 and "nothing was written" in again.stderr


def test_split_of_an_invalid_spec_says_where(tmp_path):
    (tmp_path / "trainshare.yaml").write_text(SPEC.replace('"333333333333"', '"33"'))
    result = runner.invoke(app, ["init", str(tmp_path), "--split"])
    assert result.exit_code == 1
    assert "accounts.data.id: must be a 12-digit account ID" in result.stderr
    assert not (tmp_path / "Pulumi.org.yaml").exists()


def test_deploy_script_orders_org_first_then_owners_in_parallel(tmp_path):
    (tmp_path / "trainshare.yaml").write_text(SPEC)
    runner.invoke(app, ["init", str(tmp_path), "--split"])
    deploy = _deploy_module(tmp_path)
    stages = deploy.waves(tmp_path / "trainshare.yaml")
    assert stages == [
        ["org"],
        [
            "owner-222222222222-us-east-1",
            "owner-222222222222-eu-west-1",
            "owner-333333333333-us-east-1",
        ],
    ]
    started: dict[str, float] = {}
    finished: dict[str, float] = {}
    running = {"now": 0, "most": 0}
    lock = threading.Lock()

    def fake_run(name: str, preview: bool) -> str:
        with lock:
            started[name] = time.monotonic()
            running["now"] += 1
            running["most"] = max(running["most"], running["now"])
        time.sleep(0.05)
        with lock:
            running["now"] -= 1
            finished[name] = time.monotonic()
        return f"{name}: {'preview' if preview else 'up'}"

    lines = deploy.deploy(stages, run=fake_run, preview=True, parallel=8)
    assert lines[0] == "org: preview" and len(lines) == 4
    assert all(started[o] >= finished["org"] for o in stages[1])
    assert running["most"] == 3  # the owners at once

    def failing(name: str, preview: bool) -> str:
        if name == "org":
            raise RuntimeError("access denied")
        return fake_run(name, preview)

    with pytest.raises(SystemExit) as stopped:
        deploy.deploy(stages, run=failing)
    assert str(stopped.value) == "failed: org: access denied"


BILLED = SPEC.replace(
    "    principals: [ml]\n  west:",
    "    principals: [ml]\n    billing_owner: data\n  west:",
)


def test_a_billing_owners_acceptance_runs_again_after_the_owner_stacks(tmp_path):
    """F2: the acceptance is in the org stack, the request in the owner's, which deploys after
    it: without a last step the request waited, pending, for someone to accept it by hand."""
    assert "billing_owner: data" in BILLED
    (tmp_path / "trainshare.yaml").write_text(BILLED)
    assert runner.invoke(app, ["init", str(tmp_path), "--split"]).exit_code == 0
    deploy = _deploy_module(tmp_path)
    stages = deploy.waves(tmp_path / "trainshare.yaml")
    assert stages[0] == ["org"] and stages[2:] == [["org:accept-billing"]]
    order: list[str] = []
    deploy.deploy(stages, run=lambda name, preview: order.append(name) or name)
    assert order[0] == "org" and order[-1] == "org:accept-billing" and len(order) == 5


def test_the_accept_step_replaces_only_the_stacks_acceptances(tmp_path, monkeypatch):
    (tmp_path / "trainshare.yaml").write_text(BILLED)
    runner.invoke(app, ["init", str(tmp_path), "--split"])
    deploy = _deploy_module(tmp_path)
    prefix = "urn:pulumi:org::trainshare::trainshare:index:OrgSharing$command:local:Command::"
    accept = prefix + "org/share/east/billing/cr-0123456789abcdef0/accept"
    other = prefix + "org/share/east/permission/ec2/CapacityReservation"
    ups: list[dict[str, object]] = []

    class FakeStack:
        def export_stack(self):
            resources = [{"urn": other}, {"urn": accept}]
            return type("Deployment", (), {"deployment": {"resources": resources}})()

        def up(self, on_output, **options):
            ups.append(options)
            summary = type(
                "Summary", (), {"result": "succeeded", "resource_changes": {"replace": 1}}
            )
            return type("Up", (), {"summary": summary()})()

    monkeypatch.setattr(deploy.auto, "create_or_select_stack", lambda **_: FakeStack())
    assert deploy.run_stack("org:accept-billing", preview=True) == (
        "org:accept-billing: runs after the owner stacks' requests"
    )
    assert ups == []
    line = deploy.run_stack("org:accept-billing", preview=False)
    assert line == "org:accept-billing: succeeded {'replace': 1}"
    assert ups == [{"target": [accept], "replace": [accept]}]


def test_the_split_example_is_what_init_split_writes(tmp_path):
    """examples/split is `trainshare init examples/split --split`: its program, stacks, roles
    and deploy script are kept current (the spec, its schema and requirements.txt are init's
    own, checked by init's tests; requirements.txt names where this machine got trainshare)."""
    folder = tmp_path / "split"
    result = runner.invoke(app, ["init", str(folder), "--split"])
    assert result.exit_code == 0, result.output
    example = REPO / "examples" / "split"

    def files(root: Path) -> list[Path]:
        found = (p.relative_to(root) for p in root.rglob("*") if p.is_file())
        own = {"requirements.txt", "trainshare.yaml", "trainshare.schema.json"}
        return sorted(p for p in found if p.name not in own and "__pycache__" not in p.parts)

    written, shipped = files(folder), files(example)
    assert written == shipped
    for relative in written:
        assert (folder / relative).read_text() == (example / relative).read_text(), relative
    shutil.rmtree(folder)


def test_run_stack_drives_the_automation_api(tmp_path, monkeypatch):
    (tmp_path / "trainshare.yaml").write_text(SPEC)
    runner.invoke(app, ["init", str(tmp_path), "--split"])
    deploy = _deploy_module(tmp_path)
    seen: list[tuple[str, str, str]] = []

    class FakeStack:
        def __init__(self, name: str) -> None:
            self.name = name

        def preview(self, on_output):
            on_output("previewing\n")
            seen.append((self.name, "preview", ""))
            return type("Preview", (), {"change_summary": {"create": 3}})()

        def up(self, on_output):
            on_output("updating")
            seen.append((self.name, "up", ""))
            summary = type("Summary", (), {"result": "succeeded", "resource_changes": {"same": 2}})
            return type("Up", (), {"summary": summary()})()

    def create_or_select_stack(stack_name: str, work_dir: str) -> FakeStack:
        assert work_dir == str(tmp_path)
        return FakeStack(stack_name)

    monkeypatch.setattr(deploy.auto, "create_or_select_stack", create_or_select_stack)
    assert deploy.run_stack("org", preview=True) == "org: preview {'create': 3}"
    assert deploy.run_stack("org", preview=False) == "org: succeeded {'same': 2}"
    assert seen == [("org", "preview", ""), ("org", "up", "")]
