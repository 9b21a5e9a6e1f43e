"""Condition operators as data: each operator's family, its negation, and its prefixes.

Source: IAM user guide, "IAM JSON policy elements: Condition operators"
(reference_policies_elements_condition_operators): String, Numeric, Date, Bool, Binary, IP
address, ARN and Null operators; `…IfExists` on every operator but Null; the set operators
`ForAnyValue:` and `ForAllValues:`
(reference_policies_condition-single-vs-multi-valued-context-keys).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

# base operator → family
FAMILIES: dict[str, str] = {
    **{
        op: "String"
        for op in (
            "StringEquals",
            "StringNotEquals",
            "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase",
            "StringLike",
            "StringNotLike",
        )
    },
    **{
        op: "Numeric"
        for op in (
            "NumericEquals",
            "NumericNotEquals",
            "NumericLessThan",
            "NumericLessThanEquals",
            "NumericGreaterThan",
            "NumericGreaterThanEquals",
        )
    },
    **{
        op: "Date"
        for op in (
            "DateEquals",
            "DateNotEquals",
            "DateLessThan",
            "DateLessThanEquals",
            "DateGreaterThan",
            "DateGreaterThanEquals",
        )
    },
    "Bool": "Bool",
    "BinaryEquals": "Binary",
    "IpAddress": "Ip",
    "NotIpAddress": "Ip",
    **{op: "Arn" for op in ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike")},
    "Null": "Null",
}
KNOWN_OPERATORS = frozenset(FAMILIES)

# negated operator → the positive one it negates: true when the request value matches none of
# the policy values
NEGATED: dict[str, str] = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}

# Families whose values may hold policy variables (IAM user guide, "Where you can use policy
# variables", Condition element: string and ARN operators — and Bool, whose section says so).
# Numeric, Date, Binary, IP address and Null values are taken literally.
VARIABLE_FAMILIES = frozenset({"String", "Arn", "Bool"})

SET_PREFIXES = ("ForAnyValue:", "ForAllValues:")


@dataclass(frozen=True, slots=True)
class Operator:
    """A condition operator as written (`ForAllValues:StringNotLikeIfExists`), taken apart."""

    text: str
    base: str  # StringNotLike
    set_prefix: str  # "", "ForAnyValue:" or "ForAllValues:"
    if_exists: bool

    @property
    def family(self) -> str | None:
        """String, Numeric, Date, Bool, Binary, Ip, Arn or Null; None for an unknown operator."""
        return FAMILIES.get(self.base)

    @property
    def negated(self) -> bool:
        return self.base in NEGATED

    @property
    def positive(self) -> str:
        """The operator this one negates, or itself."""
        return NEGATED.get(self.base, self.base)


@functools.lru_cache(maxsize=1024)
def parse_operator(text: str) -> Operator:
    prefix = next((p for p in SET_PREFIXES if text.startswith(p)), "")
    rest = text.removeprefix(prefix)
    if_exists = rest.endswith("IfExists") and rest != "IfExists"
    base = rest.removesuffix("IfExists") if if_exists else rest
    return Operator(text, base, prefix, if_exists)
