"""OrgSharing under the mock runtime: it registers exactly the plan, with the inputs AWS needs."""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from tests.conftest import EXAMPLE
from tests.pulumi.mocks import ORG_ID, ROOT_ID, RecordingMocks
from trainshare.catalog import load_catalog
from trainshare.errors import PlanError
from trainshare.plan import Mode, build_plan, kinds, refs_in
from trainshare.plan.commands import ATTACH_FULL_AWS_ACCESS, DETACH_FULL_AWS_ACCESS
from trainshare.pulumi import RESOURCE_CLASSES, TYPE_TOKEN, OrgSharing
from trainshare.spec import load_spec

PLAN = build_plan(load_spec(EXAMPLE))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _component(deploy):
    def program():
        component = OrgSharing("org", EXAMPLE)
        return pulumi.Output.all(
            component.account_ids, component.ou_ids, component.share_arns, component.policy_ids
        )

    return deploy(program)


def test_component_registers_exactly_the_plan(deploy):
    mocks, _, _ = _component(deploy)
    registered = sorted((r.type, r.name) for r in mocks.registrations)
    expected = sorted(
        [(TYPE_TOKEN, "org")]
        + [(n.kind, f"org/{n.name}") for n in PLAN.nodes if n.mode == Mode.CREATE]
    )
    assert registered == expected
    assert [token for token, _, _ in mocks.calls] == [
        n.kind for n in PLAN.nodes if n.mode == Mode.READ
    ]


def test_literal_inputs_reach_the_engine_unchanged(deploy):
    mocks, _, _ = _component(deploy)
    for node in PLAN.nodes:
        if node.mode == Mode.READ or node.kind == kinds.PROVIDER:
            continue
        sent = mocks.named(f"org/{node.name}").inputs
        for key, value in node.inputs.items():
            if not any(refs_in(value)):
                assert sent[_camel(key)] == value, f"{node.name}.{key}"


def test_outputs_resolve_to_the_ids_aws_assigns(deploy):
    _, _, (accounts, ous, shares, policies) = _component(deploy)
    assert accounts["shared-services"] == "222222222222"
    assert re.fullmatch(r"\d{12}", accounts["team-vision"])
    assert set(ous) == {"ml", "ml/training", "ml/research", "quarantine"}
    assert all(v.startswith("ou-") for v in ous.values())
    assert set(shares) == {"gpu-capacity", "training-subnet", "vision-features"}
    assert set(policies) == {"gpu-instance-types", "keep-sharing-inside"}


def test_ou_principals_are_ou_arns_and_root_is_the_org_root(deploy):
    mocks, _, _ = _component(deploy)
    principal = mocks.named("org/share/gpu-capacity/principal/ml/training").inputs["principal"]
    assert re.fullmatch(
        rf"arn:aws:organizations::111111111111:ou/{ORG_ID}/ou-ab12-\d{{8}}", principal
    )
    assert mocks.named("org/scp/keep-sharing-inside/attach/root").inputs["targetId"] == ROOT_ID


def test_permissions_are_ram_permissions_of_the_shared_types(deploy):
    mocks, _, _ = _component(deploy)
    catalog = load_catalog()
    shares = mocks.of_type(kinds.RESOURCE_SHARE)
    assert len(shares) == 3
    commands = {r.name: r.inputs for r in mocks.of_type(kinds.COMMAND)}
    for share in shares:
        assert share.inputs["allowExternalPrincipals"] is False  # always sent explicitly
        assert "permissionArns" not in share.inputs  # set in place, one command per type
        key = share.name.removeprefix("org/share/")
        types = {r.resource_type for r in load_spec(EXAMPLE).shares[key].resources}
        for rtype in types:
            environment = commands[f"{share.name}/permission/{rtype.replace(':', '/')}"][
                "environment"
            ]
            arn = environment["TRAINSHARE_PERMISSION_ARN"]
            assert arn.startswith("arn:aws:ram::aws:permission/")
            permission = catalog.permission(arn.rsplit("/", 1)[1])
            assert permission is not None and permission.resource_type == rtype


def test_shares_use_the_owner_provider_which_assumes_the_access_role(deploy):
    mocks, _, _ = _component(deploy)
    for reg in mocks.registrations:
        if reg.type.startswith("aws:ram/") and reg.type != kinds.SHARING_WITH_ORGANIZATION:
            assert "::org/provider/222222222222/us-east-1::" in (reg.provider or "")
        elif reg.type.startswith("aws:organizations/"):
            assert "::org/provider/111111111111/us-east-1::" in (reg.provider or "")
    owner = mocks.named("org/provider/222222222222/us-east-1").inputs
    assert json.loads(owner["assumeRoles"]) == [
        {
            "roleArn": "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole",
            "sessionName": "trainshare",
        }
    ]
    assert json.loads(owner["allowedAccountIds"]) == ["222222222222"]


