"""RAM shares against the spec: each spec share matched to a live share of its name, owner and
Region, then its principals, resources, permissions and external setting; and what the live
shares say on their own (failed or pending associations, principals outside the organization,
shares no spec names, RAM without trusted access)."""

from __future__ import annotations

from trainshare.audit.diff.drift import Comparison, DriftKind
from trainshare.catalog import ou_arn_prefix, permission_arn
from trainshare.snapshot import ResourceShare
from trainshare.spec import PrincipalKind, Share, ShareKind

LAKE_FORMATION_PREFIX = "LakeFormation"  # LF creates and owns these shares (optimize-ram.md)


def _expected_principal(audit: Comparison, kind: PrincipalKind, target: str) -> str | None:
    """The live entity a spec principal is associated as; None when its OU or account was not
    matched."""
    live = audit.live
    if kind is PrincipalKind.ORGANIZATION:
        return live.organization_arn
    if kind is PrincipalKind.UNIT:
        unit_id = audit.unit_ids.get(target)
        prefix = ou_arn_prefix(audit.spec.organization.partition, live.management_account)
        return f"{prefix}{live.organization_id}/{unit_id}" if unit_id else None
    if kind is PrincipalKind.ACCOUNT:
        return audit.account_ids.get(target)
    return target


def check_shares(audit: Comparison) -> None:
    live_by_key: dict[tuple[str, str, str], list[ResourceShare]] = {}
    for item in audit.live.shares:
        live_by_key.setdefault((item.owner, item.region, item.name), []).append(item)
    managed: set[str] = set()
    for key, share in audit.spec.shares.items():
        if share.kind is not ShareKind.RAM:
            continue  # its grants are statements in resource policies: `resource_policies`
        principals = {_expected_principal(audit, p.kind, p.target) for p in share.principals}
        candidates = live_by_key.get((share.owner_id, share.region, share.name), [])
        live = _same_share(share, principals, [c for c in candidates if c.arn not in managed])
        if live is None:
            audit.drift(
                DriftKind.MISSING,
                "share",
                key,
                f"no share named {share.name} in {share.owner_id}/{share.region}",
            )
            continue
        managed.add(live.arn)
        _compare_share(audit, key, share, live, principals)
    org_ids = audit.org_account_ids()
    for live in audit.live.shares:
        _share_findings(audit, live, org_ids)
        if live.arn not in managed and not live.name.startswith(LAKE_FORMATION_PREFIX):
            audit.find("UNMANAGED_SHARE", _where(live), f"share {live.name} is not in the spec")
    if audit.spec.shares_with_org_units and "ram.amazonaws.com" not in audit.live.service_access:
        audit.find(
            "RAM_ORG_SHARING_DISABLED",
            f"organization {audit.live.organization_id}",
            "ram.amazonaws.com has no trusted access, so shares with OUs and the "
            "organization reach nobody",
        )


def _compare_share(
    audit: Comparison,
    key: str,
    share: Share,
    live: ResourceShare,
    principals: set[str | None],
) -> None:
    """A spec share against the live share matched to it."""
    audit.compare_set(
        "share-principal",
        key,
        (p for p in principals if p is not None),
        (a.entity for a in live.principals),
    )
    audit.compare_set(
        "share-resource",
        key,
        (r.arn for r in share.resources),
        (a.entity for a in live.resources),
    )
    partition = audit.spec.organization.partition
    wanted = sorted(permission_arn(p, partition) for p in share.permissions)
    if sorted(live.permissions) != wanted:
        audit.drift(
            DriftKind.CHANGED,
            "share-permissions",
            key,
            f"{', '.join(live.permissions) or 'none'}; the spec has {', '.join(wanted)}",
        )
    if live.allow_external != share.allow_external:
        audit.drift(
            DriftKind.CHANGED,
            "share-setting",
            key,
            f"allowExternalPrincipals is {str(live.allow_external).lower()}; the "
            f"spec has {str(share.allow_external).lower()}",
        )


def _share_findings(audit: Comparison, share: ResourceShare, org_ids: set[str]) -> None:
    for assoc in (*share.principals, *share.resources):
        if assoc.status == "FAILED":
            extra = f": {assoc.message}" if assoc.message else ""
            audit.find(
                "ASSOCIATION_FAILED",
                _where(share),
                f"{assoc.entity} is FAILED in share {share.name}{extra}",
            )
        elif assoc.status == "ASSOCIATING":
            audit.find(
                "ASSOCIATION_PENDING",
                _where(share),
                f"{assoc.entity} is still ASSOCIATING in share {share.name}",
            )
    for assoc in share.principals:
        outside = assoc.external or (
            assoc.entity.isdigit() and len(assoc.entity) == 12 and assoc.entity not in org_ids
        )
        if outside and assoc.status not in ("DISASSOCIATED", "DISASSOCIATING"):
            audit.find(
                "EXTERNAL_SHARE",
                _where(share),
                f"share {share.name} reaches {assoc.entity}, outside the organization",
            )


def _same_share(
    share: Share, principals: set[str | None], candidates: list[ResourceShare]
) -> ResourceShare | None:
    """The live share of the spec's share's name, owner and Region. AWS lets shares have one
    name: then the one with the spec's resources and principals, else the first not yet matched
    (its differences are then reported as drift)."""
    for live in candidates:
        if {a.entity for a in live.resources} == {r.arn for r in share.resources} and {
            a.entity for a in live.principals
        } == principals - {None}:
            return live
    return candidates[0] if candidates else None


def _where(share: ResourceShare) -> str:
    return f"share {share.name} in {share.owner}/{share.region}"
