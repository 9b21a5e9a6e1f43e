"""IAM policy documents as typed values: parsed once (`policy.parse`), read everywhere.

The shapes follow the IAM JSON policy reference (IAM user guide, "IAM JSON policy element
reference"): a document has a Version, an optional Id and one or more statements; a statement has
an Effect, exactly one of Action/NotAction, at most one of Resource/NotResource, at most one of
Principal/NotPrincipal, and a Condition block mapping operators to {key: values}. Every value a
document may write as "one string or a list of strings" is a tuple here; condition values are
their text (`true` and `"true"` alike, as IAM compares them).

A document that does not fit the grammar is not a document: it is an `UnparsablePolicy` carrying
every problem found, so nobody mistakes it for a policy without statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from trainshare.policy.operators import Operator

# IAM user guide, "IAM JSON policy elements: Version": policy variables exist only in this
# version; in 2008-10-17 (the default when Version is missing) `${…}` is literal text
VARIABLES_VERSION = "2012-10-17"
VERSIONS = ("2012-10-17", "2008-10-17")


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """A structural problem; `where` is a JSON path such as `Statement[1].Effect`; `code` the
    finding it is reported as (catalog/data/findings.yaml)."""

    where: str
    message: str
    fix: str
    code: str = "POLICY_STRUCTURE"

    def render(self) -> str:
        return f"{self.where}: {self.message}"


class StatementEffect(StrEnum):
    ALLOW = "Allow"
    DENY = "Deny"


@dataclass(frozen=True, slots=True)
class Condition:
    """One operator applied to one key: `"StringEquals": {"aws:RequestedRegion": [...]}`.
    The policy values are ORed (IAM user guide, "Creating a condition with multiple keys or
    values")."""

    operator: Operator
    key: str  # as written; condition keys are case-insensitive
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConditionBlock:
    """A statement's Condition element: every condition must hold (operators and keys are
    ANDed). Empty when the statement has none."""

    conditions: tuple[Condition, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.conditions)

    def keys(self) -> frozenset[str]:
        """The condition keys it reads, lower-cased."""
        return frozenset(c.key.lower() for c in self.conditions)


@dataclass(frozen=True, slots=True)
class Principal:
    """A Principal or NotPrincipal element (IAM user guide, "AWS JSON policy elements:
    Principal"): `"*"` (everyone), or principals by kind. AWS principals are account IDs, account
    root ARNs, and IAM role, user and assumed-role session ARNs, or `*`."""

    everyone: bool = False  # "Principal": "*"
    aws: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    canonical_user: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Statement:
    index: int  # position in the document's Statement list
    effect: StatementEffect
    actions: tuple[str, ...]  # the Action patterns, or NotAction's when `not_action`
    not_action: bool = False
    # the Resource patterns, or NotResource's when `not_resource`; None: neither is written
    resources: tuple[str, ...] | None = None
    not_resource: bool = False
    principal: Principal | None = None  # Principal, or NotPrincipal when `not_principal`
    not_principal: bool = False
    condition: ConditionBlock = ConditionBlock()
    sid: str | None = None
    # whether `${…}` in its Resource patterns or condition values are policy variables (the
    # document is of Version 2012-10-17 and it writes some): then they are resolved per request
    variables: bool = False
    # every request-context key it reads, lower-cased: its condition keys and its variables'
    keys_read: frozenset[str] = frozenset()

    @property
    def resource_patterns(self) -> tuple[str, ...]:
        """Resource (or NotResource) patterns; a statement without either means `*`."""
        return ("*",) if self.resources is None else self.resources

    @property
    def name(self) -> str:
        """`Statement[2] (Sid DenyGpu)`, as traces and findings name it."""
        return f"Statement[{self.index}]" + (f" (Sid {self.sid})" if self.sid else "")

    @property
    def is_deny(self) -> bool:
        return self.effect is StatementEffect.DENY


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    statements: tuple[Statement, ...]
    version: str | None = None
    id: str | None = None

    @property
    def variables(self) -> bool:
        """Whether `${…}` in it are policy variables (IAM user guide, "Variables and tags":
        only with Version 2012-10-17; otherwise they are literal strings)."""
        return self.version == VARIABLES_VERSION

    def has_allow(self) -> bool:
        """Whether any statement allows something (each SCP level needs one)."""
        return any(s.effect is StatementEffect.ALLOW for s in self.statements)


@dataclass(frozen=True, slots=True)
class UnparsablePolicy:
    """A document that does not fit the policy grammar, with every problem found. It stands
    where a `PolicyDocument` would, so that a consumer has to say what an unreadable policy
    means to it (the access analysis: an open question, never an empty policy)."""

    problems: tuple[PolicyProblem, ...]

    @property
    def reason(self) -> str:
        first = self.problems[0].render() if self.problems else "not a policy document"
        more = len(self.problems) - 1
        return first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else "")


ParsedPolicy = PolicyDocument | UnparsablePolicy
