"""`trainshare diff OLD NEW` on the example and edited copies of it.

Given the example spec and a copy with one kind of edit, when they are compared, then the
sections say exactly what changes (access grouped with the reason on each side, guardrails per
target, resources as `plan --against` does) and each risk flag is raised by its edit — and not
by its near miss. Exit 0 without change, 3 with, 1 on bad input.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE, check_golden
from trainshare.access import Context, Effect
from trainshare.cli import app
from trainshare.diff import ACCEPTED_ERRORS, diff_specs
from trainshare.diff import access as diff_access
from trainshare.diff.guardrails import GuardrailAction
from trainshare.diff.jsondiff import json_diff
from trainshare.report.diff import (
    MARKDOWN_MAX,
    RISK_TOP,
    access_line,
    reasons,
    render_diff,
    render_markdown,
)
from trainshare.spec import load_spec
from trainshare.synth import SynthParams, write_synthetic

runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"})
TEXT = EXAMPLE.read_text()
GPU_TYPES = 'params: {instance_types: ["p5.*", "p4d.24xlarge", "g5.*"]}'
NLP = "team-nlp: {email: nlp@example.com, unit: ml/training, tags: {team: nlp}}"
TRAINING_DATA = """      - {arn: "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab", policy: managed}
    principals: [ml/training]"""
# the issue's scenario: a guardrail tightened on ml/training, an account moved, a share widened
EDITS = {
    GPU_TYPES: 'params: {instance_types: ["p5.*"]}',
    NLP: NLP.replace("ml/training", "ml/research"),
    TRAINING_DATA: TRAINING_DATA.replace("[ml/training]", "[ml]"),
}
G5 = Context.of({"ec2:InstanceType": "g5.xlarge"})


def edit(text: str, edits: dict[str, str]) -> str:
    for before, after in edits.items():
        assert before in text, before
        text = text.replace(before, after)
    return text


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """The example (spec and policies) in a fresh folder, the current directory."""
    shutil.copy(EXAMPLE, tmp_path / "trainshare.yaml")
    shutil.copytree(EXAMPLE.parent / "policies", tmp_path / "policies")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(folder: Path, edits: dict[str, str], name: str = "edited.yaml") -> Path:
    path = folder / name
    path.write_text(edit(TEXT, edits))
    return path


def compare(folder: Path, edits: dict[str, str], context: Context | None = None):
    old = load_spec(folder / "trainshare.yaml", accept=ACCEPTED_ERRORS)
    new = load_spec(write(folder, edits), accept=ACCEPTED_ERRORS)
    return diff_specs(old, new, labels=("trainshare.yaml", "edited.yaml"), context=context)


def flags(found) -> list[tuple[str, str, str]]:
    return [(f.code, f.location.path, f.message) for f in found.risks]


def lines(found) -> list[tuple[str, str, str, str, str]]:
    return [
        (c.where, c.share, ", ".join(c.actions), str(c.before), str(c.after))
        for c in found.access.changes
    ]


# -- the sections -----------------------------------------------------------------------------


def test_the_same_spec_changes_nothing_and_decides_no_row(folder):
    found = compare(folder, {})
    assert not found.changed
    assert found.access.changes == () and found.access.decided == 0
    assert found.guardrails == () and found.risks == () and found.resources.changes == ()


def test_a_guardrail_tightened_an_account_moved_and_a_share_widened(folder):
    found = compare(folder, EDITS, G5)
    assert lines(found) == [
        (
            "team-nlp",
            "gpu-capacity",
            "ec2:RunInstances, ec2:DescribeCapacityReservations",
            "ALLOW",
            "IMPLICIT_DENY",
        ),
        ("team-vision", "gpu-capacity", "ec2:RunInstances", "ALLOW", "DENY"),
        (
            "research-lab",
            "training-data",
            "s3:ListBucket, s3:GetBucketLocation, s3:GetObject, s3:GetObjectVersion, "
            "kms:Decrypt, kms:DescribeKey",
            "IMPLICIT_DENY",
            "ALLOW",
        ),
        ("team-vision", "training-subnet", "ec2:RunInstances", "ALLOW", "DENY"),
        (
            "team-nlp",
            "vision-models",
            "sagemaker:DescribeModelPackageGroup, sagemaker:DescribeModelPackage, "
            "sagemaker:ListModelPackages",
            "IMPLICIT_DENY",
            "ALLOW",
        ),
    ]
    moved, tightened = found.access.changes[:2]
    (because,) = tightened.reasons
    assert because.before.reason == "reached through OU ml/training"
    assert because.after.reason == (
        "SCP at OU ml/training: gpu-instance-types Statement[0] (Sid DenyOtherEc2InstanceTypes) "
        "denies ec2:RunInstances"
    )
    # the trace of each side, for the account it was read from
    assert because.after.account == "team-vision"
    assert because.after.decision is not None and because.after.decision.effect is Effect.DENY
    assert {b.after.reason for b in moved.reasons} == {
        "share gpu-capacity does not reach it (shared with ml/training)"
    }
    assert flags(found) == [
        (
            "SHARE_WIDENED",
            "share training-data",
            "now shared with OU ml (was ml/training): it reaches 3 account(s), +1 from 2",
        ),
        (
            "ACCOUNT_LEFT_GUARDRAILS",
            "account team-nlp",
            "moves from ml/training to ml/research and leaves gpu-instance-types (scp, on "
            "ml/training)",
        ),
    ]
    (guardrail,) = found.guardrails
    assert (guardrail.where, guardrail.guardrail, guardrail.action) == (
        "OU ml/training",
        "gpu-instance-types",
        GuardrailAction.CHANGED,
    )
    assert (guardrail.size_before, guardrail.size, guardrail.limit) == (775, 725, 10240)
    assert guardrail.document[0].render() == (
        "- Statement[Sid DenyOtherEc2InstanceTypes].Condition.StringNotLike.ec2:InstanceType: "
        '["p4d.24xlarge", "g5.*"]'
    )
    assert [(c.name, c.action.value) for c in found.resources.changes] == [
        ("scp/gpu-instance-types", "update"),
        ("account/team-nlp", "update"),
        ("policy/s3/222222222222/us-east-1/acme-training-data", "update"),
        ("policy/kms/222222222222/us-east-1/1234abcd-12ab-34cd-56ef-1234567890ab", "update"),
    ]


def test_without_context_a_tighter_instance_list_leaves_the_effect_conditional(folder):
    """The decision depends on ec2:InstanceType before and after: no access line, but the
    guardrail section shows what changes in the condition."""
    found = compare(folder, {GPU_TYPES: EDITS[GPU_TYPES]})
    assert found.access.changes == ()
    assert found.changed and len(found.guardrails) == 1


def test_thousands_of_accounts_moving_together_read_as_one_line(tmp_path):
    path = write_synthetic(tmp_path / "org", SynthParams(accounts=300, units=12, shares=4))
    text = path.read_text()
    old = load_spec(path)
    # every share now reaches the whole organization
    widened = "\n".join(
        "    principals: [root]" if line.startswith("    principals:") else line
        for line in text.splitlines()
    )
    (path.parent / "wide.yaml").write_text(widened + "\n")
    new = load_spec(path.parent / "wide.yaml")
    found = diff_specs(old, new)
    assert found.access.accounts > 250
    assert len(found.access.changes) < 4 * 12  # lines per share and OU at most, not per account
    assert any("accounts" in c.where for c in found.access.changes)


# -- the risk flags, each with its near miss --------------------------------------------------


BLOCK = """      # a Capacity Block for ML for the big runs: shareable inside the organization only
      - arn: arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-0fedcba9876543210
        capacity: {kind: capacity-block, instance_type: p5.48xlarge}
