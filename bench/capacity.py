"""The capacity view's benchmark world: a synthetic organization's shared reservations on the
emulator, with one consumer per share running in it.

No Pulumi deploy: `trainshare capacity` reads only the owners' reservations (and DescribeAccount
for the accounts using them that the spec knows by name only), so the world is what those reads
see — the organization and its owners (`seed_world`), the reservations in the owners' accounts,
and per share of capacity one consumer account the share reaches, shared the reservations through
RAM and running one instance, targeted, in the share's first reservation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from trainshare.audit import ClientFactory
from trainshare.audit.capacity import read_capacity
from trainshare.capacity.model import CapacitySnapshot
from trainshare.capacity.view import shared_capacity
from trainshare.emulator import running_emulator
from trainshare.emulator.extensions import organizations_adopts_existing_account
from trainshare.emulator.server import Emulator
from trainshare.emulator.world import seed_world
from trainshare.spec import PrincipalKind, Share, Spec

LINUX_AMI = "ami-1e749f67"  # one of moto's Linux images
CONSUMER_IDS = 900_000_000_000  # created accounts get IDs from here (the spec has none for them)


@dataclass
class CapacityWorld:
    emulator: Emulator
    spec: Spec
    consumers: dict[str, str]  # share key → the consumer account's ID
    reservations: int

    def read(self) -> tuple[CapacitySnapshot, int]:
        """One `trainshare capacity` read: the snapshot and the API calls it took."""
        emulator = self.emulator
        factory = ClientFactory(session=emulator.session(), endpoint_url=emulator.endpoint)
        snapshot = read_capacity(self.spec, factory, lookback_hours=168)
        return snapshot, sum(factory.calls.values())


def consumer_of(spec: Spec, share: Share) -> str | None:
    """An account of the spec the share reaches (not its owner): a named account first, else the
    first account under a shared OU, else the first account of an organization-wide share."""
    keys = [k for k, a in spec.accounts.items() if a.id != share.owner_id]
    for principal in share.principals:
        if principal.kind is PrincipalKind.ACCOUNT and principal.target in keys:
            return principal.target
    for principal in share.principals:
        if principal.kind is PrincipalKind.UNIT:
            under = principal.target + "/"
            found = next(
                (
                    k
                    for k in keys
                    if spec.accounts[k].unit == principal.target
                    or spec.accounts[k].unit.startswith(under)
                ),
                None,
            )
            if found:
                return found
        if principal.kind is PrincipalKind.ORGANIZATION and keys:
            return keys[0]
    return None


@contextmanager
def capacity_world(spec: Spec) -> Iterator[CapacityWorld]:
    """The emulator holding `spec`'s shared capacity, one consumer per share running in it."""
    management = spec.organization.management_account
    with running_emulator(management) as emulator:
        seed_world(emulator, spec)
        by_share: dict[str, list[str]] = {}
        for share, resource in shared_capacity(spec):
            by_share.setdefault(share.key, []).append(resource.arn)
        consumers: dict[str, str] = {}
        ids: dict[str, str] = {}  # consumer key → its ID (one account per key)
        for key, arns in sorted(by_share.items()):
            share = spec.shares[key]
            consumer = consumer_of(spec, share)
            if consumer is None:
                continue
            account_id = ids.setdefault(
                consumer, spec.accounts[consumer].id or f"{CONSUMER_IDS + len(ids):012d}"
            )
            # an account the spec creates: in the organization under its key, as deployed
            organizations_adopts_existing_account(
                management, account_id, consumer, f"{consumer}@example.com"
            )
            ram = emulator.client("ram", share.owner_id, share.region)
            ram.create_resource_share(name=share.name, resourceArns=arns, principals=[account_id])
            emulator.client("ec2", account_id, share.region).run_instances(
                ImageId=LINUX_AMI,
                MinCount=1,
                MaxCount=1,
                InstanceType="p5.48xlarge",
                Placement={"AvailabilityZone": f"{share.region}a"},
                CapacityReservationSpecification={
                    "CapacityReservationTarget": {"CapacityReservationId": arns[0].rsplit("/")[-1]}
                },
            )
            consumers[key] = account_id
        yield CapacityWorld(emulator, spec, consumers, sum(len(arns) for arns in by_share.values()))
