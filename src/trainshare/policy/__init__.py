"""IAM policy documents: parse, check the structure, minify, size; render guardrail templates."""

from trainshare.policy.document import PolicyProblem, check_scp_structure, minify, parse_policy
from trainshare.policy.templates import TemplateProblem, render_template

__all__ = [
    "PolicyProblem",
    "TemplateProblem",
    "check_scp_structure",
    "minify",
    "parse_policy",
    "render_template",
]
