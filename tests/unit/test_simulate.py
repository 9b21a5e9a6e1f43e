"""`trainshare simulate`: one request, every layer given (issue #21). Golden traces for the
README's examples and for a request of each class the issue names (tests/data/simulate); the
request shape of the issue; the evaluation rules within one account and across accounts; bad
requests are located errors, exit 1."""

from __future__ import annotations

import copy
import json

import pytest
from typer.testing import CliRunner

from tests.conftest import REPO, check_golden
from trainshare import access
from trainshare.access import Effect
from trainshare.access.simulation import SimulateError, answer_json, answer_text, simulate
from trainshare.cli import app

EXAMPLES = sorted((REPO / "examples" / "simulate").glob("*.json"))
A, B = "444455556666", "111122223333"
ROLE = f"arn:aws:iam::{A}:role/workload"
BUCKET = f"arn:aws:s3:::data-{A}"
OBJECT = f"{BUCKET}/x"
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(principal=None, effect="Allow", **extra):
    stmt = {"Effect": effect, "Action": "s3:GetObject", "Resource": f"{BUCKET}/*", **extra}
    if principal is not None:
        stmt["Principal"] = principal
    return stmt


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_golden_traces_of_the_readme_examples(example):
    decision = simulate(json.loads(example.read_text()))
    check_golden(f"simulate-{example.stem}.txt", answer_text(decision) + "\n")
    check_golden(
        f"simulate-{example.stem}.json", json.dumps(answer_json(decision), indent=2) + "\n"
    )


# Each request of tests/data/simulate, the answer AWS gives it (the trace is in
# tests/golden/simulate/<name>.txt).
CASES = {
    # 1. policy variables: an ABAC guardrail (`${aws:PrincipalTag/team}`), a default, a key
    # whose value trainshare cannot know
    "variable-abac-same-team": Effect.ALLOW,
    "variable-abac-other-team": Effect.DENY,
    # a variable with no value is "effectively null" and "not equals" matches it: "Access is
    # explicitly denied when aws:principaltag/Team is not set" (IAM user guide, reference_
    # policies_variables, "Policy variables with no value")
    "variable-abac-untagged-caller": Effect.DENY,
    "variable-abac-tags-unknown": Effect.CONDITIONAL,
    "variable-default-in-resource": Effect.ALLOW,
    "variable-userid-of-a-role": Effect.CONDITIONAL,
    # 2. each resource on its own: the allow-list has no statement for the image
    "per-resource-allow-list": Effect.IMPLICIT_DENY,
    # 3. principals
    "principal-bucket-names-the-role": Effect.ALLOW,
    "principal-not-principal-without-the-account": Effect.DENY,
    "principal-not-principal-lists-account-role-session": Effect.ALLOW,
    "principal-not-principal-other-caller": Effect.DENY,
    "principal-service-only": Effect.IMPLICIT_DENY,
    # 4. values of the wrong shape match nothing, negated operators neither
    "wrong-shape-values": Effect.ALLOW,
    # RCPs; SCPs and the management account
    "rcp-perimeter-denies-outsider": Effect.DENY,
    "management-account-exempt-from-scps": Effect.ALLOW,
}
CASE_DIR = REPO / "tests" / "data" / "simulate"


def test_every_golden_request_has_its_expected_answer():
    assert sorted(p.stem for p in CASE_DIR.glob("*.json")) == sorted(CASES)


@pytest.mark.parametrize(("name", "effect"), CASES.items(), ids=list(CASES))
def test_golden_traces_of_each_class(name, effect):
    decision = access.simulate(json.loads((CASE_DIR / f"{name}.json").read_text()))
    assert decision.effect is effect, answer_text(decision)
    check_golden(f"simulate/{name}.txt", answer_text(decision) + "\n")


