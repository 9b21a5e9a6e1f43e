"""Spec → desired-state graph. Pure Python: no pulumi, no boto3."""

from trainshare.plan import kinds
from trainshare.plan.build import MANAGED_BY, build_plan
from trainshare.plan.graph import (
    Join,
    Mode,
    Node,
    Plan,
    Ref,
    Value,
    plan_to_json,
    refs_in,
    value_to_json,
)

__all__ = [
    "MANAGED_BY",
    "Join",
    "Mode",
    "Node",
    "Plan",
    "Ref",
    "Value",
    "build_plan",
    "kinds",
    "plan_to_json",
    "refs_in",
    "value_to_json",
]