def test_accounts_are_protected_kept_and_ignore_unreadable_inputs(deploy):
    _, options, _ = _component(deploy)
    for key in ("team-vision", "team-nlp", "research-lab"):
        opts = options[f"org/account/{key}"]
        assert (opts.protect, opts.retain_on_delete) == (True, True)
        assert opts.ignore_changes == ["roleName", "iamUserAccessToBilling"]


def test_scp_content_is_sent_minified(deploy):
    mocks, _, _ = _component(deploy)
    for policy in mocks.of_type(kinds.POLICY):
        content = policy.inputs["content"]
        assert content == json.dumps(json.loads(content), separators=(",", ":"))


def test_registry_classes_register_under_their_plan_kind():
    # The token a class registers under is the first argument of its super().__init__ call.
    for kind, cls in RESOURCE_CLASSES.items():
        if kind == kinds.PROVIDER:
            assert cls is aws.Provider
            continue
        source = cls._internal_init.__code__.co_consts  # type: ignore[attr-defined]
        assert kind in source, f"{cls.__name__} does not register as {kind}"


def test_full_aws_access_detach_is_a_command_with_the_ou_id(deploy, tmp_path):
    spec = tmp_path / "trainshare.yaml"
    spec.write_text(
        'version: 1\norganization: {management_account: "111111111111"}\n'
        "units: {ml: {full_aws_access: false}}\n"
        "guardrails:\n  allow: {template: allow-services, params: {actions: ['ec2:*']}, "
        "targets: [ml]}\n"
    )
    mocks, _, _ = deploy(lambda: OrgSharing("org", spec) and None)
    (command,) = mocks.of_type(kinds.COMMAND)
    ou_id = mocks.ids["org/ou/ml"]
    assert command.inputs["create"] == DETACH_FULL_AWS_ACCESS
    assert command.inputs["delete"] == ATTACH_FULL_AWS_ACCESS
    environment = command.inputs["environment"]
    assert (environment["TRAINSHARE_POLICY_ID"], environment["TRAINSHARE_TARGET_ID"]) == (
        "p-FullAWSAccess",
        ou_id,
    )
    assert environment["TRAINSHARE_ROLE_ARN"] == ""  # the management account: no owner's role


def test_adopted_resources_are_imported_and_keep_their_share_permissions(deploy):
    share = "share/gpu-capacity"
    arn = "arn:aws:ram:us-east-1:222222222222:resource-share/live"
    adopt = {
        "resources": [
            {"type": TYPE_TOKEN, "name": "org", "component": True},
            {"type": kinds.RESOURCE_SHARE, "name": f"org/{share}", "id": arn, "parent": "org"},
            {"type": kinds.POLICY, "name": "other/scp/x", "id": "p-12345678"},  # not ours
        ]
    }
    mocks, options, _ = deploy(lambda: OrgSharing("org", EXAMPLE, adopt=adopt) and None)
    assert options[f"org/{share}"].import_ == arn
    assert options[f"org/{share}"].ignore_changes == ["permissionArns"]
    others = [n.name for n in PLAN.of_kind(kinds.RESOURCE_SHARE) if n.name != share]
    assert others, "the example has more than one share"
    for name in others:
        assert options[f"org/{name}"].import_ is None
        assert options[f"org/{name}"].ignore_changes == ["permissionArns"]
    # the adopted share's ARN is what its associations refer to
    (association, *_) = [
        r for r in mocks.of_type(kinds.RESOURCE_ASSOCIATION) if r.name.startswith(f"org/{share}/")
    ]
    assert association.inputs["resourceShareArn"] == arn


def test_an_import_file_that_disagrees_with_the_plan_is_refused(deploy, tmp_path):
    path = tmp_path / "pulumi-import.json"
    path.write_text(
        json.dumps(
            {
                "resources": [
                    {"type": kinds.POLICY, "name": "org/share/gpu-capacity", "id": "p-12345678"}
                ]
            }
        )
    )
    with pytest.raises(PlanError) as caught:
        deploy(lambda: OrgSharing("org", EXAMPLE, adopt=path) and None)
    assert str(caught.value) == (
        f"{path}: org/share/gpu-capacity is listed as {kinds.POLICY} but the spec makes it a "
        f"{kinds.RESOURCE_SHARE}; regenerate the file with `trainshare import`"
    )
    with pytest.raises(PlanError, match=r"cannot read the import file .*nope\.json"):
        deploy(lambda: OrgSharing("org", EXAMPLE, adopt=tmp_path / "nope.json") and None)


