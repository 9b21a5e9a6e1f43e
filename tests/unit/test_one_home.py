"""What the spec means in AWS is spelled in one place: the principal and organization ARNs
trainshare writes by catalog/arns.py, the AWS-managed policies' names and IDs by
catalog/data/policy_types.yaml. Elsewhere in src/ (the emulator, AWS's side, aside) code builds
neither by hand; prose (docstrings, messages) may name them."""

from __future__ import annotations

import ast
import importlib

import pytest

from tests.conftest import REPO
from trainshare.catalog import (
    account_root_arn,
    load_catalog,
    ou_arn_prefix,
    role_arn,
    role_arn_around_account,
)

SRC = REPO / "src" / "trainshare"
HOMES = {SRC / "catalog", SRC / "emulator"}
ARN_PIECES = (":iam::", ":organizations::")
MANAGED = {"FullAWSAccess", "p-FullAWSAccess", "RCPFullAWSAccess", "p-RCPFullAWSAccess"}


def spelled_by_hand(source: str) -> list[str]:
    """Each f-string that is an IAM or Organizations ARN (it starts with `arn:`), each string
    part `:iam::` of one joined at run time, and each literal that is an AWS-managed policy's
    name or ID, as `line: text`."""
    found = []
    tree = ast.parse(source)
    inside = {id(c) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for c in n.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):  # an ARN, not a message that quotes one
            head = node.values[0] if node.values else None
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            starts = isinstance(head, ast.Constant) and str(head.value).startswith("arn:")
            if starts and any(piece in text for piece in ARN_PIECES):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in inside
            and (node.value in MANAGED or node.value in ARN_PIECES)
        ):
            found.append(f"{node.lineno}: {node.value!r}")
    return found


def test_src_builds_no_arn_and_names_no_managed_policy_by_hand():
    offenders = [
        f"{path.relative_to(REPO)}:{where}"
        for path in sorted(SRC.rglob("*.py"))
        if not any(home in path.parents for home in HOMES)
        for where in spelled_by_hand(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_scan_sees_an_arn_built_by_hand_and_a_managed_name():
    source = (
        'role = f"arn:{p}:iam::{a}:role/{r}"\n'
        'prefix = f"arn:{p}:organizations::{m}:ou/"\n'
        'parts = ("arn:", p, ":iam::", a, ":root")\n'
        'if p.name == "FullAWSAccess": pass\n'
        'message = f"{label} has FullAWSAccess detached"\n'
        'hint = f"e.g. {key} arn:aws:iam::…:role/…"\n'
        '"""arn:aws:iam::111122223333:root in prose"""\n'
    )
    assert [line.split(":")[0] for line in spelled_by_hand(source)] == ["1", "2", "3", "4"]


def test_the_homes_spell_them_as_aws_does():
    assert role_arn("aws", "111122223333", "OrganizationAccountAccessRole") == (
        "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole"
    )
    assert role_arn_around_account("aws-us-gov", "ops/deploy") == (
        "arn:aws-us-gov:iam::",
        ":role/ops/deploy",
    )
    assert account_root_arn("aws", "111122223333") == "arn:aws:iam::111122223333:root"
    assert ou_arn_prefix("aws", "111111111111") == "arn:aws:organizations::111111111111:ou/"
    catalog = load_catalog()
    assert (catalog.aws_managed("scp").name, catalog.aws_managed("scp").id) == (
        "FullAWSAccess",
        "p-FullAWSAccess",
    )
    assert catalog.aws_managed("rcp").name == "RCPFullAWSAccess"


def test_a_type_without_an_aws_managed_policy_says_so():
    with pytest.raises(KeyError, match="policy type tag has no AWS-managed policy"):
        load_catalog().aws_managed("tag")


def test_the_key_sets_are_global_condition_keys_and_read_where_they_are_meant():
    catalog = load_catalog()
    known = {k.lower().rstrip("/") for k in catalog.global_condition_keys}
    for name, keys in catalog.key_sets.items():
        assert keys <= known, (name, sorted(keys - known))
    sets = catalog.key_sets
    assert sorted(sets) == [
        "caller_account",
        "org_narrowing",
        "rcp_caller",
        "resource_policy_per_account",
        "service_source",
    ]
    # the SCP side and the RCP side both decide per caller on the principal's own keys; only
    # the RCP side reads where the caller calls from, and only the SCP side aws:username
    assert sets["rcp_caller"] - sets["caller_account"] == {
        "aws:sourceip",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:vpceaccount",
    }
    assert sets["caller_account"] - sets["rcp_caller"] == {"aws:username"}

    # the modules read the catalog's sets, not copies
    def module(name):
        return importlib.import_module(f"trainshare.{name}")

    assert module("access.evaluate").ACCOUNT_KEYS is sets["caller_account"]
    assert module("access.rcp").ACCOUNT_KEYS is sets["rcp_caller"]
    assert module("access.grouping")._PER_ACCOUNT_KEYS is sets["resource_policy_per_account"]
    assert module("audit.diff.resource_policies")._ORG_NARROWING is sets["org_narrowing"]