"""


def test_an_account_outside_the_organization_gaining_access_is_flagged(folder):
    # a Capacity Block cannot leave the organization (validate refuses it): the edit takes it out
    edits = {
        BLOCK: "",
        "    principals: [ml/training]\n    billing_owner": (
            '    principals: [ml/training, "999999999999"]\n    allow_external: true\n'
            "    billing_owner"
        ),
    }
    found = compare(folder, edits)
    assert flags(found) == [
        (
            "EXTERNAL_ACCESS_GAINED",
            "share gpu-capacity",
            "999999999999 (outside the organization) gain(s) ec2:RunInstances, "
            "ec2:DescribeCapacityReservations (IMPLICIT_DENY → CONDITIONAL)",
        ),
        (
            "EXTERNAL_ACCESS_GAINED",
            "share gpu-capacity",
            "allow_external is now true: the share accepts principals outside the organization",
        ),
    ]
    assert found.risks[0].severity == "error"
    # near miss: the same share reaching one more OU of the organization
    inside = compare(
        folder,
        {
            "    principals: [ml/training]\n    billing_owner": (
                "    principals: [ml/training, ml/research]\n    billing_owner"
            )
        },
    )
    assert [f.code for f in inside.risks] == []


def test_a_resource_policy_losing_its_perimeter_is_flagged(folder):
    edits = {
        "        policy: managed\n        kms_key": "        policy: managed\n        perimeter: false\n        kms_key"
    }
    found = compare(folder, edits)
    assert flags(found) == [
        (
            "EXTERNAL_ACCESS_GAINED",
            "policy of arn:aws:s3:::acme-training-data",
            "the data perimeter is off (perimeter: false): nothing in the policy keeps "
            "principals outside the organization out",
        )
    ]


def test_a_share_widened_to_the_organization_is_flagged(folder):
    found = compare(folder, {"    principals: [ml/research]": "    principals: [root]"})
    assert flags(found) == [
        (
            "SHARE_WIDENED",
            "share vision-models",
            "now shared with the whole organization (was ml/research): it reaches 4 "
            "account(s), +3 from 1",
        )
    ]
    # near miss: narrowed to a child OU is not widened
    narrower = compare(
        folder,
        {
            "    principals: [ml]\n  vision-models": (
                "    principals: [ml/training]\n  vision-models"
            )
        },
    )
    assert [f.code for f in narrower.risks] == []


DENY_RAM = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ram:*","Resource":"*"}]}'
)


def test_a_deny_that_now_hits_the_deploy_role_is_flagged(folder):
    (folder / "policies" / "no-ram.json").write_text(DENY_RAM)
    edits = {
        "shares:\n": "  no-ram:\n    document: policies/no-ram.json\n    targets: [root]\n\nshares:\n"
    }
    found = compare(folder, edits)
    assert flags(found) == [
        (
            "DEPLOY_ROLE_DENIED",
            "guardrails.no-ram",
            "Statement[0] denies ram:CreateResourceShare to "
            "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole, which manages share "
            "'gpu-capacity' in account 'shared-services'",
        )
    ]
    # near miss: the same Deny exempting the role
    exempt = DENY_RAM.replace(
        '"Resource":"*"',
        '"Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalArn":'
        '"arn:aws:iam::*:role/OrganizationAccountAccessRole"}}',
    )
    (folder / "policies" / "no-ram.json").write_text(exempt)
    assert [f.code for f in compare(folder, edits).risks] == []


def test_a_lockout_is_flagged_though_validate_refuses_it(folder):
    edits = {"    research: {}": "    research: {full_aws_access: false}"}
    found = compare(folder, edits)
    assert flags(found) == [
        (
            "LOCKOUT_INTRODUCED",
            "units.ml.research.full_aws_access",
            "OU 'ml/research' has FullAWSAccess detached and no guardrail there allows "
            "anything: every account below it is denied every action (each level root → OU → "
            "account needs an Allow)",
        )
    ]
    (change,) = [c for c in found.access.changes if c.where == "research-lab"][:1]
    assert (change.before, change.after) == (Effect.ALLOW, Effect.IMPLICIT_DENY)
    assert [(g.where, g.guardrail, g.action) for g in found.guardrails] == [
        ("OU ml/research", "FullAWSAccess", GuardrailAction.DETACHED)
    ]


def test_an_account_leaving_a_guarded_ou_is_flagged_and_one_moving_within_it_is_not(folder):
    found = compare(folder, {NLP: NLP.replace("ml/training", "ml/research")})
    assert [f.code for f in found.risks] == ["ACCOUNT_LEFT_GUARDRAILS"]
    # near miss: a move that keeps the guardrails (research-lab into the guarded OU)
    research = "research-lab: {email: lab@example.com, unit: ml/research}"
    kept = compare(folder, {research: research.replace("ml/research", "ml/training")})
    assert [f.code for f in kept.risks] == []


# -- renames ----------------------------------------------------------------------------------


def test_a_renamed_share_and_account_change_no_access(folder):
    edits = {
        "  gpu-capacity:": "  gpu-reservation:\n    renamed_from: gpu-capacity",
        "team-vision: {email": "vision: {renamed_from: team-vision, name: team-vision, email",
        "principals: [team-vision]": "principals: [vision]",
        "billing_owner: team-vision ": "billing_owner: vision ",
    }
    found = compare(folder, edits)
    assert found.access.changes == ()
    assert found.risks == ()


def test_a_renamed_guardrail_is_renamed_not_detached(folder):
    edits = {"  gpu-instance-types:\n": "  gpu-types:\n    renamed_from: gpu-instance-types\n"}
    found = compare(folder, edits)
    assert [(g.guardrail, g.action, g.former) for g in found.guardrails] == [
        ("gpu-types", GuardrailAction.RENAMED, "gpu-instance-types")
    ]


# -- output -----------------------------------------------------------------------------------


def test_markdown_golden(folder):
    result = runner.invoke(
        app,
        [
            "diff",
            "trainshare.yaml",
            str(write(folder, EDITS).name),
            "-f",
            "markdown",
            "--context",
            "ec2:InstanceType=g5.xlarge",
        ],
    )
    assert result.exit_code == 3, result.output
    check_golden("diff-ml-platform.md", result.stdout)


def test_markdown_is_cut_to_fit_a_comment(folder):
    found = compare(folder, EDITS, G5)
    big = found.__class__(
        found.old,
        found.new,
        found.resources,
        found.guardrails * 2000,
        found.access,
        found.risks,
    )
    text = render_markdown(big)
    assert len(text) < MARKDOWN_MAX + 200
    assert text.rstrip().endswith("_Cut to fit a comment: `trainshare diff` prints everything._")


def test_markdown_lists_the_first_risk_flags_and_counts_the_rest(folder):
    """600 flags (an OU of 600 accounts moved) printed whole overflowed a comment."""
    found = compare(folder, EDITS, G5)
    many = replace(found, risks=found.risks * 300)
    text = render_markdown(many)
    assert len(text) < MARKDOWN_MAX + 200
    listed = [line for line in text.splitlines() if line.startswith("- ") and "**" in line]
    assert len(listed) == RISK_TOP
    codes = sorted({f.code for f in found.risks})
    rest = ", ".join(f"{sum(1 for f in many.risks[RISK_TOP:] if f.code == c)} {c}" for c in codes)
    assert f"- … and {len(many.risks) - RISK_TOP} more ({rest}): `trainshare diff` lists them" in (
        text.splitlines()
    )


def test_text_and_json(folder):
    found = compare(folder, EDITS, G5)
    text = render_diff(found)
    assert text.splitlines()[0] == (
        "Changes from trainshare.yaml to edited.yaml: 4 resource change(s); 1 guardrail "
        "change(s); 16 access decision(s) change for 3 account(s) (2 gain, 2 lose); 2 risk "
        "flag(s)"
    )
    assert "  team-vision: gpu-capacity ec2:RunInstances ALLOW → DENY" in text.splitlines()
    result = runner.invoke(
        app,
        [
            "diff",
            "trainshare.yaml",
            "edited.yaml",
            "-f",
            "json",
            "--context",
            "ec2:InstanceType=g5.xlarge",
        ],
    )
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["summary"] == {
        "resources": 4,
        "guardrails": 1,
        "access_changes": 5,
        "access_decisions": 16,
        "accounts": 3,
        "risks": 2,
        "capacity": 0,
        "reasons_sampled": False,
    }
    first = data["access"][1]
    assert first["accounts"] == ["team-vision"]
    reason = first["reasons"][0]
    assert reason["cells"] == [
        {
            "resource": "arn:aws:ec2:us-east-1:222222222222:capacity-reservation/"
            "cr-0123456789abcdef0",
            "action": "ec2:RunInstances",
        },
        {
            "resource": "arn:aws:ec2:us-east-1:222222222222:capacity-reservation/"
            "cr-0fedcba9876543210",
            "action": "ec2:RunInstances",
        },
    ]
    assert reason["after"]["decision"]["effect"] == "DENY"
    assert [s["stage"] for s in reason["after"]["decision"]["trace"]][:2] == [
        "share",
        "permission",
    ]


# -- exit codes and bad input -----------------------------------------------------------------


def test_exit_0_without_change(folder):
    result = runner.invoke(app, ["diff", "trainshare.yaml", "trainshare.yaml"])
    assert result.exit_code == 0
    assert "0 access decision(s) change" in result.stdout


def test_a_spec_that_cannot_be_read_exits_1_naming_it(folder):
    result = runner.invoke(app, ["diff", "missing.yaml", "trainshare.yaml"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: missing.yaml: 1 error(s); fix the spec to compare it"
    )


def test_an_invalid_new_spec_exits_1_with_its_errors(folder):
    write(folder, {"unit: ml/research}": "unit: ml/reserch}"})
    result = runner.invoke(app, ["diff", "trainshare.yaml", "edited.yaml"])
    assert result.exit_code == 1
    assert "did you mean 'ml/research'?" in result.stderr
    assert result.stderr.splitlines()[-1] == (
        "error: edited.yaml: 1 error(s); fix the spec to compare it"
    )


def test_an_unknown_format_exits_1(folder):
    result = runner.invoke(app, ["diff", "trainshare.yaml", "trainshare.yaml", "-f", "csv"])
    assert result.exit_code == 1
    assert "'csv' is not one of text, json, markdown" in result.output


def test_json_diff_matches_statements_by_sid_and_lists_by_value():
    before = {
        "Statement": [{"Sid": "A", "Action": ["s3:GetObject"]}, {"Sid": "B", "Effect": "Deny"}]
    }
    after = {
        "Statement": [
            {"Sid": "B", "Effect": "Deny"},
            {"Sid": "A", "Action": ["s3:GetObject", "s3:ListBucket"]},
        ]
    }
    assert [d.render() for d in json_diff(before, after)] == [
        '+ Statement[Sid A].Action: ["s3:ListBucket"]'
    ]
    assert [d.render() for d in json_diff({"a": 1}, {"b": 1})] == ["- a: 1", "+ b: 1"]


# -- at scale ---------------------------------------------------------------------------------


def test_the_issue_s_example_412_accounts_of_ml_training_read_as_one_line_each(folder):
    """410 more accounts in ml/training, the guardrail tightened there: one line per share for
    the 412 accounts, the reason naming the guardrail's statement on the new side."""
    bulk = "".join(
        f"\n  bulk-{n:03}: {{email: bulk-{n:03}@example.com, unit: ml/training}}"
        for n in range(410)
    )
    base = edit(TEXT, {NLP: NLP + bulk})
    (folder / "trainshare.yaml").write_text(base)
    (folder / "edited.yaml").write_text(edit(base, {GPU_TYPES: EDITS[GPU_TYPES]}))
    found = diff_specs(
        load_spec(folder / "trainshare.yaml"), load_spec(folder / "edited.yaml"), context=G5
    )
    assert [access_line(c) for c in found.access.changes] == [
        "ml/training (412 accounts): gpu-capacity ec2:RunInstances ALLOW → DENY",
        "ml/training (412 accounts): training-subnet ec2:RunInstances ALLOW → DENY",
    ]
    for change in found.access.changes:
        assert reasons(change) == [
            (
                "before",
                f"reached through OU {'ml/training' if change.share == 'gpu-capacity' else 'ml'}",
            ),
            (
                "after",
                "SCP at OU ml/training: gpu-instance-types Statement[0] (Sid "
                "DenyOtherEc2InstanceTypes) denies ec2:RunInstances",
            ),
        ]
    assert found.access.accounts == 412
    assert found.access.cells == 412 * 3  # two reservations and one subnet