def test_the_request_shape_of_the_issue():
    request = {
        "action": "s3:GetObject",
        "resources": [{"arn": "arn:aws:s3:::training-data/x", "account": B}],
        "principal": {
            "account": A,
            "arn": ROLE,
            "org_id": "o-abc123defg",
            "org_paths": ["o-abc123defg/r-ab12/ou-ab12-11111111/"],
            "tags": {"team": "vision"},
        },
        "management_account": False,
        "scp_levels": [[{"Version": "2012-10-17", "Statement": []}], []],
        "rcp_levels": None,
        "identity_policies": [],
        "permissions_boundary": None,
        "resource_policy": None,
        "context": {"aws:SecureTransport": "true", "aws:TagKeys": ["team", "project"]},
        "unknown": ["ec2:InstanceType"],
    }
    decision = access.simulate(request)  # the function the issue names
    assert decision.effect is Effect.IMPLICIT_DENY  # no SCP level allows anything
    assert set(answer_json(decision)) == {"effect", "trace"}
    assert answer_json(decision)["effect"] == "IMPLICIT_DENY"


def request(**layers):
    base = {
        "action": "s3:GetObject",
        "resources": [{"arn": OBJECT, "account": layers.pop("owner", A)}],
        "principal": {"account": A, "arn": layers.pop("caller", ROLE)},
    }
    return {**base, **layers}


SAME, CROSS = A, B
RULES = [
    # within one account: the identity side, or the resource's policy naming the caller
    ("identity allows", {"identity_policies": [doc(allow())]}, SAME, Effect.ALLOW),
    ("nothing allows", {"identity_policies": []}, SAME, Effect.IMPLICIT_DENY),
    (
        "the bucket names the role",
        {"identity_policies": [], "resource_policy": doc(allow({"AWS": ROLE}))},
        SAME,
        Effect.ALLOW,
    ),
    (
        "the bucket names the account only",
        {"identity_policies": [], "resource_policy": doc(allow({"AWS": A}))},
        SAME,
        Effect.IMPLICIT_DENY,
    ),
    (
        "the bucket names the role, the boundary does not allow",
        {
            "identity_policies": [],
            "permissions_boundary": doc({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}),
            "resource_policy": doc(allow({"AWS": ROLE})),
        },
        SAME,
        Effect.IMPLICIT_DENY,
    ),
    (
        "the bucket names the session, the boundary does not allow",
        {
            "caller": f"arn:aws:sts::{A}:assumed-role/workload/job",
            "identity_policies": [],
            "permissions_boundary": doc({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}),
            "resource_policy": doc(allow({"AWS": f"arn:aws:sts::{A}:assumed-role/workload/job"})),
        },
        SAME,
        Effect.ALLOW,
    ),
    (
        "identity allows, the boundary does not",
        {
            "identity_policies": [doc(allow())],
            "permissions_boundary": doc({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}),
        },
        SAME,
        Effect.IMPLICIT_DENY,
    ),
    # across accounts: both sides
    (
        "identity allows, the bucket does not name the caller",
        {"identity_policies": [doc(allow())], "resource_policy": doc(allow({"AWS": B}))},
        CROSS,
        Effect.IMPLICIT_DENY,
    ),
    (
        "identity allows, the bucket names the caller's account",
        {"identity_policies": [doc(allow())], "resource_policy": doc(allow({"AWS": A}))},
        CROSS,
        Effect.ALLOW,
    ),
    (
        "the bucket names the role, identity is silent",
        {"identity_policies": [], "resource_policy": doc(allow({"AWS": ROLE}))},
        CROSS,
        Effect.IMPLICIT_DENY,
    ),
    # any explicit Deny, in any layer
    (
        "the boundary denies",
        {
            "identity_policies": [doc(allow())],
            "permissions_boundary": doc(allow(effect="Deny")),
        },
        SAME,
        Effect.DENY,
    ),
    (
        "the bucket denies",
        {
            "identity_policies": [doc(allow())],
            "resource_policy": doc(allow("*", effect="Deny")),
        },
        SAME,
        Effect.DENY,
    ),
    # SCPs and RCPs
    (
        "an SCP level without an Allow",
        {"identity_policies": [doc(allow())], "scp_levels": [[ALLOW_ALL], []]},
        SAME,
        Effect.IMPLICIT_DENY,
    ),
    (
        "SCPs never apply to the management account",
        {
            "identity_policies": [doc(allow())],
            "scp_levels": [[doc(allow(effect="Deny"))]],
            "management_account": True,
        },
        SAME,
        Effect.ALLOW,
    ),
    (
        "an RCP level holds RCPFullAWSAccess",
        {
            "identity_policies": [doc(allow())],
            "rcp_levels": [
                [],
                [
                    doc(
                        allow(
                            "*", effect="Deny", Condition={"Bool": {"aws:SecureTransport": "false"}}
                        )
                    )
                ],
            ],
            "context": {"aws:SecureTransport": "true"},
        },
        SAME,
        Effect.ALLOW,
    ),
    (
        "an RCP denies",
        {"identity_policies": [doc(allow())], "rcp_levels": [[doc(allow("*", effect="Deny"))]]},
        SAME,
        Effect.DENY,
    ),
    # unknown keys
    (
        "a key listed as unknown",
        {
            "identity_policies": [doc(allow(Condition={"StringEquals": {"s3:prefix": "a"}}))],
            "unknown": ["s3:prefix"],
        },
        SAME,
        Effect.CONDITIONAL,
    ),
    (
        "a key neither given nor unknown is absent",
        {"identity_policies": [doc(allow(Condition={"StringEquals": {"s3:prefix": "a"}}))]},
        SAME,
        Effect.IMPLICIT_DENY,
    ),
    (
        "a maybe-Deny in the identity policy is not outweighed by the bucket",
        {
            "identity_policies": [
                doc(allow(effect="Deny", Condition={"StringEquals": {"s3:prefix": "a"}}))
            ],
            "resource_policy": doc(allow("*")),
            "unknown": ["s3:prefix"],
        },
        SAME,
        Effect.CONDITIONAL,
    ),
]


