"""The least-privilege IAM policies a deploy needs (catalog/data/deploy_permissions.yaml).

`deploy_policy("management")` is what the identity running the org stack (or a single stack)
needs in the management account; `deploy_policy("owner")` what the identity running an owner's
stack — the owner's deploy role — needs in that owner account. docs/deploy-permissions/ holds
both, generated from here.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ruamel.yaml import YAML

ACCOUNTS = ("management", "owner")
_SIDS = {"management": "TrainshareDeployManagementAccount", "owner": "TrainshareDeployOwnerAccount"}


@dataclass(frozen=True)
class KindPermissions:
    """What one kind of plan node needs, and in which accounts."""

    kind: str
    accounts: tuple[str, ...]
    actions: tuple[str, ...]
    scripts: Mapping[str, tuple[str, ...]]  # commands: account → what their scripts call
    source: str
    verified: str

    def needs(self, account: str) -> tuple[str, ...]:
        if account not in self.accounts:
            return ()
        return (*self.actions, *self.scripts.get(account, ()))


@functools.cache
def load_deploy_permissions() -> Mapping[str, KindPermissions]:
    """Kind (Pulumi type token) → its permissions, read once from the package data."""
    text = resources.files("trainshare.catalog").joinpath("data/deploy_permissions.yaml")
    data: dict[str, Any] = YAML(typ="safe", pure=True).load(text.read_text(encoding="utf-8"))
    return {
        kind: KindPermissions(
            kind=kind,
            accounts=tuple(entry["account"]),
            actions=tuple(entry["actions"]),
            scripts={k: tuple(v) for k, v in (entry.get("scripts") or {}).items()},
            source=" ".join(str(entry["source"]).split()),
            verified=str(entry["verified"]),
        )
        for kind, entry in data["kinds"].items()
    }


def deploy_policy(account: str) -> dict[str, Any]:
    """The IAM policy document for `account` ("management" or "owner"): every action any kind
    needs there, sorted, on all resources (the resources are the organization's own, named at
    deploy time; narrow them to your ARNs if you like)."""
    if account not in ACCOUNTS:
        raise ValueError(f"account must be one of {', '.join(ACCOUNTS)}, not {account!r}")
    actions = sorted(
        {action for entry in load_deploy_permissions().values() for action in entry.needs(account)}
    )
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": _SIDS[account], "Effect": "Allow", "Action": actions, "Resource": "*"}
        ],
    }


def trust_policy(principal_arn: str) -> dict[str, Any]:
    """The trust policy of an owner's deploy role: `principal_arn` (the identity that runs the
    owner stacks, by default the management account) may assume it."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TrainshareDeployer",
                "Effect": "Allow",
                "Principal": {"AWS": principal_arn},
                "Action": "sts:AssumeRole",
            }
        ],
    }