def test_accounts_removed_from_the_spec_read_by_the_ou_they_filled(folder):
    bulk = [f"\n  bulk-{n}: {{email: bulk-{n}@example.com, unit: ml/scratch}}" for n in range(8)]
    base = edit(
        TEXT, {NLP: NLP + "".join(bulk), "    research: {}": "    research: {}\n    scratch: {}"}
    )
    (folder / "trainshare.yaml").write_text(base)
    old = load_spec(folder / "trainshare.yaml")
    for removed, where in [
        (bulk, "ml/scratch (8 accounts)"),  # the OU they filled, as the old spec has it
        (bulk[:5], "5 accounts in 1 OU (ml/scratch)"),
    ]:
        (folder / "edited.yaml").write_text(edit(base, {"".join(removed): ""}))
        found = diff_specs(old, load_spec(folder / "edited.yaml"))
        assert [(c.where, c.share, c.after) for c in found.access.changes] == [
            (where, "training-images", Effect.IMPLICIT_DENY),
            (where, "training-subnet", Effect.IMPLICIT_DENY),
        ]
        assert {b.after.reason for c in found.access.changes for b in c.reasons} == {
            "the account is not in the new spec"
        }


# -- OUs renamed and moved --------------------------------------------------------------------

ON_ML = {
    "    template: deny-external-sharing\n    targets: [root]": (
        "    template: deny-external-sharing\n    targets: [ml]"
    )
}
TRAINING_OU = "  ml:\n    training: {}\n    research: {}\n"


