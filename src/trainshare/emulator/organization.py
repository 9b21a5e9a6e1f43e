"""The organization as moto keeps it, read the way RAM reads it: which Organizations backend
manages an account, which accounts are in the organization, and whom a share's principal reaches
(RAM API reference, principals: an account, the organization, or an OU and its subtree).
"""

from __future__ import annotations

import re

from moto.organizations.models import OrganizationsBackend, organizations_backends

from trainshare.catalog import is_organization_arn, ou_id_of

# Organization and OU principals are read in any partition (aws, aws-cn, aws-us-gov) by the one
# pair of patterns in catalog/arns.py; extensions.py reads them with the same functions.
_IAM_ARN = re.compile(r"^arn:[\w-]+:iam::(\d{12}):")


def management_backend(account_id: str) -> OrganizationsBackend | None:
    """The Organizations backend of the organization `account_id` belongs to."""
    for backend in organizations_backends[account_id].values():
        if backend.org:
            return backend
    linked = organizations_backends.master_accounts.get(account_id)
    if linked is None:
        return None
    master, partition = linked
    return organizations_backends[master][partition]


def in_organization(owner: str, account: str) -> bool:
    """Whether `account` is in the organization `owner` belongs to."""
    backend = management_backend(owner)
    if backend is None or backend.org is None:
        return False
    return account == backend.org.master_account_id or any(
        a.id == account for a in backend.accounts
    )


def _parents(backend: OrganizationsBackend, account: str) -> set[str]:
    """Every OU above `account` (RAM: sharing with an OU reaches the accounts in its subtree)."""
    parents: set[str] = set()
    node = next((a.parent_id for a in backend.accounts if a.id == account), None)
    units = {u.id: u.parent_id for u in backend.ou}
    while node is not None and node in units and node not in parents:
        parents.add(node)
        node = units[node]
    return parents


def principal_reaches(principal: str, account: str, owner: str) -> bool:
    """Whether a share's principal reaches `account` (RAM API reference, principals)."""
    if principal == account:
        return True
    iam = _IAM_ARN.match(principal)
    if iam:
        return iam.group(1) == account
    if is_organization_arn(principal):
        backend = management_backend(owner)
        return bool(backend and backend.org and backend.org.arn == principal) and in_organization(
            owner, account
        )
    unit = ou_id_of(principal)
    if unit:
        backend = management_backend(owner)
        return backend is not None and unit in _parents(backend, account)
    return False


def outside_organization(principal: str, owner: str) -> bool:
    """A principal naming an account outside the owner's organization."""
    account = principal if re.fullmatch(r"\d{12}", principal) else None
    iam = _IAM_ARN.match(principal)
    account = iam.group(1) if iam else account
    return account is not None and not in_organization(owner, account)
