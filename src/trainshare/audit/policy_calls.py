"""The AWS API calls that read and write the policy of a resource shared by policy, made from
the AWS CLI commands the catalog gives its type (catalog/data/policy_shares.yaml, `cli:`).

The plan's scripts run those commands; the audit (reading) and the emulator (playing the
provider and the scripts) make the same calls through boto3, translated here with botocore's
own service models (offline): `s3api get-bucket-policy --bucket {name} --query Policy` is
`s3.get_bucket_policy(Bucket=name)["Policy"]`. A new policy-shared type is a catalog entry.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from functools import cache
from typing import Any

from botocore import xform_name
from botocore.model import OperationModel
from botocore.session import get_session

from trainshare.catalog import load_catalog, parse_arn
from trainshare.catalog.model import PolicyShareType
from trainshare.errors import TrainshareError

# AWS CLI command groups whose boto3 client has another name
_CLIENTS = {"s3api": "s3"}


@dataclass(frozen=True, slots=True)
class PolicyCall:
    client: str  # boto3's client name: s3, kms, ecr, sagemaker
    method: str  # get_bucket_policy
    params: dict[str, str]  # the API's members: {"Bucket": "data"}
    answer: str  # the key of the answer that holds the policy (reads); "" for writes
    missing: str  # the error code that means "no policy" (reads); "" when there is none

    def run(self, client: Any) -> str:
        """The call made with a boto3 client of `self.client`: the policy it reads, or "" after
        a write. A resource without a policy raises the error `missing` names."""
        answer = getattr(client, self.method)(**self.params)
        return str(answer[self.answer]) if self.answer else ""


def policy_type_of(arn: str) -> PolicyShareType:
    parsed = parse_arn(arn)
    found = load_catalog().policy_share_type_for(parsed) if parsed is not None else None
    if found is None:
        raise TrainshareError(f"{arn} is not of a type trainshare shares by policy")
    return found


def policy_call(ptype: PolicyShareType, op: str, name: str, document: str = "") -> PolicyCall:
    """`op` ("get" or "put") of the type's policy for the resource called `name` (`{name}` in
    the command); a write sends `document` (`"$1"` in the command)."""
    words = shlex.split(ptype.cli[op])
    client = _CLIENTS.get(words[0], words[0])
    flags = dict(zip(words[2::2], words[3::2], strict=True))
    answer = flags.pop("--query", "")
    flags.pop("--output", None)
    model = _operation(client, words[1])
    members = {xform_name(m, "-"): m for m in model.input_shape.members}
    params = {
        members[flag.removeprefix("--")]: value.replace("{name}", name).replace("$1", document)
        for flag, value in flags.items()
    }
    missing = ptype.cli["missing"] if op == "get" else ""
    return PolicyCall(client, xform_name(model.name), params, answer, missing)


@cache
def _operation(client: str, command: str) -> OperationModel:
    """The API operation an AWS CLI command names (`get-bucket-policy` → GetBucketPolicy)."""
    service = get_session().get_service_model(client)
    names = [n for n in service.operation_names if xform_name(n, "-") == command]
    if len(names) != 1:
        raise TrainshareError(f"the AWS CLI command `{client} {command}` names no API operation")
    return service.operation_model(names[0])
