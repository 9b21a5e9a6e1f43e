"""`plan --against OLD` and `validate --against OLD`: what a spec edit does to the deployed
stack (compare_plans, typed), and what only the previous spec can tell (compare_specs)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from trainshare.cli import app
from trainshare.findings import Severity
from trainshare.plan import build_plan
from trainshare.plan.changes import Action, compare_plans
from trainshare.spec import load_spec
from trainshare.spec.changes import compare_specs
from trainshare.yamlsource import read_yaml

OLD = """\
version: 1
organization: {management_account: "111111111111"}
units:
  ml:
    training: {}
  research: {}
accounts:
  data: {id: "222222222222"}
  vision: {email: vision@example.com, unit: ml/training}
  lab: {id: "444444444444", unit: research}
guardrails:
  no-leaving: {template: deny-leave-organization, targets: [ml/training]}
shares:
  gpus:
    owner: data
    resources: ["arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-0123456789abcdef0"]
    principals: [ml/training]
  pipelines:
    owner: data
    resources: ["arn:aws:sagemaker:us-east-1:222222222222:pipeline/train"]
    principals: [ml]
"""


def _specs(tmp_path, old: str, new: str):
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    (tmp_path / "old" / "trainshare.yaml").write_text(old)
    (tmp_path / "new" / "trainshare.yaml").write_text(new)
    return tmp_path / "old" / "trainshare.yaml", tmp_path / "new" / "trainshare.yaml"


def _changes(tmp_path, new: str):
    old_path, new_path = _specs(tmp_path, OLD, new)
    return compare_plans(build_plan(load_spec(old_path)), build_plan(load_spec(new_path)))


def test_the_same_spec_changes_nothing(tmp_path):
    assert _changes(tmp_path, OLD).changes == ()


def test_a_permission_change_updates_one_command_and_replaces_nothing(tmp_path):
    new = OLD.replace(
        "    principals: [ml]\n",
        "    principals: [ml]\n    permissions: [AWSRAMPermissionSageMakerPipelineAllowExecution]\n",
    )
    changes = _changes(tmp_path, new)
    assert [(c.name, c.action) for c in changes.changes] == [
        ("share/pipelines/permission/sagemaker/Pipeline", Action.UPDATE)
    ]
    assert changes.of(Action.REPLACE) == []


def test_an_ou_moved_to_another_parent_is_replaced_and_so_are_its_attachments(tmp_path):
    # training moves from ml to research: AWS cannot move an OU
    new = (
        OLD.replace(
            "  ml:\n    training: {}\n  research: {}\n", "  ml: {}\n  research:\n    training: {}\n"
        )
        .replace("ml/training", "research/training")
        .replace(
            "  research:\n    training: {}\n",
            "  research:\n    training: {renamed_from: ml/training}\n",
        )
    )
    changes = _changes(tmp_path, new)
    replaced = {c.name: c for c in changes.of(Action.REPLACE)}
    ou = replaced["ou/research/training"]
    assert ou.former_name == "ou/ml/training"
    assert ou.reasons == (
        "parent_id changes (AWS cannot move an OU (no MoveOrganizationalUnit); its name "
        "changes in place (UpdateOrganizationalUnit))",
    )
    attachment = replaced["scp/no-leaving/attach/research/training"]
    assert attachment.reasons[0].startswith(
        "target_id is the ID of ou/research/training, which is replaced"
    )
    # the account moves in place (MoveAccount)
    account = next(c for c in changes.changes if c.name == "account/vision")
    assert account.action is Action.UPDATE and [i.key for i in account.inputs] == ["parent_id"]


def test_a_share_moved_to_another_region_is_replaced_for_its_provider(tmp_path):
    new = OLD.replace(
        '  pipelines:\n    owner: data\n    resources: ["arn:aws:sagemaker:us-east-1:',
        "  pipelines:\n    owner: data\n    region: us-west-2\n"
        '    resources: ["arn:aws:sagemaker:us-west-2:',
    )
    share = next(c for c in _changes(tmp_path, new).changes if c.name == "share/pipelines")
    assert share.action is Action.REPLACE
    assert share.reasons == (
        "it moves to another provider (provider/222222222222/us-east-1 → "
        "provider/222222222222/us-west-2): another account or Region",
    )


def test_removing_a_protected_share_is_blocked(tmp_path):
    new = OLD.split("  gpus:", maxsplit=1)[0] + "  pipelines:" + OLD.split("  pipelines:")[1]
    changes = _changes(tmp_path, new)
    blocked = {c.name for c in changes.blocked}
    assert "share/gpus" in blocked and "share/gpus/principal/ml/training" in blocked
    assert all(c.action is Action.DELETE for c in changes.blocked)


def _compare(tmp_path, new: str, **options):
    old_path, new_path = _specs(tmp_path, OLD, new)
    issues = compare_specs(load_spec(old_path), load_spec(new_path), read_yaml(new_path), **options)
    return [(i.code, i.severity, i.message) for i in issues]


def test_a_key_renamed_without_renamed_from_is_a_warning(tmp_path):
    new = OLD.replace("  vision: {email", "  team-vision: {email").replace(
        "    principals: [ml/training]\n  pipelines", "    principals: [ml/training]\n  pipelines"
    )
    assert _compare(tmp_path, new) == [
        (
            "UNDECLARED_RENAME",
            Severity.WARNING,
            "'vision' is no longer in `accounts` and 'team-vision' is new, with the same email: "
            "without `renamed_from` the resource is replaced, not renamed",
        )
    ]


def test_removing_an_ou_that_still_holds_an_account_is_refused(tmp_path):
    new = OLD.replace("  research: {}\n", "").replace(
        '  lab: {id: "444444444444", unit: research}\n', '  lab: {id: "444444444444"}\n'
    )
    assert _compare(tmp_path, new) == [
        (
            "OU_REMOVED_WITH_ACCOUNTS",
            Severity.ERROR,
            "OU 'research' is removed, but it still holds 'lab', which trainshare does not move: "
            "AWS refuses to delete an OU that holds accounts, after `pulumi up` has detached "
            "its guardrails",
        )
    ]


def test_removing_a_share_of_capacity_needs_allow_unshare(tmp_path):
    new = OLD.split("  gpus:", maxsplit=1)[0] + "  pipelines:" + OLD.split("  pipelines:")[1]
    refused = _compare(tmp_path, new)
    assert [(c, s) for c, s, _ in refused] == [("UNSHARE", Severity.ERROR)]
    assert refused[0][2] == (
        "share 'gpus' is removed: its consumers lose the capacity it shares; it is protected, "
        "so `pulumi up` stops at it: deploy it once with `protect: false`, or `pulumi state "
        "unprotect` its URNs"
    )
    (tmp_path / "again").mkdir()
    allowed = _compare(tmp_path / "again", new, allow_unshare=True)
    assert [(c, s) for c, s, _ in allowed] == [("UNSHARE", Severity.WARNING)]


def test_cli_plan_against_prints_the_changes_and_refuses_an_unshare(tmp_path):
    new = OLD.split("  gpus:", maxsplit=1)[0] + "  pipelines:" + OLD.split("  pipelines:")[1]
    old_path, new_path = _specs(tmp_path, OLD, new)
    runner = CliRunner()
    refused = runner.invoke(app, ["plan", str(new_path), "--against", str(old_path)])
    assert refused.exit_code == 1
    assert "UNSHARE" not in refused.stderr and "share 'gpus' is removed" in refused.stderr
    assert refused.stderr.rstrip().endswith(
        f"error: {new_path}: 1 error(s) against {old_path}; nothing was planned"
    )
    allowed = runner.invoke(
        app, ["plan", str(new_path), "--against", str(old_path), "--allow-unshare", "-f", "json"]
    )
    assert allowed.exit_code == 0, allowed.output
    document = json.loads(allowed.stdout)
    deleted = {c["name"] for c in document["changes"] if c["action"] == "delete"}
    assert "share/gpus" in deleted
    assert [i["code"] for i in document["issues"]["issues"]] == ["UNSHARE"]
    assert document["issues"]["issues"][0]["severity"] == "warning"
    text = runner.invoke(
        app, ["validate", str(new_path), "--against", str(old_path), "--allow-unshare"]
    )
    assert text.exit_code == 0 and "valid" in text.stdout


def test_a_resource_of_a_new_type_joins_the_share_without_replacing_it(tmp_path):
    new = OLD.replace(
        '    resources: ["arn:aws:sagemaker:us-east-1:222222222222:pipeline/train"]\n',
        '    resources: ["arn:aws:sagemaker:us-east-1:222222222222:pipeline/train",\n'
        '      "arn:aws:ec2:us-east-1:222222222222:subnet/subnet-0123456789abcdef0"]\n',
    )
    changes = _changes(tmp_path, new)
    assert [(c.name, c.action) for c in changes.changes] == [
        ("share/pipelines/permission/ec2/Subnet", Action.CREATE),
        ("share/pipelines/resource/ec2/subnet/subnet-0123456789abcdef0", Action.CREATE),
    ]
