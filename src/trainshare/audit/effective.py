"""Effective management policies in `audit`: each account's AI opt-out, tag, EC2 declarative and
backup policies merged from the live organization (the snapshot's policies and their targets)
against the ones the spec gives it, and what AWS leaves out of the live ones.

No AWS call: the snapshot already holds every policy of the types enabled on the root and its
targets (DescribeEffectivePolicy would cost a call per account and type). Within one target the
live policies are merged in the snapshot's order — AWS's attachment order is not readable —
so `MGMT_POLICY_ASSIGN_CONFLICT` on a live target says the answer depends on it.

Findings:
- EFFECTIVE_POLICY_DIFFERS — per type, accounts whose live effective policy is not the spec's,
  grouped by the settings that differ (at most `SHOWN_SETTINGS` named);
- MGMT_POLICY_OVERRIDE_IGNORED / MGMT_POLICY_ASSIGN_CONFLICT — in the live organization.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from trainshare import inputs
from trainshare.catalog import Catalog, finding
from trainshare.findings import Finding, Location
from trainshare.policy.effective import Attached, Effective, EffectiveMerger, Level
from trainshare.snapshot import Snapshot
from trainshare.spec import Spec
from trainshare.spec.org_policies import effective_policies

SHOWN_SETTINGS = 3
SHOWN_ACCOUNTS = 8


def _live_effective(
    snapshot: Snapshot, catalog: Catalog
) -> dict[str, dict[str, tuple[Effective, Mapping[str, str]]]]:
    """Type key → live account ID → (its effective policy, policy ID → name)."""
    parents = {u.id: u.parent_id for u in snapshot.units}
    by_type: dict[str, dict[str, list[Attached]]] = {}
    names: dict[str, dict[str, str]] = {}
    for policy in snapshot.policies:
        ptype = catalog.policy_type(policy.type)
        if ptype is None or not ptype.is_management:
            continue
        try:
            document = inputs.load_json(policy.content, f"policy {policy.id}")  # bounded depth
        except inputs.InputError:
            continue  # the snapshot's own check reports it
        names.setdefault(ptype.key, {})[policy.id] = policy.name
        for target in policy.targets:
            by_type.setdefault(ptype.key, {}).setdefault(target, []).append(
                Attached(policy.name, document)
            )
    found: dict[str, dict[str, tuple[Effective, Mapping[str, str]]]] = {}
    for kind in [k for k in catalog.policy_types if k in by_type]:
        attached = by_type[kind]
        merger = EffectiveMerger()
        for account in snapshot.accounts:
            chain = [account.id]
            parent = account.parent_id
            while parent in parents and len(chain) <= len(parents):
                chain.append(parent)
                parent = parents[parent]
            path = [snapshot.root_id, *reversed(chain)]
            levels = [Level(t, tuple(attached.get(t, ()))) for t in path]
            found.setdefault(kind, {})[account.id] = (merger.merge(levels), names[kind])
    return found


def _settings(document: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    if isinstance(document, dict) and document:
        for key, value in document.items():
            yield from _settings(value, (*path, str(key)))
    elif path:
        yield ".".join(path), document


def _shown(value: Any) -> str:
    return "(not set)" if value is None else json.dumps(value)


def _differences(live: Any, wanted: Any) -> str:
    have, want = dict(_settings(live)), dict(_settings(wanted))
    parts = []
    for setting in dict.fromkeys([*want, *have]):
        if have.get(setting) == want.get(setting):
            continue
        parts.append(
            f"{setting} is {_shown(have.get(setting))}, the spec's {_shown(want.get(setting))}"
        )
    more = len(parts) - SHOWN_SETTINGS
    return "; ".join(parts[:SHOWN_SETTINGS]) + (f"; and {more} more" if more > 0 else "")


def effective_findings(
    spec: Spec, snapshot: Snapshot, account_ids: Mapping[str, str], catalog: Catalog
) -> list[Finding]:
    """`account_ids`: spec account key → live ID (the accounts the audit matched)."""
    wanted = effective_policies(spec.guardrails, spec.units, spec.accounts, catalog)
    live = _live_effective(snapshot, catalog)
    names = {a.id: f"account {a.name} ({a.id})" for a in snapshot.accounts}
    names |= {u.id: f"OU {u.name} ({u.id})" for u in snapshot.units}
    names[snapshot.root_id] = f"the root ({snapshot.root_id})"
    keys = {live_id: key for key, live_id in account_ids.items()}
    found: list[Finding] = []
    for kind, ptype in catalog.policy_types.items():
        if kind not in wanted and kind not in live:
            continue
        groups: dict[str, list[str]] = {}
        for live_id, key in keys.items():
            want = wanted.get(kind, {}).get(key)
            have = live.get(kind, {}).get(live_id)
            want_doc = want.document if want is not None else {}
            have_doc = have[0].document if have is not None else {}
            if want_doc != have_doc:
                groups.setdefault(_differences(have_doc, want_doc), []).append(f"{key} ({live_id})")
        for detail, accounts in groups.items():
            shown = ", ".join(accounts[:SHOWN_ACCOUNTS])
            if len(accounts) > SHOWN_ACCOUNTS:
                shown += f" + {len(accounts) - SHOWN_ACCOUNTS} more"
            found.append(
                finding(
                    "EFFECTIVE_POLICY_DIFFERS",
                    Location(path=f"effective {ptype.title}"),
                    f"{shown}: {detail}",
                )
            )
        seen: set[tuple[str, str, str, str]] = set()
        for effective, _ in live.get(kind, {}).values():
            for item in effective.ignored:
                once = (item.policy, item.target, item.where, item.operator)
                if once in seen:
                    continue
                seen.add(once)
                target = names.get(item.target, item.target)
                code = (
                    "MGMT_POLICY_OVERRIDE_IGNORED"
                    if item.kind == "locked"
                    else "MGMT_POLICY_ASSIGN_CONFLICT"
                )
                found.append(
                    finding(
                        code,
                        Location(path=f"{ptype.title} {item.policy} on {target}"),
                        f"{item.operator} at {item.where} has no effect: {item.reason}"
                        if item.kind == "locked"
                        else f"assigns {item.where} differently from another policy there "
                        f"({item.reason}); the live attachment order decides",
                    )
                )
    return found
