"""The management-policy templates (tag-training-tags, ec2-gpu-images-imdsv2): rendered, linted
clean by their type's grammar, used from a spec, and the template engine's `$each` over mapping
keys."""

from __future__ import annotations

import json
import textwrap

from typer.testing import CliRunner

from trainshare.catalog import load_catalog
from trainshare.cli import app
from trainshare.plan import build_plan
from trainshare.policy import render_template
from trainshare.policy.management import lint_management_policy
from trainshare.spec import load_spec

CATALOG = load_catalog()
CONTEXT = {"access_role": "OrganizationAccountAccessRole", "partition": "aws"}


def render(name: str, **params: object) -> dict:
    document, problems = render_template(CATALOG.guardrails[name], params, CONTEXT)
    assert document is not None, problems
    return document


def test_the_tag_template_defines_each_required_tag_with_its_case_and_enforcement():
    document = render("tag-training-tags", required_tags=["team", "CostCenter"])
    enforced = {"@@assign": ["sagemaker:training-job", "ec2:instance"]}
    assert document == {
        "tags": {
            "team": {"tag_key": {"@@assign": "team"}, "enforced_for": enforced},
            "CostCenter": {"tag_key": {"@@assign": "CostCenter"}, "enforced_for": enforced},
        }
    }
    assert lint_management_policy(document, CATALOG.policy_types["tag"], "t") == []


def test_the_ec2_template_allows_the_providers_images_and_requires_imdsv2():
    document = render("ec2-gpu-images-imdsv2", image_providers=["amazon", "123456789012"])
    attributes = document["ec2_attributes"]
    assert attributes["allowed_images_settings"] == {
        "state": {"@@assign": "audit_mode"},
        "image_criteria": {
            "criteria_1": {"allowed_image_providers": {"@@assign": ["amazon", "123456789012"]}}
        },
    }
    assert attributes["instance_metadata_defaults"] == {
        "http_tokens": {"@@assign": "required"},
        "http_put_response_hop_limit": {"@@assign": "2"},
    }
    assert lint_management_policy(document, CATALOG.policy_types["declarative-ec2"], "t") == []


def test_a_bad_parameter_value_is_caught_by_the_types_grammar():
    document = render("ec2-gpu-images-imdsv2", images_state="Enabled", hop_limit="65")
    found = lint_management_policy(document, CATALOG.policy_types["declarative-ec2"], "t")
    assert [(f.code, f.message) for f in found] == [
        ("MGMT_POLICY_VALUE", "'Enabled' must be written 'enabled' (values are case-sensitive)"),
        ("MGMT_POLICY_VALUE", "65 is outside -1 to 64"),
    ]


def test_the_templates_in_a_spec_plan_a_tag_and_an_ec2_policy(write_spec):
    path = write_spec(
        textwrap.dedent(
            """\
            version: 1
            organization: {management_account: "111111111111"}
            units: {ml: {training: {}}}
            guardrails:
              tags:
                template: tag-training-tags
                params: {required_tags: [team, cost-center]}
                targets: [ml]
              amis: {template: ec2-gpu-images-imdsv2, targets: [ml/training]}
            """
        )
    )
    spec = load_spec(path)
    assert (spec.guardrails["tags"].type, spec.guardrails["amis"].type) == (
        "tag",
        "declarative-ec2",
    )
    plan = build_plan(spec)
    assert plan["tag/tags"].inputs["type"] == "TAG_POLICY"
    assert plan["declarative-ec2/amis"].inputs["type"] == "DECLARATIVE_POLICY_EC2"
    content = json.loads(str(plan["tag/tags"].inputs["content"]))
    assert list(content["tags"]) == ["team", "cost-center"]


def test_guardrails_show_lints_a_management_template_with_its_grammar():
    runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})
    ok = runner.invoke(app, ["guardrails", "show", "tag-training-tags", "-p", "required_tags=team"])
    assert ok.exit_code == 0, ok.output
    assert "POLICY_STRUCTURE" not in ok.stderr
    bad = runner.invoke(
        app, ["guardrails", "show", "ec2-gpu-images-imdsv2", "-p", "images_state=on", "-f", "json"]
    )
    (found,) = json.loads(bad.stdout)["findings"]
    assert (found["code"], found["message"]) == (
        "MGMT_POLICY_VALUE",
        "'on' is not one of enabled, disabled, audit_mode",
    )
