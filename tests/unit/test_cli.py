"""The command line: exit codes, located errors on stderr, JSON for machines."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from tests.conftest import EXAMPLE
from trainshare.cli import app

runner = CliRunner()


def test_validate_example_exits_0_with_a_summary():
    result = runner.invoke(app, ["validate", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        f"{EXAMPLE}: valid — 4 OU(s), 4 account(s) (3 to create), 2 guardrail(s), 6 share(s)"
    )


def test_validate_bad_spec_exits_1_with_located_errors_on_stderr(write_spec):
    path = write_spec(
        'version: 1\norganization: {management_account: "111111111111"}\n'
        "accounts:\n  a: {email: a@example.com, unit: nowhere}\n"
    )
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"{path}:4: accounts.a.unit: account 'a' is placed in OU")
    assert lines[-1] == f"error: {path}: 1 error(s); nothing was planned or deployed"


def test_validate_json_lists_issues(write_spec):
    path = write_spec("version: 1\n")
    result = runner.invoke(app, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert report["issues"] == [
        {
            "code": "MISSING_KEY",
            "severity": "error",
            "file": str(path),
            "line": 1,
            "field": "organization",
            "message": "required key 'organization' is missing",
            "fix": 'add `organization: {management_account: "111111111111"}`',
        }
    ]


def test_missing_file_is_an_error_not_a_traceback(tmp_path):
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "cannot read the spec" in result.stderr
    assert "Traceback" not in result.output


def test_plan_text_groups_by_account_and_shows_scp_size():
    result = runner.invoke(app, ["plan", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(
        f"Plan for {EXAMPLE}: 35 resources to create, 2 provider(s), 3 account/Region group(s)"
    )
    assert "\nmanagement (111111111111) · us-east-1 — the stack's credentials\n" in out
    assert (
        "\nshared-services (222222222222) · us-east-1 — assumes "
        "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole\n"
    ) in out
    assert "  + scp/gpu-instance-types  [Policy]  (775 / 10,240 chars)\n" in out
    assert '"Sid": "DenyOtherEc2InstanceTypes"' in out  # every policy document is shown


def test_plan_json_has_the_documented_fields():
    result = runner.invoke(app, ["plan", str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 0
    resources = json.loads(result.stdout)["resources"]
    assert len(resources) == 38
    assert {"kind", "name", "account", "region", "inputs", "depends_on"} <= set(resources[0])
    share = next(r for r in resources if r["name"] == "share/gpu-capacity/principal/ml/training")
    assert share["inputs"]["principal"] == {"$ref": "ou/ml/training", "$attr": "arn"}


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("trainshare ")


def test_guardrails_list_shows_every_template_with_a_description():
    result = runner.invoke(app, ["guardrails", "list"])
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 15
    assert lines[1].split()[:2] == ["deny-external-sharing", "scp"]
    assert "RAM shares cannot be opened to principals outside the organization" in lines[1]
    kinds = {line.split()[0]: line.split()[1] for line in lines}
    assert kinds["rcp-secure-transport"] == "rcp"
    assert kinds["tag-training-tags"] == "tag"
    assert kinds["ec2-gpu-images-imdsv2"] == "declarative-ec2"
    starts = {line.index(line.split()[2]) for line in lines}  # descriptions in one column
    assert len(starts) == 1


def test_guardrails_show_prints_the_minified_document_and_its_size():
    result = runner.invoke(
        app, ["guardrails", "show", "restrict-instance-types", "-p", "instance_types=p5.*,g5.*"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["Statement"][0]["Condition"]["StringNotLike"] == {
        "ec2:InstanceType": ["p5.*", "g5.*"]
    }
    assert result.stdout.strip() == json.dumps(document, separators=(",", ":"))
    assert result.stderr.startswith("restrict-instance-types: 742 / 10,240 characters minified")


def test_guardrails_show_refuses_a_missing_required_parameter():
    result = runner.invoke(app, ["guardrails", "show", "restrict-regions"])
    assert result.exit_code == 1
    assert "--param allowed_regions: parameter 'allowed_regions' is required" in result.stderr


def test_lint_suggests_the_real_action_and_exits_2(tmp_path):
    policy = tmp_path / "p.json"
    policy.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Action": "ec2:RunInstance", "Resource": "*"}],
            },
            indent=2,
        )
    )
    result = runner.invoke(app, ["lint", str(policy)])
    assert result.exit_code == 2
    assert result.stdout.strip() == (
        f"{policy}:6: Statement[0]: error: UNKNOWN_ACTION: Action 'ec2:RunInstance' is not an "
        "action of ec2; did you mean ec2:RunInstances? — correct the action name"
    )
    fixed = tmp_path / "ok.json"
    fixed.write_text(policy.read_text().replace("RunInstance", "RunInstances"))
    assert runner.invoke(app, ["lint", str(fixed)]).exit_code == 0


def test_lint_json_and_fail_on_warning(tmp_path):
    policy = tmp_path / "p.json"
    policy.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Action": "sagemaker:CreateTrainingJob",
                        "Resource": "*",
                        "Condition": {"StringNotLike": {"sagemaker:InstanceTypes": "ml.p5.*"}},
                    }
                ],
            }
        )
    )
    result = runner.invoke(app, ["lint", str(policy), "--format", "json"])
    assert result.exit_code == 0, "warnings alone do not fail by default"
    (found,) = json.loads(result.stdout)["findings"]
    assert (found["code"], found["severity"]) == ("MULTIVALUED_KEY_WITHOUT_SET_OPERATOR", "warning")
    assert runner.invoke(app, ["lint", str(policy), "--fail-on", "warning"]).exit_code == 2


def test_lint_missing_file_exits_1(tmp_path):
    result = runner.invoke(app, ["lint", str(tmp_path / "nope.json")])
    assert result.exit_code == 1
    assert "cannot read" in result.stderr


def test_startup_loads_neither_boto3_nor_moto_nor_pulumi():
    # given the CLI package imported as the console script imports it
    # when validate, plan or access would start
    code = (
        "import sys, trainshare.cli; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'boto3', 'botocore', 'moto', 'pulumi', 'pulumi_aws'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # then none of the heavy libraries is loaded: audit, demo and import load them when run
    assert done.stdout.strip() == "[]"


def test_an_error_from_below_the_cli_is_one_line_and_exit_1(tmp_path):
    # given a snapshot that does not exist (SnapshotError, raised by the snapshot layer)
    missing = tmp_path / "nope.json"
    result = runner.invoke(app, ["audit", str(EXAMPLE), "--snapshot", str(missing)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {missing}: cannot read the snapshot: No such file or directory\n"
    )


def test_debug_lets_the_error_through_with_its_traceback(tmp_path):
    missing = tmp_path / "nope.json"
    result = runner.invoke(app, ["--debug", "audit", str(EXAMPLE), "--snapshot", str(missing)])
    assert result.exit_code == 1
    assert type(result.exception).__name__ == "SnapshotError"
    assert (
        str(result.exception) == f"{missing}: cannot read the snapshot: No such file or directory"
    )


def test_guardrails_show_lints_an_rcp_template_as_an_rcp_against_its_own_limit():
    result = runner.invoke(app, ["guardrails", "show", "rcp-secure-transport"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["Statement"][0]["Principal"] == "*"
    assert result.stderr.startswith("rcp-secure-transport: 248 / 5,120 characters minified")
    assert "RCP_" not in result.stderr and "PRINCIPAL_IN_SCP" not in result.stderr
