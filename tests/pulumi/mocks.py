"""A recording `pulumi.runtime.Mocks`: every registration and invoke is kept for assertions.

IDs and ARNs are made up the way AWS shapes them, so Outputs that feed other resources (an OU's
ARN into a principal association) carry realistic values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi

ORG_ID = "o-exampleorg1"
ROOT_ID = "r-ab12"


@dataclass
class Registration:
    type: str
    name: str
    inputs: dict[str, Any]
    provider: str | None
    custom: bool


@dataclass
class RecordingMocks(pulumi.runtime.Mocks):
    management_account: str = "111111111111"
    registrations: list[Registration] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any], str | None]] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)  # resource name → the ID it was given
    _counter: int = 0

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        self.registrations.append(
            Registration(args.typ, args.name, dict(args.inputs), args.provider, args.custom)
        )
        self._counter += 1
        n = self._counter
        state = dict(args.inputs)
        mgmt = self.management_account
        if args.typ == "aws:organizations/organizationalUnit:OrganizationalUnit":
            rid = f"ou-ab12-{n:08d}"
            state["arn"] = f"arn:aws:organizations::{mgmt}:ou/{ORG_ID}/{rid}"
        elif args.typ == "aws:organizations/account:Account":
            rid = f"{900000000000 + n}"
            state["arn"] = f"arn:aws:organizations::{mgmt}:account/{ORG_ID}/{rid}"
        elif args.typ == "aws:organizations/policy:Policy":
            rid = f"p-{n:08x}"
        elif args.typ == "aws:organizations/organization:Organization":
            rid = ORG_ID
            state["arn"] = f"arn:aws:organizations::{mgmt}:organization/{ORG_ID}"
            state["roots"] = [{"id": ROOT_ID, "arn": "", "name": "Root", "policyTypes": []}]
        elif args.typ == "aws:ram/resourceShare:ResourceShare":
            region = state.get("region") or "us-east-1"
            rid = f"arn:aws:ram:{region}:000000000000:resource-share/{n:08d}"
            state["arn"] = rid
        else:
            rid = f"{args.name}-id"
        if args.resource_id:  # imported: the engine reads the live resource under its own ID
            rid = args.resource_id
            if args.typ == "aws:ram/resourceShare:ResourceShare":
                state["arn"] = rid
        self.ids[args.name] = rid
        return rid, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        self.calls.append((args.token, dict(args.args), args.provider))
        if args.token == "aws:organizations/getOrganization:getOrganization":
            mgmt = self.management_account
            return {
                "id": ORG_ID,
                "arn": f"arn:aws:organizations::{mgmt}:organization/{ORG_ID}",
                "masterAccountId": mgmt,
                "roots": [{"id": ROOT_ID, "arn": "", "name": "Root", "policyTypes": []}],
            }
        return {}

    def of_type(self, typ: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == typ]

    def named(self, name: str) -> Registration:
        return next(r for r in self.registrations if r.name == name)
