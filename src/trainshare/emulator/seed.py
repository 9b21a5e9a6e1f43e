"""A spec's plan deployed into the emulator without the Pulumi engine, for benchmarks at sizes
where `demo.deploy` takes too long (L: 21,600 resources, over 60,000 API calls; still creating
accounts after 15 minutes).

Each plan node reaches the bridge's own `EmulatorMocks.new_resource` (or `call`, for a read), as
under Pulumi: the same handlers make the same calls into the same moto backends, extensions
included. Only the transport around them differs:

- no Pulumi engine: the plan's `Ref`s and `Join`s are resolved here, in plan order (every node
  after what it depends on), from the state each handler returned; inputs are named as Pulumi
  hands them to mocks (camelCase, a provider's lists as JSON);
- Organizations calls go to moto's Organizations backend in this process, as moto's server does
  with them minus HTTP (`OrganizationsResponse` passes the request's JSON body to the backend
  method of the same name, as keywords, and returns its answer as JSON); its errors become the
  `ClientError` boto3 would raise. Every other service goes over loopback as before, one client
  per service, account and Region.

tests/integration/test_emulator_seed.py checks that the audit snapshot read after this equals the
one read after `demo.deploy`, generated IDs mapped.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from botocore.exceptions import ClientError
from moto.core.exceptions import JsonRESTError, ServiceException
from moto.organizations.models import organizations_backends
from moto.utilities.utils import get_partition

from trainshare.emulator.bridge import EmulatorMocks, Target
from trainshare.emulator.server import Emulator
from trainshare.plan import Join, Mode, Node, Ref, Value, build_plan, kinds
from trainshare.plan.names import account_node, policy_node, share_node, unit_node
from trainshare.spec import ShareKind, Spec

# Organizations operations whose moto response is `backend.<operation>(**body)` as JSON: the
# ones served in process. Any other goes over loopback.
_IN_PROCESS = frozenset(
    {
        "attach_policy",
        "create_account",
        "create_organizational_unit",
        "create_policy",
        "describe_account",
        "describe_create_account_status",
        "describe_organization",
        "describe_organizational_unit",
        "detach_policy",
        "enable_aws_service_access",
        "enable_policy_type",
        "list_parents",
        "list_roots",
        "move_account",
        "tag_resource",
        "update_organizational_unit",
    }
)


class _Organizations:
    """An Organizations client for one account that calls moto's backend in process."""

    def __init__(self, account: str, region: str, fallback: Callable[[], Any]) -> None:
        self.account, self.region = account, region
        self._fallback = fallback

    def __getattr__(self, operation: str) -> Callable[..., Any]:
        if operation not in _IN_PROCESS:
            remote: Callable[..., Any] = getattr(self._fallback(), operation)
            return remote

        def call(**body: Any) -> Any:
            backend = organizations_backends[self.account][get_partition(self.region)]
            try:
                answer = getattr(backend, operation)(**json.loads(json.dumps(body)))
            except ServiceException as exc:  # moto's newer errors
                error = {"Code": exc.code, "Message": exc.message}
                raise ClientError({"Error": error}, _pascal(operation)) from None
            except JsonRESTError as exc:
                error = {"Code": exc.error_type, "Message": exc.message}
                raise ClientError({"Error": error}, _pascal(operation)) from None
            return json.loads(json.dumps(answer)) if answer is not None else {}

        return call


def _pascal(operation: str) -> str:
    return "".join(word.title() for word in operation.split("_"))


class SeedMocks(EmulatorMocks):
    """The bridge, with Organizations in process (every other service through the emulator's
    clients, one per service, account and Region)."""

    def __init__(self, emulator: Emulator, progress: Callable[[str], None]) -> None:
        super().__init__(emulator, progress=progress)
        self._organizations: dict[tuple[str, str], _Organizations] = {}
        self._lock = threading.Lock()

    def client(self, service: str, target: Target) -> Any:
        if service != "organizations":
            return super().client(service, target)
        key = (target.account, target.region)
        with self._lock:
            found = self._organizations.get(key)
            if found is None:

                def remote(t: Target = target) -> Any:
                    return self.emulator.client("organizations", t.account, t.region)

                found = self._organizations[key] = _Organizations(*key, remote)
        return found


