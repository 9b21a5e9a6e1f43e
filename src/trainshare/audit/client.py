"""boto3 clients for the audit, read-only by construction.

Every client comes from `ClientFactory`, which registers a botocore `before-call` hook refusing
any operation not in `READ_OPERATIONS` — an allow-list of the reads the audit makes, the actions
of docs/audit-permissions.json — *before* it is signed or sent. Calls go through `call`, which
retries what can pass (every throttling code AWS services use, HTTP 429 and 5xx, transient
timeouts, connection errors) with jittered exponential backoff, each call within a bounded time,
and counts them; whatever ends a call is an `AuditError` naming it.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    NoCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
    SSLError,
)

from trainshare.errors import TrainshareError

DEFAULT_REGION = "us-east-1"
# Every call the audit and `trainshare capacity` may send, as IAM names it: the reads they make.
# docs/audit-permissions.json and docs/capacity-permissions.json grant exactly these (a test
# checks it). A new read goes here and in its document.
READ_OPERATIONS = frozenset(
    {
        "organizations:DescribeOrganization",
        "organizations:DescribePolicy",
        "organizations:ListAWSServiceAccessForOrganization",
        "organizations:ListAccountsForParent",
        "organizations:ListOrganizationalUnitsForParent",
        "organizations:ListPolicies",
        "organizations:ListRoots",
        "organizations:ListTargetsForPolicy",
        "sts:AssumeRole",
        "sts:GetCallerIdentity",
        "ecr:GetRepositoryPolicy",
        "kms:GetKeyPolicy",
        "ram:GetResourceShareAssociations",
        "ram:GetResourceShares",
        "ram:ListResourceSharePermissions",
        "s3:GetBucketPolicy",
        "sagemaker:GetModelPackageGroupPolicy",
        # trainshare capacity
        "organizations:DescribeAccount",
        "cloudwatch:GetMetricData",
        "ec2:DescribeCapacityReservationBillingRequests",
        "ec2:DescribeCapacityReservations",
        "ec2:GetCapacityReservationUsage",
    }
)
# The largest page each service's List/Get calls return (Organizations API reference: MaxResults
# 1-20; RAM API reference: maxResults 1-500): the fewest calls for the whole picture.
PAGE_SIZES = {"organizations": ("MaxResults", 20), "ram": ("maxResults", 500)}
# Where the signing name is not the IAM service prefix (Service Authorization Reference:
# CloudWatch's actions are cloudwatch:*, its endpoint and signing name "monitoring").
IAM_PREFIXES = {"monitoring": "cloudwatch"}
# Throttling, as any AWS service answers it: botocore's list (retries/standard.py, "the union of
# all error codes we've seen that represent throttling", S3's SlowDown and EC2's
# RequestLimitExceeded among them), and Organizations' ConcurrentModificationException ("the
# target of the operation is being modified by another request"). Retried until the time bound.
THROTTLING = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
        "ConcurrentModificationException",
    }
)
THROTTLING_STATUS = frozenset({429})
# Transient failures (botocore's standard retry mode: these codes, HTTP 500/502/503/504, and
# connection errors): retried a few times, within the time bound.
TRANSIENT = frozenset(
    {
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InternalServerException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "ServiceException",
    }
)
TRANSIENT_STATUS = frozenset({500, 502, 503, 504})
TRANSIENT_ATTEMPTS = 5  # attempts of one call that fails transiently (botocore's standard: 3)
MAX_DELAY = 20.0  # seconds: the longest wait between two attempts


class AuditError(TrainshareError):
    """The audit cannot read what it needs (credentials, permissions, throttling, refusal)."""


class WriteRefusedError(AuditError):
    """An operation outside the read-only allow-list was attempted; it was never sent."""


def iam_name(signing_name: str, operation: str) -> str:
    """An operation as IAM names the action (`cloudwatch:GetMetricData`, signed `monitoring`)."""
    return f"{IAM_PREFIXES.get(signing_name, signing_name)}:{operation}"


def allowed(action: str) -> bool:
    """Whether the audit may send `action` (`service:Operation`, as IAM names it)."""
    return action in READ_OPERATIONS


def check_endpoint(url: str | None) -> None:
    """An `--endpoint-url` must be an http(s) URL with a host; else an `AuditError` before any
    client is made (botocore's own error is a traceback-shaped ValueError)."""
    if url is None:
        return
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise AuditError(
            f"--endpoint-url {url!r} is not an http(s) URL with a host — write it like "
            "https://organizations.us-east-1.amazonaws.com or http://127.0.0.1:5000"
        )


class Pace:
    """The interval every thread of one factory keeps between sends, learnt from throttling:
    half as long again (LONGER: from 5 ms, up to MAX_DELAY) after each throttled answer, 3%
    shorter (SHORTER) after each call that passes, and none until AWS first throttles or once
    it has shrunk below a quarter of 5 ms. A throttled call waits for its slot in this
    shared pace rather than on its own: retries of many threads cannot arrive together, and
    the calls that pass come close to the rate AWS allows (bench: the throttled audit against
    its floor, calls ÷ rate). `clock` tells the time slots are kept in (a test passes a fake
    one, with a fake `sleep` to `wait`)."""

    FIRST = 0.005
    LONGER = 1.5
    SHORTER = 0.97

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 0.0
        self._next = 0.0
        self._clock = clock
        self._lock = threading.Lock()

    def wait(self, sleep: Callable[[float], None]) -> None:
        """Take the next send slot, sleeping until it comes."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            sleep(slot - now)

    def throttled(self) -> float:
        """AWS said too fast: a longer interval, returned."""
        with self._lock:
            self.interval = min(MAX_DELAY, max(self.FIRST, self.interval * self.LONGER))
            return self.interval

    def passed(self) -> None:
        with self._lock:
            self.interval = 0.0 if self.interval < self.FIRST / 4 else self.interval * self.SHORTER


@dataclass
class ClientFactory:
    """Read-only clients for one credential source (profile, or a session and endpoint)."""

    session: Any = None  # boto3.Session; default: boto3's default chain
    endpoint_url: str | None = None
    max_total_seconds: float = 120.0  # per call: how long its retries may take
    base_delay: float = 0.2
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    calls: Counter[str] = field(default_factory=Counter)
    sleep: Callable[[float], None] = time.sleep
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _pace: Pace = field(default_factory=Pace, repr=False)

    @staticmethod
    def for_profile(
        profile: str | None, region: str | None, endpoint_url: str | None, max_total_seconds: float
    ) -> ClientFactory:
        """Clients from a named profile (or boto3's default chain)."""
        check_endpoint(endpoint_url)
        try:
            session = boto3.Session(profile_name=profile, region_name=region)
        except ProfileNotFound:
            raise AuditError(f"no AWS profile named {profile!r} (see ~/.aws/config)") from None
        return ClientFactory(
            session=session, endpoint_url=endpoint_url, max_total_seconds=max_total_seconds
        )

    def client(self, service: str, region: str | None = None, session: Any = None) -> Any:
        """A read-only client in `region` (default: the session's Region — the profile's,
        AWS_DEFAULT_REGION — else us-east-1)."""
        check_endpoint(self.endpoint_url)
        # botocore sends each request once: `total_max_attempts` counts the first attempt, so 1
        # is no retry of its own (botocore's Config docs). `max_attempts` counts *retries*:
        # the 1 this said before let botocore retry once, sleeping up to seconds on throttling,
        # unseen by `call`'s count and time bound. `call` retries instead, and counts each one.
        config = Config(
            retries={"total_max_attempts": 1, "mode": "standard"},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
        )
        chosen = session or self.session or boto3.Session()
        where = region or chosen.region_name or DEFAULT_REGION
        try:
            client = chosen.client(
                service, region_name=where, endpoint_url=self.endpoint_url, config=config
            )
        except (ValueError, BotoCoreError) as exc:
            raise AuditError(f"cannot make a {service} client in {where}: {exc}") from None
        client.meta.events.register("before-call.*.*", self._guard)
        return client

    def _guard(self, model: Any, **_: Any) -> None:
        action = iam_name(model.service_model.signing_name, model.name)
        if not allowed(action):
            raise WriteRefusedError(
                f"refused {action}: the audit is read-only and sends only the reads it makes "
                "(audit.client.READ_OPERATIONS; a new read goes there and in "
                "docs/audit-permissions.json or docs/capacity-permissions.json)"
            )

    def call(self, client: Any, operation: str, **kwargs: Any) -> dict[str, Any]:
        """One API call, retried on throttling and transient failures within the time bound.
        A failure that ends it is an `AuditError` naming the call, or — for an answer AWS gave
        (access denied, not found) — the `ClientError`, for the caller to explain."""
        deadline = time.monotonic() + self.max_total_seconds
        method = getattr(client, operation)
        api = client.meta.method_to_api_mapping[operation]
        name = iam_name(client.meta.service_model.signing_name, api)
        attempt = 0
        while True:
            attempt += 1
            with self._lock:
                self.calls[name] += 1
            self._pace.wait(self.sleep)
            try:
                result: dict[str, Any] = method(**kwargs)
                self._pace.passed()
                return result
            except ClientError as exc:
                reason, throttled = _retryable(exc)
                if reason is None:
                    raise
            except NoCredentialsError:
                raise AuditError(
                    f"{name}: no AWS credentials: set AWS_PROFILE or pass --profile"
                ) from None
            except SSLError as exc:
                raise AuditError(f"{name}: TLS failed ({exc}); check --endpoint-url") from None
            except (ConnectionError, HTTPClientError) as exc:
                reason, throttled = _network(exc, self), False
            except BotoCoreError as exc:
                raise AuditError(f"{name}: {exc}") from None
            if throttled:  # every thread slows down; this call goes again in its next slot
                delay = self._pace.throttled() * random.uniform(0, 0.5)
            else:
                delay = random.uniform(0, min(MAX_DELAY, self.base_delay * 2 ** (attempt - 1)))
            out_of_time = time.monotonic() + delay > deadline
            if out_of_time or (not throttled and attempt >= TRANSIENT_ATTEMPTS):
                raise AuditError(_gave_up(name, reason, attempt, throttled, out_of_time))
            self.sleep(delay)  # jittered: retries of many threads do not arrive together

    def pages(self, client: Any, operation: str, result_key: str, **kwargs: Any) -> Iterator[Any]:
        """Every item of a paginated List/Get call (the paginator's own token names), in the
        largest pages the API allows."""
        api = client.meta.service_model.operation_model(
            client.meta.method_to_api_mapping[operation]
        )
        if client.can_paginate(operation):
            config = client.get_paginator(operation)._pagination_cfg  # names from the model
            in_token, out_token = config["input_token"], config["output_token"]
        else:  # some List calls page with nextToken but have no paginator in botocore
            in_token = next(t for t in ("nextToken", "NextToken") if t in api.input_shape.members)
            out_token = in_token
        size_key, size = PAGE_SIZES.get(client.meta.service_model.endpoint_prefix, ("", 0))
        if size and size_key in api.input_shape.members:
            kwargs = {size_key: size, **kwargs}
        token = None
        while True:
            page = self.call(client, operation, **kwargs, **({in_token: token} if token else {}))
            yield from page.get(result_key, [])
            token = page.get(out_token)
            if not token:
                return


def _retryable(exc: ClientError) -> tuple[str | None, bool]:
    """(why the call may pass if tried again, whether that is throttling); (None, False) for an
    answer that will not change (access denied, not found, a bad parameter)."""
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if code in THROTTLING or status in THROTTLING_STATUS:
        return code or f"HTTP {status}", True
    if code in TRANSIENT or status in TRANSIENT_STATUS:
        return f"{code or 'no error code'}, HTTP {status}", False
    return None, False


def _network(exc: BotoCoreError, factory: ClientFactory) -> str:
    if isinstance(exc, ReadTimeoutError):
        return f"no answer within {factory.read_timeout:g} s"
    endpoint = getattr(exc, "kwargs", {}).get("endpoint_url")
    where = f" to {endpoint}" if endpoint else ""
    return f"connection{where} failed: {exc}"


def _gave_up(name: str, reason: str, attempts: int, throttled: bool, out_of_time: bool) -> str:
    if throttled:
        return (
            f"{name} was still throttled ({reason}) after {attempts} attempts; retry later or "
            "raise --max-seconds"
        )
    bound = "within --max-seconds" if out_of_time else f"in {attempts} attempts"
    return (
        f"{name} failed {bound}: {reason}; check the network, --endpoint-url and the Region, "
        "or retry later"
    )
