"""The audit reader under network faults, against the emulator (issue #16): throttling (every code
AWS services use, S3's SlowDown included), 5xx, connection resets and timeouts on every call
leave the snapshot identical; AccessDenied on any one call, a refused connection, a server that
never answers or resets, and an invalid endpoint end with an error naming the call — never a
traceback, never a write."""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections import Counter
from dataclasses import replace

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError, ReadTimeoutError
from typer.testing import CliRunner

from tests.conftest import EXAMPLE
from tests.integration.conftest import MANAGEMENT, credentials
from trainshare.audit import AuditError, ClientFactory, read_snapshot
from trainshare.audit.client import READ_OPERATIONS, THROTTLING, WriteRefusedError
from trainshare.cli import app
from trainshare.emulator import running_emulator
from trainshare.emulator.demo import audit_emulator, deploy
from trainshare.emulator.world import seed_world
from trainshare.spec import load_spec

SPEC = load_spec(EXAMPLE)


@pytest.fixture(scope="module")
def world():
    """The example deployed once for the module: every test here only reads."""
    with running_emulator(MANAGEMENT) as emulator:
        seed_world(emulator, SPEC)
        deploy(emulator, SPEC, lambda _: None)
        snapshot, _ = audit_emulator(emulator, SPEC)
        yield emulator, replace(snapshot, taken_at="")


@pytest.fixture
def emulator(world):
    return world[0]


@pytest.fixture
def deployed(world):
    return world[1]


def error_answer(request, protocol: str, code: str, status: int) -> AWSResponse:
    """An AWS error answer in the protocol the service speaks, as a before-send hook returns it
    instead of sending the request."""
    message = "injected by the test"
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = {"x-amzn-ErrorType": code, "Content-Type": "application/x-amz-json-1.1"}
    elif protocol == "query":  # STS
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}"
            "</Message></Error><RequestId>1</RequestId></ErrorResponse>"
        ).encode()
        headers = {"Content-Type": "text/xml"}
    elif protocol == "ec2":  # EC2's own query protocol (the capacity reservations the spec states)
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error>"
            "</Errors><RequestID>1</RequestID></Response>"
        ).encode()
        headers = {"Content-Type": "text/xml"}
    else:  # rest-xml: S3
        body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
        headers = {"Content-Type": "application/xml"}
    return AWSResponse(request.url, status, headers, _Raw(body))


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_):
        yield self.data


class FaultyFactory(ClientFactory):
    """Clients whose requests meet `fault` (a function of the client's service and protocol, the
    operation and the attempt of that very request, returning an answer, raising, or None to
    let it through). Every attempt is recorded per operation."""

    def __init__(self, emulator, fault, **kwargs):
        super().__init__(
            session=emulator.session(),
            endpoint_url=emulator.endpoint,
            sleep=lambda _: None,
            **kwargs,
        )
        self.fault = fault
        self.attempts: Counter[tuple[str, str, bytes]] = Counter()
        self.sent: list[str] = []
        self._seen = threading.Lock()

    def client(self, service, region="us-east-1", session=None):
        client = super().client(service, region, session)
        model = client.meta.service_model

        def inject(request, event_name, **_):
            operation = event_name.rsplit(".", 1)[-1]
            body = request.body or b""
            key = (operation, request.url, body.encode() if isinstance(body, str) else bytes(body))
            with self._seen:
                self.attempts[key] += 1
                attempt = self.attempts[key]
                self.sent.append(f"{model.signing_name}:{operation}")
            return self.fault(request, model.signing_name, model.protocol, operation, attempt)

        client.meta.events.register("before-send", inject)
        return client


def once(answer):
    """A fault on the first attempt of every request; the retry goes through."""

    def fault(request, service, protocol, operation, attempt):
        return answer(request, service, protocol) if attempt == 1 else None

    return fault


def throttled(code):
    def answer(request, service, protocol):
        return error_answer(
            request,
            protocol,
            "SlowDown" if service == "s3" else code,
            503 if service == "s3" else 400,
        )

    return answer


def reset(request, service, protocol):
    raise ConnectionClosedError(endpoint_url=request.url)


def timed_out(request, service, protocol):
    raise ReadTimeoutError(endpoint_url=request.url)


FAULTS = {
    **{f"throttled {code}": throttled(code) for code in sorted(THROTTLING)[:6]},
    "HTTP 429 without a code": lambda r, s, p: error_answer(r, p, "", 429),
    "HTTP 500 InternalFailure": lambda r, s, p: error_answer(r, p, "InternalFailure", 500),
    "HTTP 503 ServiceUnavailable": lambda r, s, p: error_answer(r, p, "ServiceUnavailable", 503),
    "connection reset": reset,
    "read timeout": timed_out,
}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_a_fault_on_every_call_leaves_the_snapshot_identical(emulator, deployed, name):
    factory = FaultyFactory(emulator, once(FAULTS[name]))
    snapshot = read_snapshot(SPEC, factory)
    assert replace(snapshot, taken_at="") == deployed
    # every call of the audit met the fault once, and was sent again
    assert {op for op, _, _ in factory.attempts} == {a.split(":")[1] for a in factory.calls}
    assert all(n == 2 for n in factory.attempts.values())
    # botocore retries nothing itself: every attempt on the wire is one `call` counted
    assert sum(factory.calls.values()) == len(factory.sent) == 2 * len(factory.attempts)
    assert set(factory.sent) <= READ_OPERATIONS


