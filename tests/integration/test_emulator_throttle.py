"""The emulator at a fixed request rate (issue #16's benchmark uses it): every service the audit
reads answers throttling in its own protocol, and the audit, retrying, reads the same snapshot
no faster than the rate allows. The bucket's clock moves by request, not by the machine's time:
what is admitted is the same on a loaded machine (the wall time is the benchmark's)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import EXAMPLE
from trainshare.audit import ClientFactory, read_snapshot
from trainshare.emulator.demo import audit_emulator, deploy
from trainshare.emulator.throttle import RateLimit
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


class Ticks:
    """A clock that moves `step` seconds at each reading: the bucket sees requests evenly
    spaced whatever the machine's speed (no test here depends on time)."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_the_bucket_admits_the_rate_and_its_burst_never_more():
    clock = Ticks(0.0)
    limit = RateLimit(lambda environ, start: [b""], rate=8.0, burst=3.0, clock=clock)
    assert [limit._admit() for _ in range(5)] == [True, True, True, False, False]  # the burst
    clock.step = 1 / 16  # half an interval per request (binary fractions: exact sums)
    assert [limit._admit() for _ in range(6)] == [False, True, False, True, False, True]
    clock.step = 10.0  # a long pause refills the burst, not more
    assert limit._admit() and (limit._tokens == 2.0)
    assert (limit.accepted, limit.throttled) == (7, 5)


def test_a_throttled_audit_reads_the_same_snapshot_within_the_rate(emulator):
    seed_world(emulator, SPEC)
    deploy(emulator, SPEC, lambda _: None)
    plain, _ = audit_emulator(emulator, SPEC)
    assert emulator.throttle is not None
    rate = 32.0
    clock = Ticks(1 / 64)  # half an interval per request: every other request is throttled
    emulator.throttle.clock = clock
    emulator.throttle.set_rate(rate, burst=1)
    factory = ClientFactory(
        session=emulator.session(),
        endpoint_url=emulator.endpoint,
        sleep=lambda seconds: None,  # the audit's waits are the pace's business, not this test's
    )
    throttled = read_snapshot(SPEC, factory)
    assert replace(throttled, taken_at="") == replace(plain, taken_at="")
    accepted, refused = emulator.throttle.accepted, emulator.throttle.throttled
    assert accepted == sum(factory.calls.values()) - refused  # every answer counted once
    assert refused in (accepted - 1, accepted)  # each call went again after its throttling
    assert accepted <= 1 + clock.now * rate  # nothing passed faster than the rate
