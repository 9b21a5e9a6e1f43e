"""The providers OrgSharing creates follow Pulumi's conventions: they inherit the stack's `aws:*`
config (an explicit provider would not: pulumi/pulumi-aws#1307), or start from an explicit base."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pulumi
import pulumi_aws as aws
import pytest

from tests.conftest import EXAMPLE
from trainshare.plan import kinds
from trainshare.pulumi import OrgSharing

MGMT_PROVIDER = "org/provider/111111111111/us-east-1"
OWNER_PROVIDER = "org/provider/222222222222/us-east-1"
OWNER_ROLE = {
    "roleArn": "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole",
    "sessionName": "trainshare",
}
STACK_ROLE = {
    "roleArn": "arn:aws:iam::111111111111:role/platform-deployer",
    "externalId": "ext-42",
    "sessionName": "ci",
}


@pytest.fixture
def stack_config() -> Iterator[dict[str, str]]:
    """The stack's config for one test (pulumi.runtime's config map), emptied afterwards."""
    values: dict[str, str] = {}
    yield values
    pulumi.runtime.set_all_config({})


def _run(deploy, config: dict[str, str], **kwargs):
    pulumi.runtime.set_all_config(dict(config))
    mocks, options, _ = deploy(lambda: OrgSharing("org", EXAMPLE, **kwargs) and None)
    providers = {r.name: r for r in mocks.of_type(kinds.PROVIDER)}
    return mocks, options, providers


def _roles(inputs) -> list[dict[str, str]]:
    roles = inputs.get("assumeRoles")
    return json.loads(roles) if isinstance(roles, str) else list(roles or [])


def test_every_provider_carries_the_stack_profile_and_credentials_files(deploy, stack_config):
    stack_config.update(
        {
            "aws:profile": "org-admin",
            "aws:region": "eu-west-1",
            "aws:sharedCredentialsFiles": '["/secure/credentials"]',
        }
    )
    _, _, providers = _run(deploy, stack_config)
    assert set(providers) == {MGMT_PROVIDER, OWNER_PROVIDER}
    for name, provider in providers.items():
        assert provider.inputs["profile"] == "org-admin", name
        assert json.loads(provider.inputs["sharedCredentialsFiles"]) == ["/secure/credentials"]
        # the spec says where its resources live: its Region wins over the stack's default
        assert provider.inputs["region"] == "us-east-1", name
    assert _roles(providers[MGMT_PROVIDER].inputs) == []
    assert _roles(providers[OWNER_PROVIDER].inputs) == [OWNER_ROLE]
    assert json.loads(providers[OWNER_PROVIDER].inputs["allowedAccountIds"]) == ["222222222222"]


def test_the_stack_assume_role_chain_comes_first_in_every_provider(deploy, stack_config):
    stack_config.update({"aws:assumeRoles": json.dumps([STACK_ROLE])})
    _, _, providers = _run(deploy, stack_config)
    assert _roles(providers[MGMT_PROVIDER].inputs) == [STACK_ROLE]
    # member accounts: through the management account's role, then the member's own
    assert _roles(providers[OWNER_PROVIDER].inputs) == [STACK_ROLE, OWNER_ROLE]


def test_the_single_assume_role_of_older_stacks_is_read_too(deploy, stack_config):
    stack_config.update({"aws:assumeRole": json.dumps(STACK_ROLE)})
    _, _, providers = _run(deploy, stack_config)
    assert _roles(providers[OWNER_PROVIDER].inputs) == [STACK_ROLE, OWNER_ROLE]


def test_an_assumed_role_without_its_arn_is_refused(deploy, stack_config):
    stack_config.update({"aws:assumeRoles": '[{"sessionName": "ci"}]'})
    with pytest.raises(Exception) as caught:
        _run(deploy, stack_config)
    assert "aws:assumeRoles: each assumed role needs a roleArn, got {'sessionName': 'ci'}" in str(
        caught.value
    )


@pytest.mark.parametrize(
    ("key", "value", "pattern"),
    [
        ("externalId", "two words", r"[\w+=,.@:/-]{2,1224}"),
        ("externalId", "a|b", r"[\w+=,.@:/-]{2,1224}"),
        ("sessionName", "ci/runner", r"[\w+=,.@-]{2,64}"),
    ],
)
def test_an_external_id_or_session_name_sts_would_refuse_is_refused(
    deploy, stack_config, key, value, pattern
):
    role = {"roleArn": STACK_ROLE["roleArn"], key: value}
    stack_config.update({"aws:assumeRoles": json.dumps([role])})
    with pytest.raises(Exception) as caught:
        _run(deploy, stack_config)
    snake = {"externalId": "external_id", "sessionName": "session_name"}[key]
    assert (
        f"aws:assumeRoles: {snake} {value!r} is not one STS accepts ({pattern}, "
        "AssumeRole API reference) — fix it in the stack config"
    ) in str(caught.value)


def test_provider_args_are_the_base_of_every_provider(deploy, stack_config):
    stack_config.update({"aws:profile": "ignored-when-a-base-is-given"})
    base = aws.ProviderArgs(
        profile="ops",
        shared_config_files=["/etc/aws/config"],
        assume_roles=[aws.ProviderAssumeRoleArgs(role_arn=STACK_ROLE["roleArn"])],
    )
    _, _, providers = _run(deploy, stack_config, provider=base)
    for provider in providers.values():
        assert provider.inputs["profile"] == "ops"
        assert json.loads(provider.inputs["sharedConfigFiles"]) == ["/etc/aws/config"]
    assert _roles(providers[MGMT_PROVIDER].inputs) == [{"roleArn": STACK_ROLE["roleArn"]}]
    assert _roles(providers[OWNER_PROVIDER].inputs) == [
        {"roleArn": STACK_ROLE["roleArn"]},
        OWNER_ROLE,
    ]


def test_an_explicit_provider_in_opts_is_used_for_the_management_account(deploy, stack_config):
    def program():
        base = aws.Provider("base", profile="break-glass", region="us-east-1")
        OrgSharing("org", EXAMPLE, opts=pulumi.ResourceOptions(providers={"aws": base}))

    pulumi.runtime.set_all_config({})
    mocks, _, _ = deploy(program)
    names = {r.name for r in mocks.of_type(kinds.PROVIDER)}
    assert names == {"base", OWNER_PROVIDER}  # no management provider of its own
    for reg in mocks.registrations:
        if reg.type.startswith("aws:organizations/"):
            assert "::base::" in (reg.provider or ""), reg.name
    # member-account providers inherit what the base exposes, and add their own role
    owner = mocks.named(OWNER_PROVIDER).inputs
    assert owner["profile"] == "break-glass"
    assert _roles(owner) == [OWNER_ROLE]


def test_the_plans_commands_use_the_stack_credentials_too(deploy, stack_config):
    # Given a stack whose credentials are a profile and a chain to the management account
    stack_config.update(
        {
            "aws:profile": "org-admin",
            "aws:sharedCredentialsFiles": '["/secure/credentials"]',
            "aws:assumeRoles": json.dumps([STACK_ROLE]),
        }
    )
    mocks, _, _ = _run(deploy, stack_config)
    commands = {r.name: r.inputs for r in mocks.of_type(kinds.COMMAND)}
    # Then a share's permission command runs the AWS CLI with that profile, through that chain
    permission = commands["org/share/gpu-capacity/permission/ec2/CapacityReservation"]
    environment = permission["environment"]
    assert environment["AWS_PROFILE"] == "org-admin"
    assert environment["AWS_SHARED_CREDENTIALS_FILE"] == "/secure/credentials"
    # each hop with its own external ID and session name (F12: they were dropped)
    assert environment["TRAINSHARE_ROLE_CHAIN"] == (
        f"{STACK_ROLE['roleArn']}|{STACK_ROLE['externalId']}|{STACK_ROLE['sessionName']}"
    )
    assert environment["TRAINSHARE_ROLE_ARN"] == OWNER_ROLE["roleArn"]


def test_an_accounts_external_id_and_session_name_reach_its_provider(deploy, write_spec):
    text = EXAMPLE.read_text().replace(
        'shared-services: {id: "222222222222"',
        'shared-services: {id: "222222222222", external_id: acme-7, session_name: platform-ci',
    )
    assert "acme-7" in text, "the example's shared-services line changed"
    spec = write_spec(text)
    (spec.parent / "policies").mkdir()
    for policy in (EXAMPLE.parent / "policies").iterdir():
        (spec.parent / "policies" / policy.name).write_text(policy.read_text())
    pulumi.runtime.set_all_config({})
    mocks, _, _ = deploy(lambda: OrgSharing("org", spec) and None)
    assert _roles(mocks.named(OWNER_PROVIDER).inputs) == [
        {**OWNER_ROLE, "sessionName": "platform-ci", "externalId": "acme-7"}
    ]


def test_the_stack_region_is_the_default_of_a_spec_that_names_none(deploy, write_spec):
    text = (
        'version: 1\norganization: {management_account: "111111111111"}\n'
        "accounts:\n  team: {email: team@example.com}\n"
    )
    try:
        pulumi.runtime.set_all_config({"aws:region": "eu-west-2"})
        mocks, _, _ = deploy(lambda: OrgSharing("org", write_spec(text)) and None)
        (provider,) = mocks.of_type(kinds.PROVIDER)
        assert (provider.name, provider.inputs["region"]) == (
            "org/provider/111111111111/eu-west-2",
            "eu-west-2",
        )
        # a spec that names its Region keeps it
        named = text.replace('"111111111111"}', '"111111111111", region: us-west-2}')
        mocks, _, _ = deploy(lambda: OrgSharing("org", write_spec(named)) and None)
        assert [p.inputs["region"] for p in mocks.of_type(kinds.PROVIDER)] == ["us-west-2"]
    finally:
        pulumi.runtime.set_all_config({})
