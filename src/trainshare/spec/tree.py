"""The organization's tree: the `organization` section, `units` (OUs) and `accounts`.

Each section builds its resolved objects and applies its rules, one function a rule
(`check_<what>`), in the order below; a rule reports with `ctx.out.add` (see spec/context.py).
A new rule on an OU or an account is a function here, called from `unit` or `account`.
AWS's rules are cited where they are checked; `Assumption:` marks what AWS does not state.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from trainshare.spec import org_policies
from trainshare.spec.context import ORG_ALIASES, Context, check_region, check_tag_count, read_tags
from trainshare.spec.issues import did_you_mean
from trainshare.spec.model import AccountSpec, OrganizationSpec
from trainshare.spec.resolved import ROOT, Account, Organization, Unit
from trainshare.yamlsource import Path_

UNIT_RESERVED = ("id", "name", "full_aws_access", "tags", "renamed_from", "ai_services_opt_out")
# CreateOrganizationalUnit / UpdateOrganizationalUnit Name: 1-128 characters, pattern [\s\S]*
# (Organizations API reference, read 2026-11-30).
MAX_OU_NAME = 128
# Organizations API reference: OrganizationalUnitId pattern.
_OU_ID = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
# CreateAccount: Email 6-64 characters; AccountName 1-50 printable ASCII characters.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ACCOUNT_NAME = re.compile(r"^[\x20-\x7e]{1,50}$")


# -- organization ---------------------------------------------------------------------------------


def organization(ctx: Context, raw: Any) -> Organization | None:
    """The `organization` section; its `limits` override the catalog's in `ctx.limits`."""
    path: Path_ = ("organization",)
    if raw is None:
        ctx.out.add(
            "MISSING_KEY",
            path,
            "required key 'organization' is missing",
            'add `organization: {management_account: "111111111111"}`',
        )
        return None
    org = ctx.out.validate(OrganizationSpec, raw, path)
    if org is None:
        return None
    region = org.region or ctx.default_region
    check_region(ctx, region, (*path, "region"))
    for name, value in org.limits.model_dump(exclude_none=True).items():
        ctx.limits[name] = value
    check_trusted_services(ctx, org.trusted_services, (*path, "trusted_services"))
    return Organization(
        management_account=org.management_account,
        create=org.create,
        region=region,
        partition=ctx.catalog.partition(region),
        access_role=org.access_role,
        trusted_services=tuple(dict.fromkeys(org.trusted_services)),
        id=org.id,
        feature_set=org.feature_set,
    )


def check_trusted_services(ctx: Context, services: list[str], path: Path_) -> None:
    for index, service in enumerate(services):
        if service not in ctx.catalog.trusted_services:
            org_policies.warn_unknown_trusted_service(
                ctx.out,
                service,
                (*path, index),
                ctx.catalog,
                did_you_mean(service, ctx.catalog.trusted_services),
            )


# -- units ----------------------------------------------------------------------------------------


def units(ctx: Context, raw: dict[str, Any]) -> dict[str, Unit]:
    """Every OU of the `units` tree, by path (`ml/training`)."""
    found: dict[str, Unit] = {}
    _walk_units(ctx, raw, parent=ROOT, yaml_path=("units",), units=found)
    return found


def _walk_units(
    ctx: Context,
    children: Mapping[str, Any],
    parent: str,
    yaml_path: Path_,
    units: dict[str, Unit],
) -> None:
    seen: dict[str, str] = {}  # casefolded name → name, among these siblings
    named = _SiblingNames()
    for name, written in children.items():
        path = name if parent == ROOT else f"{parent}/{name}"
        ypath = (*yaml_path, name)
        if not (
            check_unit_name_reserved(ctx, name, parent, ypath)
            and check_unit_name_valid(ctx, name, ypath)
            and check_unit_name_clash(ctx, name, ypath, seen)
        ):
            continue
        body = {} if written is None else written  # `name:` alone is an OU without children
        if not isinstance(body, dict):
            ctx.out.add(
                "WRONG_TYPE",
                ypath,
                f"OU {path!r} must be a mapping",
                f"write `{name}: {{}}` for an OU without children",
            )
            continue
        unit = _unit(ctx, path, name, parent=parent, body=body, ypath=ypath)
        units[path] = unit
        check_sibling_aws_names(ctx, unit, ypath, named)
        if not check_ou_depth(ctx, unit, ypath):
            continue
        kids = {str(k): v for k, v in body.items() if k not in UNIT_RESERVED}
        _walk_units(ctx, kids, path, ypath, units)


