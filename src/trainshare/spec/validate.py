"""From located YAML to a resolved `Spec`, reporting every problem at once.

Each section (organization, units, each account, guardrail and share) is shape-checked on its own,
so one bad entry does not hide the problems of the others; then references and AWS rules are
checked on what parsed. Every rule below cites where AWS states it, or says `Assumption:`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trainshare import inputs
from trainshare.catalog import Catalog, load_catalog, parse_arn
from trainshare.catalog.model import permission_name
from trainshare.errors import SpecError
from trainshare.findings import Finding, Severity
from trainshare.policy import minify, render_template
from trainshare.policy.lint import PolicyKind, lint_document, lint_text
from trainshare.spec import org_policies
from trainshare.spec.capacity_checks import capacity_statement, check_capacity_share
from trainshare.spec.changes import check_renames, share_protected
from trainshare.spec.issues import Collector, did_you_mean
from trainshare.spec.model import (
    AccountSpec,
    GuardrailSpec,
    OrganizationSpec,
    ResourceSpec,
    ShareSpec,
    UnmanagedSpec,
)
from trainshare.spec.policy_shares import (
    PolicyShareChecks,
    check_partition,
    is_policy_resource,
    policy_share,
)
from trainshare.spec.resolved import (
    ROOT,
    Account,
    Guardrail,
    Organization,
    Principal,
    PrincipalKind,
    Share,
    SharedResource,
    Spec,
    Unit,
    Unmanaged,
)
from trainshare.spec.scp_checks import check_deploy_role, check_lockout, check_scp_counts
from trainshare.yamlsource import Located, Path_, read_yaml

_TOP_KEYS = ("version", "organization", "units", "accounts", "guardrails", "shares", "unmanaged")
_UNIT_RESERVED = ("id", "full_aws_access", "tags", "renamed_from", "ai_services_opt_out")
_ORG_ALIASES = (ROOT, "organization")
# Organizations API reference: OrganizationalUnitId pattern.
_OU_ID = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
# CreateAccount: Email 6-64 characters; AccountName 1-50 printable ASCII characters.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ACCOUNT_NAME = re.compile(r"^[\x20-\x7e]{1,50}$")
_TWELVE_DIGITS = re.compile(r"^\d{12}$")
_FALLBACK_ORG = Organization(
    management_account="",
    create=False,
    region="us-east-1",
    partition="aws",
    access_role="OrganizationAccountAccessRole",
    trusted_services=(),
)


DEFAULT_REGION = "us-east-1"


def load_spec(
    path: str | Path, default_region: str | None = None, *, accept: Collection[str] = ()
) -> Spec:
    """Read, check and resolve a spec file; raises `SpecError` with every problem found.
    `default_region`: the organization's Region where the spec names none (else us-east-1).
    `accept`: codes of errors that do not stop it (kept in `warnings`, as errors), for a caller
    that reports them itself (`trainshare diff` flags a lockout as a risk of the change)."""
    path = Path(path)
    return validate_spec(
        read_yaml(path), base_dir=path.parent, default_region=default_region, accept=accept
    )


def validate_spec(
    source: Located,
    base_dir: Path,
    catalog: Catalog | None = None,
    default_region: str | None = None,
    *,
    accept: Collection[str] = (),
) -> Spec:
    validator = _Validator(source, base_dir, catalog or load_catalog(), frozenset(accept))
    validator.default_region = default_region or DEFAULT_REGION
    return validator.run()


class _Validator:
    def __init__(
        self, source: Located, base_dir: Path, catalog: Catalog, accept: frozenset[str]
    ) -> None:
        self.accept = accept
        self.source = source
        self.base_dir = base_dir
        self.catalog = catalog
        self.out = Collector(source)
        self.limits: dict[str, int] = {n: lim.value for n, lim in catalog.limits.items()}
        self.policy_shares = PolicyShareChecks(self.out, catalog, base_dir)
        self.default_region = DEFAULT_REGION
        self.now = datetime.now(UTC)  # a Capacity Block's end is checked against it

    # -- driver -------------------------------------------------------------------------------

    def run(self) -> Spec:
        data = self.source.data
        if not isinstance(data, dict):
            self.out.add(
                "WRONG_TYPE",
                (),
                "the spec must be a YAML mapping",
                "start from examples/ml-platform/trainshare.yaml",
            )
            raise SpecError(self.out.sorted())
        self._top_level(data)
        org = self._organization(data.get("organization"))
        # With a broken `organization`, keep checking the rest against neutral defaults.
        checks_org = org or _FALLBACK_ORG
        units = self._units(self._mapping(data, "units"))
        accounts = self._accounts(self._mapping(data, "accounts"), units, org)
        refs = _References(units, accounts, org)
        self._check_ambiguous_names(units, accounts)
        guardrails = self._guardrails(self._mapping(data, "guardrails"), refs, checks_org)
        guardrails |= org_policies.opt_out_guardrails(
            self.out, self._mapping(data, "units"), units, guardrails
        )
        scps = {k: g for k, g in guardrails.items() if g.type == "scp"}
        check_scp_counts(
            self.out,
            guardrails=scps,
            units=units,
            accounts=accounts,
            limit=self.limits["scps_per_target"],
        )
        org_policies.check_counts(self.out, guardrails, self.limits, self.catalog)
        check_lockout(self.out, guardrails=scps, units=units, accounts=accounts)
        shares = self._shares(self._mapping(data, "shares"), refs, checks_org)
        managed = self.policy_shares.managed_policies(shares)
        check_renames(
            self.out, units=units, accounts=accounts, guardrails=guardrails, shares=shares
        )
        check_deploy_role(
            self.out,
            guardrails=scps,
            shares=shares,
            units=units,
            accounts=accounts,
            org=checks_org,
        )
        unmanaged = self._unmanaged(data.get("unmanaged", []))
        blocking = [
            i for i in self.out.issues if i.severity is Severity.ERROR and i.code not in self.accept
        ]
        if blocking or org is None:
            raise SpecError(self.out.sorted())
        return Spec(
            file=Path(self.source.file),
            organization=org,
            units=units,
            accounts=accounts,
            guardrails=guardrails,
            shares=shares,
            limits=dict(self.limits),
            warnings=tuple(self.out.sorted()),
            managed_policies=managed,
            unmanaged=unmanaged,
        )

    def _unmanaged(self, raw: Any) -> tuple[Unmanaged, ...]:
        """What the organization holds and the spec leaves alone (`trainshare import` writes
        it): the audit's words for each, and why."""
        if not isinstance(raw, list):
            self.out.add(
                "WRONG_TYPE",
                ("unmanaged",),
                "`unmanaged` must be a list",
                "write `unmanaged: [{object: …, name: …, item: …, why: …}]`",
            )
            return ()
        found = []
        for index, body in enumerate(raw):
            entry = self.out.validate(UnmanagedSpec, body, ("unmanaged", index))
            if entry is not None:
                found.append(Unmanaged(entry.object, entry.name, entry.item, entry.why))
        return tuple(found)

    def _top_level(self, data: dict[Any, Any]) -> None:
        for key in data:
            if key not in _TOP_KEYS:
                hint = did_you_mean(str(key), _TOP_KEYS) or f"allowed: {', '.join(_TOP_KEYS)}"
                self.out.add(
                    "UNKNOWN_KEY", (str(key),), f"unknown key {key!r}", f"remove it — {hint}"
                )
        if "version" not in data:
            self.out.add(
                "MISSING_KEY",
                ("version",),
                "required key 'version' is missing",
                "add `version: 1` at the top",
            )
        elif data["version"] != 1 or isinstance(data["version"], bool):
            self.out.add(
                "UNSUPPORTED_VERSION",
                ("version",),
                f"spec version {data['version']!r} is not supported",
                "this trainshare reads `version: 1`",
            )

    def _mapping(self, data: dict[Any, Any], key: str) -> dict[str, Any]:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.out.add(
                "WRONG_TYPE",
                (key,),
                f"{key} must be a mapping of name: entry",
                f"write `{key}:` followed by indented entries",
            )
            return {}
        return {str(k): v for k, v in value.items()}

    # -- organization -------------------------------------------------------------------------

    def _organization(self, raw: Any) -> Organization | None:
        path: Path_ = ("organization",)
        if raw is None:
            self.out.add(
                "MISSING_KEY",
                path,
                "required key 'organization' is missing",
                'add `organization: {management_account: "111111111111"}`',
            )
            return None
        org = self.out.validate(OrganizationSpec, raw, path)
        if org is None:
            return None
        region = org.region or self.default_region
        self._check_region(region, (*path, "region"))
        for name, value in org.limits.model_dump(exclude_none=True).items():
            self.limits[name] = value
        services = list(dict.fromkeys(org.trusted_services))
        for index, service in enumerate(org.trusted_services):
            if service not in self.catalog.trusted_services:
                org_policies.warn_unknown_trusted_service(
                    self.out,
                    service,
                    (*path, "trusted_services", index),
                    self.catalog,
                    did_you_mean(service, self.catalog.trusted_services),
                )
        return Organization(
            management_account=org.management_account,
            create=org.create,
            region=region,
            partition=self.catalog.partition(region),
            access_role=org.access_role,
            trusted_services=tuple(services),
            id=org.id,
        )

    def _check_region(self, region: str, path: Path_) -> bool:
        if region in self.catalog.regions:
            return True
        hint = did_you_mean(region, self.catalog.regions)
        self.out.add(
            "UNKNOWN_REGION",
            path,
            f"{region!r} is not an AWS Region known to trainshare",
            hint
            or f"use a Region code such as us-east-1 (catalog checked {self.catalog.checked};"
            " a newer Region goes in catalog/data/regions.yaml)",
        )
        return False

    # -- units --------------------------------------------------------------------------------

    def _units(self, raw: dict[str, Any]) -> dict[str, Unit]:
        units: dict[str, Unit] = {}
        self._walk_units(raw, parent=ROOT, yaml_path=("units",), units=units)
        return units

    def _walk_units(
        self, children: Mapping[str, Any], parent: str, yaml_path: Path_, units: dict[str, Unit]
    ) -> None:
        seen: dict[str, str] = {}
        for name, written in children.items():
            path = name if parent == ROOT else f"{parent}/{name}"
            ypath = (*yaml_path, name)
            if not self._unit_name_ok(name, parent, ypath, seen):
                continue
            body = {} if written is None else written  # `name:` alone is an OU without children
            if not isinstance(body, dict):
                self.out.add(
                    "WRONG_TYPE",
                    ypath,
                    f"OU {path!r} must be a mapping",
                    f"write `{name}: {{}}` for an OU without children",
                )
                continue
            unit = self._unit(path, name, parent, body, ypath)
            units[path] = unit
            if unit.depth > self.limits["ou_max_depth"]:
                self.out.add(
                    "OU_TOO_DEEP",
                    ypath,
                    f"OU {path!r} is {unit.depth} levels under the root; AWS allows "
                    f"{self.limits['ou_max_depth']} (Organizations quotas)",
                    "move it higher in the tree",
                )
                continue
            kids = {str(k): v for k, v in body.items() if k not in _UNIT_RESERVED}
            self._walk_units(kids, path, ypath, units)

    def _unit_name_ok(self, name: str, parent: str, ypath: Path_, seen: dict[str, str]) -> bool:
        if parent == ROOT and name in _ORG_ALIASES:
            self.out.add(
                "OU_NAME_RESERVED",
                ypath,
                f"{name!r} names the whole organization and cannot be an OU name",
                "rename the OU",
            )
            return False
        if "/" in name or not 1 <= len(name) <= 128:
            self.out.add(
                "INVALID_VALUE",
                ypath,
                f"OU name {name!r} must be 1-128 characters without '/'",
                "rename the OU ('/' separates levels in OU paths)",
            )
            return False
        folded = name.casefold()
        if folded in seen:
            self.out.add(
                "OU_NAME_CLASH",
                ypath,
                f"OU {name!r} differs from its sibling {seen[folded]!r} only by case",
                "rename one: they are hard to tell apart, and AWS may treat them as duplicates "
                "(DuplicateOrganizationalUnitException; case rule unverified)",
            )
            return False
        seen[folded] = name
        return True

    def _unit(self, path: str, name: str, parent: str, body: dict[Any, Any], ypath: Path_) -> Unit:
        ou_id = body.get("id")
        if ou_id is not None and not (isinstance(ou_id, str) and _OU_ID.match(ou_id)):
            self.out.add(
                "INVALID_OU_ID",
                (*ypath, "id"),
                f"{ou_id!r} is not an OU ID",
                "an OU ID looks like ou-ab12-11111111",
            )
            ou_id = None
        full_access = body.get("full_aws_access", True)
        if not isinstance(full_access, bool):
            self.out.add(
                "WRONG_TYPE",
                (*ypath, "full_aws_access"),
                "must be true or false",
                "write `full_aws_access: true`",
            )
            full_access = True
        tags = self._tags(body.get("tags", {}), (*ypath, "tags"))
        renamed_from = body.get("renamed_from")
        if renamed_from is not None and not (isinstance(renamed_from, str) and renamed_from):
            self.out.add(
                "WRONG_TYPE",
                (*ypath, "renamed_from"),
                "renamed_from is the OU's former path",
                "write `renamed_from: ml/old-name`",
            )
            renamed_from = None
        return Unit(
            path=path,
            name=name,
            parent=parent,
            id=ou_id,
            full_aws_access=full_access,
            tags=tags,
            renamed_from=renamed_from,
        )

    def _tags(self, raw: Any, path: Path_) -> dict[str, str]:
        if not isinstance(raw, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
        ):
            self.out.add(
                "WRONG_TYPE",
                path,
                "tags must map strings to strings",
                'quote values that YAML reads as numbers or booleans: {cost-center: "42"}',
            )
            return {}
        self._check_tag_count(raw, path)
        return dict(raw)

    def _check_tag_count(self, tags: Mapping[str, str], path: Path_) -> None:
        # +1: trainshare adds `managed-by = trainshare` to everything it creates.
        if len(tags) + 1 > self.limits["tags_per_entity"]:
            self.out.add(
                "TOO_MANY_TAGS",
                path,
                f"{len(tags)} tags plus managed-by exceed the limit of "
                f"{self.limits['tags_per_entity']} per entity",
                "drop some tags",
            )

    # -- accounts -----------------------------------------------------------------------------

    def _accounts(
        self, raw: dict[str, Any], units: Mapping[str, Unit], org: Organization | None
    ) -> dict[str, Account]:
        accounts: dict[str, Account] = {}
        emails: dict[str, str] = {}
        ids: dict[str, str] = {}
        for key, body in raw.items():
            path: Path_ = ("accounts", key)
            spec = self.out.validate(AccountSpec, body, path)
            if spec is None:
                continue
            self._check_tag_count(spec.tags, (*path, "tags"))
            if spec.id is None and spec.email is None:
                self.out.add(
                    "MISSING_KEY",
                    path,
                    f"account {key!r} needs `id` (an existing account) or `email` "
                    "(a new account trainshare creates)",
                    'add `id: "123456789012"` or `email: team@example.com`',
                )
                continue
            aws_name = spec.name or key
            if (spec.id is None or spec.name is not None) and not _ACCOUNT_NAME.match(aws_name):
                self.out.add(
                    "INVALID_VALUE",
                    (*path, "name") if spec.name is not None else path,
                    f"account name {aws_name!r} must be 1-50 printable ASCII characters "
                    "(CreateAccount AccountName)",
                    "shorten it, or give the account a `name:`",
                )
            if spec.email is not None:
                self._check_email(key, spec.email, (*path, "email"), emails)
            if spec.id is not None:
                if spec.id in ids:
                    self.out.add(
                        "DUPLICATE_ACCOUNT_ID",
                        (*path, "id"),
                        f"account ID {spec.id} is also given to {ids[spec.id]!r}",
                        "each account appears once; remove one entry",
                    )
                ids[spec.id] = key
            if spec.unit != ROOT and spec.unit not in units:
                # Reported, and the account is still kept so references to it resolve.
                hint = did_you_mean(spec.unit, units) or f"known OUs: {', '.join(units) or 'none'}"
                self.out.add(
                    "UNKNOWN_UNIT",
                    (*path, "unit"),
                    f"account {key!r} is placed in OU {spec.unit!r}, which is not in `units`",
                    hint,
                )
            accounts[key] = Account(
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
            if org is not None and spec.id == org.management_account and spec.unit != ROOT:
                self.out.add(
                    "MANAGEMENT_ACCOUNT_PLACEMENT",
                    (*path, "unit"),
                    "the management account is placed in an OU: SCPs there will not apply to it "
                    "(SCPs never apply to the management account)",
                    "",
                )
            new_unit = units.get(spec.unit)
            referenced = spec.id is not None and spec.email is None
            if referenced and new_unit is not None and new_unit.id is None:
                self.out.add(
                    "EXISTING_ACCOUNT_IN_NEW_OU",
                    (*path, "unit"),
                    f"existing account {key!r} is placed in OU {spec.unit!r}, which trainshare "
                    "creates; an account declared with only its `id` is a reference, never "
                    "moved, so audit reports the placement until you move it",
                    "add the account's `email` (as `trainshare import` writes it): trainshare "
                    "then adopts the account and `pulumi up` moves it",
                )
            if spec.close_on_deletion and spec.id is None:
                self.out.add(
                    "CLOSE_ON_DELETION",
                    (*path, "close_on_deletion"),
                    f"removing {key!r} from the spec will close the AWS account (reinstatable "
                    "for 90 days only)",
                    "",
                )
        return accounts

    def _check_email(self, key: str, email: str, path: Path_, emails: dict[str, str]) -> None:
        if not (_EMAIL.match(email) and 6 <= len(email) <= 64):
            self.out.add(
                "INVALID_EMAIL",
                path,
                f"{email!r} is not a valid account email",
                "use an address like team@example.com, 6-64 characters (CreateAccount Email)",
            )
            return
        folded = email.casefold()
        if folded in emails:
            self.out.add(
                "DUPLICATE_EMAIL",
                path,
                f"email {email!r} is also used by account {emails[folded]!r}",
                "every AWS account needs its own email address "
                "(CreateAccount fails with EMAIL_ALREADY_EXISTS)",
            )
        emails[folded] = key

    def _check_ambiguous_names(
        self, units: Mapping[str, Unit], accounts: Mapping[str, Account]
    ) -> None:
        for key in accounts:
            if key in units:
                self.out.add(
                    "AMBIGUOUS_NAME",
                    ("accounts", key),
                    f"{key!r} is both an account key and an OU path; references to it "
                    "are ambiguous",
                    "rename the account or the OU",
                )

    # -- guardrails ---------------------------------------------------------------------------

    def _guardrails(
        self, raw: dict[str, Any], refs: _References, org: Organization
    ) -> dict[str, Guardrail]:
        out: dict[str, Guardrail] = {}
        for key, body in raw.items():
            path: Path_ = ("guardrails", key)
            spec = self.out.validate(GuardrailSpec, body, path)
            if spec is None:
                continue
            if not 1 <= len(key) <= 128:
                self.out.add(
                    "INVALID_VALUE", path, "a policy name is 1-128 characters", "shorten the key"
                )
            template = self.catalog.guardrails.get(spec.template) if spec.template else None
            kind = org_policies.guardrail_type(self.out, self.catalog, spec.type, template, path)
            if kind is None:
                continue
            document = self._guardrail_document(key, spec, path, org, kind)
            targets = self._guardrail_targets(spec.targets, (*path, "targets"), refs, org, kind)
            if document is None or targets is None:
                continue
            description = spec.description or (
                self.catalog.guardrails[spec.template].description if spec.template else key
            )
            out[key] = Guardrail(
                key=key,
                name=spec.name or key,
                description=description,
                document=document,
                targets=targets,
                template=spec.template,
                renamed_from=spec.renamed_from,
                type=kind,
            )
        return out

    def _guardrail_document(
        self, key: str, spec: GuardrailSpec, path: Path_, org: Organization, kind: str = "scp"
    ) -> str | None:
        if (spec.template is None) == (spec.document is None):
            self.out.add(
                "GUARDRAIL_SOURCE",
                path,
                f"guardrail {key!r} needs exactly one of `template` and `document`",
                "name a template (`trainshare guardrails list`) or a JSON file",
            )
            return None
        if spec.document is not None:
            if spec.params:
                self.out.add(
                    "INVALID_VALUE",
                    (*path, "params"),
                    "`params` only applies to templates",
                    "remove `params`",
                )
            text = self._document_text(spec.document, (*path, "document"))
            if text is None:
                return None
            if kind != "scp":
                return org_policies.document_from_text(
                    kind,
                    text,
                    spec.document,
                    limits=self.limits,
                    catalog=self.catalog,
                    report=lambda found: self._report(found, (*path, "document")),
                )
            findings = lint_text(
                text, PolicyKind.SCP, spec.document, max_chars=self.limits["scp_max_chars"]
            )
            if not self._report(findings, (*path, "document")):
                return None
            return minify(json.loads(text))
        assert spec.template is not None
        template = self.catalog.guardrails.get(spec.template)
        if template is None:
            hint = did_you_mean(spec.template, self.catalog.guardrails)
            self.out.add(
                "UNKNOWN_TEMPLATE",
                (*path, "template"),
                f"no guardrail template named {spec.template!r}",
                hint or f"known: {', '.join(self.catalog.guardrails)}",
            )
            return None
        context = {"access_role": org.access_role, "partition": org.partition}
        if org.id:
            context["org_id"] = org.id
        document, problems = render_template(template, spec.params, context)
        for problem in problems:
            self.out.add(
                "TEMPLATE_PARAM", (*path, "params", problem.param), problem.message, problem.fix
            )
        if document is None:
            return None
        if kind != "scp":
            source = f"template {spec.template}"
            found = org_policies.lint_typed(
                kind, document, source, lines={}, limits=self.limits, catalog=self.catalog
            )
            return minify(document) if self._report(found, (*path, "params")) else None
        findings = lint_document(
            document,
            PolicyKind.SCP,
            f"template {spec.template}",
            max_chars=self.limits["scp_max_chars"],
        )
        return minify(document) if self._report(findings, (*path, "params")) else None

    def _report(self, findings: list[Finding], path: Path_) -> bool:
        """Linter findings as spec issues at `path`; False when any is an error."""
        for item in findings:
            self.out.add(item.code, path, f"{item.location}: {item.message}", item.fix)
        return not any(item.severity is Severity.ERROR for item in findings)

    def _document_text(self, relative: str, path: Path_) -> str | None:
        try:
            return inputs.read_text(self.base_dir / relative, inputs.POLICY)
        except inputs.InputError as exc:
            where = f"{relative!r}" + (f" line {exc.line}" if exc.line is not None else "")
            self.out.add(
                "POLICY_FILE_MISSING",
                path,
                f"{where}: {exc.message}",
                exc.fix or "the path is relative to the spec file's folder",
            )
            return None

    def _guardrail_targets(
        self,
        targets: list[str],
        path: Path_,
        refs: _References,
        org: Organization,
        kind: str = "scp",
    ) -> tuple[str, ...] | None:
        resolved: list[str] = []
        ok = True
        for index, ref in enumerate(targets):
            target = refs.target(ref)
            if target is None:
                ok = False
                self.out.add(
                    "UNKNOWN_TARGET",
                    (*path, index),
                    f"guardrail target {ref!r} is not `root`, an OU path or an account of the spec",
                    refs.hint(ref),
                )
                continue
            if target in resolved:
                self.out.add(
                    "DUPLICATE_TARGET", (*path, index), f"{ref!r} is listed twice", "remove one"
                )
                continue
            if refs.account_id(target) == org.management_account:
                org_policies.check_management_target(self.out, kind, (*path, index))
            resolved.append(target)
        return tuple(resolved) if ok else None

    # -- shares -------------------------------------------------------------------------------

    def _shares(
        self, raw: dict[str, Any], refs: _References, org: Organization
    ) -> dict[str, Share]:
        out: dict[str, Share] = {}
        for key, body in raw.items():
            path: Path_ = ("shares", key)
            spec = self.out.validate(ShareSpec, body, path)
            if spec is None:
                continue
            share = self._share(key, spec, path, refs, org)
            if share is not None:
                out[key] = share
        return out

    def _share(
        self, key: str, spec: ShareSpec, path: Path_, refs: _References, org: Organization
    ) -> Share | None:
        owner = refs.accounts.get(spec.owner)
        if owner is None:
            self.out.add(
                "UNKNOWN_ACCOUNT",
                (*path, "owner"),
                f"owner {spec.owner!r} is not an account of the spec",
                did_you_mean(spec.owner, refs.accounts)
                or "add the owning account under `accounts` with its `id`",
            )
            return None
        if owner.id is None:
            self.out.add(
                "OWNER_NOT_EXISTING",
                (*path, "owner"),
                f"owner {spec.owner!r} is an account trainshare creates; the resources "
                "it shares must exist first, with ARNs that name its ID",
                "create the account first, then give it `id:` and share from it",
            )
            return None
        region = spec.region or org.region
        if not self._check_region(region, (*path, "region")):
            return None
        if any(self._is_policy_resource(item) for item in spec.resources):
            return self._policy_share(
                key, spec, path, refs=refs, owner=owner, region=region, org=org
            )
        if spec.access is not None:
            self.out.add(
                "ACCESS_ON_RAM_SHARE",
                (*path, "access"),
                "`access` names a level of a policy share; RAM shares grant their `permissions`",
                "remove `access` (choose a RAM managed permission with `permissions`)",
            )
        resources = self._resources(spec, path, owner.id, region, org)
        principals = self._principals(spec, path, refs, owner, resources)
        permissions = self._permissions(spec, path, resources, org)
        self._check_tag_count(spec.tags, (*path, "tags"))
        if resources is None or principals is None or permissions is None:
            return None
        capacity_ok, billing_owner = check_capacity_share(
            self.out,
            spec,
            path=path,
            owner=owner,
            resources=resources,
            principals=principals,
            accounts=refs.accounts,
        )
        if not capacity_ok:
            return None
        return Share(
            key=key,
            name=spec.name or key,
            owner=owner.key,
            owner_id=owner.id,
            region=region,
            resources=resources,
            principals=principals,
            permissions=permissions,
            allow_external=spec.allow_external,
            tags=dict(spec.tags),
            renamed_from=spec.renamed_from,
            protect=share_protected(spec.protect, resources),
            billing_owner=billing_owner,
        )

    def _is_policy_resource(self, item: str | ResourceSpec) -> bool:
        return is_policy_resource(
            self.catalog, item.arn if isinstance(item, ResourceSpec) else item
        )

    def _policy_share(
        self,
        key: str,
        spec: ShareSpec,
        path: Path_,
        *,
        refs: _References,
        owner: Account,
        region: str,
        org: Organization,
    ) -> Share | None:
        assert owner.id is not None
        resources = self.policy_shares.resources(
            key, spec, path, owner_id=owner.id, region=region, org=org
        )
        principals = self._principals(spec, path, refs, owner, None)
        for index, item in enumerate(spec.resources):
            if isinstance(item, ResourceSpec) and item.capacity is not None:
                self.out.add(
                    "CAPACITY_ON_OTHER_RESOURCE",
                    (*path, "resources", index, "capacity"),
                    f"`capacity` describes a Capacity Reservation; {item.arn} is shared by its "
                    "resource policy",
                    "remove `capacity` from this resource",
                )
        if spec.billing_owner is not None:
            self.out.add(
                "BILLING_OWNER_WITHOUT_CAPACITY",
                (*path, "billing_owner"),
                "`billing_owner` assigns who pays for the unused part of Capacity Reservations; "
                "a policy share holds none",
                "remove `billing_owner`",
            )
        if spec.name is not None:
            self.out.add(
                "INVALID_VALUE",
                (*path, "name"),
                "`name` is the name of a RAM share in AWS; a policy share creates no share",
                "remove `name`",
            )
        if spec.tags:
            self.out.add(
                "TAGS_ON_POLICY_SHARE",
                (*path, "tags"),
                "a policy share creates no resource that could carry tags",
                "remove `tags`",
            )
        if resources is None or principals is None:
            return None
        return policy_share(
            key,
            owner,
            region,
            resources=resources,
            principals=principals,
            allow_external=spec.allow_external,
            tags={},
            renamed_from=spec.renamed_from,
        )

    def _resources(
        self, spec: ShareSpec, path: Path_, owner_id: str, region: str, org: Organization
    ) -> tuple[SharedResource, ...] | None:
        out: list[SharedResource] = []
        ok = True
        seen: set[str] = set()
        for index, item in enumerate(spec.resources):
            rpath = (*path, "resources", index)
            arn_text = item.arn if isinstance(item, ResourceSpec) else item
            if isinstance(item, ResourceSpec) and item != ResourceSpec(
                arn=item.arn, capacity=item.capacity
            ):
                self.out.add(
                    "POLICY_ON_RAM_RESOURCE",
                    rpath,
                    f"{item.arn} is shared through RAM; `policy`, `access`, `perimeter`, "
                    "`extra_statements` and `kms_key` are for resources shared by resource policy",
                    f"write the bare ARN: - {item.arn} (a Capacity Reservation also takes "
                    "`capacity:`)",
                )
                ok = False
                continue
            resource = self._resource(arn_text, rpath, owner_id, region, org)
            if resource is not None and isinstance(item, ResourceSpec) and item.capacity:
                stated = capacity_statement(
                    self.out,
                    item.capacity,
                    arn=resource.arn,
                    resource_type=resource.resource_type,
                    path=rpath,
                    now=self.now,
                )
                resource = replace(resource, capacity=stated) if stated else None
            if resource is None:
                ok = False
            elif resource.arn in seen:
                self.out.add(
                    "DUPLICATE_RESOURCE", rpath, f"{arn_text} is listed twice", "remove one"
                )
                ok = False
            else:
                seen.add(resource.arn)
                out.append(resource)
        if len(out) > self.limits["ram_resources_per_share"]:
            self.out.add(
                "TOO_MANY_RESOURCES",
                (*path, "resources"),
                f"{len(out)} resources exceed RAM's {self.limits['ram_resources_per_share']}"
                " per share",
                "split the share",
            )
            ok = False
        return tuple(out) if ok else None

    def _resource(
        self, text: str, path: Path_, owner_id: str, region: str, org: Organization
    ) -> SharedResource | None:
        arn = parse_arn(text)
        if arn is None:
            self.out.add(
                "INVALID_ARN",
                path,
                f"{text!r} is not an ARN",
                "write arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE",
            )
            return None
        rtype = self.catalog.resource_type_for(arn)
        if rtype is None:
            ptype = self.catalog.policy_share_type_for(arn)
            if ptype is not None:
                self.out.add(
                    "NOT_RAM_SHAREABLE",
                    path,
                    f"{ptype.name} resources cannot be shared through RAM",
                    "share it in a policy share (its own share, with `access`)",
                )
            else:
                self.out.add(
                    "UNKNOWN_RESOURCE_TYPE",
                    path,
                    f"{text} is not a RAM-shareable type trainshare knows",
                    "known types: "
                    + ", ".join(self.catalog.resource_types)
                    + " (add a new one to catalog/data/ram_resource_types.yaml)",
                )
            return None
        ok = True
        if arn.account != owner_id:
            self.out.add(
                "ARN_ACCOUNT_MISMATCH",
                path,
                f"the resource belongs to account {arn.account or '(none)'}, but the "
                f"share's owner is {owner_id}",
                "RAM shares are made by the account that owns the resource: fix "
                "`owner` or move the resource to another share",
            )
            ok = False
        if arn.region != region:
            self.out.add(
                "ARN_REGION_MISMATCH",
                path,
                f"the resource is in {arn.region or '(no Region)'}, but the share is in {region}",
                "RAM is regional: set the share's `region` to the "
                "resource's Region, or split the share",
            )
            ok = False
        ok = check_partition(self.out, arn, org, path) and ok
        return SharedResource(arn=text, resource_type=rtype.name) if ok else None

    def _principals(
        self,
        spec: ShareSpec,
        path: Path_,
        refs: _References,
        owner: Account,
        resources: tuple[SharedResource, ...] | None,
    ) -> tuple[Principal, ...] | None:
        out: list[Principal] = []
        ok = True
        for index, ref in enumerate(spec.principals):
            ppath = (*path, "principals", index)
            principal = refs.principal(ref)
            if principal is None:
                hint = refs.hint(ref)
                if ref.startswith("arn:"):
                    hint = (
                        "IAM users, roles and service principals are not supported in spec "
                        "version 1: name an account, an OU path or `root`"
                    )
                self.out.add(
                    "UNKNOWN_PRINCIPAL",
                    ppath,
                    f"principal {ref!r} is not `root`, an OU path, an account of the "
                    "spec, or a 12-digit account ID",
                    hint,
                )
                ok = False
                continue
            if principal.target in {p.target for p in out}:
                self.out.add("DUPLICATE_PRINCIPAL", ppath, f"{ref!r} is listed twice", "remove one")
                ok = False
                continue
            if principal.target in (owner.key, owner.id):
                self.out.add(
                    "SELF_PRINCIPAL",
                    ppath,
                    f"{ref!r} is the share's owner, which already has its resources",
                    "remove it",
                )
                ok = False
                continue
            if principal.external:
                ok = self._external_principal(spec, ppath, ref, resources) and ok
            out.append(principal)
        if len(out) > self.limits["ram_principals_per_share"]:
            self.out.add(
                "TOO_MANY_PRINCIPALS",
                (*path, "principals"),
                f"{len(out)} principals exceed RAM's "
                f"{self.limits['ram_principals_per_share']} per share",
                "split the share",
            )
            ok = False
        if spec.allow_external and not any(p.external for p in out):
            self.out.add(
                "ALLOW_EXTERNAL_UNUSED",
                (*path, "allow_external"),
                "allow_external is true but every principal is inside the organization",
                "remove it, so a later edit cannot open the share by accident",
            )
        return tuple(out) if ok else None

    def _external_principal(
        self,
        spec: ShareSpec,
        path: Path_,
        ref: str,
        resources: tuple[SharedResource, ...] | None,
    ) -> bool:
        if not spec.allow_external:
            self.out.add(
                "EXTERNAL_PRINCIPAL",
                path,
                f"account {ref} is not in the organization (not in `accounts`, not the "
                "management account)",
                "add it under `accounts` with its `id` if it is a member, or set "
                "`allow_external: true` on the share to share outside the org",
            )
            return False
        ok = True
        for rtype_name in sorted({r.resource_type for r in resources or ()}):
            rtype = self.catalog.resource_types[rtype_name]
            if not rtype.external:
                self.out.add(
                    "ORG_ONLY_TYPE",
                    path,
                    f"{rtype_name} can only be shared inside the organization ({rtype.source})",
                    f"remove {ref} or move the resource to another share",
                )
                ok = False
            elif rtype.external_note and any(
                r.capacity is None for r in resources or () if r.resource_type == rtype_name
            ):  # stated capacity is checked by kind (spec/capacity_checks.py)
                self.out.add(
                    "EXTERNAL_SHARE_CAVEAT",
                    path,
                    rtype.external_note,
                    "check the resources are not Capacity Blocks",
                )
        return ok

    def _permissions(
        self,
        spec: ShareSpec,
        path: Path_,
        resources: tuple[SharedResource, ...] | None,
        org: Organization,
    ) -> tuple[str, ...] | None:
        """One AWS-managed permission per resource type (RAM API: AssociateResourceSharePermission).

        Changing the permissions of a share replaces it (terraform-provider-aws #42009), so the
        default is sent explicitly where its name is verified: the set never changes by itself.
        """
        if resources is None:
            return None
        types = {r.resource_type for r in resources}
        chosen: dict[str, str] = {}
        ok = True
        for index, given in enumerate(spec.permissions or []):
            ppath = (*path, "permissions", index)
            name = permission_name(given)
            permission = self.catalog.permission(name)
            if permission is None:
                known = [p for t in types for p in self.catalog.resource_types[t].permissions]
                self.out.add(
                    "UNKNOWN_PERMISSION",
                    ppath,
                    f"{given!r} is not an AWS-managed RAM permission trainshare knows",
                    did_you_mean(name, known) or f"for this share: {', '.join(known)}",
                )
                ok = False
                continue
            if permission.resource_type not in types:
                self.out.add(
                    "PERMISSION_TYPE_MISMATCH",
                    ppath,
                    f"{name} is for {permission.resource_type}, and this share has no "
                    f"such resource (it shares {', '.join(sorted(types))})",
                    "remove it, or use a permission of a type the share holds",
                )
                ok = False
                continue
            if permission.resource_type in chosen:
                self.out.add(
                    "DUPLICATE_PERMISSION_TYPE",
                    ppath,
                    f"{name} and {chosen[permission.resource_type]} are both for "
                    f"{permission.resource_type}; a share has one permission per type",
                    "keep one",
                )
                ok = False
                continue
            chosen[permission.resource_type] = name
        for rtype_name in sorted(types - set(chosen)):
            rtype = self.catalog.resource_types[rtype_name]
            if rtype.default_permission is not None:
                chosen[rtype_name] = rtype.default_permission
            elif rtype.permissions:
                self.out.add(
                    "PERMISSION_REQUIRED",
                    (*path, "permissions"),
                    f"{rtype_name} has several managed permissions and no verified default",
                    f"choose one: {', '.join(rtype.permissions)}",
                )
                ok = False
        return tuple(sorted(chosen.values())) if ok else None


class _References:
    """Resolves names used in targets and principals: `root`, OU paths, account keys, IDs."""

    def __init__(
        self, units: Mapping[str, Unit], accounts: Mapping[str, Account], org: Organization | None
    ) -> None:
        self.units = units
        self.accounts = accounts
        self.org = org
        self._by_id = {a.id: a.key for a in accounts.values() if a.id}

    def target(self, ref: str) -> str | None:
        if ref in _ORG_ALIASES:
            return ROOT
        if ref in self.units or ref in self.accounts:
            return ref
        return None

    def account_id(self, target: str) -> str | None:
        account = self.accounts.get(target)
        return account.id if account else None

    def principal(self, ref: str) -> Principal | None:
        if ref in _ORG_ALIASES:
            return Principal(PrincipalKind.ORGANIZATION, ref, ROOT, external=False)
        if ref in self.units:
            return Principal(PrincipalKind.UNIT, ref, ref, external=False)
        if ref in self.accounts:
            return Principal(PrincipalKind.ACCOUNT, ref, ref, external=False)
        if _TWELVE_DIGITS.match(ref):
            if ref in self._by_id:
                return Principal(PrincipalKind.ACCOUNT, ref, self._by_id[ref], external=False)
            inside = self.org is not None and ref == self.org.management_account
            return Principal(PrincipalKind.ACCOUNT_ID, ref, ref, external=not inside)
        return None

    def hint(self, ref: str) -> str:
        names = [*_ORG_ALIASES, *self.units, *self.accounts]
        return did_you_mean(ref, names) or "check the spelling against `units` and `accounts`"


__all__ = ["load_spec", "validate_spec"]
