"""`trainshare emulator`: a local AWS organization for the AWS CLI, boto3 and trainshare itself.

The emulator starts on loopback; with a spec, the world the spec assumes is seeded and the spec
deployed into it (the demo's steps 1-3); without one, an empty organization (all features, SCPs
enabled) with the default management account. Then an IAM user of the management account gets an
access key, and the four `export AWS_…` lines built from it make any AWS SDK — the AWS CLI,
boto3, `trainshare audit` and `import` — act as the management account against the emulator.
A long-term IAM user key, not role credentials: no session token, and it never expires.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from trainshare.emulator.demo import deploy
from trainshare.emulator.server import Emulator, running_emulator
from trainshare.emulator.world import seed_world
from trainshare.spec import Spec

DEFAULT_MANAGEMENT_ACCOUNT = "111111111111"
DEFAULT_REGION = "us-east-1"
USER_NAME = "trainshare-emulator"


@dataclass(frozen=True)
class EmulatorCredentials:
    """What an AWS SDK needs to act as the management account against the emulator."""

    endpoint_url: str
    access_key_id: str
    secret_access_key: str
    region: str

    def environment(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_DEFAULT_REGION": self.region,
        }

    def exports(self) -> list[str]:
        """`export NAME=value` lines for a POSIX shell (`eval` or `source` them)."""
        return [f"export {name}={shlex.quote(v)}" for name, v in self.environment().items()]


def management_credentials(emulator: Emulator, region: str) -> EmulatorCredentials:
    """An access key of a new IAM user in the management account."""
    iam = emulator.client("iam")
    iam.create_user(UserName=USER_NAME)
    key = iam.create_access_key(UserName=USER_NAME)["AccessKey"]
    return EmulatorCredentials(
        emulator.endpoint, key["AccessKeyId"], key["SecretAccessKey"], region
    )


def prepare_world(emulator: Emulator, spec: Spec | None, say: Callable[[str], None]) -> None:
    """Seed and deploy `spec`, or create an empty organization."""
    if spec is None:
        org = emulator.client("organizations")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
        say(f"an empty organization: management account {emulator.management_account}, root {root}")
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
