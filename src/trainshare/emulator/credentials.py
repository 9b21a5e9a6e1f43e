"""Credentials that make any AWS SDK — the AWS CLI, boto3, `trainshare audit` and `import` — act
as the management account against the emulator, as `export AWS_…` lines.

An access key of an IAM user of the management account, not role credentials: a long-term key
needs no session token and never expires, so four variables are the whole of it. moto tells the
account of a request by its access key (moto/iam/models.py, `get_account_id_from`), as AWS does.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from trainshare.emulator.server import Emulator

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
    """An access key of a new IAM user in the management account (created once per emulator)."""
    iam = emulator.client("iam")
    if not iam.list_users()["Users"]:
        iam.create_user(UserName=USER_NAME)
    key = iam.create_access_key(UserName=USER_NAME)["AccessKey"]
    return EmulatorCredentials(
        emulator.endpoint, key["AccessKeyId"], key["SecretAccessKey"], region
    )
