"""Policy shares: resources RAM cannot share (S3 buckets, KMS keys, ECR repositories, SageMaker
model package groups), shared through the resource's own policy.

A resource has exactly one policy, and writing it replaces whatever was there. So trainshare
writes a resource's policy only where the spec says it owns it (`{arn: …, policy: managed}`,
once in the spec), composes every share that lists the resource into that one document, and
keeps the owner's own statements (`extra_statements`). A policy share on a resource nobody
declared as managed is an error saying what would be lost.

`PolicyShareChecks` sees every share of one spec: `resources` per share (called from
spec/shares.py), then `managed_policies` across shares. A new rule on one policy-shared
resource goes in `_resource`; one across shares (ownership, perimeter, KMS keys) is checked in
`managed_policies` (its own `_check_` method where it is more than a few lines). The share's
other fields: spec/shares.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainshare import inputs
from trainshare.catalog import Catalog, PolicyShareType, parse_arn
from trainshare.catalog.arns import Arn
from trainshare.spec.issues import Collector
from trainshare.spec.model import ResourceSpec, ShareSpec
from trainshare.spec.resolved import (
    Account,
    ManagedPolicy,
    Organization,
    Share,
    SharedResource,
    ShareKind,
)
from trainshare.yamlsource import Path_

RESERVED_SID_PREFIX = "Trainshare"


@dataclass(frozen=True)
class Declaration:
    """One `{arn: …, policy: managed}` in a share: where trainshare is told it owns the policy."""

    share: str
    path: Path_
    spec: ResourceSpec


def is_policy_resource(catalog: Catalog, text: str) -> bool:
    arn = parse_arn(text)
    return arn is not None and catalog.policy_share_type_for(arn) is not None


class PolicyShareChecks:
    """The checks of policy shares, one spec at a time (`validate` calls in, in order)."""

    def __init__(self, out: Collector, catalog: Catalog, base_dir: Path) -> None:
        self.out = out
        self.catalog = catalog
        self.base_dir = base_dir
        self.declarations: dict[str, list[Declaration]] = {}  # ARN → where declared managed
        self.listed: dict[str, list[tuple[str, Path_]]] = {}  # ARN → (share, path) listing it
        self.kms_keys: dict[str, tuple[str, Path_]] = {}  # bucket ARN → (key ARN, where)

    # -- one share ----------------------------------------------------------------------------

    def resources(
        self,
        key: str,
        spec: ShareSpec,
        path: Path_,
        *,
        owner_id: str,
        region: str,
        org: Organization,
    ) -> tuple[SharedResource, ...] | None:
        ok = True
        if spec.permissions is not None:
            self.out.add(
                "PERMISSIONS_ON_POLICY_SHARE",
                (*path, "permissions"),
                "`permissions` are RAM managed permissions; this share is made of resource "
                "policies",
                "remove `permissions` and name the level with `access`",
            )
            ok = False
        out: list[SharedResource] = []
        seen: set[str] = set()
        levels: dict[str, str | None] = {}  # resource type → its level in this share
        for index, item in enumerate(spec.resources):
            rpath: Path_ = (*path, "resources", index)
            item_spec = item if isinstance(item, ResourceSpec) else ResourceSpec(arn=item)
            resource = self._resource(
                key, spec, item_spec, rpath, owner_id=owner_id, region=region, org=org
            )
            if resource is None:
                ok = False
            elif resource.arn in seen:
                self.out.add(
                    "DUPLICATE_RESOURCE", rpath, f"{resource.arn} is listed twice", "remove one"
                )
                ok = False
            elif levels.setdefault(resource.resource_type, resource.access) != resource.access:
                self.out.add(
                    "MIXED_LEVELS",
                    rpath,
                    f"{resource.arn} is granted {resource.access!r}, another "
                    f"{resource.resource_type} of this share "
                    f"{levels[resource.resource_type]!r}",
                    "one level per resource type in a share: split the share",
                )
                ok = False
            else:
                seen.add(resource.arn)
                out.append(resource)
        return tuple(out) if ok else None

    def _resource(
        self,
        key: str,
        share: ShareSpec,
        item: ResourceSpec,
        path: Path_,
        *,
        owner_id: str,
        region: str,
        org: Organization,
    ) -> SharedResource | None:
        arn = parse_arn(item.arn)
        ptype = self.catalog.policy_share_type_for(arn) if arn else None
        if arn is None or ptype is None:
            self.out.add(
                "MIXED_SHARE",
                path,
                f"{item.arn} is not a resource shared by resource policy, and this share "
                "holds such resources",
                "put RAM-shareable resources and policy-shared ones in separate shares",
            )
            return None
        ok = True
        if ptype.service == "s3" and "/" in arn.resource:
            self.out.add(
                "INVALID_ARN",
                path,
                f"{item.arn} is an object or prefix, not a bucket",
                f"share the bucket: arn:{arn.partition}:s3:::{arn.resource.split('/')[0]}",
            )
            ok = False
        if arn.account and arn.account != owner_id:
            self.out.add(
                "ARN_ACCOUNT_MISMATCH",
                path,
                f"the resource belongs to account {arn.account}, but the share's owner is "
                f"{owner_id}",
                "a resource's policy is written by the account that owns it: fix `owner` or "
                "move the resource to another share",
            )
            ok = False
        if arn.region and arn.region != region:
            self.out.add(
                "ARN_REGION_MISMATCH",
                path,
                f"the resource is in {arn.region}, but the share is in {region}",
                "set the share's `region` to the resource's Region, or split the share",
            )
            ok = False
        ok = check_partition(self.out, arn, org, path) and ok
        wanted = item.access or share.access
        where = (*path, "access") if item.access else (*path[:2], "access")
        level = ptype.level(wanted) if wanted else None
        if wanted is None:
            self.out.add(
                "ACCESS_REQUIRED",
                (*path[:2], "access"),
                f"a share of {ptype.name} resources needs an access level",
                f"add `access:` — for {ptype.name}: {_levels(ptype)}",
            )
            ok = False
        elif level is None:
            self.out.add(
                "UNKNOWN_ACCESS",
                where,
                f"{wanted!r} is not an access level of {ptype.name}",
                f"use one of: {_levels(ptype)}",
            )
            ok = False
        if item.kms_key is not None:
            if ptype.name != "s3:Bucket":
                self.out.add(
                    "KMS_KEY_ON_NON_BUCKET",
                    (*path, "kms_key"),
                    f"`kms_key` describes a bucket's encryption; {ptype.name} has none here",
                    "remove it",
                )
                ok = False
            else:
                self.kms_keys[item.arn] = (item.kms_key, (*path, "kms_key"))
        if item.policy == "managed":
            self.declarations.setdefault(item.arn, []).append(Declaration(key, path, item))
        elif item.extra_statements is not None or not item.perimeter:
            field = "extra_statements" if item.extra_statements is not None else "perimeter"
            self.out.add(
                "NOT_MANAGED_HERE",
                (*path, field),
                f"`{field}` belongs with `policy: managed`, where the policy is owned",
                f"add `policy: managed` here, or move `{field}` to where it is declared",
            )
            ok = False
        self.listed.setdefault(item.arn, []).append((key, path))
        if not ok or level is None:
            return None
        return SharedResource(arn=item.arn, resource_type=ptype.name, access=level)

    # -- the whole spec -----------------------------------------------------------------------

    def _type_of(self, arn: str) -> PolicyShareType:
        parsed = parse_arn(arn)
        ptype = self.catalog.policy_share_type_for(parsed) if parsed else None
        assert ptype is not None, arn  # only policy-shared resources are listed
        return ptype

    def managed_policies(self, shares: Mapping[str, Share]) -> dict[str, ManagedPolicy]:
        """One ManagedPolicy per owned resource; the ownership, perimeter and KMS checks."""
        out: dict[str, ManagedPolicy] = {}
        for arn, listed in self.listed.items():
            declared = self.declarations.get(arn, [])
            if not declared:
                _, path = listed[0]
                self.out.add(
                    "POLICY_NOT_OWNED",
                    path,
                    f"{arn} has a single {self._type_of(arn).name} policy, and sharing it "
                    "means trainshare writes that policy whole: every statement in it now, "
                    "written by anyone else, would be lost",
                    f"declare ownership where it is listed: `{{arn: {arn}, policy: managed}}`, "
                    "and keep the statements you need with `extra_statements: FILE.json`",
                )
                continue
            if len(declared) > 1:
                self.out.add(
                    "DUPLICATE_OWNERSHIP",
                    declared[1].path,
                    f"{arn} is declared `policy: managed` in shares {declared[0].share!r} and "
                    f"{declared[1].share!r}",
                    "declare it once; other shares list the bare ARN",
                )
                continue
            places = {(shares[s].owner, shares[s].region) for s, _ in listed if s in shares}
            if len(places) > 1:
                where = ", ".join(f"{owner} in {region}" for owner, region in sorted(places))
                self.out.add(
                    "OWNER_MISMATCH",
                    listed[-1][1],
                    f"{arn} is listed by shares of different owners or Regions ({where})",
                    "a resource has one owner and one Region: give these shares the same "
                    "`owner` and `region`",
                )
                continue
            declaration = declared[0]
            extra = self._extra_statements(declaration)
            grants = tuple(sorted({s for s, _ in listed if s in shares}))
            if extra is None or not grants:
                continue
            first = shares[grants[0]]
            self._check_perimeter(arn, declaration, [shares[s] for s in grants])
            out[arn] = ManagedPolicy(
                arn=arn,
                resource_type=self._type_of(arn).name,
                owner=first.owner,
                owner_id=first.owner_id,
                region=first.region,
                perimeter=declaration.spec.perimeter,
                extra_statements=extra,
                shares=grants,
                kms_key=self.kms_keys.get(arn, (None,))[0],
            )
        self._check_kms_keys(shares)
        return out

    def _extra_statements(self, declaration: Declaration) -> tuple[Mapping[str, Any], ...] | None:
        given = declaration.spec.extra_statements
        path: Path_ = (*declaration.path, "extra_statements")
        if given is None:
            return ()
        statements: Any = given
        if isinstance(given, str):
            file = self.base_dir / given
            try:
                text = inputs.read_text(file, inputs.POLICY)
            except inputs.InputError as exc:
                self.out.add(
                    "FILE_NOT_FOUND", path, str(exc), exc.fix or "the path is relative to the spec"
                )
                return None
            try:
                statements = inputs.load_json(text, str(file))
            except inputs.InputError as exc:
                self.out.add("INVALID_JSON", path, str(exc), "fix the file")
                return None
            if isinstance(statements, dict):
                statements = statements.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        ok = isinstance(statements, list)
        for index, statement in enumerate(statements if ok else []):
            sid = statement.get("Sid") if isinstance(statement, dict) else None
            if not isinstance(sid, str) or not sid:
                self.out.add(
                    "EXTRA_STATEMENT_SID",
                    (*path, index),
                    "each extra statement needs a Sid, so drift can be told statement by statement",
                    'add "Sid": "SomethingDescriptive"',
                )
                ok = False
            elif sid.startswith(RESERVED_SID_PREFIX):
                self.out.add(
                    "EXTRA_STATEMENT_SID",
                    (*path, index),
                    f"Sid {sid!r} starts with {RESERVED_SID_PREFIX!r}, which trainshare's own "
                    "statements use",
                    "rename it",
                )
                ok = False
        if not ok:
            return None
        return tuple(statements)

    def _check_perimeter(self, arn: str, declaration: Declaration, shares: list[Share]) -> None:
        if not declaration.spec.perimeter:
            return
        for share in shares:
            for principal in share.principals:
                if principal.external:
                    self.out.add(
                        "PERIMETER_BLOCKS_PRINCIPAL",
                        (*declaration.path, "perimeter"),
                        f"share {share.key!r} grants {principal.ref} on {arn}, but the data "
                        "perimeter denies every principal outside the organization",
                        "remove the principal, or set `perimeter: false` on this declaration",
                    )

    def _check_kms_keys(self, shares: Mapping[str, Share]) -> None:
        """A bucket encrypted with a KMS key is readable only by those the key is shared with."""
        by_key: dict[str, set[str]] = {}
        for share in shares.values():
            if share.kind is not ShareKind.POLICY:
                continue
            for resource in share.resources:
                if resource.resource_type == "kms:Key":
                    by_key.setdefault(resource.arn, set()).update(
                        p.target for p in share.principals
                    )
        for share in shares.values():
            for resource in share.resources:
                key, where = self.kms_keys.get(resource.arn, (None, ()))
                if key is None:
                    continue
                missing = [
                    p.ref for p in share.principals if p.target not in by_key.get(key, set())
                ]
                if missing and share.kind is ShareKind.POLICY:
                    self.out.add(
                        "KMS_KEY_NOT_SHARED",
                        where,
                        f"{resource.arn} is encrypted with {key}, which is not shared with "
                        f"{', '.join(missing)}: they can list the objects but not read them",
                        f"share {key} with the same principals (a resource "
                        f"`{{arn: {key}, policy: managed}}` with access `decrypt`)",
                    )


def check_partition(out: Collector, arn: Arn, org: Organization, path: Path_) -> bool:
    if arn.partition == org.partition:
        return True
    return out.refuse(
        "ARN_PARTITION_MISMATCH",
        path,
        f"partition {arn.partition!r} differs from the organization's {org.partition!r}",
        "fix the ARN",
    )


def policy_share(key: str, owner: Account, region: str, **fields: Any) -> Share:
    """A resolved policy share (no RAM permissions, never external-capable by RAM rules)."""
    return Share(
        key=key,
        name=key,
        owner=owner.key,
        owner_id=owner.id or "",
        region=region,
        permissions=(),
        kind=ShareKind.POLICY,
        **fields,
    )


def _levels(ptype: Any) -> str:
    names = list(ptype.levels) + [f"{a} (= {c})" for a, c in ptype.aliases.items()]
    return ", ".join(names)


__all__ = [
    "Declaration",
    "PolicyShareChecks",
    "check_partition",
    "is_policy_resource",
    "policy_share",
]
