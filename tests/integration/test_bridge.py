"""The bridge refuses what it cannot play, and what the real provider would refuse."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest

from tests.conftest import EXAMPLE
from trainshare.audit import ClientFactory, read_snapshot
from trainshare.emulator.bridge import EmulatorMocks
from trainshare.emulator.demo import deploy
from trainshare.emulator.world import seed_world
from trainshare.spec import load_spec


def run(emulator, program):
    pulumi.runtime.set_mocks(EmulatorMocks(emulator), project="p", stack="s", preview=False)
    pulumi.runtime.test(program)()


def test_an_unsupported_type_is_an_error_naming_it(emulator):
    with pytest.raises(Exception, match="the emulator does not support aws:sqs/queue:Queue"):
        run(emulator, lambda: aws.sqs.Queue("q"))


def test_a_provider_pinned_to_another_account_refuses_like_the_real_one(emulator):
    def program():
        aws.Provider(
            "p",
            region="us-east-1",
            allowed_account_ids=["999999999999"],
            assume_roles=[
                aws.ProviderAssumeRoleArgs(
                    role_arn="arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"
                )
            ],
        )

    with pytest.raises(Exception, match="account 222222222222 is not in allowed_account_ids"):
        run(emulator, program)


def test_all_accounts_reads_the_shares_of_every_account(emulator):
    spec = load_spec(EXAMPLE)
    seed_world(emulator, spec)
    _, outputs = deploy(emulator, spec, lambda _: None)
    vision = outputs["account_ids"]["team-vision"]
    emulator.client("ram", vision).create_resource_share(name="team-made")
    factory = ClientFactory(session=emulator.session(), endpoint_url=emulator.endpoint)
    default = read_snapshot(spec, factory)
    assert "team-made" not in {s.name for s in default.shares}
    once = ClientFactory(session=emulator.session(), endpoint_url=emulator.endpoint)
    everything = read_snapshot(spec, once, all_accounts=True)
    assert ("team-made", vision) in {(s.name, s.owner) for s in everything.shares}
    # the account list and the snapshot come from one read of the organization
    assert once.calls["organizations:DescribeOrganization"] == 1