def compare_from(folder: Path, base: str, edits: dict[str, str]):
    (folder / "trainshare.yaml").write_text(base)
    (folder / "edited.yaml").write_text(edit(base, edits))
    old = load_spec(folder / "trainshare.yaml")
    return diff_specs(old, load_spec(folder / "edited.yaml"))


def test_an_ou_renamed_in_place_changes_no_access_and_raises_no_flag(folder):
    found = compare_from(
        folder,
        edit(TEXT, ON_ML),
        {
            TRAINING_OU: "  ml:\n    train: {renamed_from: ml/training}\n    research: {}\n",
            "unit: ml/training": "unit: ml/train",
            "[ml/training]": "[ml/train]",
        },
    )
    assert found.access.changes == () and found.risks == () and found.guardrails == ()
    assert [(c.name, c.action.value, c.former_name) for c in found.resources.changes] == [
        ("ou/ml/train", "update", "ou/ml/training"),
        (
            "scp/gpu-instance-types/attach/ml/train",
            "rename",
            "scp/gpu-instance-types/attach/ml/training",
        ),
        (
            "share/gpu-capacity/principal/ml/train",
            "rename",
            "share/gpu-capacity/principal/ml/training",
        ),
    ]


def test_an_ou_moved_to_another_parent_takes_its_accounts_out_of_the_guardrails_above(folder):
    moved = {
        TRAINING_OU: "  ml:\n    research: {}\n  training: {renamed_from: ml/training}\n",
        "unit: ml/training": "unit: training",
        "[ml/training]": "[training]",
    }
    found = compare_from(folder, edit(TEXT, ON_ML), moved)
    assert flags(found) == [
        (
            "ACCOUNT_LEFT_GUARDRAILS",
            "OU training",
            "moves from ml/training to training with its 2 account(s) and leaves "
            "keep-sharing-inside (scp, on ml)",
        )
    ]
    assert [(c.where, c.share, c.before, c.after) for c in found.access.changes] == [
        ("training (2 accounts)", "training-images", Effect.ALLOW, Effect.IMPLICIT_DENY),
        ("training (2 accounts)", "training-subnet", Effect.ALLOW, Effect.IMPLICIT_DENY),
        ("training (2 accounts)", "training-subnet", Effect.CONDITIONAL, Effect.IMPLICIT_DENY),
    ]
    # the OU is replaced (AWS cannot move one) and its principal association is protected
    text = render_diff(found)
    assert "  1 protected resource(s) would be replaced or deleted: pulumi up refuses" in text
    # near miss: the guardrail on the root, which the OU does not leave
    kept = compare_from(folder, TEXT, moved)
    assert kept.risks == ()