def check_unit_name_reserved(ctx: Context, name: str, parent: str, ypath: Path_) -> bool:
    if parent == ROOT and name in ORG_ALIASES:
        return ctx.out.refuse(
            "OU_NAME_RESERVED",
            ypath,
            f"{name!r} names the whole organization and cannot be an OU name",
            "rename the OU",
        )
    return True


def check_unit_name_valid(ctx: Context, name: str, ypath: Path_) -> bool:
    if "/" in name or not 1 <= len(name) <= 128:
        return ctx.out.refuse(
            "INVALID_VALUE",
            ypath,
            f"OU name {name!r} must be 1-128 characters without '/'",
            "rename the OU ('/' separates levels in OU paths)",
        )
    return True


def check_unit_name_clash(ctx: Context, name: str, ypath: Path_, seen: dict[str, str]) -> bool:
    folded = name.casefold()
    if folded in seen:
        return ctx.out.refuse(
            "OU_NAME_CLASH",
            ypath,
            f"OU {name!r} differs from its sibling {seen[folded]!r} only by case",
            "rename one: they are hard to tell apart, and AWS may treat them as duplicates "
            "(DuplicateOrganizationalUnitException; case rule unverified)",
        )
    seen[folded] = name
    return True


class _SiblingNames:
    """The AWS names taken among one parent's OUs: as written, and casefolded."""

    def __init__(self) -> None:
        self.exact: dict[str, Unit] = {}
        self.folded: dict[str, Unit] = {}


def check_sibling_aws_names(ctx: Context, unit: Unit, ypath: Path_, named: _SiblingNames) -> None:
    """Two OUs of one AWS name under one parent: CreateOrganizationalUnit and
    UpdateOrganizationalUnit refuse the second (DuplicateOrganizationalUnitException).
    Assumption: whether AWS compares OU names ignoring case is not documented, so names that
    differ only by case are a warning, and only where trainshare creates one of the two (two
    existing OUs so named, as `import` writes them, are known to be accepted)."""
    where = (*ypath, "name") if unit.name != unit.key else ypath
    same = named.exact.get(unit.name)
    if same is not None:
        ctx.out.add(
            "DUPLICATE_OU_NAME",
            where,
            f"OU {unit.path!r} has the AWS name {unit.name!r}, as its sibling {same.path!r}",
            "give one of them another `name:` (AWS refuses two OUs of one name under one "
            "parent: DuplicateOrganizationalUnitException)",
        )
        return
    folded = named.folded.get(unit.name.casefold())
    if folded is not None and (unit.id is None or folded.id is None):
        ctx.out.add(
            "OU_NAME_CASE_CLASH",
            where,
            f"OU {unit.path!r} has the AWS name {unit.name!r} and its sibling {folded.path!r} "
            f"has {folded.name!r}: they differ only by case",
            "give one of them another `name:`: AWS may refuse it as a duplicate "
            "(DuplicateOrganizationalUnitException; case rule unverified)",
        )
    named.exact[unit.name] = unit
    named.folded.setdefault(unit.name.casefold(), unit)


def check_ou_depth(ctx: Context, unit: Unit, ypath: Path_) -> bool:
    if unit.depth > ctx.limits["ou_max_depth"]:
        return ctx.out.refuse(
            "OU_TOO_DEEP",
            ypath,
            f"OU {unit.path!r} is {unit.depth} levels under the root; AWS allows "
            f"{ctx.limits['ou_max_depth']} (Organizations quotas)",
            "move it higher in the tree",
        )
    return True


def _unit(
    ctx: Context, path: str, name: str, *, parent: str, body: dict[Any, Any], ypath: Path_
) -> Unit:
    """One OU from its hand-read body (its children are the other keys)."""
    ou_id = body.get("id")
    if not check_ou_id(ctx, ou_id, (*ypath, "id")):
        ou_id = None
    full_access = body.get("full_aws_access", True)
    if not isinstance(full_access, bool):
        ctx.out.add(
            "WRONG_TYPE",
            (*ypath, "full_aws_access"),
            "must be true or false",
            "write `full_aws_access: true`",
        )
        full_access = True
    tags = read_tags(ctx, body.get("tags", {}), (*ypath, "tags"))
    renamed_from = body.get("renamed_from")
    if renamed_from is not None and not (isinstance(renamed_from, str) and renamed_from):
        ctx.out.add(
            "WRONG_TYPE",
            (*ypath, "renamed_from"),
            "renamed_from is the OU's former path",
            "write `renamed_from: ml/old-name`",
        )
        renamed_from = None
    return Unit(
        path=path,
        name=read_unit_aws_name(ctx, path, body, (*ypath, "name")) or name,
        parent=parent,
        id=ou_id,
        full_aws_access=full_access,
        tags=tags,
        renamed_from=renamed_from,
    )


