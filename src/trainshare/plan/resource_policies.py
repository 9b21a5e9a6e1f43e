"""The one policy of each resource trainshare owns, composed from every share that lists it.

Order of statements: the owner's (KMS keys: the account keeps administering its key), the
owner's `extra_statements` as written, one group of grants per share (sorted by key), and last
the data-perimeter Deny. Sids are stable — `<Share><Who><n>` — so drift is told statement by
statement and a re-ordered spec changes nothing.

Who is granted, as the resource policy says it (IAM user guide, condition keys):
- accounts → `Principal: {"AWS": ["arn:aws:iam::<id>:root", …]}`;
- OUs → `Principal: {"AWS": "*"}` with `ForAnyValue:StringLike` `aws:PrincipalOrgPaths`
  `<org>/<root>/<ou>/…/<ou>/*` (the whole subtree; every ancestor's ID, known at deploy time);
- the organization → `Principal: {"AWS": "*"}` with `StringEquals` `aws:PrincipalOrgID`.

IDs come from an `Ids` source: the plan's gives `Ref`s and `Join`s, the audit's and the access
model's give the live strings. `document_value` turns a composed document into a plan `Value`
(a JSON string, or a `Join` of JSON text and refs).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Protocol

from trainshare.catalog import (
    Catalog,
    PolicyShareType,
    account_root_arn,
    account_root_arn_around_account,
    parse_arn,
)
from trainshare.plan.graph import Join, Ref, Value
from trainshare.spec import ROOT, ManagedPolicy, PrincipalKind, Share, Spec

Id = str | Ref | Join


class Ids(Protocol):
    """Where the IDs a policy names come from (plan: refs; audit and access: live strings)."""

    def org_id(self) -> Id: ...
    def root_id(self) -> Id: ...
    def unit_id(self, path: str) -> Id: ...
    def account_id(self, key: str) -> Id: ...


def _pascal(key: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", key))


def _account_principal(partition: str, account_id: Id) -> Id:
    """`arn:aws:iam::<id>:root`, the ID a reference where the account does not exist yet."""
    prefix, suffix = account_root_arn_around_account(partition)
    return _join(prefix, account_id, suffix)


def _join(*parts: Id) -> Id:
    """Concatenate; a plain string when every part is one."""
    if all(isinstance(p, str) for p in parts):
        return "".join(p for p in parts if isinstance(p, str))
    flat: list[str | Ref] = []
    for part in parts:
        flat.extend(part.parts if isinstance(part, Join) else (part,))
    return Join(_merged(flat))


def org_path(ids: Ids, unit: str, tail: str = "*") -> Id:
    """`<org>/<root>/<ou>/…/<unit>/` and `tail` — aws:PrincipalOrgPaths (IAM user guide,
    condition keys: the path ends with a slash): `*` for the subtree a grant names, "" for an
    account's own value. An OU's ancestors are the prefixes of its path (`ml`, `ml/training`)."""
    parts: list[Id] = [ids.org_id(), "/", ids.root_id(), "/"]
    if unit != ROOT:
        names = unit.split("/")
        for end in range(1, len(names) + 1):
            parts += [ids.unit_id("/".join(names[:end])), "/"]
    return _join(*parts, tail)


def compose(spec: Spec, catalog: Catalog, policy: ManagedPolicy, ids: Ids) -> dict[str, Any]:
    """The policy document of one owned resource (values may hold refs: see `document_value`)."""
    ptype = catalog.policy_share_types[policy.resource_type]
    arn = parse_arn(policy.arn)
    assert arn is not None
    statements: list[dict[str, Any]] = []
    if ptype.owner_statement is not None:
        sid, actions = ptype.owner_statement
        statements.append(
            {
                "Sid": sid,
                "Effect": "Allow",
                "Principal": {"AWS": _account_principal(arn.partition, policy.owner_id)},
                "Action": _one_or_list(list(actions)),
                "Resource": "*",
            }
        )
    statements += [dict(s) for s in policy.extra_statements]
    taken: set[str] = {s["Sid"] for s in statements if "Sid" in s}
    for key in policy.shares:
        share = spec.shares[key]
        resource = next(r for r in share.resources if r.arn == policy.arn)
        assert resource.access is not None
        grants = _grants(
            spec, ptype, share, resource.access, policy.arn, ids=ids, partition=arn.partition
        )
        for statement in grants:
            sid, n = statement["Sid"], 2
            while statement["Sid"] in taken:  # two share keys that read alike
                statement["Sid"], n = f"{sid}{n}", n + 1
            taken.add(statement["Sid"])
            statements.append(statement)
    if policy.perimeter:
        statements.append(_perimeter(catalog, ptype, policy.arn, ids))
    return {"Version": "2012-10-17", "Statement": statements}


def _grants(
    spec: Spec,
    ptype: PolicyShareType,
    share: Share,
    level: str,
    arn: str,
    *,
    ids: Ids,
    partition: str,
) -> list[dict[str, Any]]:
    accounts: list[Id] = []
    paths: list[Id] = []
    whole_org = False
    for principal in share.principals:
        if principal.kind is PrincipalKind.ORGANIZATION:
            whole_org = True
        elif principal.kind is PrincipalKind.UNIT:
            paths.append(org_path(ids, principal.target))
        elif principal.kind is PrincipalKind.ACCOUNT:
            accounts.append(_account_principal(partition, ids.account_id(principal.target)))
        else:
            accounts.append(account_root_arn(partition, principal.target))
    who: list[tuple[str, Any, dict[str, Any] | None]] = []
    if accounts:
        who.append(("Accounts", {"AWS": _one_or_list(accounts)}, None))
    if paths:
        in_paths = {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": paths}}
        who.append(("OrgPaths", {"AWS": "*"}, in_paths))
    if whole_org:
        who.append(("Org", {"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": ids.org_id()}}))
    groups = ptype.levels[level]
    out = []
    for name, principal, condition in who:
        for index, group in enumerate(groups, start=1):
            statement: dict[str, Any] = {
                "Sid": f"{_pascal(share.key)}{name}{index if len(groups) > 1 else ''}",
                "Effect": "Allow",
                "Principal": principal,
                "Action": _one_or_list(list(group.actions)),
            }
            resources = ptype.expand(group.resources, arn)
            if resources:
                statement["Resource"] = _one_or_list(resources)
            if condition is not None:
                statement["Condition"] = condition
            out.append(statement)
    return out


def _perimeter(catalog: Catalog, ptype: PolicyShareType, arn: str, ids: Ids) -> dict[str, Any]:
    """AWS's identity perimeter (data-perimeter-policy-examples, "EnforceIdentityPerimeter"):
    deny principals outside the organization, except AWS services acting as themselves."""
    statement: dict[str, Any] = {
        "Sid": catalog.perimeter_sid,
        "Effect": "Deny",
        "Principal": "*",
        "Action": _one_or_list(list(ptype.perimeter_actions)),
    }
    resources = ptype.expand(ptype.perimeter_resources, arn)
    if resources:
        statement["Resource"] = _one_or_list(resources)
    statement["Condition"] = {
        "StringNotEqualsIfExists": {"aws:PrincipalOrgID": ids.org_id()},
        "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
    }
    return statement


def _one_or_list(items: list[Any]) -> Any:
    return items[0] if len(items) == 1 else items


# -- serialising --------------------------------------------------------------------------------

_HOLE = "\x00{}\x00"
_HOLES = re.compile("\x00(\\d+)\x00")


def document_value(document: Mapping[str, Any]) -> Value:
    """The document as compact JSON text, a `Join` where it holds refs."""
    holes: list[Ref | Join] = []

    def punch(value: Any) -> Any:
        if isinstance(value, Ref | Join):
            holes.append(value)
            return _HOLE.format(len(holes) - 1)
        if isinstance(value, Mapping):
            return {k: punch(v) for k, v in value.items()}
        if isinstance(value, list):
            return [punch(v) for v in value]
        return value

    text = json.dumps(punch(document), separators=(",", ":"))
    if not holes:
        return text
    parts: list[str | Ref] = []
    for index, piece in enumerate(_HOLES.split(text.replace("\\u0000", "\x00"))):
        if index % 2 == 0:
            if piece:
                parts.append(piece)
        else:
            hole = holes[int(piece)]
            parts.extend(hole.parts if isinstance(hole, Join) else (hole,))
    return Join(_merged(parts))


def _merged(parts: list[str | Ref]) -> tuple[str | Ref, ...]:
    """Adjacent literals joined: `["a/", "b"]` → `["a/b"]`."""
    out: list[str | Ref] = []
    for part in parts:
        if isinstance(part, str) and out and isinstance(out[-1], str):
            out[-1] += part
        elif part != "":
            out.append(part)
    return tuple(out)


# The longest IDs AWS issues (Organizations API reference, ID patterns): o-[a-z0-9]{10,32},
# r-[0-9a-z]{4,32}, ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}; account IDs are 12 digits.
LONGEST_ID = {"organization": 34, "root": 34, "ou": 68, "account": 12}


def worst_case_length(value: Value) -> int:
    """The length of a document once Pulumi fills in its refs, with the longest IDs possible."""
    if not isinstance(value, Join):
        return len(str(value))
    total = 0
    for part in value.parts:
        if isinstance(part, str):
            total += len(part)
        elif part.node == "organization":
            total += LONGEST_ID["root" if part.attr.startswith("roots") else "organization"]
        else:
            total += LONGEST_ID["ou" if part.node.startswith("ou/") else "account"]
    return total


def document_text(document: Mapping[str, Any]) -> str:
    """The document as JSON text, when every ID in it is known (audit, access)."""
    value = document_value(document)
    if not isinstance(value, str):
        raise ValueError("the document still holds refs: compose it with live IDs")
    return value
