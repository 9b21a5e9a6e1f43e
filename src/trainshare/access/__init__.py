"""Effective access: who can use which shared resource, with which actions, and why. Pure."""

from trainshare.access.conditions import Context, Match, Outcome
from trainshare.access.evaluate import (
    AccessError,
    Decision,
    Evaluator,
    Request,
    evaluate,
)
from trainshare.access.model import AccessModel, AccountNode, model_from_spec
from trainshare.access.simulation import SimulateError, simulate
from trainshare.access.statements import Effect, Step, Verdict

__all__ = [
    "AccessError",
    "AccessModel",
    "AccountNode",
    "Context",
    "Decision",
    "Effect",
    "Evaluator",
    "Match",
    "Outcome",
    "Request",
    "SimulateError",
    "Step",
    "Verdict",
    "evaluate",
    "model_from_spec",
    "simulate",
]
