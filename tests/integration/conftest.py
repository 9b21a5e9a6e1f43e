from __future__ import annotations

import json

import pytest
from botocore.awsrequest import AWSResponse

from trainshare.emulator import running_emulator

MANAGEMENT = "111111111111"


@pytest.fixture
def emulator():
    """moto's server on 127.0.0.1 and a free port, started and stopped by the test."""
    with running_emulator(MANAGEMENT) as emu:
        assert emu.endpoint.startswith("http://127.0.0.1:")
        yield emu


@pytest.fixture
def org(emulator):
    """An organization with SCPs enabled; returns (client, root ID)."""
    client = emulator.client("organizations")
    client.create_organization(FeatureSet="ALL")
    root = client.list_roots()["Roots"][0]["Id"]
    client.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    return client, root


def credentials(emulator, account=None):
    """Environment for the CLI acting as `account` (default: management) on the emulator,
    with no profile or config file of the machine's in the way."""
    creds = emulator.session(account).get_credentials()
    return {
        "AWS_ACCESS_KEY_ID": creds.access_key,
        "AWS_SECRET_ACCESS_KEY": creds.secret_key,
        "AWS_SESSION_TOKEN": creds.token,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_PROFILE": None,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }


def error_response(request, code: str, message: str) -> AWSResponse:
    """An AWS JSON-protocol error answer, for a botocore before-send hook to return instead of
    sending the request (throttling, access denied)."""
    body = json.dumps({"__type": code, "message": message})
    headers = {"x-amzn-ErrorType": code, "Content-Type": "application/x-amz-json-1.1"}
    return AWSResponse(request.url, 400, headers, _Raw(body.encode()))


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_):
        yield self.data