@pytest.mark.parametrize(("name", "layers", "owner", "effect"), RULES, ids=[r[0] for r in RULES])
def test_evaluation_rules(name, layers, owner, effect):
    decision = simulate(request(owner=owner, **copy.deepcopy(layers)))
    assert decision.effect is effect, answer_text(decision)


def test_a_missing_layer_is_said_in_the_trace():
    text = answer_text(simulate(request(owner=B)))
    assert "· identity-based policies: not given, assumed to allow" in text
    assert (
        "· resource-based policy: not given, assumed to allow (the request is cross-account)"
        in (text)
    )
    assert "· SCPs: not considered (scp_levels is null)" in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"action": "GetObject"}, "action: String should match pattern"),
        ({"colour": "blue"}, "colour: Extra inputs are not permitted"),
        ({"principal": {"account": "44445555666"}}, "principal.account: String should match"),
        ({"resources": []}, "resources: List should have at least 1 item"),
        (
            {"resources": [{"arn": "arn:aws:s3:::bucket/x"}]},
            "resources[0].account: arn:aws:s3:::bucket/x names no account; give the account "
            "that owns it",
        ),
        (
            {"scp_levels": [[{"Statement": [{"Effect": "Deny"}]}]]},
            "scp_levels[0][0]: Statement[0]: needs exactly one of Action and NotAction",
        ),
        (
            {"identity_policies": [doc(), {"Statement": 3}]},
            "identity_policies[1]: Statement: must be an object or a non-empty list",
        ),
        ({"version": 2}, "version: Input should be 1"),
    ],
)
def test_a_bad_request_is_a_located_error(change, message):
    with pytest.raises(SimulateError) as caught:
        simulate({**request(), **change})
    assert str(caught.value).startswith(message)


def test_the_command(tmp_path):
    runner = CliRunner()
    example = REPO / "examples" / "simulate" / "cross-account-read.json"
    result = runner.invoke(app, ["simulate", str(example), "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["effect"] == "ALLOW"
    bad = tmp_path / "bad.json"
    bad.write_text('{"action": "s3:GetObject"}')
    result = runner.invoke(app, ["simulate", str(bad)])
    assert result.exit_code == 1
    assert result.stderr == f"error: {bad}: resources: Field required\n"
    result = runner.invoke(app, ["simulate", str(tmp_path / "missing.json")])
    assert result.exit_code == 1
    assert "cannot read the simulate request" in result.stderr