def test_every_throttling_code_is_retried(emulator, deployed):
    """Each code AWS services throttle with, on one call: retried, and answered."""
    for code in sorted(THROTTLING):
        factory = FaultyFactory(emulator, once(lambda r, s, p, c=code: error_answer(r, p, c, 400)))
        client = factory.client("organizations")
        answer = factory.call(client, "describe_organization")
        assert answer["Organization"]["MasterAccountId"] == MANAGEMENT, code
        assert list(factory.attempts.values()) == [2], code


def test_access_denied_on_any_call_names_it(emulator, deployed):
    plain = ClientFactory(session=emulator.session(), endpoint_url=emulator.endpoint)
    read_snapshot(SPEC, plain)
    for action in sorted(plain.calls):
        service, operation = action.split(":")

        def deny(request, svc, protocol, op, attempt, operation=operation, service=service):
            if op != operation or svc != service:
                return None
            code = "AccessDenied" if protocol in ("query", "rest-xml") else "AccessDeniedException"
            return error_answer(request, protocol, code, 403)

        factory = FaultyFactory(emulator, deny)
        with pytest.raises(AuditError) as caught:
            read_snapshot(SPEC, factory)
        message = str(caught.value)
        assert f"access denied to {operation} (injected by the test)" in message, message
        assert "docs/audit-permissions.json" in message
        assert factory.attempts[next(k for k in factory.attempts if k[0] == operation)] == 1


def test_a_throttled_call_past_the_bound_names_the_call(emulator, deployed):
    always = throttled("ThrottlingException")
    factory = FaultyFactory(emulator, lambda r, s, p, o, a: always(r, s, p), max_total_seconds=0.0)
    with pytest.raises(AuditError) as caught:
        read_snapshot(SPEC, factory)
    assert str(caught.value) == (
        "sts:GetCallerIdentity was still throttled (ThrottlingException) after 1 attempts; "
        "retry later or raise --max-seconds"
    )


def test_a_call_that_keeps_failing_stops_after_five_attempts(emulator, deployed):
    factory = FaultyFactory(emulator, lambda r, s, p, o, a: reset(r, s, p))
    with pytest.raises(AuditError) as caught:
        read_snapshot(SPEC, factory)
    assert str(caught.value).startswith(
        "sts:GetCallerIdentity failed in 5 attempts: connection to "
    )
    assert str(caught.value).endswith(
        "check the network, --endpoint-url and the Region, or retry later"
    )
    assert sum(factory.attempts.values()) == 5


def test_the_guard_is_an_allow_list_not_a_name_prefix(emulator):
    """ListAccounts reads, but the audit does not make it: refused before it is sent, like a
    write."""
    factory = ClientFactory(session=emulator.session(), endpoint_url=emulator.endpoint)
    client = factory.client("organizations")
    with pytest.raises(WriteRefusedError, match="refused organizations:ListAccounts: the audit"):
        client.list_accounts()
    with pytest.raises(WriteRefusedError, match="refused organizations:CreatePolicy"):
        client.create_policy(Content="{}", Description="", Name="x", Type="SERVICE_CONTROL_POLICY")
    assert factory.calls == Counter()  # refused before `call` or the wire


# -- real sockets: nothing listening, a server that never answers, one that resets ----------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Server(threading.Thread):
    """Accepts on loopback and then either never answers or resets the connection."""

    def __init__(self, behaviour: str) -> None:
        super().__init__(daemon=True)
        self.behaviour = behaviour
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        self.sock.settimeout(0.1)
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            if self.behaviour == "reset":
                conn.recv(65536)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()  # RST
            else:
                self.held.append(conn)

    def stop(self) -> None:
        self.stopped.set()
        self.join()
        for conn in self.held:
            conn.close()
        self.sock.close()


def run_audit(endpoint: str, emulator):
    env = credentials(emulator)
    return CliRunner(env=env).invoke(
        app, ["audit", str(EXAMPLE), "--endpoint-url", endpoint, "--max-seconds", "0"]
    )


def test_a_refused_connection_is_a_clear_error(emulator):
    result = run_audit(f"http://127.0.0.1:{_free_port()}", emulator)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: sts:GetCallerIdentity failed within --max-seconds:")
    assert "Could not connect to the endpoint URL" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("behaviour", ["reset", "silent"])
def test_a_server_that_resets_or_never_answers_is_a_clear_error(emulator, behaviour):
    server = _Server(behaviour)
    server.start()
    try:
        factory = ClientFactory(
            session=emulator.session(),
            endpoint_url=f"http://127.0.0.1:{server.port}",
            read_timeout=0.3,
            connect_timeout=0.3,
            sleep=lambda _: None,
        )
        with pytest.raises(AuditError) as caught:
            read_snapshot(SPEC, factory)
    finally:
        server.stop()
    message = str(caught.value)
    assert message.startswith("sts:GetCallerIdentity failed in 5 attempts: ")
    if behaviour == "silent":
        assert "no answer within 0.3 s" in message
    else:
        assert "connection to" in message


@pytest.mark.parametrize("url", ["not a url", "ftp://host", "http://", "http://host:port"])
def test_an_invalid_endpoint_url_is_a_clear_error(emulator, url):
    result = run_audit(url, emulator)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: --endpoint-url {url!r} is not an http(s) URL with a host — write it like "
        "https://organizations.us-east-1.amazonaws.com or http://127.0.0.1:5000\n"
    )
