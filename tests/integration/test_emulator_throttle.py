"""The emulator at a fixed request rate (issue #16's benchmark uses it): every service the audit
reads answers throttling in its own protocol, and the audit, retrying, reads the same snapshot
no faster than the rate allows."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import EXAMPLE
from trainshare.audit import ClientFactory, read_snapshot
from trainshare.emulator.demo import audit_emulator, deploy
from trainshare.emulator.world import seed_world
from trainshare.spec import load_spec

SPEC = load_spec(EXAMPLE)


@pytest.mark.parametrize(
    ("service", "call", "code"),
    [
        ("organizations", lambda c: c.describe_organization(), "TooManyRequestsException"),
        ("ram", lambda c: c.get_resource_shares(resourceOwner="SELF"), "ThrottlingException"),
        ("sts", lambda c: c.get_caller_identity(), "Throttling"),
        ("s3", lambda c: c.list_buckets(), "SlowDown"),
        ("kms", lambda c: c.list_keys(), "ThrottlingException"),
        ("ec2", lambda c: c.describe_capacity_reservations(), "RequestLimitExceeded"),
    ],
)
def test_each_service_is_throttled_in_its_own_protocol(org, emulator, service, call, code):
    once = Config(retries={"total_max_attempts": 1})  # botocore shows the first answer
    client = emulator.session().client(
        service, endpoint_url=emulator.endpoint, region_name="us-east-1", config=once
    )
    assert emulator.throttle is not None
    emulator.throttle.set_rate(0.001)  # one request now, then none for a long while
    call(client)
    with pytest.raises(ClientError) as caught:
        call(client)
    assert caught.value.response["Error"]["Code"] == code
    assert (emulator.throttle.accepted, emulator.throttle.throttled) == (1, 1)
    emulator.throttle.set_rate(None)
    call(client)


def test_a_throttled_audit_reads_the_same_snapshot_within_the_rate(emulator):
    seed_world(emulator, SPEC)
    deploy(emulator, SPEC, lambda _: None)
    plain, _ = audit_emulator(emulator, SPEC)
    assert emulator.throttle is not None
    rate = 40.0
    emulator.throttle.set_rate(rate, burst=1)
    factory = ClientFactory(session=emulator.session(), endpoint_url=emulator.endpoint)
    started = time.monotonic()
    throttled = read_snapshot(SPEC, factory)
    wall = time.monotonic() - started
    assert replace(throttled, taken_at="") == replace(plain, taken_at="")
    accepted, refused = emulator.throttle.accepted, emulator.throttle.throttled
    assert refused > 0, "eight workers against one request at a time"
    assert accepted == sum(factory.calls.values()) - refused  # every answer counted once
    assert wall >= (accepted - 1) / rate  # the floor: nothing passes faster than the rate
