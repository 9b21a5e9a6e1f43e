"""`plan` shows adoptions (`=`) apart from creations (`+`) and, given the live organization,
which adopted accounts `pulumi up` moves and from where."""

from __future__ import annotations

import json
import textwrap
from dataclasses import asdict

from typer.testing import CliRunner

from trainshare.cli import app
from trainshare.snapshot import Account, Snapshot, Unit

runner = CliRunner()

SPEC = textwrap.dedent("""\
    version: 1
    organization: {management_account: "111111111111"}
    units:
      platform: {id: ou-ab12-11111111}
      ml:
        training: {}
      quarantine: {}
    accounts:
      legacy: {id: "333333333333", email: legacy@example.com, unit: ml/training}
      steady: {id: "444444444444", email: steady@example.com, unit: platform}
      fresh: {email: fresh@example.com, unit: ml/training}
    """)

LIVE = Snapshot(
    management_account="111111111111",
    organization_id="o-exampleorg1",
    organization_arn="arn:aws:organizations::111111111111:organization/o-exampleorg1",
    feature_set="ALL",
    root_id="r-ab12",
    units=(
        Unit("ou-ab12-11111111", "platform", "r-ab12"),
        Unit("ou-ab12-22222222", "legacy-apps", "ou-ab12-11111111"),
    ),
    accounts=(
        Account("333333333333", "legacy", "legacy@example.com", "ACTIVE", "ou-ab12-22222222"),
        Account("444444444444", "steady", "steady@example.com", "ACTIVE", "ou-ab12-11111111"),
    ),
    policies=(),
    service_access=(),
    shares=(),
    owners_read=(),
)


def test_plan_marks_adoptions_apart_from_creations(write_spec):
    result = runner.invoke(app, ["plan", str(write_spec(SPEC))])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith(
        ": 4 resources to create, 3 to adopt, 1 provider(s), 1 account/Region group(s)"
    )
    assert (
        "  = ou/platform  [OrganizationalUnit]  (adopt ou-ab12-11111111, kept on delete)" in lines
    )
    assert "  = account/legacy  [Account]  (adopt 333333333333, protected, kept on delete)" in lines
    assert "  + account/fresh  [Account]  (protected, kept on delete)" in lines
    assert not any("~ move" in line for line in lines)  # the plan alone cannot tell