def test_a_deny_on_writing_bucket_policies_hits_the_deploy_role_of_a_policy_share(folder):
    """The deploy role writes the policies of policy shares too (catalog deploy_permissions):
    a guardrail that freezes bucket policies stops it."""
    frozen = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":'
        '["s3:PutBucketPolicy","s3:DeleteBucketPolicy"],"Resource":"*"}]}'
    )
    (folder / "policies" / "frozen.json").write_text(frozen)
    edits = {
        "shares:\n": "  frozen:\n    document: policies/frozen.json\n    targets: [root]\n\nshares:\n"
    }
    assert flags(compare(folder, edits)) == [
        (
            "DEPLOY_ROLE_DENIED",
            "guardrails.frozen",
            "Statement[0] denies s3:PutBucketPolicy to "
            "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole, which manages share "
            "'training-data' in account 'shared-services'",
        )
    ]


# -- RCPs -------------------------------------------------------------------------------------

NO_DECRYPT = (
    '{"Version":"2012-10-17","Statement":[{"Sid":"NoDecrypt","Effect":"Deny","Principal":"*",'
    '"Action":"kms:Decrypt","Resource":"*"}]}'
)


def test_an_rcp_on_the_owner_denies_what_its_resources_grant(folder):
    (folder / "policies" / "no-decrypt.json").write_text(NO_DECRYPT)

    def rcp_on(target: str) -> dict[str, str]:
        return {
            "shares:\n": "  no-decrypt:\n    type: rcp\n    document: policies/no-decrypt.json\n"
            f"    targets: [{target}]\n\nshares:\n"
        }

    found = compare(folder, rcp_on("shared-services"))
    assert [access_line(c) for c in found.access.changes] == [
        "ml/training (2 accounts): training-data kms:Decrypt on "
        "1234abcd-12ab-34cd-56ef-1234567890ab ALLOW → DENY"
    ]
    (because,) = found.access.changes[0].reasons
    assert because.after.reason == (
        "RCP no-decrypt at account shared-services: Statement[0] (Sid NoDecrypt) denies "
        "kms:Decrypt on *"
    )
    assert [
        (g.where, g.guardrail, g.type, g.action, g.size, g.limit) for g in found.guardrails
    ] == [("account shared-services", "no-decrypt", "rcp", GuardrailAction.ATTACHED, 128, 5120)]
    assert found.risks == ()
    # near miss: on the consumers' OU, the RCP guards their own resources, not the shared key
    consumers = compare(folder, rcp_on("ml/training"))
    assert consumers.access.changes == ()
    assert [(g.where, g.action) for g in consumers.guardrails] == [
        ("OU ml/training", GuardrailAction.ATTACHED)
    ]


