"""IAM policy documents: a typed model parsed once, validators per policy type, minify and size;
condition operators; lint; guardrail templates."""

from trainshare.policy.document import check_scp_structure, minify, parse_policy
from trainshare.policy.model import (
    Condition,
    ConditionBlock,
    ParsedPolicy,
    PolicyDocument,
    PolicyProblem,
    Principal,
    Statement,
    StatementEffect,
    UnparsablePolicy,
)
from trainshare.policy.parse import parse_document, parse_policy_json, read_document
from trainshare.policy.templates import TemplateProblem, render_template
from trainshare.policy.validate import PolicyType, validate

__all__ = [
    "Condition",
    "ConditionBlock",
    "ParsedPolicy",
    "PolicyDocument",
    "PolicyProblem",
    "PolicyType",
    "Principal",
    "Statement",
    "StatementEffect",
    "TemplateProblem",
    "UnparsablePolicy",
    "check_scp_structure",
    "minify",
    "parse_document",
    "parse_policy",
    "parse_policy_json",
    "read_document",
    "render_template",
    "validate",
]
