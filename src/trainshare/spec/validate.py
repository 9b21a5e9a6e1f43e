"""From located YAML to a resolved `Spec`, reporting every problem at once.

Each section is checked on its own, so one bad entry does not hide the problems of the others;
then the rules across sections run on what parsed. Where the rules are:

- spec/tree.py          `organization`, `units` (OUs), `accounts`
- spec/guardrails.py    `guardrails`: type, documents (templates or files) and targets
- spec/org_policies.py  policy types other than SCPs: their documents, counts, AI opt-outs
- spec/scp_checks.py    across SCPs and the tree: SCPs per target, lockout, deploy role
- spec/shares.py        `shares`: owner, Region, kind; spec/principals.py whom they reach
- spec/ram_shares.py    RAM shares: resources, managed permissions
- spec/policy_shares.py policy shares: resources, the resource policies they compose
- spec/changes.py       renames (`renamed_from`) and protected shares
- spec/feature_set.py   across sections: what an organization without all features cannot hold
- spec/context.py       what rules share: `Context`, `References`, Region and tag rules

A rule is a function that reports with `ctx.out.add(CODE, path, message, fix)`, its code
catalogued in catalog/data/findings.yaml and asserted by a test. Every rule cites where AWS
states it, or says `Assumption:`. This module only orders the sections.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from pathlib import Path
from typing import Any

from trainshare.catalog import Catalog, load_catalog
from trainshare.errors import SpecError
from trainshare.findings import Severity
from trainshare.spec import guardrails as guardrail_section
from trainshare.spec import org_policies, tree
from trainshare.spec import shares as share_section
from trainshare.spec.changes import check_renames
from trainshare.spec.context import DEFAULT_REGION, Context, References
from trainshare.spec.feature_set import check_feature_set
from trainshare.spec.issues import Collector, did_you_mean
from trainshare.spec.model import UnmanagedSpec
from trainshare.spec.policy_shares import PolicyShareChecks
from trainshare.spec.resolved import Organization, Spec, Unmanaged
from trainshare.spec.scp_checks import check_deploy_role, check_lockout, check_scp_counts
from trainshare.yamlsource import Located, read_yaml

_TOP_KEYS = ("version", "organization", "units", "accounts", "guardrails", "shares", "unmanaged")
# With a broken `organization`, the rest is still checked against these neutral defaults.
_FALLBACK_ORG = Organization(
    management_account="",
    create=False,
    region=DEFAULT_REGION,
    partition="aws",
    access_role="OrganizationAccountAccessRole",
    trusted_services=(),
)


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
    ctx = Context.of(Collector(source), catalog or load_catalog(), base_dir, default_region)
    data = source.data
    if not isinstance(data, dict):
        ctx.out.add(
            "WRONG_TYPE",
            (),
            "the spec must be a YAML mapping",
            "start from examples/ml-platform/trainshare.yaml",
        )
        raise SpecError(ctx.out.sorted())
    check_top_level(ctx, data)
    org = tree.organization(ctx, data.get("organization"))
    checks_org = org or _FALLBACK_ORG
    raw_units = _section(ctx, data, "units")
    units = tree.units(ctx, raw_units)
    accounts = tree.accounts(ctx, _section(ctx, data, "accounts"), units, org)
    refs = References(units, accounts, org)
    tree.check_ambiguous_names(ctx, units, accounts)
    raw_guardrails = _section(ctx, data, "guardrails")
    guardrails = guardrail_section.guardrails(ctx, raw_guardrails, refs, checks_org)
    guardrails |= org_policies.opt_out_guardrails(ctx.out, raw_units, units, guardrails)
    policy_shares = PolicyShareChecks(ctx.out, ctx.catalog, base_dir)
    shares = share_section.shares(
        ctx, _section(ctx, data, "shares"), refs, checks_org, policy_shares
    )
    # What the rules across sections read: every section as far as it resolved.
    resolved = Spec(
        file=Path(source.file),
        organization=checks_org,
        units=units,
        accounts=accounts,
        guardrails=guardrails,
        shares=shares,
        limits=dict(ctx.limits),
        managed_policies=policy_shares.managed_policies(shares),
    )
    check_across_sections(ctx, resolved, declared=set(raw_guardrails))
    unmanaged = _unmanaged(ctx, data.get("unmanaged", []))
    blocking = [i for i in ctx.out.issues if i.severity is Severity.ERROR and i.code not in accept]
    if blocking or org is None:
        raise SpecError(ctx.out.sorted())
    return replace(resolved, warnings=tuple(ctx.out.sorted()), unmanaged=unmanaged)


def check_across_sections(ctx: Context, spec: Spec, declared: Collection[str]) -> None:
    """The rules that read more than one section, on what resolved of each. `declared`: the
    keys under `guardrails:` (the others come from `ai_services_opt_out`)."""
    check_scp_counts(ctx.out, spec)
    org_policies.check_counts(ctx.out, spec.guardrails, ctx.limits, ctx.catalog)
    org_policies.check_effective(ctx.out, spec, ctx.catalog)
    check_lockout(ctx.out, spec)
    check_renames(ctx.out, spec)
    check_deploy_role(ctx.out, spec)
    check_feature_set(ctx.out, spec, declared)


def check_top_level(ctx: Context, data: dict[Any, Any]) -> None:
    for key in data:
        if key not in _TOP_KEYS:
            hint = did_you_mean(str(key), _TOP_KEYS) or f"allowed: {', '.join(_TOP_KEYS)}"
            ctx.out.add("UNKNOWN_KEY", (str(key),), f"unknown key {key!r}", f"remove it — {hint}")
    if "version" not in data:
        ctx.out.add(
            "MISSING_KEY",
            ("version",),
            "required key 'version' is missing",
            "add `version: 1` at the top",
        )
    elif data["version"] != 1 or isinstance(data["version"], bool):
        ctx.out.add(
            "UNSUPPORTED_VERSION",
            ("version",),
            f"spec version {data['version']!r} is not supported",
            "this trainshare reads `version: 1`",
        )


def _unmanaged(ctx: Context, raw: Any) -> tuple[Unmanaged, ...]:
    """What the organization holds and the spec leaves alone (`trainshare import` writes it):
    the audit's words for each, and why."""
    if not isinstance(raw, list):
        ctx.out.add(
            "WRONG_TYPE",
            ("unmanaged",),
            "`unmanaged` must be a list",
            "write `unmanaged: [{object: …, name: …, item: …, why: …}]`",
        )
        return ()
    found = []
    for index, body in enumerate(raw):
        entry = ctx.out.validate(UnmanagedSpec, body, ("unmanaged", index))
        if entry is not None:
            found.append(Unmanaged(entry.object, entry.name, entry.item, entry.why))
    return tuple(found)


def _section(ctx: Context, data: dict[Any, Any], key: str) -> dict[str, Any]:
    """A top-level section as a mapping of name: entry ({} when absent or not a mapping)."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        ctx.out.add(
            "WRONG_TYPE",
            (key,),
            f"{key} must be a mapping of name: entry",
            f"write `{key}:` followed by indented entries",
        )
        return {}
    return {str(k): v for k, v in value.items()}


__all__ = ["load_spec", "validate_spec"]
