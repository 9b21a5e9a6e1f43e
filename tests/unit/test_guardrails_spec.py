"""Guardrails in a spec: the allow-list strategy, lockout, the deploy role, linted templates."""

from __future__ import annotations

import json
import subprocess
import textwrap

import pytest

from trainshare.errors import SpecError
from trainshare.findings import Severity
from trainshare.plan import Ref, build_plan, kinds
from trainshare.spec import load_spec

SPEC = """\
version: 1
organization:
  management_account: "111111111111"
units:
  ml:
    training: {full_aws_access: false}
accounts:
  shared-services: {id: "222222222222"}
  team-a: {email: a@example.com, unit: ml/training}
guardrails:
"""
GPU = "  gpu: {template: restrict-instance-types, params: {instance_types: [p5.*]}, targets: [ml/training]}\n"
ALLOW = "  allow: {template: allow-services, params: {actions: ['ec2:*', 'sagemaker:*']}, targets: [ml/training]}\n"


def load(write_spec, text, **files):
    return load_spec(write_spec(textwrap.dedent(text), **files))


def errors(write_spec, text, **files):
    with pytest.raises(SpecError) as caught:
        load(write_spec, text, **files)
    return [i for i in caught.value.issues if i.severity is Severity.ERROR]


def test_detached_full_access_with_only_deny_guardrails_is_a_lockout(write_spec):
    (issue,) = errors(write_spec, SPEC + GPU)
    assert (issue.code, issue.location.path, issue.location.line) == (
        "LEVEL_WITHOUT_ALLOW",
        "units.ml.training.full_aws_access",
        6,
    )
    assert issue.message == (
        "OU 'ml/training' has FullAWSAccess detached and no guardrail there allows anything: "
        "every account below it is denied every action (each level root → OU → account needs "
        "an Allow)"
    )


def test_an_allow_guardrail_at_the_level_resolves_the_lockout(write_spec):
    spec = load(write_spec, SPEC + GPU + ALLOW)
    assert spec.units["ml/training"].full_aws_access is False


def test_account_level_lockout(write_spec):
    text = SPEC.replace("training: {full_aws_access: false}", "training: {}").replace(
        "unit: ml/training}", "unit: ml/training, full_aws_access: false}"
    )
    (issue,) = errors(write_spec, text + GPU)
    assert (issue.code, issue.location.path) == (
        "LEVEL_WITHOUT_ALLOW",
        "accounts.team-a.full_aws_access",
    )


def test_detached_full_access_frees_a_slot(write_spec):
    # Ten guardrails fit on a level without FullAWSAccess (one of them allows).
    body = ALLOW + "".join(
        f"  g{i}: {{template: deny-leave-organization, targets: [ml/training]}}\n" for i in range(9)
    )
    load(write_spec, SPEC + body)
    with pytest.raises(SpecError) as caught:
        load(write_spec, SPEC + body + "  g9: {template: quarantine, targets: [ml/training]}\n")
    assert [i.code for i in caught.value.issues if i.severity is Severity.ERROR] == [
        "TOO_MANY_SCPS"
    ]


def test_plan_detaches_full_access_after_the_level_is_guarded(write_spec):
    plan = build_plan(load(write_spec, SPEC + GPU + ALLOW))
    node = plan["scp/FullAWSAccess/detach/ml/training"]
    assert node.kind == kinds.COMMAND
    for verb, key in (("detach", "create"), ("attach", "delete")):
        command = node.inputs[key]
        assert isinstance(command, str)
        assert f'aws organizations {verb}-policy --policy-id "$TRAINSHARE_POLICY_ID"' in command
    environment = node.inputs["environment"]
    assert isinstance(environment, dict)
    assert environment["TRAINSHARE_TARGET_ID"] == Ref("ou/ml/training", "id")
    assert environment["TRAINSHARE_POLICY_ID"] == "p-FullAWSAccess"
    assert node.depends_on == ("scp/gpu/attach/ml/training", "scp/allow/attach/ml/training")
    assert not [n for n in plan.nodes if n.kind == kinds.COMMAND and n is not node]


DEPLOY = """\
version: 1
organization: {management_account: "111111111111"}
units: {ml: {}}
accounts:
  shared-services: {id: "222222222222"}
guardrails:
  g: {document: p.json, targets: [root]}
shares:
  net:
    owner: shared-services
    resources: ["arn:aws:ec2:us-east-1:222222222222:subnet/subnet-1"]
    principals: [ml]
"""


def _policy(statement):
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_deny_without_exemption_warns_it_hits_the_deploy_role(write_spec):
    policy = _policy({"Effect": "Deny", "Action": "ram:*", "Resource": "*"})
    spec = load(write_spec, DEPLOY, **{"p.json": policy})
    (warning,) = spec.warnings
    assert (warning.code, warning.location.path) == ("DENY_HITS_DEPLOY_ROLE", "guardrails.g")
    assert warning.message == (
        "Statement[0] denies ram:CreateResourceShare to "
        "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole, which manages share 'net' "
        "in account 'shared-services'"
    )