def read_unit_aws_name(ctx: Context, path: str, body: dict[Any, Any], ypath: Path_) -> str | None:
    """The OU's `name:` (its AWS name where it is not the key), or None. Before `name` was an
    OU's own setting it could key a child OU: such a child (`name: {}`, or `name:` alone) is
    an error here, never silently read as something else."""
    if "name" not in body:
        return None
    value = body["name"]
    if value is None or isinstance(value, dict):
        ctx.out.add(
            "WRONG_TYPE",
            ypath,
            f"`name` in OU {path!r} is the OU's AWS name, a string; a child OU cannot be "
            "keyed `name`",
            "key the child OU otherwise and keep its AWS name with `name:`, e.g. "
            "`name-ou: {name: name}`",
        )
        return None
    if not isinstance(value, str):
        ctx.out.add(
            "WRONG_TYPE",
            ypath,
            f"the AWS name of OU {path!r} must be a string, got {value!r}",
            f'write it in quotes: name: "{value}"'
            if isinstance(value, int | float)
            else "write the OU's AWS name as a string",
        )
        return None
    if not 1 <= len(value) <= MAX_OU_NAME:
        ctx.out.add(
            "INVALID_VALUE",
            ypath,
            f"the AWS name of OU {path!r} must be 1-{MAX_OU_NAME} characters, got "
            f"{len(value)} (CreateOrganizationalUnit Name)",
            "shorten it",
        )
        return None
    return value


def check_ou_id(ctx: Context, ou_id: Any, path: Path_) -> bool:
    if ou_id is not None and not (isinstance(ou_id, str) and _OU_ID.match(ou_id)):
        return ctx.out.refuse(
            "INVALID_OU_ID",
            path,
            f"{ou_id!r} is not an OU ID",
            "an OU ID looks like ou-ab12-11111111",
        )
    return True


# -- accounts -------------------------------------------------------------------------------------


def accounts(
    ctx: Context, raw: dict[str, Any], units: Mapping[str, Unit], org: Organization | None
) -> dict[str, Account]:
    """Every account of `accounts`, by key; `emails` and `ids` see each entry in turn."""
    found: dict[str, Account] = {}
    emails: dict[str, str] = {}  # casefolded email → account key
    ids: dict[str, str] = {}  # account ID → account key
    for key, body in raw.items():
        path: Path_ = ("accounts", key)
        spec = ctx.out.validate(AccountSpec, body, path)
        if spec is None:
            continue
        check_tag_count(ctx, spec.tags, (*path, "tags"))
        if not check_account_identity(ctx, key, spec, path):
            continue
        check_account_name(ctx, key, spec, path)
        if spec.email is not None:
            check_email(ctx, key, spec.email, (*path, "email"), emails)
        if spec.id is not None:
            check_duplicate_account_id(ctx, key, spec.id, (*path, "id"), ids)
        # Reported, and the account is still kept so references to it resolve.
        check_unit_exists(ctx, key, spec.unit, (*path, "unit"), units)
        found[key] = Account(
            key=key,
            id=spec.id,
            email=spec.email,
            unit=spec.unit,
            tags=dict(spec.tags),
            protect=spec.protect,
            close_on_deletion=spec.close_on_deletion,
            full_aws_access=spec.full_aws_access,
            name=spec.name,
            renamed_from=spec.renamed_from,
            access_role=spec.access_role,
            external_id=spec.external_id,
            session_name=spec.session_name,
        )
        check_management_account_placement(ctx, spec, (*path, "unit"), org)
        check_existing_account_in_new_ou(ctx, key, spec, (*path, "unit"), units)
        check_close_on_deletion(ctx, key, spec, (*path, "close_on_deletion"))
    return found


