"""Does a resource policy's Principal (or NotPrincipal) name the caller?

IAM user guide, "AWS JSON policy elements: Principal":
- `"*"` and `{"AWS": "*"}` name everyone;
- an account ID or its root ARN (`arn:aws:iam::111122223333:root`) names every principal of the
  account (the account delegates to its own IAM policies);
- a role ARN names the role and every session of it; an assumed-role session ARN
  (`arn:aws:sts::111122223333:assumed-role/name/session`) names that session only; a user ARN the
  user; role names are unique in an account whatever their path;
- no other wildcard: `arn:aws:iam::*:root` names nobody;
- `Service`, `Federated` name services and federated identity providers, never an IAM role
  caller; `CanonicalUser` names an account by its S3 canonical ID, which trainshare does not
  know (an open question).

"AWS JSON policy elements: NotPrincipal": AWS may evaluate the account, then the role, then the
session, each as a principal. So a Deny with NotPrincipal applies unless the caller's account,
role and session are all listed; an Allow with NotPrincipal applies only when none of them is.
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple

from trainshare.access.conditions import NO, YES, Match, Outcome
from trainshare.access.request import Caller
from trainshare.policy.model import Principal, Statement


class _Unnamed(Enum):
    UNNAMED = "a session whose name is not known"


# The session of a caller named by its role's ARN: it has a name, which trainshare does not know
UNNAMED = _Unnamed.UNNAMED


class Identity(NamedTuple):
    """One principal the caller is, as AWS may evaluate it."""

    kind: str  # account | role | session | user | other
    account: str
    name: str = ""  # role or user name; a session's role name
    session: str | _Unnamed = ""  # a session's name, or UNNAMED; "" for every other kind


def identities(caller: Caller) -> tuple[Identity, ...]:
    """The caller as the principals AWS may evaluate: its account, then its role (or user),
    then its session. A caller named by a role ARN makes requests from a session of it whose
    name is not known."""
    account = Identity("account", caller.account)
    if caller.arn is None:
        return (account,)
    parts = caller.arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return (account, Identity("other", caller.account, caller.arn))
    service, resource = parts[2], parts[5]
    kind, _, rest = resource.partition("/")
    if service == "iam" and kind == "role":
        name = rest.rsplit("/", 1)[-1]
        return (
            account,
            Identity("role", caller.account, name),
            Identity("session", caller.account, name, UNNAMED),
        )
    if service == "sts" and kind == "assumed-role":
        name, _, session = rest.partition("/")
        return (
            account,
            Identity("role", caller.account, name),
            Identity("session", caller.account, name, session),
        )
    if service == "iam" and kind == "user":
        return (account, Identity("user", caller.account, rest.rsplit("/", 1)[-1]))
    if resource == "root":
        return (account,)
    return (account, Identity("other", caller.account, caller.arn))


def _names(value: str, identity: Identity) -> Match:
    """Whether one AWS principal value names this identity of the caller."""
    if value == "*":
        return Match.YES
    if "*" in value or "?" in value:
        return Match.NO  # no wildcards in principals but "*" itself
    if value.isdigit():
        return Match.YES if identity.kind == "account" and value == identity.account else Match.NO
    parts = value.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn" or parts[4] != identity.account:
        return Match.NO
    service, resource = parts[2], parts[5]
    kind, _, rest = resource.partition("/")
    if resource == "root" and service == "iam":
        return Match.YES if identity.kind == "account" else Match.NO
    if service == "iam" and kind == "role":
        return (
            Match.YES
            if identity.kind == "role" and rest.rsplit("/", 1)[-1] == identity.name
            else Match.NO
        )
    if service == "sts" and kind == "assumed-role":
        name, _, session = rest.partition("/")
        if identity.kind != "session" or name != identity.name:
            return Match.NO
        if identity.session is UNNAMED:
            return Match.UNKNOWN
        return Match.YES if session == identity.session else Match.NO
    if service == "iam" and kind == "user":
        return (
            Match.YES
            if identity.kind == "user" and rest.rsplit("/", 1)[-1] == identity.name
            else Match.NO
        )
    return Match.YES if identity.kind == "other" and value == identity.name else Match.NO


def _listed(principal: Principal, identity: Identity) -> Match:
    """Whether the element names this identity (YES), perhaps (UNKNOWN), or not."""
    if principal.everyone:
        return Match.YES
    found = [_names(value, identity) for value in principal.aws]
    if Match.YES in found:
        return Match.YES
    if Match.UNKNOWN in found or principal.canonical_user:
        return Match.UNKNOWN
    return Match.NO


def _open(caller: Caller, principal: Principal) -> Outcome:
    why = []
    if principal.canonical_user:
        why.append("CanonicalUser (an account's S3 canonical ID, which trainshare does not know)")
    if any(i.session is UNNAMED for i in identities(caller)):
        why.append("the caller's session name")
    return Outcome(Match.UNKNOWN, notes=tuple(why) or ("the principal",))


def principal_outcome(stmt: Statement, caller: Caller) -> Outcome:
    """Whether the statement applies to the caller, as far as Principal/NotPrincipal go."""
    principal = stmt.principal
    if principal is None:
        return NO  # a resource policy statement names whom it applies to
    found = [_listed(principal, identity) for identity in identities(caller)]
    if not stmt.not_principal:
        if Match.YES in found:
            return YES
        return _open(caller, principal) if Match.UNKNOWN in found else NO
    if stmt.is_deny:  # applies unless every identity of the caller is listed
        if Match.NO in found:
            return YES
        return _open(caller, principal) if Match.UNKNOWN in found else NO
    if Match.YES in found:  # an Allow applies only when no identity of the caller is listed
        return NO
    return _open(caller, principal) if Match.UNKNOWN in found else YES


def naming(stmt: Statement, caller: Caller) -> str:
    """How a statement that applies to the caller names it — what decides, within one
    account, whether the resource's policy is enough on its own (IAM user guide, "Policy
    evaluation logic", resource-based policies): `direct` (everyone, or the caller's own session
    or user: enough), `role` (its role: enough within what a permissions boundary allows), or
    `account` (its account: the account's own policies must allow as well)."""
    principal = stmt.principal
    if principal is None or stmt.not_principal or principal.everyone:
        return "direct"
    found = {
        identity.kind
        for identity in identities(caller)
        for value in principal.aws
        if _names(value, identity) is Match.YES
    }
    if "*" in principal.aws or found & {"session", "user", "other"}:
        return "direct"
    return "role" if "role" in found else "account"


_IDENTITY_WORDS = {
    "account": "its account",
    "role": "its role",
    "session": "its session",
    "user": "its user",
    "other": "its ARN",
}


def unlisted(stmt: Statement, caller: Caller) -> list[str]:
    """What a NotPrincipal leaves out of the caller ("its account", "its session"): why a Deny
    with NotPrincipal applies to a caller that looks listed."""
    principal = stmt.principal
    if principal is None or not stmt.not_principal:
        return []
    return [
        _IDENTITY_WORDS[identity.kind]
        for identity in identities(caller)
        if _listed(principal, identity) is Match.NO
    ]
