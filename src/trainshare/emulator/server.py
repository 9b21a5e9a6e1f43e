"""An embedded AWS emulator: moto's server in a thread, on 127.0.0.1 and a free port.

Every client it hands out carries the emulator's own fake credentials, never the user's: nothing
here can reach AWS. Accounts are entered the way they are on AWS, with sts:AssumeRole, which moto
answers with credentials of the role's account.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.organizations.models import organizations_backends
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from trainshare.emulator import capacity
from trainshare.emulator.extensions import apply_extensions
from trainshare.emulator.throttle import RateLimit
from trainshare.errors import TrainshareError

FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
ROLE_NAME = "OrganizationAccountAccessRole"
_CONFIG = Config(retries={"max_attempts": 2, "mode": "standard"})


class EmulatorError(TrainshareError):
    """The emulator cannot start (its port is taken)."""


@dataclass
class Emulator:
    """The running emulator's address, and the clients that act in its accounts.

    Clients are made once per (service, account, Region) and kept: making one costs more than
    most calls made with it (a Pulumi-bridge deploy spent 40% of its time making clients). All
    of them come from one botocore session, each with its account's credentials: a session per
    account loads every service model again (about 20 MB per account). boto3 clients are
    thread-safe, sessions are not, so clients are made under a lock (the bridge runs under
    Pulumi's mock runtime, from several threads).
    """

    endpoint: str
    management_account: str
    # the request rate it admits: `throttle.set_rate(100)` answers beyond 100 a second as AWS
    # throttles (off until set)
    throttle: RateLimit | None = field(default=None, repr=False)
    _shared: boto3.Session = field(
        default_factory=lambda: boto3.Session(**FAKE_CREDENTIALS), repr=False
    )
    _sts: Any = field(default=None, repr=False)
    _credentials: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    _sessions: dict[str, boto3.Session] = field(default_factory=dict, repr=False)
    _clients: dict[tuple[str, str, str], Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def session(self, account_id: str | None = None) -> boto3.Session:
        """A session acting as `account_id` (default: the management account), for code that
        takes a session (the audit's `ClientFactory`). Prefer `client`: a session loads its
        service models anew."""
        account_id = account_id or self.management_account
        with self._lock:
            if account_id not in self._sessions:
                self._sessions[account_id] = boto3.Session(**self._credentials_of(account_id))
            return self._sessions[account_id]

    def client(self, service: str, account_id: str | None = None, region: str = "us-east-1") -> Any:
        """A boto3 client acting as `account_id` (default: the management account) in
        `region`; the same object for the same arguments."""
        key = (service, account_id or self.management_account, region)
        found = self._clients.get(key)
        if found is not None:
            return found
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._shared.client(
                    service,
                    endpoint_url=self.endpoint,
                    region_name=region,
                    config=_CONFIG,
                    **self._credentials_of(key[1]),
                )
            return self._clients[key]

    def _credentials_of(self, account_id: str) -> dict[str, str]:
        """Credentials of `account_id`'s role, from sts:AssumeRole: moto answers with an access
        key of the role's account, and tells a request's account by that key
        (moto/iam/models.py, `get_account_id_from`). Call under the lock."""
        if account_id not in self._credentials:
            if self._sts is None:
                self._sts = self._shared.client(
                    "sts", endpoint_url=self.endpoint, region_name="us-east-1", config=_CONFIG
                )
            creds = self._sts.assume_role(
                RoleArn=f"arn:aws:iam::{account_id}:role/{ROLE_NAME}",
                RoleSessionName="trainshare-emulator",
            )["Credentials"]
            self._credentials[account_id] = {
                "aws_access_key_id": creds["AccessKeyId"],
                "aws_secret_access_key": creds["SecretAccessKey"],
                "aws_session_token": creds["SessionToken"],
            }
        return self._credentials[account_id]


def _check_port_free(port: int) -> None:
    """moto's server binds in its thread and would wait forever for a port already taken:
    find out here, with the same socket options (SO_REUSEADDR, as Python's HTTPServer)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen(1)
        except OSError as exc:
            raise EmulatorError(
                f"cannot listen on 127.0.0.1:{port}: {exc.strerror} — choose another port with "
                "--port, or leave it out for a free one"
            ) from None


class _Server(ThreadedMotoServer):
    """moto's threaded server, its application behind a `RateLimit` (off until set)."""

    rate_limit: RateLimit | None = None

    def _server_entry(self) -> None:
        self.rate_limit = RateLimit(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            self._ip_address, self._port, self.rate_limit, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()


@contextmanager
def running_emulator(management_account: str = "111111111111", port: int = 0) -> Iterator[Emulator]:
    """Start the emulator on 127.0.0.1 (`port`, 0 for a free one), yield it, and stop it — also
    on errors."""
    if port:
        _check_port_free(port)
    apply_extensions()
    # moto keeps its state in module globals: every emulator starts from an empty world.
    moto_api_backend.reset()
    organizations_backends.master_accounts.clear()
    capacity.reset()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no per-request log lines
    server = _Server(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield Emulator(f"http://{host}:{port}", management_account, server.rate_limit)
    finally:
        server.stop()