def test_resource_policies_are_sent_with_the_ids_known_at_deploy_time(deploy):
    mocks, _, _ = _component(deploy)
    ml, training, research = (
        mocks.ids[f"org/ou/{p}"] for p in ("ml", "ml/training", "ml/research")
    )
    sent = {
        kind: json.loads(
            mocks.of_type(kind)[0].inputs.get("policy")
            or mocks.of_type(kind)[0].inputs["resourcePolicy"]
        )
        for kind in kinds.RESOURCE_POLICIES
    }
    perimeter = {
        "StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID},
        "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
    }
    for kind, document in sent.items():
        last = document["Statement"][-1]
        assert (last["Sid"], last["Effect"], last["Condition"]) == (
            "TrainshareDataPerimeter",
            "Deny",
            perimeter,
        ), kind

    def paths(statement):
        return statement["Condition"]["ForAnyValue:StringLike"]["aws:PrincipalOrgPaths"]

    bucket = sent[kinds.BUCKET_POLICY]["Statement"]
    assert [s["Sid"] for s in bucket] == [
        "DenyInsecureTransport",
        "TrainingDataOrgPaths1",
        "TrainingDataOrgPaths2",
        "TrainshareDataPerimeter",
    ]
    assert paths(bucket[1]) == [f"{ORG_ID}/{ROOT_ID}/{ml}/{training}/*"]
    key = sent[kinds.KEY_POLICY]["Statement"]
    assert [s["Sid"] for s in key] == [
        "TrainshareKeyOwner",
        "TrainingDataOrgPaths",
        "TrainshareDataPerimeter",
    ]
    images = sent[kinds.REPOSITORY_POLICY]["Statement"]
    assert paths(images[0]) == [f"{ORG_ID}/{ROOT_ID}/{ml}/*"]
    assert "Resource" not in images[0]  # a repository policy names no Resource
    models = sent[kinds.MODEL_PACKAGE_GROUP_POLICY]["Statement"]
    assert paths(models[0]) == [f"{ORG_ID}/{ROOT_ID}/{ml}/{research}/*"]
    (repository,) = mocks.of_type(kinds.REPOSITORY_POLICY)
    assert repository.inputs["repository"] == "training/pytorch"
    assert repository.provider.endswith("org/provider/222222222222/us-east-1-id")


class _SlowAccounts(RecordingMocks):
    """CreateAccount takes a while; records how many are in flight at once."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        if args.typ != kinds.ACCOUNT:
            return super().new_resource(args)
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        time.sleep(0.05)
        with self.lock:
            self.in_flight -= 1
            return super().new_resource(args)


def _slow_creations(write_spec, limit: int) -> tuple[_SlowAccounts, dict[str, Any]]:
    """Eight created accounts under `limit`, through the slow mocks: (mocks, options by name)."""
    accounts = "".join(f"  team-{i}: {{email: t{i}@example.com}}\n" for i in range(8))
    spec = load_spec(
        write_spec(
            'version: 1\norganization: {management_account: "111111111111", '
            f"limits: {{concurrent_create_account: {limit}}}}}\naccounts:\n{accounts}"
        )
    )
    mocks = _SlowAccounts()
    pulumi.runtime.set_mocks(mocks, project="trainshare-test", stack="test", preview=False)
    options: dict[str, Any] = {}

    @pulumi.runtime.test
    def body():
        pulumi.runtime.register_stack_transformation(
            lambda args: options.setdefault(args.name, args.opts) and None
        )
        OrgSharing("org", spec)

    body()
    assert len(mocks.of_type(kinds.ACCOUNT)) == 8
    return mocks, options


@pytest.mark.parametrize("limit", [1, 2])
def test_account_creations_wait_without_depending_on_each_other(write_spec, limit):
    mocks, options = _slow_creations(write_spec, limit)
    assert mocks.most_in_flight == limit
    assert all(not options[f"org/account/team-{i}"].depends_on for i in range(8))


def test_without_the_wait_creations_overlap(write_spec):
    """The counterpart of the test above: the mock runtime does run registrations at once."""
    mocks, _ = _slow_creations(write_spec, 8)
    assert mocks.most_in_flight > 2


def test_billing_of_unused_capacity_is_requested_then_accepted_with_the_payers_live_id(deploy):
    """The example bills its On-Demand reservation's unused part to team-vision (an account it
    creates): the owner's request names the ID the account gets, the acceptance runs in that
    account after the request, and the prepaid Capacity Block gets neither."""
    mocks, options, _ = _component(deploy)
    prefix = "org/share/gpu-capacity/billing/"
    billing = {
        r.name.removeprefix(prefix): r.inputs["environment"]
        for r in mocks.of_type(kinds.COMMAND)
        if r.name.startswith(prefix)
    }
    assert set(billing) == {"cr-0123456789abcdef0/assign", "cr-0123456789abcdef0/accept"}
    payer = mocks.ids["org/account/team-vision"]
    assign, accept = billing["cr-0123456789abcdef0/assign"], billing["cr-0123456789abcdef0/accept"]
    assert (assign["TRAINSHARE_ACTION"], assign["TRAINSHARE_BILLING_OWNER"]) == (
        "assign-billing",
        payer,
    )
    assert assign["TRAINSHARE_ROLE_ARN"].startswith("arn:aws:iam::222222222222:role/")
    assert (accept["TRAINSHARE_ACTION"], accept["TRAINSHARE_ROLE_ARN"]) == (
        "accept-billing",
        f"arn:aws:iam::{payer}:role/OrganizationAccountAccessRole",
    )
    after = {d._name for d in options[f"{prefix}cr-0123456789abcdef0/accept"].depends_on or []}
    assert f"{prefix}cr-0123456789abcdef0/assign" in after
