"""Effective management policies from a spec: what `validate` warns about (an override a policy
above locks, two assigns on one target) and what `plan` shows per account."""

from __future__ import annotations

import json
import textwrap
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from trainshare.catalog import load_catalog
from trainshare.cli import app
from trainshare.spec import load_spec
from trainshare.spec.org_policies import effective_policies
from trainshare.spec.resolved import unit_chain

LOCK = "@@operators_allowed_for_child_policies"
SPEC = """\
version: 1
organization:
  management_account: "111111111111"
units:
  ml:
    ai_services_opt_out: all
    training: {}
accounts:
  boss: {id: "111111111111"}
  trainer: {id: "222222222222", unit: ml/training}
  analyst: {id: "333333333333", unit: ml}
guardrails:
  cost-tags: {type: tag, document: root.json, targets: [root]}
  training-tags: {type: tag, document: training.json, targets: [ml/training]}
"""
ROOT_TAGS = {
    "tags": {
        "costcenter": {
            "tag_key": {LOCK: ["@@none"], "@@assign": "CostCenter"},
            "tag_value": {LOCK: ["@@append"], "@@assign": ["100", "200"]},
        }
    }
}
TRAINING_TAGS = {
    "tags": {
        "costcenter": {
            "tag_key": {"@@assign": "costcenter"},
            "tag_value": {"@@append": ["300"]},
        }
    }
}


def write(write_spec, spec=SPEC, root=ROOT_TAGS, training=TRAINING_TAGS):
    return write_spec(
        textwrap.dedent(spec),
        **{"root.json": json.dumps(root, indent=2), "training.json": json.dumps(training)},
    )


def test_an_override_a_parent_locks_is_a_located_warning(write_spec):
    spec = load_spec(write(write_spec))
    (warning,) = [w for w in spec.warnings if w.code == "MGMT_POLICY_OVERRIDE_IGNORED"]
    assert (warning.location.path, warning.location.line) == ("guardrails.training-tags", 14)
    assert warning.message == (
        "tag policy 'training-tags' on ml/training: @@assign at tags.costcenter.tag_key has no "
        "effect: 'cost-tags' on root allows no operators (@@none) below it"
    )
    assert warning.fix == (
        "drop it, or allow the operator in the policy above "
        "(@@operators_allowed_for_child_policies)"
    )


def test_a_second_assign_on_one_target_is_a_warning(write_spec):
    spec_text = SPEC.replace("targets: [ml/training]", "targets: [root]")
    other = {"tags": {"costcenter": {"tag_value": {"@@assign": ["999"]}}}}
    spec = load_spec(write(write_spec, spec_text, root={"tags": {}}, training=other))
    assert not [w for w in spec.warnings if w.code.startswith("MGMT")]  # one assign: no conflict
    both = {"tags": {"costcenter": {"tag_value": {"@@assign": ["100"]}}}}
    spec = load_spec(write(write_spec, spec_text, root=both, training=other))
    (warning,) = [w for w in spec.warnings if w.code.startswith("MGMT")]
    assert (warning.code, warning.location.path) == (
        "MGMT_POLICY_ASSIGN_CONFLICT",
        "guardrails.training-tags",
    )
    assert warning.message == (
        "tag policy 'training-tags' on root assigns tags.costcenter.tag_value differently from "
        "another policy there ('cost-tags', attached to root first, assigned it); AWS keeps the "
        "first one attached, and the policies attach in parallel"
    )


def test_an_ai_opt_out_override_is_located_at_the_units_one_line_form(write_spec):
    spec_text = SPEC.replace(
        "    training: {}\n", "    training: {ai_services_opt_out: [rekognition]}\n"
    )
    spec = load_spec(write(write_spec, spec_text))
    (warning,) = [w for w in spec.warnings if w.location.path.startswith("units.")]
    assert (warning.code, warning.location.path, warning.location.line) == (
        "MGMT_POLICY_OVERRIDE_IGNORED",
        "units.ml.training.ai_services_opt_out",
        7,
    )
    assert warning.message.startswith(
        "AI services opt-out policy 'ai-services-opt-out-ml-training' on ml/training: @@assign at "
        "services.rekognition.opt_out_policy has no effect: no new keys under services: "
    )


