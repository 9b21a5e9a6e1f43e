"""Synthetic organizations for benchmarks: deterministic from a seed, always a valid spec.

`synthesize(SynthParams(accounts=1000, ...))` returns the spec as a dict plus its policy files;
`write_synthetic(dir, params)` writes `trainshare.yaml` and `policies/*.json` that `validate`
accepts. OUs form a tree up to `depth` levels; guardrails mix templates and custom documents and
respect the per-target SCP limit; shares are RAM shares of subnets and capacity reservations
owned by a few owner accounts, with OU, account and organization principals, and — a
`policy_shares` fraction of them — policy shares of S3 buckets (read) or ECR repositories (pull)
whose policies the spec owns.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

MANAGEMENT = "100000000000"
REGION = "us-east-1"
TEMPLATE_CHOICES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("restrict-instance-types", {"instance_types": ["p5.*", "p4d.24xlarge", "g5.*"]}),
    ("deny-leave-organization", {}),
    ("deny-external-sharing", {}),
    ("protect-audit-trail", {}),
    ("restrict-regions", {"allowed_regions": ["us-east-1", "us-west-2"]}),
    ("require-tags-on-training", {"required_tags": ["team", "cost-center"]}),
)


@dataclass(frozen=True)
class SynthParams:
    accounts: int = 100
    units: int = 10
    depth: int = 3
    guardrails: int = 10
    custom_share: float = 0.3  # fraction of guardrails that are custom documents
    shares: int = 10
    resources_per_share: int = 5
    principals_per_share: int = 3
    owners: int = 5
    policy_shares: float = 0.2  # fraction of shares made of buckets/repositories (policy shares)
    seed: int = 7
    rcps: int = 0  # resource control policies (the data-perimeter templates), on top of the SCPs


def _account_id(n: int) -> str:
    return f"{200000000000 + n:012d}"


def synthesize(params: SynthParams) -> tuple[dict[str, Any], dict[str, str]]:
    """(spec document, {relative path: policy JSON})."""
    rng = random.Random(params.seed)
    paths: list[str] = []
    tree: dict[str, Any] = {}
    nodes: dict[str, dict[str, Any]] = {"": tree}
    for i in range(params.units):
        parents = [p for p in ["", *paths] if p.count("/") + 1 < params.depth or p == ""]
        parent = rng.choice(parents)
        name = f"u{i}"
        path = f"{parent}/{name}" if parent else name
        nodes[parent][name] = {}
        nodes[path] = nodes[parent][name]
        paths.append(path)

    accounts: dict[str, Any] = {}
    for i in range(params.owners):
        accounts[f"owner-{i}"] = {"id": _account_id(i)}
    for i in range(params.accounts - params.owners):
        unit = rng.choice(paths) if paths else "root"
        accounts[f"acct-{i}"] = {"email": f"acct-{i}@example.com", "unit": unit}

    files: dict[str, str] = {}
    guardrails: dict[str, Any] = {}
    load = dict.fromkeys(["root", *paths], 1)  # FullAWSAccess counts
    for i in range(params.guardrails):
        free = [t for t in ["root", *paths] if load[t] < 10]
        targets = rng.sample(free, k=min(len(free), rng.randint(1, 3)))
        for t in targets:
            load[t] += 1
        if rng.random() < params.custom_share:
            name = f"policies/custom-{i}.json"
            files[name] = json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": f"DenyGpuOutside{i}",
                            "Effect": "Deny",
                            "Action": "ec2:RunInstances",
                            "Resource": "arn:aws:ec2:*:*:instance/*",
                            "Condition": {"StringNotEquals": {"aws:RequestedRegion": [REGION]}},
                        }
                    ],
                },
                indent=2,
            )
            guardrails[f"custom-{i}"] = {"document": name, "targets": targets}
        else:
            template, template_params = TEMPLATE_CHOICES[i % len(TEMPLATE_CHOICES)]
            guardrails[f"g{i}-{template}"] = {
                "template": template,
                "params": template_params,
                "targets": targets,
            }

    shares: dict[str, Any] = {}
    members = [k for k in accounts if not k.startswith("owner-")]
    policy_every = round(1 / params.policy_shares) if params.policy_shares > 0 else 0
    for i in range(params.shares):
        owner = i % params.owners
        pool = [*paths, *members] or ["root"]
        principals = rng.sample(pool, k=min(len(pool), params.principals_per_share))
        body: dict[str, Any] = {"owner": f"owner-{owner}", "principals": principals}
        if policy_every and i % policy_every == policy_every - 1:
            # a dataset (buckets, read) or an image registry (repositories, pull)
            n = i * params.resources_per_share
            if (i // policy_every) % 2:
                arns = [
                    f"arn:aws:ecr:{REGION}:{_account_id(owner)}:repository/synth/images-{n + r}"
                    for r in range(params.resources_per_share)
                ]
                body["access"] = "pull"
            else:
                arns = [
                    f"arn:aws:s3:::synth-data-{n + r}" for r in range(params.resources_per_share)
                ]
                body["access"] = "read"
            body["resources"] = [{"arn": arn, "policy": "managed"} for arn in arns]
        else:
            kind = ("subnet", "subnet-{:017x}") if i % 2 else ("capacity-reservation", "cr-{:017x}")
            body["resources"] = [
                f"arn:aws:ec2:{REGION}:{_account_id(owner)}:{kind[0]}/"
                + kind[1].format(i * params.resources_per_share + r)
                for r in range(params.resources_per_share)
            ]
        shares[f"share-{i}"] = body

    document = {
        "version": 1,
        "organization": {
            "management_account": MANAGEMENT,
            "region": REGION,
            "limits": {"concurrent_create_account": 5},
        },
        "units": tree,
        "accounts": accounts,
        "guardrails": guardrails
        | _rcps(params, rng, ["root", *paths], list(accounts)[: params.owners]),
        "shares": shares,
    }
    return document, files


# The data-perimeter RCPs, in turn: TLS everywhere, org identities (a trusted account), and the
# training data of the first policy share.
RCP_CHOICES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("rcp-secure-transport", {}),
    ("rcp-enforce-org-identities", {"trusted_accounts": ["127311923021"]}),
    ("rcp-protect-training-data", {"buckets": ["synth-data-0", "synth-data-1"]}),
)


def _rcps(
    params: SynthParams, rng: random.Random, units: list[str], owners: list[str]
) -> dict[str, Any]:
    """`params.rcps` RCP guardrails on OUs and share owners (where RCPs apply: the resources'
    accounts), at most 5 per target with RCPFullAWSAccess."""
    load = dict.fromkeys([*units, *owners], 1)  # RCPFullAWSAccess counts
    out: dict[str, Any] = {}
    for i in range(params.rcps):
        free = [t for t in load if load[t] < 5]
        if not free:
            break
        targets = rng.sample(free, k=min(len(free), rng.randint(1, 3)))
        for t in targets:
            load[t] += 1
        template, template_params = RCP_CHOICES[i % len(RCP_CHOICES)]
        out[f"rcp{i}-{template.removeprefix('rcp-')}"] = {
            "template": template,
            "params": template_params,
            "targets": targets,
        }
    return out


def write_synthetic(folder: Path, params: SynthParams, overwrite: bool = True) -> Path:
    """Write the spec and its policy files; with `overwrite=False`, refuse (writing nothing)
    when the folder already holds a trainshare.yaml."""
    if not overwrite and (folder / "trainshare.yaml").exists():
        raise FileExistsError(f"{folder / 'trainshare.yaml'} exists; nothing was written")
    document, files = synthesize(params)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    spec = folder / "trainshare.yaml"
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = None
    with spec.open("w", encoding="utf-8") as stream:
        yaml.dump(document, stream)
    return spec