# -- shared capacity --------------------------------------------------------------------------

TARGETED = "capacity: {kind: on-demand, match: targeted, instance_type: p5.48xlarge}"


def test_a_reservation_stated_open_and_another_billing_owner_are_capacity_changes(folder):
    found = compare(
        folder,
        {
            TARGETED: TARGETED.replace("targeted", "open"),
            "billing_owner: team-vision": "billing_owner: team-nlp",
        },
    )
    assert [c.render() for c in found.capacity] == [
        "gpu-capacity: cr-0123456789abcdef0 capacity: on-demand, match targeted, instance_type "
        "p5.48xlarge → on-demand, match open, instance_type p5.48xlarge (open On-Demand "
        "Capacity Reservation: any matching instance of the accounts the share reaches runs in "
        "it, unasked)",
        "gpu-capacity: billing owner: team-vision → team-nlp",
    ]
    assert found.access.changes == () and found.risks == ()
    # the billing commands change; the statement itself deploys nothing
    assert [c.name for c in found.resources.changes] == [
        "share/gpu-capacity/billing/cr-0123456789abcdef0/assign",
        "share/gpu-capacity/billing/cr-0123456789abcdef0/accept",
    ]


def test_a_statement_alone_is_a_change_ci_sees(folder):
    write(folder, {TARGETED: TARGETED.replace("targeted", "open")})
    result = runner.invoke(app, ["diff", "trainshare.yaml", "edited.yaml", "-f", "json"])
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["summary"]["capacity"] == 1 and data["summary"]["resources"] == 0
    assert data["capacity"][0]["before"] == "on-demand, match targeted, instance_type p5.48xlarge"
    result = runner.invoke(app, ["diff", "trainshare.yaml", "edited.yaml", "-f", "markdown"])
    assert "<details><summary>Shared capacity (1)</summary>" in result.stdout


