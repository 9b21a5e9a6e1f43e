"""A fixed request rate for the emulator: AWS's answer to a caller that asks too fast.

`RateLimit` wraps the emulator's WSGI application. Off by default (`rate` None); with a rate, a
token bucket admits that many requests a second (a burst of `burst` at most) and answers the
others as the service itself throttles, in its own protocol — so boto3 parses a throttling
error, and the audit's retries are exercised as they are on AWS. Counts what it admitted and what
it turned away, for the benchmark's floor (calls ÷ rate).

The service is read from the request's SigV4 credential scope (`…/<region>/<service>/aws4_request`);
a service not listed below is never throttled.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")

# service (signing name) → (protocol, the code AWS throttles it with). Codes: Organizations
# TooManyRequestsException (API reference, Common errors); STS Throttling (query protocol);
# S3 SlowDown (503, Error responses); EC2 RequestLimitExceeded; the others ThrottlingException.
SERVICES = {
    "organizations": ("json", "TooManyRequestsException"),
    "kms": ("json", "ThrottlingException"),
    "ecr": ("json", "ThrottlingException"),
    "sagemaker": ("json", "ThrottlingException"),
    "ram": ("rest-json", "ThrottlingException"),
    "sts": ("query", "Throttling"),
    "s3": ("rest-xml", "SlowDown"),
    "ec2": ("ec2", "RequestLimitExceeded"),
}

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Application = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class RateLimit:
    """`clock` gives the seconds the bucket refills by (tests pass one that moves by request,
    so what is admitted does not depend on the machine's speed)."""

    def __init__(
        self,
        app: Application,
        rate: float | None = None,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.burst = burst
        self.clock = clock
        self.accepted = 0
        self.throttled = 0
        self._lock = threading.Lock()
        self.set_rate(rate)

    def set_rate(self, rate: float | None, burst: float | None = None) -> None:
        """Admit `rate` requests a second from now on (None: all), counts reset."""
        with self._lock:
            self.rate = rate
            self.burst = burst if burst is not None else self.burst
            self._tokens = self.burst
            self._last = self.clock()
            self.accepted = self.throttled = 0

    def _admit(self) -> bool:
        with self._lock:
            if self.rate is None:
                self.accepted += 1
                return True
            now = self.clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                self.accepted += 1
                return True
            self.throttled += 1
            return False

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        service = SERVICES.get(match.group(1)) if match else None
        if service is None or self._admit():
            return self.app(environ, start_response)
        status, headers, body = _answer(*service)
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]


# protocol → (HTTP status, content type, the error element in the protocol's XML envelope)
_XML_ERRORS = {
    "query": (
        "400 Bad Request",
        "text/xml",
        "<ErrorResponse><Error><Type>Sender</Type>{error}</Error>"
        "<RequestId>throttled</RequestId></ErrorResponse>",
    ),
    "ec2": (
        "503 Service Unavailable",
        "text/xml",
        "<Response><Errors><Error>{error}</Error></Errors>"
        "<RequestID>throttled</RequestID></Response>",
    ),
    "rest-xml": ("503 Slow Down", "application/xml", "<Error>{error}</Error>"),
}


def _answer(protocol: str, code: str) -> tuple[str, list[tuple[str, str]], bytes]:
    message = "Rate exceeded"
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message}).encode()
        return (
            "400 Bad Request",
            [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)],
            body,
        )
    status, content_type, envelope = _XML_ERRORS.get(protocol, _XML_ERRORS["rest-xml"])
    body = envelope.format(error=f"<Code>{code}</Code><Message>{message}</Message>").encode()
    return status, [("Content-Type", content_type)], body
