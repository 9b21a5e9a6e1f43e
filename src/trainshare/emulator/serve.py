"""`trainshare emulator`: a local AWS organization for the AWS CLI, boto3 and trainshare itself.

The emulator starts on loopback; with a spec, the world the spec assumes is seeded and the spec
deployed into it (the demo's steps 1-3); without one, an empty organization (all features, SCPs
enabled) with the default management account. Its management account's credentials
(`credentials.py`) are then ready to hand out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from trainshare.emulator.credentials import EmulatorCredentials, management_credentials
from trainshare.emulator.demo import deploy
from trainshare.emulator.server import Emulator, running_emulator
from trainshare.emulator.world import seed_world
from trainshare.spec import Spec

DEFAULT_MANAGEMENT_ACCOUNT = "111111111111"
DEFAULT_REGION = "us-east-1"


def prepare_world(emulator: Emulator, spec: Spec | None, say: Callable[[str], None]) -> None:
    """Seed and deploy `spec`, or create an empty organization."""
    if spec is None:
        org = emulator.client("organizations")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
        say(f"an empty organization: management account {emulator.management_account}, {root}")
        return
    for line in seed_world(emulator, spec):
        say(f"seeded: {line}")
    mocks, _ = deploy(emulator, spec, lambda line: say("  " + line))
    say(f"deployed {len(mocks.created)} resources of {spec.file}")


@contextmanager
def serving(
    spec: Spec | None, port: int, say: Callable[[str], None]
) -> Iterator[EmulatorCredentials]:
    """The emulator, ready (seeded and deployed), and the management account's credentials for
    it; stopped when the context ends."""
    management = spec.organization.management_account if spec else DEFAULT_MANAGEMENT_ACCOUNT
    region = spec.organization.region if spec else DEFAULT_REGION
    with running_emulator(management, port) as emulator:
        say(f"emulator: moto on {emulator.endpoint} (loopback only; fake credentials)")
        prepare_world(emulator, spec, say)
        yield management_credentials(emulator, region)
