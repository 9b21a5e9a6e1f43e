"""A spec built in Python: `SpecBuilder` writes the same mapping as `trainshare.yaml`.

    spec = (
        SpecBuilder("111111111111", region="us-east-1")
        .unit("ml/training")
        .account("shared-services", id="222222222222", unit="ml")
        .account("team-vision", email="vision@example.com", unit="ml/training")
        .share("gpu", owner="shared-services", resources=[arn], principals=["ml/training"])
        .build()
    )

Only what is given is written, so every default stays the spec's own. The result is checked as a
file is (`Spec.from_dict`): a mistake is a `SpecError` naming the field. In a Pulumi program,
pass `to_dict()` to `OrgSharing` instead: its `resources` may then hold Outputs and resources of
the same program (see `trainshare.pulumi.OrgSharing`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from trainshare.spec.resolved import Spec


def _given(**values: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            out[key] = dict(value)
        elif isinstance(value, tuple | set | frozenset):
            out[key] = list(value)  # the spec's lists are YAML sequences: Python lists
        else:
            out[key] = value
    return out


class SpecBuilder:
    """A version-1 spec, section by section; each method returns the builder."""

    def __init__(
        self,
        management_account: str,
        *,
        region: str | None = None,
        create: bool | None = None,
        access_role: str | None = None,
        trusted_services: Iterable[str] | None = None,
        feature_set: str | None = None,
    ) -> None:
        self._document: dict[str, Any] = {
            "version": 1,
            "organization": _given(
                management_account=management_account,
                region=region,
                create=create,
                access_role=access_role,
                trusted_services=list(trusted_services) if trusted_services is not None else None,
                feature_set=feature_set,
            ),
        }

    def _section(self, name: str) -> dict[str, Any]:
        section: dict[str, Any] = self._document.setdefault(name, {})
        return section

    def unit(
        self,
        path: str,
        *,
        id: str | None = None,
        tags: Mapping[str, str] | None = None,
        full_aws_access: bool | None = None,
        renamed_from: str | None = None,
    ) -> SpecBuilder:
        """An OU by its path (`ml/training`); its parents are added as needed."""
        node = self._section("units")
        for part in path.split("/"):
            node = node.setdefault(part, {})
        node.update(
            _given(id=id, tags=tags, full_aws_access=full_aws_access, renamed_from=renamed_from)
        )
        return self

    def account(self, key: str, **fields: Any) -> SpecBuilder:
        """An account: `id` (existing), `email` (new, or with `id`: adopted and managed),
        `unit`, `tags`, `name`, `protect`, … — the keys of `accounts.<key>` in the spec."""
        self._section("accounts")[key] = _given(**fields)
        return self

    def guardrail(self, key: str, *, targets: Iterable[str], **fields: Any) -> SpecBuilder:
        """A guardrail: `template` and `params`, or `document` (a file), and its `targets`."""
        self._section("guardrails")[key] = _given(targets=list(targets), **fields)
        return self

    def share(
        self,
        key: str,
        *,
        owner: str,
        resources: Iterable[Any],
        principals: Iterable[str],
        **fields: Any,
    ) -> SpecBuilder:
        """A share: its owner (an account key), resources (ARNs, `{arn: …, policy: managed}`,
        or — through OrgSharing — Outputs and resources of the program) and principals."""
        self._section("shares")[key] = _given(
            owner=owner, resources=list(resources), principals=list(principals), **fields
        )
        return self

    def to_dict(self) -> dict[str, Any]:
        """The spec as a mapping, shaped as trainshare.yaml."""
        return self._document

    def build(self, base_dir: str | Path = ".") -> Spec:
        """The checked, resolved spec (`SpecError` with every problem otherwise)."""
        return Spec.from_dict(self._document, base_dir, "<SpecBuilder>")
