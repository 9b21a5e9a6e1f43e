"""Effective management policies in `plan`: per type, the accounts that end with the same
effective policy, and that policy as AWS's DescribeEffectivePolicy shows it (values only)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from trainshare.policy.effective import Effective

SHOWN_NAMES = 8  # account names on a line before "+ N more"


def _groups(per_account: Mapping[str, Effective]) -> list[tuple[list[str], dict[str, Any]]]:
    groups: dict[str, tuple[list[str], dict[str, Any]]] = {}
    for account, effective in per_account.items():
        text = json.dumps(effective.document, separators=(",", ":"))
        groups.setdefault(text, ([], effective.document))[0].append(account)
    return list(groups.values())


def effective_to_json(
    found: Mapping[str, Mapping[str, Effective]], titles: Mapping[str, str]
) -> list[dict[str, Any]]:
    """One entry per type and distinct effective policy: the accounts it applies to."""
    return [
        {"type": kind, "title": titles[kind], "accounts": accounts, "effective_policy": document}
        for kind, per_account in found.items()
        for accounts, document in _groups(per_account)
    ]


def render_effective(
    found: Mapping[str, Mapping[str, Effective]], titles: Mapping[str, str]
) -> str:
    """The text section: empty when no management policy applies anywhere."""
    if not found:
        return ""
    lines = [
        "Effective management policies (root → OUs → account merged, as AWS merges them; "
        "values only, not a policy to upload):"
    ]
    for kind, per_account in found.items():
        lines.append(f"  {titles[kind]}")
        for accounts, document in _groups(per_account):
            names = ", ".join(accounts[:SHOWN_NAMES])
            if len(accounts) > SHOWN_NAMES:
                names += f" + {len(accounts) - SHOWN_NAMES} more"
            lines.append(f"    {names}: {json.dumps(document, separators=(',', ':'))}")
    return "\n".join(lines) + "\n"
