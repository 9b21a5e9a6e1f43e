"""boto3 clients for the audit, read-only by construction.

Every client comes from `ClientFactory`, which registers a botocore `before-call` hook refusing
any operation outside the allow-list *before* it is signed or sent; calls go through `call`,
which retries throttling and concurrent-modification errors with jittered exponential backoff
within a bounded total time, and counts them.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ProfileNotFound

from trainshare.errors import TrainshareError

READ_PREFIXES = ("List", "Describe", "Get")
DEFAULT_REGION = "us-east-1"
ALSO_ALLOWED = frozenset({"sts:AssumeRole", "sts:GetCallerIdentity"})
# The largest page each service's List/Get calls return (Organizations API reference: MaxResults
# 1-20; RAM API reference: maxResults 1-500): the fewest calls for the whole picture.
PAGE_SIZES = {"organizations": ("MaxResults", 20), "ram": ("maxResults", 500)}
# Where the signing name is not the IAM service prefix (Service Authorization Reference:
# CloudWatch's actions are cloudwatch:*, its endpoint and signing name "monitoring").
IAM_PREFIXES = {"monitoring": "cloudwatch"}
RETRYABLE = frozenset(
    {
        "TooManyRequestsException",
        "ThrottlingException",
        "Throttling",
        "ConcurrentModificationException",
        "RequestLimitExceeded",
    }
)


class AuditError(TrainshareError):
    """The audit cannot read what it needs (credentials, permissions, throttling, refusal)."""


class WriteRefusedError(AuditError):
    """An operation outside the read-only allow-list was attempted; it was never sent."""


def allowed(service: str, operation: str) -> bool:
    return operation.startswith(READ_PREFIXES) or f"{service}:{operation}" in ALSO_ALLOWED


@dataclass
class ClientFactory:
    """Read-only clients for one credential source (profile, or a session and endpoint)."""

    session: Any = None  # boto3.Session; default: boto3's default chain
    endpoint_url: str | None = None
    max_total_seconds: float = 120.0
    base_delay: float = 0.2
    calls: Counter[str] = field(default_factory=Counter)
    sleep: Callable[[float], None] = time.sleep
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @staticmethod
    def for_profile(
        profile: str | None, region: str | None, endpoint_url: str | None, max_total_seconds: float
    ) -> ClientFactory:
        """Clients from a named profile (or boto3's default chain)."""
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
        # botocore's own retries are off: `call` retries, with a bound on the total time.
        chosen = session or self.session or boto3.Session()
        client = chosen.client(
            service,
            region_name=region or chosen.region_name or DEFAULT_REGION,
            endpoint_url=self.endpoint_url,
            config=Config(retries={"max_attempts": 1, "mode": "standard"}),
        )
        client.meta.events.register("before-call.*.*", self._guard)
        return client

    def _guard(self, model: Any, **_: Any) -> None:
        if not allowed(model.service_model.endpoint_prefix, model.name):
            raise WriteRefusedError(
                f"refused {model.service_model.endpoint_prefix}:{model.name}: the audit is "
                "read-only (only List*, Describe*, Get*, sts:AssumeRole and "
                "sts:GetCallerIdentity may be sent)"
            )

    def call(self, client: Any, operation: str, **kwargs: Any) -> dict[str, Any]:
        """One API call, retried on throttling within the time bound."""
        deadline = time.monotonic() + self.max_total_seconds
        attempt = 0
        method = getattr(client, operation)
        api = client.meta.method_to_api_mapping[operation]
        service = client.meta.service_model.signing_name
        name = f"{IAM_PREFIXES.get(service, service)}:{api}"  # as IAM names the action
        while True:
            with self._lock:
                self.calls[name] += 1
            try:
                result: dict[str, Any] = method(**kwargs)
                return result
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code not in RETRYABLE:
                    raise
                delay = random.uniform(
                    0, self.base_delay * 2**attempt
                )  # jitter: no thundering herd
                if time.monotonic() + delay > deadline:
                    raise AuditError(
                        f"{name} was still throttled ({code}) after {attempt + 1} attempts; "
                        f"retry later or raise --max-seconds"
                    ) from None
                attempt += 1
                self.sleep(delay)

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
