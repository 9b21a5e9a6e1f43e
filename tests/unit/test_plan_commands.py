"""The shell scripts of plan/commands.py, run by /bin/sh against a fake `aws` that records each
call and answers from a table: the calls they make, in order, for each state they can find."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from trainshare.catalog import load_catalog
from trainshare.plan.commands import (
    full_aws_access_inputs,
    keep_policy_inputs,
    ram_permission_inputs,
    where_inputs,
)
from trainshare.plan.graph import Ref
from trainshare.plan.org_policies import enable_type_inputs

SHARE = "arn:aws:ram:us-east-1:222222222222:resource-share/s-1"
READ = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSageMakerPipeline"
EXECUTE = "arn:aws:ram::aws:permission/AWSRAMPermissionSageMakerPipelineAllowExecution"
PIPELINE = "arn:aws:sagemaker:us-east-1:222222222222:pipeline/train"
ROLE = "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"

# Answers by "<service> <operation>", and by the --query for the two association look-ups.
FAKE_AWS = """\
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_AWS_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
answers = json.loads(os.environ["FAKE_AWS_ANSWERS"])
key = " ".join(args[:2])
if "--query" in args and key + " " + args[args.index("--query") + 1] in answers:
    key = key + " " + args[args.index("--query") + 1]
answer = answers.get(key, "")
if isinstance(answer, dict):  # an error
    sys.stderr.write(answer["error"])
    sys.exit(255)