def test_a_lockout_the_old_spec_had_is_not_introduced_by_renaming_its_ou(folder):
    locked = edit(TEXT, {"    research: {}": "    research: {full_aws_access: false}"})
    (folder / "trainshare.yaml").write_text(locked)
    renamed = {
        "    research: {full_aws_access: false}": (
            "    lab: {full_aws_access: false, renamed_from: ml/research}"
        ),
        "unit: ml/research": "unit: ml/lab",
        "[ml/research]": "[ml/lab]",
    }
    (folder / "edited.yaml").write_text(edit(locked, renamed))
    old = load_spec(folder / "trainshare.yaml", accept=ACCEPTED_ERRORS)
    found = diff_specs(old, load_spec(folder / "edited.yaml", accept=ACCEPTED_ERRORS))
    assert found.risks == () and found.access.changes == ()


def test_past_the_budget_each_change_is_traced_for_one_of_its_accounts(folder, monkeypatch):
    """The cost of the reasons stays bounded: past REASON_BUDGET (here 0) a change's reasons are
    one named account's trace; the decisions that change are the same."""
    full = compare(folder, EDITS, G5)
    monkeypatch.setattr(diff_access, "REASON_BUDGET", 0)
    found = compare(folder, EDITS, G5)
    assert found.access.sampled and not full.access.sampled

    def decisions(changes):
        return {
            (a.key, c.share, arn, action, c.before, c.after)
            for c in changes.changes
            for b in c.reasons
            for arn, action in b.cells
            for a in c.accounts
        }

    assert decisions(found.access) == decisions(full.access)
    tightened = next(c for c in found.access.changes if c.after is Effect.DENY)
    assert tightened.reasons[0].after.reason == (
        "as for team-vision: SCP at OU ml/training: gpu-instance-types Statement[0] (Sid "
        "DenyOtherEc2InstanceTypes) denies ec2:RunInstances"
    )
    text = render_diff(found).splitlines()
    assert text[text.index("Access (who gains or loses what)") + 1] == (
        "  (too many decisions change to trace each OU's: a change's reasons are traced for one "
        "of its accounts, named; `trainshare access --explain` traces any other)"
    )


