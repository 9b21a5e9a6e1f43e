"""`OrgSharing`: the plan's nodes as `pulumi_aws` resources inside one ComponentResource.

The component adds no decisions of its own: what to create, in which account and Region, with
which inputs and options, is all in the plan (`trainshare.plan`). Here a `Ref` becomes the Output
of the node it names, a `Join` an `Output.concat`, and each node's kind picks its class.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_command

from trainshare.errors import PlanError
from trainshare.plan import Join, Mode, Node, Plan, Ref, Value, build_plan, kinds, refs_in
from trainshare.plan.adoption import read_adoption
from trainshare.plan.names import account_node, policy_node, share_node, unit_node
from trainshare.plan.slices import REFS_OUTPUT, Part, exported_refs, parse_part, select
from trainshare.pulumi.composed import Deferred, defer_program_resources
from trainshare.pulumi.credentials import AwsBase, resolve_base, role_chain
from trainshare.spec import ShareKind, Spec, load_spec

TYPE_TOKEN = kinds.COMPONENT

# kind → pulumi_aws class. A test checks each class registers under the same token.
RESOURCE_CLASSES: Mapping[str, Callable[..., pulumi.Resource]] = {
    kinds.PROVIDER: aws.Provider,
    kinds.ORGANIZATION: aws.organizations.Organization,
    kinds.AWS_SERVICE_ACCESS: aws.organizations.AwsServiceAccess,
    kinds.ORGANIZATIONAL_UNIT: aws.organizations.OrganizationalUnit,
    kinds.ACCOUNT: aws.organizations.Account,
    kinds.POLICY: aws.organizations.Policy,
    kinds.POLICY_ATTACHMENT: aws.organizations.PolicyAttachment,
    kinds.SHARING_WITH_ORGANIZATION: aws.ram.SharingWithOrganization,
    kinds.RESOURCE_SHARE: aws.ram.ResourceShare,
    kinds.RESOURCE_ASSOCIATION: aws.ram.ResourceAssociation,
    kinds.PRINCIPAL_ASSOCIATION: aws.ram.PrincipalAssociation,
    kinds.BUCKET_POLICY: aws.s3.BucketPolicy,
    kinds.KEY_POLICY: aws.kms.KeyPolicy,
    kinds.REPOSITORY_POLICY: aws.ecr.RepositoryPolicy,
    kinds.MODEL_PACKAGE_GROUP_POLICY: aws.sagemaker.ModelPackageGroupPolicy,
    kinds.COMMAND: pulumi_command.local.Command,
}


# kind → how plan inputs become keyword arguments, where they need more than resolving refs.
# (The component's own providers start from its base instead: `AwsBase.provider_args`.)
INPUT_ADAPTERS: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    kinds.PROVIDER: AwsBase().provider_args,
}

INVOKES: Mapping[str, Callable[..., pulumi.Output[Any]]] = {
    kinds.GET_ORGANIZATION: aws.organizations.get_organization_output,
}


class OrgSharing(pulumi.ComponentResource):
    """Everything a trainshare spec declares, deployed with per-account providers.

    Args:
        name: the component's name; every child's name is `<name>/<plan node name>`.
        spec: a `Spec` (`load_spec`, `Spec.from_dict`, `SpecBuilder.build()`), the path of a
            `trainshare.yaml`, or a mapping shaped as one (`SpecBuilder.to_dict()`), whose RAM
            shares' `resources` may hold resources of this program — a pulumi_aws resource of
            a RAM-shareable type, or `{"arn": <Output>, "type": "ec2:Subnet", "name": "…"}`
            (see `trainshare.pulumi.composed`). Checked as a file is.
        opts: options for the component itself.
        adopt: a `pulumi import --file` document (its path, or the parsed JSON), as
            `trainshare import` writes it: each listed child is imported with its ID instead of
            created, and ignores the inputs in `kinds.ADOPTION_IGNORES` (a change to them
            would replace it). Pulumi ignores an import ID once the resource is in the stack,
            so the argument may stay.
        provider: the base every AWS provider the component creates starts from: an
            `aws.ProviderArgs` (everything it sets, its `assume_roles` as the chain to the
            management account), or an `aws.Provider` (used as is for the management account;
            member-account providers inherit its profile and keys). Default: an `aws` provider
            in `opts.providers`/`opts.provider`, else the stack's `aws:*` config
            (`aws:profile`, `aws:sharedCredentialsFiles`, `aws:assumeRoles`, …).
        part: deploy one slice of the spec (`trainshare.plan.slices`): "org" (OUs, accounts,
            guardrails, org sharing) or "owner:<account key or ID>[/<region>]" (that owner's
            shares and resource policies). An owner slice runs with the stack's own
            credentials, which must reach the owner account (`allowed_account_ids` checks it):
            its providers assume no further role. Default: the whole spec in one stack.
        org: for an owner slice, where the org slice's `refs` are: a `pulumi.StackReference`,
            the org stack's name (a StackReference is made), or the mapping itself.

    Outputs: `account_ids`, `ou_ids`, `share_arns` (RAM shares; policy shares create no share),
    `policy_ids` (dicts keyed by spec keys, for what this stack holds); one at a time:
    `account_id(key)`, `ou_id(path)`, `share_arn(key)`, `policy_id(key)`. The org slice also
    has `refs`: what owner stacks read from it (export it as `slices.REFS_OUTPUT`).
    """

    account_ids: pulumi.Output[dict[str, str]]
    ou_ids: pulumi.Output[dict[str, str]]
    share_arns: pulumi.Output[dict[str, str]]
    policy_ids: pulumi.Output[dict[str, str]]
    refs: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        name: str,
        spec: Spec | str | Path | Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
        adopt: str | Path | Mapping[str, Any] | None = None,
        *,
        provider: aws.Provider | aws.ProviderArgs | None = None,
        part: str | None = None,
        org: pulumi.StackReference | str | Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(TYPE_TOKEN, name, {}, opts)
        self.aws: AwsBase = resolve_base(provider, opts)
        self.deferred: dict[str, Deferred] = {}  # placeholder ARN → a program's resource
        if isinstance(spec, Spec):
            self.spec = spec
        elif isinstance(spec, Mapping):
            document, self.deferred = defer_program_resources(spec, self.aws.region)
            self.spec = Spec.from_dict(document, Path.cwd(), f"<spec of {name}>", self.aws.region)
        else:
            self.spec = load_spec(spec, default_region=self.aws.region)
        self.plan: Plan = build_plan(self.spec)
        self._prefix = name
        self.part: Part | None = parse_part(part, self.plan, self._ids()) if part else None
        self.nodes = select(self.plan, self.part) if self.part else list(self.plan.nodes)
        self._org_refs = self._org_stack(org) if self.part and self.part.owner else None
        self.adopted: dict[str, str] = _adoption(adopt, name, self.plan) if adopt else {}
        self.created: dict[str, Any] = {}  # node name → Resource, or Output for READ nodes
        self._outputs: dict[tuple[str, str], pulumi.Output[Any]] = {}  # (node, attr) → Output
        for node in self.nodes:
            self.created[node.name] = self._create(node)
        self._export_outputs()

    # -- slices -------------------------------------------------------------------------------

    def _ids(self) -> dict[str, str]:
        """Account key → ID, for `owner:<key>` parts."""
        ids = {k: a.id for k, a in self.spec.accounts.items() if a.id}
        return {"management": self.spec.organization.management_account, **ids}

    def _org_stack(
        self, org: pulumi.StackReference | str | Mapping[str, Any] | None
    ) -> pulumi.Output[Any]:
        if org is None:
            raise PlanError(
                f"part {self.part}: an owner slice reads the org slice's outputs — pass org= "
                "(the org stack's name or StackReference)"
            )
        if isinstance(org, Mapping):
            return pulumi.Output.from_input(dict(org))
        if isinstance(org, str):
            org = pulumi.StackReference(
                f"{self._prefix}/org-stack",
                stack_name=org,
                opts=pulumi.ResourceOptions(parent=self),
            )
        return org.require_output(REFS_OUTPUT)

    def _from_org(self, key: str) -> pulumi.Output[Any]:
        """A value the org stack exports for this owner slice."""

        def pick(refs: Any) -> Any:
            if not isinstance(refs, Mapping) or key not in refs:
                raise PlanError(
                    f"part {self.part}: the org stack exports no {key} — deploy the org slice "
                    "(part='org') of this same spec first"
                )
            return refs[key]

        assert self._org_refs is not None
        return self._org_refs.apply(pick)

    # -- nodes --------------------------------------------------------------------------------

    def _create(self, node: Node) -> Any:
        inputs = {key: self._resolve(value) for key, value in node.inputs.items()}
        if node.mode == Mode.READ:
            invoke = INVOKES.get(node.kind)
            if invoke is None:
                raise PlanError(f"{node.name}: no invoke registered for {node.kind}")
            return invoke(
                **inputs, opts=pulumi.InvokeOptions(parent=self, provider=self._provider_for(node))
            )
        if node.kind == kinds.PROVIDER:
            if self._is_base(node):
                return self.aws.provider
            if self._own_credentials:
                inputs.pop("assume_roles", None)
            inputs = self.aws.provider_args(inputs)
        if node.kind == kinds.COMMAND:
            inputs = self._command_inputs(inputs)
        if node.waits_for:
            inputs = self._held_back(node, inputs)
        cls = RESOURCE_CLASSES.get(node.kind)
        if cls is None:
            raise PlanError(f"{node.name}: no pulumi_aws class registered for {node.kind}")
        depends_on = [
            self.created[name]
            for name in node.depends_on
            if isinstance(self.created.get(name), pulumi.Resource)
        ]
        import_id = node.import_id or self.adopted.get(node.name)
        ignore = list(node.ignore_changes)
        if import_id:  # adopted: never replaced over an input it cannot change in place
            ignore += kinds.ADOPTION_IGNORES.get(node.kind, ())
        options = pulumi.ResourceOptions(
            parent=self,
            provider=self._provider_for(node),
            depends_on=depends_on,
            protect=node.protect,
            retain_on_delete=node.retain_on_delete,
            ignore_changes=ignore or None,
            import_=import_id,
            aliases=[pulumi.Alias(name=f"{self._prefix}/{alias}") for alias in node.aliases]
            or None,
        )
        return cls(f"{self._prefix}/{node.name}", opts=options, **inputs)

    def _is_base(self, node: Node) -> bool:
        """The management account's provider in the organization's Region, when the user gave
        an explicit provider: theirs is used as is."""
        org = self.spec.organization
        return (
            self.aws.provider is not None
            and node.account_id == org.management_account
            and node.region == org.region
        )

    def _command_inputs(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """A command's AWS CLI finds the stack's credentials where the providers do: its
        profile and files, and (for the plan's own commands, `TRAINSHARE_ACTION`) the chain of
        roles that reaches the management account, before the owner's role. Keys in the stack
        config are not copied into a command (they would be stored in its state)."""
        settings = self.aws.settings
        environment = {
            name: value
            for name, value in (
                ("AWS_PROFILE", settings.get("profile")),
                ("AWS_SHARED_CREDENTIALS_FILE", _first(settings.get("shared_credentials_files"))),
                ("AWS_CONFIG_FILE", _first(settings.get("shared_config_files"))),
            )
            if value
        }
        own = inputs.get("environment")
        if environment:
            inputs["environment"] = {**environment, **(own or {})}
        chain = role_chain(self.aws.assume_roles)
        if self.aws.assume_roles and isinstance(own, Mapping) and "TRAINSHARE_ACTION" in own:
            inputs["environment"] = {**inputs["environment"], "TRAINSHARE_ROLE_CHAIN": chain}
        if self._own_credentials and isinstance(own, Mapping) and "TRAINSHARE_ROLE_ARN" in own:
            # an owner stack's credentials are the owner's already: no role to assume
            inputs["environment"] = {**inputs["environment"], "TRAINSHARE_ROLE_ARN": ""}
        return inputs

    @property
    def _own_credentials(self) -> bool:
        """An owner slice: the stack's credentials reach the owner account themselves."""
        return self.part is not None and self.part.owner is not None

    def _held_back(self, node: Node, inputs: dict[str, Any]) -> dict[str, Any]:
        """Delay the node's registration until each of `node.waits_for` has been created, with
        no dependency recorded (see `Node.waits_for`): one literal input becomes an awaitable
        of the same value. In an update a resource's ID resolves once its create has finished,
        so at most `concurrent_create_account` creations are in flight; in a preview, and for
        resources that already exist, it resolves at once."""
        key = next((k for k, v in node.inputs.items() if next(refs_in(v), None) is None), None)
        if key is None:
            raise PlanError(f"{node.name}: waits_for needs an input that refers to no node")
        waited = [self.created[name] for name in node.waits_for]
        inputs[key] = _once_created(waited, inputs[key])
        return inputs

    def _provider_for(self, node: Node) -> pulumi.ProviderResource | None:
        if node.provider is None:
            return None
        provider = self.created[node.provider]
        assert isinstance(provider, pulumi.ProviderResource)
        return provider

    def _resolve(self, value: Value) -> Any:
        if isinstance(value, str) and value in self.deferred:
            return self.deferred[value].checked()
        if isinstance(value, Ref):
            return self._output(value)
        if isinstance(value, Join):
            return pulumi.Output.concat(
                *(p if isinstance(p, str) else self._output(p) for p in value.parts)
            )
        if isinstance(value, Mapping):
            return {k: self._resolve(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._resolve(v) for v in value]
        return value

    def _output(self, ref: Ref) -> pulumi.Output[Any]:
        """The Output of `ref.node` at `ref.attr`, e.g. organization.roots[0].id. A resource's
        own attribute (`id`, `arn`) is its Output as is: no apply, no extra task to await."""
        key = (ref.node, ref.attr)
        cached = self._outputs.get(key)
        if cached is not None:
            return cached
        if ref.node not in self.created and self._org_refs is not None:
            self._outputs[key] = self._from_org(str(ref))
            return self._outputs[key]
        target = self.created[ref.node]
        path = ref.path()
        if isinstance(target, pulumi.Resource):
            first, path = path[0], path[1:]
            target = getattr(target, str(first))
        output = pulumi.Output.from_input(target)
        if path:
            output = output.apply(lambda v: _walk(v, path))
        self._outputs[key] = output
        return output

    # -- outputs ------------------------------------------------------------------------------

    def _export_outputs(self) -> None:
        """What this stack holds, by spec key (an ID the spec gives counts as held)."""
        accounts: dict[str, Any] = {}
        for key, account in self.spec.accounts.items():
            resource = self.created.get(account_node(key))
            if resource is not None or account.id:
                accounts[key] = account.id if resource is None else resource.id
        ous: dict[str, Any] = {}
        for path, unit in self.spec.units.items():
            resource = self.created.get(unit_node(path))
            if resource is not None or unit.id:
                ous[path] = unit.id if resource is None else resource.id
        shares = {
            key: self.created[share_node(key)].arn
            for key, share in self.spec.shares.items()
            if share.kind is ShareKind.RAM and share_node(key) in self.created
        }
        policies = {
            key: self.created[policy_node(key, g.type)].id
            for key, g in self.spec.guardrails.items()
            if policy_node(key, g.type) in self.created
        }
        if self.part is not None and self.part.owner is None:
            self.refs = pulumi.Output.from_input(
                {str(ref): self._output(ref) for ref in exported_refs(self.plan)}
            )
        self._by_key = {"account": accounts, "OU": ous, "share": shares, "guardrail": policies}
        self.account_ids = pulumi.Output.from_input(accounts)
        self.ou_ids = pulumi.Output.from_input(ous)
        self.share_arns = pulumi.Output.from_input(shares)
        self.policy_ids = pulumi.Output.from_input(policies)
        outputs = {
            "account_ids": self.account_ids,
            "ou_ids": self.ou_ids,
            "share_arns": self.share_arns,
            "policy_ids": self.policy_ids,
        }
        if hasattr(self, "refs"):
            outputs[REFS_OUTPUT] = self.refs
        self.register_outputs(outputs)

    def _one(self, what: str, key: str) -> pulumi.Output[str]:
        found = self._by_key[what]
        if key not in found:
            known = ", ".join(sorted(found)) or "none"
            raise PlanError(f"the spec has no {what} {key!r} (it has: {known})")
        return pulumi.Output.from_input(found[key])

    def account_id(self, key: str) -> pulumi.Output[str]:
        """The ID of the account `key` (created, adopted or referenced)."""
        return self._one("account", key)

    def ou_id(self, path: str) -> pulumi.Output[str]:
        """The ID of the OU at `path` (`ml/training`)."""
        return self._one("OU", path)

    def share_arn(self, key: str) -> pulumi.Output[str]:
        """The ARN of the RAM share `key`."""
        return self._one("share", key)

    def policy_id(self, key: str) -> pulumi.Output[str]:
        """The ID of the guardrail `key`'s policy."""
        return self._one("guardrail", key)


def _adoption(adopt: str | Path | Mapping[str, Any], component: str, plan: Plan) -> dict[str, str]:
    """Plan node name → import ID, from an import file (`trainshare.plan.adoption`); a listed
    resource the spec no longer has is skipped with a warning."""
    found = read_adoption(adopt, plan, component)
    for name in found.skipped:
        pulumi.log.warn(f"{adopt}: {name} is not in the plan (removed from the spec?): skipped")
    return found.ids


def _first(values: Any) -> Any:
    return values[0] if isinstance(values, list | tuple) and values else None


async def _once_created(resources: list[pulumi.Resource], value: Any) -> Any:
    for resource in resources:
        assert isinstance(resource, pulumi.CustomResource)
        # A failed create is reported by its own registration, and frees its slot as well.
        with contextlib.suppress(Exception):
            await resource.id.future()
    return value


def _walk(value: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        if isinstance(part, int) or isinstance(value, Mapping):
            value = value[part]
        else:
            value = getattr(value, part)
    return value