sys.stdout.write(answer)
"""


def _run(
    tmp_path: Path,
    script: str,
    environment: dict[str, Any],
    answers: dict[str, Any],
    *,
    fails: bool = False,
) -> tuple[str, list[list[str]]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "aws"
    fake.write_text(f"#!{sys.executable}\n{FAKE_AWS}")
    fake.chmod(0o755)
    log = tmp_path / "calls.log"
    log.write_text("")
    env = {
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "FAKE_AWS_LOG": str(log),
        "FAKE_AWS_ANSWERS": json.dumps(answers),
        **{k: str(v) for k, v in environment.items()},
    }
    done = subprocess.run(
        ["/bin/sh", "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert (done.returncode != 0) if fails else (done.returncode == 0), done.stderr
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    return done.stdout, calls


def _permission(wanted: str) -> dict[str, Any]:
    inputs = ram_permission_inputs(
        Ref("share/s", "arn"), wanted, [READ, EXECUTE], [PIPELINE], where_inputs("us-east-1", ROLE)
    )
    environment: dict[str, Any] = dict(inputs["environment"])  # type: ignore[arg-type]
    environment["TRAINSHARE_SHARE_ARN"] = SHARE
    return {"script": inputs["create"], "environment": environment}


ASSUMED = {"sts assume-role": "AKIA\tSECRET\tTOKEN"}
ASSOCIATED = "resourceShareAssociations[?status=='ASSOCIATED'].associatedEntity"


def _ops(calls: list[list[str]]) -> list[str]:
    return [" ".join(call[:2]) for call in calls]


def test_a_permission_already_in_place_is_left_alone(tmp_path):
    command = _permission(READ)
    answers = {**ASSUMED, "ram list-resource-share-permissions": READ}
    _, calls = _run(tmp_path, command["script"], command["environment"], answers)
    assert _ops(calls) == ["sts assume-role", "ram list-resource-share-permissions"]
    assert calls[0][calls[0].index("--role-arn") + 1] == ROLE


def test_a_type_without_a_permission_gets_it_without_replace(tmp_path):
    command = _permission(EXECUTE)
    answers = {**ASSUMED, "ram list-resource-share-permissions": ""}
    _, calls = _run(tmp_path, command["script"], command["environment"], answers)
    assert calls[-1] == [
        "ram",
        "associate-resource-share-permission",
        "--resource-share-arn",
        SHARE,
        "--permission-arn",
        EXECUTE,
    ]


def test_a_permission_is_replaced_with_the_types_resources_out_of_the_share(tmp_path):
    # Given the share holds the pipeline under the read permission
    command = _permission(EXECUTE)
    answers = {
        **ASSUMED,
        "ram list-resource-share-permissions": READ,
        f"ram get-resource-share-associations {ASSOCIATED}": PIPELINE,
    }
    # When the command runs
    _, calls = _run(tmp_path, command["script"], command["environment"], answers)
    # Then the pipeline leaves, the permission is replaced, and the pipeline comes back
    writes = [c for c in calls if c[1] not in ("list-resource-share-permissions",)]
    assert [(c[1], c[-1] if c[-1] == "--replace" else "") for c in writes[1:]] == [
        ("get-resource-share-associations", ""),
        ("disassociate-resource-share", ""),
        ("get-resource-share-associations", ""),  # waits while DISASSOCIATING
        ("associate-resource-share-permission", "--replace"),
        ("associate-resource-share", ""),
    ]
    assert calls[-1][-1] == PIPELINE


@pytest.fixture
def bucket_keeper() -> dict[str, Any]:
    ptype = load_catalog().policy_share_types["s3:Bucket"]
    keep = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "OwnerBackups"}]})
    return keep_policy_inputs(
        ptype,
        "acme-data",
        ["ReadersOrgPaths1", "TrainshareDataPerimeter"],
        keep,
        where_inputs("us-east-1", None),
    )


def test_the_first_run_records_the_policy_it_finds(tmp_path, bucket_keeper):
    found = '{"Version":"2012-10-17","Statement":[{"Sid":"Theirs"}]}'
    answers = {"s3api get-bucket-policy": found}
    out, calls = _run(tmp_path, bucket_keeper["create"], bucket_keeper["environment"], answers)
    assert out == found
    assert _ops(calls) == ["s3api get-bucket-policy"]  # the deployer's own account: no role


def test_a_policy_trainshare_wrote_before_is_not_recorded(tmp_path, bucket_keeper):
    found = '{"Statement":[{"Sid":"ReadersOrgPaths1"}]}'
    out, _ = _run(
        tmp_path,
        bucket_keeper["create"],
        bucket_keeper["environment"],
        {"s3api get-bucket-policy": found},
    )
    assert out == ""


def test_no_policy_found_records_nothing(tmp_path, bucket_keeper):
    answers = {"s3api get-bucket-policy": {"error": "An error occurred (NoSuchBucketPolicy)"}}
    out, _ = _run(tmp_path, bucket_keeper["create"], bucket_keeper["environment"], answers)
    assert out == ""


@pytest.mark.parametrize(
    ("recorded", "keep", "last_call"),
    [
        ('{"Statement":[{"Sid":"Theirs"}]}', "", ["s3api", "put-bucket-policy"]),
        ("", '{"Statement":[{"Sid":"OwnerBackups"}]}', ["s3api", "put-bucket-policy"]),
        ("", "", ["s3api", "delete-bucket-policy"]),
    ],
)
def test_the_delete_puts_back_what_was_found_or_the_owners_statements(
    tmp_path, bucket_keeper, recorded, keep, last_call
):
    environment = {
        **bucket_keeper["environment"],
        "PULUMI_COMMAND_STDOUT": recorded,
        "TRAINSHARE_KEEP": keep,
    }
    _, calls = _run(tmp_path, bucket_keeper["delete"], environment, {})
    assert calls[-1][:2] == last_call
    assert calls[-1][calls[-1].index("--bucket") + 1] == "acme-data"
    if last_call[1] == "put-bucket-policy":
        assert calls[-1][calls[-1].index("--policy") + 1] == (recorded or keep)


def test_an_update_keeps_what_the_first_run_recorded(tmp_path, bucket_keeper):
    environment = {**bucket_keeper["environment"], "PULUMI_COMMAND_STDOUT": "recorded"}
    out, calls = _run(tmp_path, bucket_keeper["update"], environment, {})
    assert (out, calls) == ("recorded", [])


def test_a_stack_chain_is_assumed_before_the_owners_role(tmp_path):
    command = _permission(READ)
    chain = "arn:aws:iam::111111111111:role/platform-deployer"
    environment = {**command["environment"], "TRAINSHARE_ROLE_CHAIN": chain}
    answers = {**ASSUMED, "ram list-resource-share-permissions": READ}
    _, calls = _run(tmp_path, command["script"], environment, answers)
    assumed = [c[c.index("--role-arn") + 1] for c in calls if c[:2] == ["sts", "assume-role"]]
    assert assumed == [chain, ROLE]
    # the owner's external ID goes with the owner's role only
    assert "--external-id" not in calls[0]


def test_each_hop_of_the_chain_is_assumed_with_its_own_external_id_and_session_name(tmp_path):
    command = _permission(READ)
    first = "arn:aws:iam::111111111111:role/broker"
    second = "arn:aws:iam::999999999999:role/platform-deployer"
    environment = {
        **command["environment"],
        "TRAINSHARE_ROLE_CHAIN": f"{first}|ext-42|ci {second}||",
        "TRAINSHARE_EXTERNAL_ID": "owner-7",
        "TRAINSHARE_SESSION_NAME": "platform",
    }
    answers = {**ASSUMED, "ram list-resource-share-permissions": READ}
    _, calls = _run(tmp_path, command["script"], environment, answers)
    hops = [
        (
            c[c.index("--role-arn") + 1],
            c[c.index("--external-id") + 1] if "--external-id" in c else None,
            c[c.index("--role-session-name") + 1],
        )
        for c in calls
        if c[:2] == ["sts", "assume-role"]
    ]
    assert hops == [
        (first, "ext-42", "ci"),
        (second, None, "trainshare"),  # no session name in the hop: trainshare's own
        (ROLE, "owner-7", "platform"),
    ]


def test_without_an_owner_role_only_the_chain_is_assumed(tmp_path):
    command = _permission(READ)
    environment = {
        **command["environment"],
        "TRAINSHARE_ROLE_CHAIN": f"{DEPLOYER}||",
        "TRAINSHARE_ROLE_ARN": "",
    }
    answers = {**ASSUMED, "ram list-resource-share-permissions": READ}
    _, calls = _run(tmp_path, command["script"], environment, answers)
    assumed = [c[c.index("--role-arn") + 1] for c in calls if c[:2] == ["sts", "assume-role"]]
    assert assumed == [DEPLOYER]


def test_a_key_always_has_a_policy_so_any_error_reading_it_fails(tmp_path):
    ptype = load_catalog().policy_share_types["kms:Key"]
    keeper = keep_policy_inputs(
        ptype, "k-1", ["TrainshareKeyOwner"], "", where_inputs("us-east-1", None)
    )
    env = {
        "PATH": "/usr/bin:/bin",
        **{k: str(v) for k, v in keeper["environment"].items()},  # type: ignore[union-attr]
    }
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "aws").write_text(
        "#!/bin/sh\necho 'An error occurred (NotFoundException)' >&2\nexit 255\n"
    )
    (bin_dir / "aws").chmod(0o755)
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    done = subprocess.run(
        ["/bin/sh", "-c", keeper["create"]], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert "NotFoundException" in done.stderr


# -- the management account's commands, through the stack's role chain -----------------------

DEPLOYER = "arn:aws:iam::999999999999:role/platform-deployer"


def test_full_aws_access_is_detached_through_the_stacks_role_chain(tmp_path):
    inputs = full_aws_access_inputs("p-FullAWSAccess", "ou-ab12-cdef3456", "us-east-1")
    environment = {**inputs["environment"], "TRAINSHARE_ROLE_CHAIN": DEPLOYER}  # type: ignore[dict-item]
    _, calls = _run(tmp_path, str(inputs["create"]), environment, ASSUMED)
    assert _ops(calls) == ["sts assume-role", "organizations detach-policy"]
    assert calls[0][calls[0].index("--role-arn") + 1] == DEPLOYER
    assert calls[1][2:] == ["--policy-id", "p-FullAWSAccess", "--target-id", "ou-ab12-cdef3456"]


def test_a_policy_type_is_enabled_through_the_stacks_role_chain(tmp_path):
    inputs = enable_type_inputs("RESOURCE_CONTROL_POLICY", "r-ab12", "us-east-1")
    environment = {**inputs["environment"], "TRAINSHARE_ROLE_CHAIN": DEPLOYER}  # type: ignore[dict-item]
    answers = {**ASSUMED, "organizations list-roots": "ENABLED"}
    _, calls = _run(tmp_path, str(inputs["create"]), environment, answers)
    assert _ops(calls) == ["sts assume-role", "organizations list-roots"]
    assert calls[0][calls[0].index("--role-arn") + 1] == DEPLOYER


def test_a_role_that_cannot_be_assumed_stops_the_command_before_any_call(tmp_path):
    """Not the deployer's own credentials in the wrong account: the command fails."""
    inputs = full_aws_access_inputs("p-FullAWSAccess", "ou-ab12-cdef3456", "us-east-1")
    environment = {**inputs["environment"], "TRAINSHARE_ROLE_CHAIN": DEPLOYER}  # type: ignore[dict-item]
    denied = {"sts assume-role": {"error": "An error occurred (AccessDenied)"}}
    _, calls = _run(tmp_path, str(inputs["create"]), environment, denied, fails=True)
    assert _ops(calls) == ["sts assume-role"]