def test_effective_policies_per_account(write_spec):
    spec = load_spec(write(write_spec))
    found = effective_policies(spec.guardrails, spec.units, spec.accounts, load_catalog())
    assert found["tag"]["trainer"].document == {
        "tags": {"costcenter": {"tag_key": "CostCenter", "tag_value": ["100", "200", "300"]}}
    }
    assert (
        found["tag"]["analyst"].document
        == found["tag"]["boss"].document
        == {"tags": {"costcenter": {"tag_key": "CostCenter", "tag_value": ["100", "200"]}}}
    )
    assert set(found["ai-opt-out"]) == {"trainer", "analyst"}  # not boss, at the root
    assert found["ai-opt-out"]["trainer"].document == {
        "services": {"default": {"opt_out_policy": "optOut"}}
    }


@pytest.mark.parametrize(
    ("unit", "chain"),
    [
        ("root", ()),
        ("ml", ("ml",)),
        ("ml/training", ("ml", "ml/training")),
        ("ml/nope", ()),  # not an OU of the spec: nothing assumed, not even `ml`
        ("nope", ()),
    ],
)
def test_the_ous_above_an_account_come_from_one_place(write_spec, unit, chain):
    """`unit_chain` gives the levels of both the SCP checks and the effective management
    policies: the OUs from the top down; an OU the spec does not have gives none."""
    units = load_spec(write(write_spec)).units
    assert unit_chain(unit, units) == chain


def test_an_account_in_an_unknown_ou_gets_the_roots_policies_only(write_spec):
    """Given `analyst` moved to `ml/nope` (an UNKNOWN_UNIT error), its effective tag policy is
    the root's alone, as for an account at the root."""
    spec = load_spec(write(write_spec))
    accounts = {**spec.accounts, "analyst": replace(spec.accounts["analyst"], unit="ml/nope")}
    found = effective_policies(spec.guardrails, spec.units, accounts, load_catalog())
    assert found["tag"]["analyst"].document == found["tag"]["boss"].document
    assert "analyst" not in found["ai-opt-out"]  # the opt-out is on `ml`


def test_plan_shows_each_accounts_effective_policy(write_spec):
    path = write(write_spec)
    runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})
    text = runner.invoke(app, ["plan", str(path)])
    assert text.exit_code == 0, text.output
    section = text.stdout[text.stdout.index("Effective management policies") :]
    assert section.splitlines()[1:] == [
        "  AI services opt-out policy",
        '    trainer, analyst: {"services":{"default":{"opt_out_policy":"optOut"}}}',
        "  tag policy",
        '    boss, analyst: {"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["100","200"]}}}',
        '    trainer: {"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["100","200","300"]}}}',
    ]
    answer = json.loads(runner.invoke(app, ["plan", str(path), "-f", "json"]).stdout)
    assert answer["effective_policies"][-1] == {
        "type": "tag",
        "title": "tag policy",
        "accounts": ["trainer"],
        "effective_policy": {
            "tags": {"costcenter": {"tag_key": "CostCenter", "tag_value": ["100", "200", "300"]}}
        },
    }


def test_plan_without_management_policies_has_no_section(write_spec):
    spec_text = SPEC.partition("guardrails:")[0].replace("    ai_services_opt_out: all\n", "")
    path = write(write_spec, spec_text)
    runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert "Effective" not in runner.invoke(app, ["plan", str(path)]).stdout
    answer = json.loads(runner.invoke(app, ["plan", str(path), "-f", "json"]).stdout)
    assert "effective_policies" not in answer