def test_plan_against_the_live_org_shows_the_moves(write_spec, tmp_path):
    snapshot = tmp_path / "live.json"
    snapshot.write_text(LIVE.to_json())
    result = runner.invoke(app, ["plan", str(write_spec(SPEC)), "--snapshot", str(snapshot)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith(
        ", 3 to adopt, 1 account(s) to move, 1 provider(s), 1 account/Region group(s)"
    )
    at = lines.index(
        "  = account/legacy  [Account]  (adopt 333333333333, protected, kept on delete)"
    )
    assert lines[at + 1] == "    ~ move from ou-ab12-22222222 (platform/legacy-apps) to ml/training"
    steady = lines.index(
        "  = account/steady  [Account]  (adopt 444444444444, protected, kept on delete)"
    )
    assert not lines[steady + 1].startswith("    ~ move")  # already where the spec puts it

    as_json = runner.invoke(
        app, ["plan", str(write_spec(SPEC)), "--snapshot", str(snapshot), "-f", "json"]
    )
    document = json.loads(as_json.stdout)
    assert document["moves"] == {
        "account/legacy": "from ou-ab12-22222222 (platform/legacy-apps) to ml/training"
    }
    legacy = next(r for r in document["resources"] if r["name"] == "account/legacy")
    assert legacy["options"]["import"] == "333333333333"


def test_plan_with_an_unreadable_snapshot_says_so(write_spec, tmp_path):
    bad = tmp_path / "old.json"
    bad.write_text(json.dumps({**asdict(LIVE), "version": 99}))
    result = runner.invoke(app, ["plan", str(write_spec(SPEC)), "--snapshot", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: {bad}: snapshot version 99, this trainshare reads version 1"
    )


ADOPTING = SPEC + textwrap.dedent("""\
    guardrails:
      no-leave: {template: deny-leave-organization, targets: [ml]}
    """)


def _import_file(tmp_path, *entries):
    path = tmp_path / "pulumi-import.json"
    component = {"type": "trainshare:index:OrgSharing", "name": "my-org", "component": True}
    path.write_text(json.dumps({"resources": [component, *entries]}))
    return path


def test_plan_adopts_what_the_import_file_lists_as_the_program_does(write_spec, tmp_path):
    """`import` writes pulumi-import.json; the program passes it as `adopt=`: the plan given
    the same file shows the SCP it lists as adopted, not created."""
    adopt = _import_file(
        tmp_path,
        {
            "type": "aws:organizations/policy:Policy",
            "name": "my-org/scp/no-leave",
            "id": "p-12345678",
            "parent": "my-org",
        },
        {"type": "aws:ec2/vpc:Vpc", "name": "other/vpc", "id": "vpc-1", "parent": "other"},
    )
    spec = str(write_spec(ADOPTING))
    result = runner.invoke(app, ["plan", spec, "--adopt", str(adopt)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith(
        ": 5 resources to create, 4 to adopt, 1 provider(s), 1 account/Region group(s)"
    )
    assert any(line.startswith("  = scp/no-leave  [Policy]  (adopt p-12345678, ") for line in lines)
    assert any(line.startswith("  + scp/no-leave/attach/ml  [PolicyAttachment]") for line in lines)
    as_json = runner.invoke(app, ["plan", spec, "--adopt", str(adopt), "-f", "json"])
    found = {r["name"]: r["options"]["import"] for r in json.loads(as_json.stdout)["resources"]}
    assert found["scp/no-leave"] == "p-12345678" and found["scp/no-leave/attach/ml"] is None


def test_plan_refuses_an_import_file_that_disagrees_with_the_spec(write_spec, tmp_path):
    adopt = _import_file(
        tmp_path,
        {"type": "aws:ram/resourceShare:ResourceShare", "name": "my-org/scp/no-leave", "id": "x"},
    )
    result = runner.invoke(app, ["plan", str(write_spec(ADOPTING)), "--adopt", str(adopt)])
    assert result.exit_code == 1
    assert (
        f"error: {adopt}: my-org/scp/no-leave is listed as aws:ram/resourceShare:ResourceShare "
        "but the spec makes it a aws:organizations/policy:Policy; regenerate the file with "
        "`trainshare import`"
    ) in result.stderr


def test_plan_warns_of_what_the_import_file_lists_and_the_spec_no_longer_has(write_spec, tmp_path):
    gone = {"type": "aws:organizations/policy:Policy", "name": "my-org/scp/gone", "id": "p-1"}
    adopt = _import_file(tmp_path, gone)
    result = runner.invoke(app, ["plan", str(write_spec(ADOPTING)), "--adopt", str(adopt)])
    assert result.exit_code == 0, result.output
    assert (
        f"warning: {adopt}: my-org/scp/gone is not in the plan (removed from the spec?): skipped"
    ) in result.stderr
    not_one = tmp_path / "bad.json"
    not_one.write_text(json.dumps({"resources": [gone]}))
    result = runner.invoke(app, ["plan", str(write_spec(ADOPTING)), "--adopt", str(not_one)])
    assert result.exit_code == 1
    assert "lists 0 trainshare:index:OrgSharing components, not one" in result.stderr


def test_import_names_plan_adopt_as_the_next_step(tmp_path):
    """`import --snapshot` ends with the commands that show what the first `pulumi up` does."""
    snapshot = tmp_path / "live.json"
    snapshot.write_text(LIVE.to_json())
    out = tmp_path / "my-org"
    result = runner.invoke(app, ["import", "--snapshot", str(snapshot), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (
        f"next: cd {out} && trainshare plan trainshare.yaml --adopt pulumi-import.json "
        "(= adopts, + creates) && pulumi preview — expect"
    ) in result.stdout
    shown = runner.invoke(
        app, ["plan", str(out / "trainshare.yaml"), "--adopt", str(out / "pulumi-import.json")]
    )
    assert shown.exit_code == 0, shown.output
    assert "  = ou/platform  [OrganizationalUnit]" in shown.stdout