def test_exempted_deny_or_a_management_owner_does_not_warn(write_spec):
    exempt = _policy(
        {
            "Effect": "Deny",
            "Action": "ram:*",
            "Resource": "*",
            "Condition": {
                "ArnNotLike": {
                    "aws:PrincipalArn": "arn:aws:iam::*:role/OrganizationAccountAccessRole"
                }
            },
        }
    )
    assert load(write_spec, DEPLOY, **{"p.json": exempt}).warnings == ()
    deny = _policy({"Effect": "Deny", "Action": "ram:*", "Resource": "*"})
    by_management = DEPLOY.replace('"222222222222"', '"111111111111"').replace(
        "222222222222:subnet", "111111111111:subnet"
    )
    warnings = load(write_spec, by_management, **{"p.json": deny}).warnings
    assert "DENY_HITS_DEPLOY_ROLE" not in [w.code for w in warnings]


def test_an_owner_in_an_ou_the_spec_does_not_have_is_checked_under_the_root_only(write_spec):
    """Given the share's owner placed in `ml/nope` (not in `units`) and a Deny of RAM's calls,
    when the Deny is on `ml`, then only UNKNOWN_UNIT is reported (nothing is assumed about `ml`
    from the typo's path); when it is on the root, the deploy role is still warned of."""
    deny = _policy({"Effect": "Deny", "Action": "ram:*", "Resource": "*"})
    in_typo = DEPLOY.replace('{id: "222222222222"}', '{id: "222222222222", unit: ml/nope}')
    with pytest.raises(SpecError) as on_ml:
        load(write_spec, in_typo.replace("targets: [root]", "targets: [ml]"), **{"p.json": deny})
    assert [(i.code, i.location.path) for i in on_ml.value.issues] == [
        ("UNKNOWN_UNIT", "accounts.shared-services.unit")
    ]
    with pytest.raises(SpecError) as on_root:
        load(write_spec, in_typo, **{"p.json": deny})
    assert [(i.code, i.location.path) for i in on_root.value.issues] == [
        ("UNKNOWN_UNIT", "accounts.shared-services.unit"),
        ("DENY_HITS_DEPLOY_ROLE", "guardrails.g"),
    ]


def test_template_parameters_are_linted(write_spec):
    text = SPEC.replace("{full_aws_access: false}", "{}") + (
        "  allow: {template: allow-services, params: {actions: [ec2:RunInstance]}, targets: [ml]}\n"
    )
    (issue,) = errors(write_spec, text)
    assert (issue.code, issue.location.path) == ("UNKNOWN_ACTION", "guardrails.allow.params")
    assert issue.message == (
        "template allow-services: Statement[0] (Sid AllowListedServices): Action "
        "'ec2:RunInstance' is not an action of ec2; did you mean ec2:RunInstances?"
    )


FAKE_AWS = """#!/bin/sh
echo "$@" >> "$CALLS"
[ -n "$AWS_FAILS" ] && { echo "An error occurred ($AWS_FAILS) when calling the API" >&2; exit 254; }
exit 0
"""


@pytest.mark.parametrize(
    ("key", "fails", "exit_code"),
    [
        ("create", "", 0),
        ("create", "PolicyNotAttachedException", 0),  # already detached (adopted org)
        ("create", "AccessDeniedException", 1),
        ("delete", "DuplicatePolicyAttachmentException", 0),  # already attached
        ("delete", "ConstraintViolationException", 1),
    ],
)
def test_full_access_commands_are_idempotent_and_fail_on_other_errors(
    write_spec, tmp_path, key, fails, exit_code
):
    """The command, run by sh as pulumi-command runs it, against a fake `aws` on PATH."""
    node = build_plan(load(write_spec, SPEC + GPU + ALLOW))["scp/FullAWSAccess/detach/ml/training"]
    script = node.inputs[key]
    assert isinstance(script, str)
    environment = node.inputs["environment"]
    assert isinstance(environment, dict)
    (tmp_path / "aws").write_text(FAKE_AWS)
    (tmp_path / "aws").chmod(0o755)
    env = {
        **{k: v if isinstance(v, str) else "ou-ab12-cdef3456" for k, v in environment.items()},
        "PATH": f"{tmp_path}:/usr/bin:/bin",
        "CALLS": str(tmp_path / "calls"),
        "AWS_FAILS": fails,
    }
    result = subprocess.run(
        ["/bin/sh", "-c", script], check=False, env=env, capture_output=True, text=True
    )
    assert result.returncode == exit_code
    assert "--target-id ou-ab12-cdef3456" in (tmp_path / "calls").read_text()
    assert (fails in result.stderr) if fails else result.stderr == ""
