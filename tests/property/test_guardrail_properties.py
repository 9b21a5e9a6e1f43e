"""Properties: any valid parameters render a document the linter accepts; no input crashes it."""

from __future__ import annotations

import json
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from trainshare.catalog import load_catalog
from trainshare.findings import Severity
from trainshare.policy import render_template
from trainshare.policy.lint import PolicyKind, lint_document, lint_text

CATALOG = load_catalog()
CONTEXT = {"access_role": "OrganizationAccountAccessRole", "partition": "aws"}
names = st.text(string.ascii_letters + string.digits + "-_.*", min_size=1, max_size=16)
PARAM_VALUES = {
    "instance_types": st.lists(
        st.sampled_from(["p5.*", "p4d.24xlarge", "g5.*", "g6e.xlarge", "trn1.*", "p5en.48xlarge"]),
        min_size=1,
    ),
    "allowed_regions": st.lists(st.sampled_from(sorted(CATALOG.regions)), min_size=1),
    "required_tags": st.lists(
        st.text(string.ascii_lowercase + "-", min_size=1, max_size=12),
        min_size=1,
        max_size=5,
        unique=True,
    ),
    "actions": st.lists(
        st.sampled_from(["ec2:*", "s3:*", "sagemaker:*", "s3:Get*", "kms:Decrypt"]), min_size=1
    ),
    "exempt_principal_arns": st.lists(names.map(lambda n: f"arn:aws:iam::*:role/{n}"), max_size=4),
    "read_only_actions": st.lists(
        st.sampled_from(["ec2:Describe*", "iam:List*", "s3:Get*"]), min_size=1
    ),
    "tag_key": st.text(string.ascii_lowercase + "-", min_size=1, max_size=12),
    "tag_value": names,
    "deny_invitations": st.booleans(),
}


@st.composite
def template_and_params(draw):
    scps = [t for t in CATALOG.guardrails.values() if t.type == "scp"]
    template = draw(st.sampled_from(scps))
    params = {}
    for name, spec in template.params.items():
        if spec.required or draw(st.booleans()):
            params[name] = draw(PARAM_VALUES[name])
    return template, params


@settings(max_examples=200, deadline=None)
@given(template_and_params())
def test_any_valid_parameters_render_a_document_the_linter_accepts(case):
    template, params = case
    document, problems = render_template(template, params, CONTEXT)
    assert problems == [] and document is not None
    errors = [f for f in lint_document(document) if f.severity is Severity.ERROR]
    assert errors == []


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=10)
    | st.sampled_from(["*", "ec2:*", "Deny", "Allow", "2012-10-17", "aws:PrincipalArn"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "Version",
                    "Statement",
                    "Effect",
                    "Action",
                    "NotAction",
                    "Resource",
                    "Condition",
                    "Sid",
                    "Principal",
                    "StringEquals",
                    "ForAnyValue:Bool",
                    "aws:TagKeys",
                    "x",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values, st.sampled_from(list(PolicyKind)))
def test_no_policy_file_crashes_the_linter(value, kind):
    findings = lint_text(json.dumps(value), kind, "fuzz.json")
    assert all(f.code in CATALOG.findings for f in findings)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_no_text_crashes_the_linter(text):
    lint_text(text, PolicyKind.SCP, "fuzz.json")