def check_account_identity(ctx: Context, key: str, spec: AccountSpec, path: Path_) -> bool:
    if spec.id is None and spec.email is None:
        return ctx.out.refuse(
            "MISSING_KEY",
            path,
            f"account {key!r} needs `id` (an existing account) or `email` "
            "(a new account trainshare creates)",
            'add `id: "123456789012"` or `email: team@example.com`',
        )
    return True


def check_account_name(ctx: Context, key: str, spec: AccountSpec, path: Path_) -> None:
    """The AWS name of an account trainshare creates or names (CreateAccount AccountName)."""
    aws_name = spec.name or key
    if (spec.id is None or spec.name is not None) and not _ACCOUNT_NAME.match(aws_name):
        ctx.out.add(
            "INVALID_VALUE",
            (*path, "name") if spec.name is not None else path,
            f"account name {aws_name!r} must be 1-50 printable ASCII characters "
            "(CreateAccount AccountName)",
            "shorten it, or give the account a `name:`",
        )


def check_email(ctx: Context, key: str, email: str, path: Path_, emails: dict[str, str]) -> None:
    if not (_EMAIL.match(email) and 6 <= len(email) <= 64):
        ctx.out.add(
            "INVALID_EMAIL",
            path,
            f"{email!r} is not a valid account email",
            "use an address like team@example.com, 6-64 characters (CreateAccount Email)",
        )
        return
    folded = email.casefold()
    if folded in emails:
        ctx.out.add(
            "DUPLICATE_EMAIL",
            path,
            f"email {email!r} is also used by account {emails[folded]!r}",
            "every AWS account needs its own email address "
            "(CreateAccount fails with EMAIL_ALREADY_EXISTS)",
        )
    emails[folded] = key


def check_duplicate_account_id(
    ctx: Context, key: str, account_id: str, path: Path_, ids: dict[str, str]
) -> None:
    if account_id in ids:
        ctx.out.add(
            "DUPLICATE_ACCOUNT_ID",
            path,
            f"account ID {account_id} is also given to {ids[account_id]!r}",
            "each account appears once; remove one entry",
        )
    ids[account_id] = key


def check_unit_exists(
    ctx: Context, key: str, unit: str, path: Path_, units: Mapping[str, Unit]
) -> None:
    if unit != ROOT and unit not in units:
        hint = did_you_mean(unit, units) or f"known OUs: {', '.join(units) or 'none'}"
        ctx.out.add(
            "UNKNOWN_UNIT",
            path,
            f"account {key!r} is placed in OU {unit!r}, which is not in `units`",
            hint,
        )


def check_management_account_placement(
    ctx: Context, spec: AccountSpec, path: Path_, org: Organization | None
) -> None:
    if org is not None and spec.id == org.management_account and spec.unit != ROOT:
        ctx.out.add(
            "MANAGEMENT_ACCOUNT_PLACEMENT",
            path,
            "the management account is placed in an OU: SCPs there will not apply to it "
            "(SCPs never apply to the management account)",
            "",
        )


def check_existing_account_in_new_ou(
    ctx: Context, key: str, spec: AccountSpec, path: Path_, units: Mapping[str, Unit]
) -> None:
    new_unit = units.get(spec.unit)
    referenced = spec.id is not None and spec.email is None
    if referenced and new_unit is not None and new_unit.id is None:
        ctx.out.add(
            "EXISTING_ACCOUNT_IN_NEW_OU",
            path,
            f"existing account {key!r} is placed in OU {spec.unit!r}, which trainshare "
            "creates; an account declared with only its `id` is a reference, never "
            "moved, so audit reports the placement until you move it",
            "add the account's `email` (as `trainshare import` writes it): trainshare "
            "then adopts the account and `pulumi up` moves it",
        )


def check_close_on_deletion(ctx: Context, key: str, spec: AccountSpec, path: Path_) -> None:
    if spec.close_on_deletion and spec.id is None:
        ctx.out.add(
            "CLOSE_ON_DELETION",
            path,
            f"removing {key!r} from the spec will close the AWS account (reinstatable "
            "for 90 days only)",
            "",
        )


def check_ambiguous_names(
    ctx: Context, units: Mapping[str, Unit], accounts: Mapping[str, Account]
) -> None:
    for key in accounts:
        if key in units:
            ctx.out.add(
                "AMBIGUOUS_NAME",
                ("accounts", key),
                f"{key!r} is both an account key and an OU path; references to it are ambiguous",
                "rename the account or the OU",
            )