# -- guardrails detached ----------------------------------------------------------------------

KEEP_INSIDE = "  keep-sharing-inside:\n    template: deny-external-sharing\n    targets: [root]\n"
KEEP_INSIDE_DENIES = "DenyExternalResourceShares, DenyAcceptingInvitations"


def test_a_deny_guardrail_deleted_or_detached_is_flagged_and_rendered_above_the_sections(folder):
    found = compare(folder, {KEEP_INSIDE: ""})
    assert flags(found) == [
        (
            "GUARDRAIL_DETACHED",
            "guardrail keep-sharing-inside",
            "keep-sharing-inside (scp) is deleted: the root no longer has its Deny statement(s) "
            f"{KEEP_INSIDE_DENIES}",
        )
    ]
    assert [f.severity.value for f in found.risks] == ["warning"]
    text = render_markdown(found)
    assert text.index("**GUARDRAIL_DETACHED** guardrail keep-sharing-inside") < text.index(
        "<details>"
    )
    moved = compare(folder, {KEEP_INSIDE: KEEP_INSIDE.replace("[root]", "[ml, quarantine]")})
    assert flags(moved) == [
        (
            "GUARDRAIL_DETACHED",
            "guardrail keep-sharing-inside",
            "keep-sharing-inside (scp) is detached: the root no longer has its Deny "
            f"statement(s) {KEEP_INSIDE_DENIES}",
        )
    ]


def test_a_guardrail_renamed_attached_or_allow_only_detached_is_not_flagged(folder):
    renamed = KEEP_INSIDE.replace(
        "keep-sharing-inside:", "inside-only:\n    renamed_from: keep-sharing-inside"
    )
    assert flags(compare(folder, {KEEP_INSIDE: renamed})) == []
    more = KEEP_INSIDE.replace("[root]", "[root, ml]")
    assert flags(compare(folder, {KEEP_INSIDE: more})) == []
    # an Allow-list guardrail (no Deny) taken off an OU: nothing it denied is let in
    allow = (
        KEEP_INSIDE + "  allow-ml:\n    template: allow-services\n"
        '    params: {actions: ["ec2:*", "sagemaker:*"]}\n    targets: [quarantine]\n'
    )
    old = write(folder, {KEEP_INSIDE: allow}, "old.yaml")
    before = load_spec(old, accept=ACCEPTED_ERRORS)
    after = load_spec(folder / "trainshare.yaml", accept=ACCEPTED_ERRORS)
    found = diff_specs(before, after)
    assert [(g.guardrail, g.action) for g in found.guardrails] == [
        ("allow-ml", GuardrailAction.DETACHED)
    ]
    assert flags(found) == []
