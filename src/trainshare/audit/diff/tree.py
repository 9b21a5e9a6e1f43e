"""The organization and its tree against the spec: the feature set, the OUs (matched by path of
AWS names, or by the ID the spec gives) and the accounts (by their AWS name, `name:` or else the
key, or by ID). They fill the comparison's `unit_ids` and `account_ids`, which every later
section reads."""

from __future__ import annotations

from trainshare.audit.diff.drift import Comparison, DriftKind
from trainshare.spec import ROOT
from trainshare.spec.resolved import ALL_FEATURES, CONSOLIDATED_BILLING


def check_feature_set(audit: Comparison) -> None:
    """ALL_FEATURES_DISABLED: the spec uses what needs all features (its guardrails, trusted
    access, sharing with OUs) in an organization without them, so `pulumi up` fails there.
    ALL_FEATURES_ENABLED: the spec says the organization lacks them, and it has them now."""
    spec = audit.spec
    live, wanted = audit.live.feature_set, spec.organization.feature_set
    where = f"organization {audit.live.organization_id}"
    if live == CONSOLIDATED_BILLING and wanted == ALL_FEATURES:
        needs = [
            *(f"guardrail {k}" for k in spec.guardrails),
            *(f"trusted access for {s}" for s in spec.organization.trusted_services),
        ]
        if spec.shares_with_org_units:
            needs.append("sharing with OUs or the organization")
        if needs:
            shown = ", ".join(needs[:5]) + (f", … ({len(needs)} in all)" if len(needs) > 5 else "")
            audit.find(
                "ALL_FEATURES_DISABLED",
                where,
                f"the organization has feature set {live}, and the spec needs all "
                f"features for: {shown}",
            )
    elif live == ALL_FEATURES and wanted != ALL_FEATURES:
        audit.find(
            "ALL_FEATURES_ENABLED",
            where,
            f"the organization has all features now; the spec says {wanted} "
            "(organization.feature_set)",
        )


def check_units(audit: Comparison) -> None:
    """Each of the spec's OUs: by its `id` when that OU is live, else by its AWS name under its
    parent's live OU (names are compared one level at a time: an AWS name may hold `/`). An OU
    found by ID under another name is CHANGED: `pulumi up` renames it."""
    audit.live.unit_paths(ROOT)  # a snapshot whose tree is broken is refused here, as before
    by_id = {u.id: u for u in audit.live.units}
    by_name = {(u.parent_id, u.name): u for u in audit.live.units}
    for path, unit in audit.spec.units.items():  # parents before their children
        parent_id = audit.target_id(unit.parent)
        live = by_id.get(unit.id or "") or by_name.get((parent_id or "", unit.name))
        if live is None:
            audit.drift(DriftKind.MISSING, "ou", path, "not in the organization")
            continue
        audit.unit_ids[path] = live.id
        if live.name != unit.name:
            audit.drift(
                DriftKind.CHANGED,
                "ou",
                path,
                f"{live.id} is named {live.name!r}, the spec names it {unit.name!r}",
            )


def check_accounts(audit: Comparison) -> None:
    """Each of the spec's accounts, by ID or by its AWS name (`name:`, default the key: a key
    renamed with `name: <old key>` keeps the live account), and where it is placed; a live
    account the spec does not name is ACCOUNT_OUTSIDE_SPEC."""
    live_accounts = audit.live.accounts
    by_id = {a.id: a for a in live_accounts}
    by_name = {a.name: a for a in live_accounts}
    for key, account in audit.spec.accounts.items():
        live = by_id.get(account.id) if account.id else by_name.get(account.aws_name)
        if live is None and account.id == audit.live.management_account:
            audit.account_ids[key] = account.id  # in its organization by definition
            continue
        if live is None:
            audit.drift(
                DriftKind.MISSING,
                "account",
                key,
                f"{account.id or 'a new account'} is not in the organization",
            )
            continue
        audit.account_ids[key] = live.id
        want = audit.target_id(account.unit)
        if want is not None and live.parent_id != want:
            audit.drift(
                DriftKind.CHANGED,
                "account",
                key,
                f"placed under {live.parent_id}, the spec puts it in {account.unit} ({want})",
            )
    known = set(audit.account_ids.values()) | {audit.live.management_account}
    for live in live_accounts:
        if live.id not in known:
            audit.find(
                "ACCOUNT_OUTSIDE_SPEC",
                f"account {live.id} ({live.name})",
                f"account {live.name} ({live.id}) is in the organization but not in the spec",
            )