def seed_deployed(
    emulator: Emulator,
    spec: Spec,
    progress: Callable[[str], None] = lambda _: None,
    name: str = "demo",
) -> tuple[EmulatorMocks, dict[str, Any]]:
    """What `demo.deploy(emulator, spec, progress, name=name)` leaves in the emulator, without
    the Pulumi engine; returns the mocks and the stack outputs, as it does. Run `seed_world`
    first, as before a deploy."""
    mocks = SeedMocks(emulator, progress)
    states: dict[str, Mapping[str, Any]] = {}  # node name → its state as Pulumi would hold it
    providers: dict[str, str] = {}  # provider node name → its provider reference

    def resolve(value: Value) -> Any:
        if isinstance(value, Ref):
            return _walk(states[value.node], value.path())
        if isinstance(value, Join):
            return "".join(p if isinstance(p, str) else str(resolve(p)) for p in value.parts)
        if isinstance(value, Mapping):
            return {k: resolve(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [resolve(v) for v in value]
        return value

    for node in build_plan(spec).nodes:
        inputs = _as_pulumi_sends(node, {k: resolve(v) for k, v in node.inputs.items()})
        provider = providers.get(node.provider) if node.provider else None
        if node.mode == Mode.READ:
            call = pulumi.runtime.MockCallArgs(node.kind, inputs, provider or "")
            states[node.name] = mocks.call(call)
            continue
        args = pulumi.runtime.MockResourceArgs(
            node.kind, f"{name}/{node.name}", inputs, provider, node.import_id, custom=True
        )
        rid, state = mocks.new_resource(args)
        assert rid is not None
        states[node.name] = {"id": rid, **state}
        if node.kind == kinds.PROVIDER:
            providers[node.name] = f"urn:seed::{rid}"
    return mocks, _outputs(spec, states)


def _as_pulumi_sends(node: Node, inputs: dict[str, Any]) -> dict[str, Any]:
    """Inputs named as the SDK sends them to mocks: camelCase; a provider's lists as JSON
    strings, its assumed roles' fields camelCase too; a map's keys (tags, environment) kept."""
    sent = {_camel(key): value for key, value in inputs.items()}
    if node.kind == kinds.PROVIDER:
        if "assumeRoles" in sent:
            roles = [{_camel(k): v for k, v in role.items()} for role in sent["assumeRoles"]]
            sent["assumeRoles"] = json.dumps(roles)
        if "allowedAccountIds" in sent:
            sent["allowedAccountIds"] = json.dumps(sent["allowedAccountIds"])
    return sent


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(word.title() for word in rest)


def _walk(state: Any, path: tuple[str | int, ...]) -> Any:
    """A `Ref`'s attribute path (`roots[0].id`) in a state held with Pulumi's names."""
    for part in path:
        state = state[part] if isinstance(part, int) else state[_camel(part)]
    return state


def _outputs(spec: Spec, states: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The component's outputs (`OrgSharing._export_outputs`): IDs and ARNs by spec key, an ID
    the spec gives counting as held."""

    def held(node: str, given: str | None, attr: str = "id") -> str | None:
        return str(states[node][attr]) if node in states else given

    accounts = {k: held(account_node(k), a.id) for k, a in spec.accounts.items()}
    units = {p: held(unit_node(p), u.id) for p, u in spec.units.items()}
    shares = {
        k: held(share_node(k), None, "arn")
        for k, s in spec.shares.items()
        if s.kind is ShareKind.RAM
    }
    policies = {k: held(policy_node(k, g.type), None) for k, g in spec.guardrails.items()}
    return {
        "account_ids": {k: v for k, v in accounts.items() if v is not None},
        "ou_ids": {k: v for k, v in units.items() if v is not None},
        "share_arns": {k: v for k, v in shares.items() if v is not None},
        "policy_ids": {k: v for k, v in policies.items() if v is not None},
    }
