"""Principals in resource policies (IAM user guide, "AWS JSON policy elements: Principal" and
"NotPrincipal"): whether a statement applies to the caller, for each form a principal takes."""

from __future__ import annotations

import pytest

from trainshare.access import Context, Effect, Request, evaluate
from trainshare.access.conditions import Match
from trainshare.access.model import (
    FULL_AWS_ACCESS_DOCUMENT,
    AccessModel,
    AccountNode,
    AttachedPolicy,
    Grant,
    Level,
    ModelIds,
    ShareModel,
)
from trainshare.access.principals import principal_outcome
from trainshare.access.request import Caller
from trainshare.policy import PolicyDocument, parse_document, parse_policy_json
from trainshare.spec import PrincipalKind

YES, NO, UNKNOWN = Match.YES, Match.NO, Match.UNKNOWN
A = "444455556666"
ROLE = f"arn:aws:iam::{A}:role/teams/workload"  # with a path
SESSION = f"arn:aws:sts::{A}:assumed-role/workload/job-17"
USER = f"arn:aws:iam::{A}:user/ada"

ROLE_CALLER = Caller(A, ROLE)  # a session of the role, whose name is not known
SESSION_CALLER = Caller(A, SESSION)
USER_CALLER = Caller(A, USER)
ACCOUNT_CALLER = Caller(A)


def statement(effect="Allow", **element):
    document = parse_document(
        {"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": "s3:*", **element}]}
    )
    assert isinstance(document, PolicyDocument)
    return document.statements[0]


PRINCIPALS = [
    ("*", ROLE_CALLER, YES),
    ({"AWS": "*"}, ROLE_CALLER, YES),
    ({"AWS": A}, ROLE_CALLER, YES),  # the account names every principal of it
    ({"AWS": f"arn:aws:iam::{A}:root"}, SESSION_CALLER, YES),
    ({"AWS": "111122223333"}, ROLE_CALLER, NO),
    ({"AWS": f"arn:aws:iam::{A}:role/teams/workload"}, ROLE_CALLER, YES),
    ({"AWS": f"arn:aws:iam::{A}:role/teams/workload"}, SESSION_CALLER, YES),  # its sessions
    ({"AWS": f"arn:aws:iam::{A}:role/other"}, ROLE_CALLER, NO),
    ({"AWS": "arn:aws:iam::111122223333:role/workload"}, ROLE_CALLER, NO),
    ({"AWS": SESSION}, SESSION_CALLER, YES),
    ({"AWS": f"arn:aws:sts::{A}:assumed-role/workload/other"}, SESSION_CALLER, NO),
    ({"AWS": SESSION}, ROLE_CALLER, UNKNOWN),  # which session, trainshare cannot tell
    ({"AWS": USER}, USER_CALLER, YES),
    ({"AWS": USER}, ROLE_CALLER, NO),
    ({"AWS": f"arn:aws:iam::{A}:role/*"}, ROLE_CALLER, NO),  # no wildcards but "*" itself
    ({"AWS": "arn:aws:iam::*:root"}, ROLE_CALLER, NO),
    ({"Service": "s3.amazonaws.com"}, ROLE_CALLER, NO),
    ({"Federated": "cognito-identity.amazonaws.com"}, ROLE_CALLER, NO),
    ({"CanonicalUser": "79a59df900b949e55d96a1e698fbaced"}, ROLE_CALLER, UNKNOWN),
    ({"AWS": f"arn:aws:iam::{A}:role/teams/workload"}, ACCOUNT_CALLER, NO),
    ({"AWS": A}, ACCOUNT_CALLER, YES),
]


@pytest.mark.parametrize(("principal", "caller", "expected"), PRINCIPALS)
def test_principal(principal, caller, expected):
    assert principal_outcome(statement(Principal=principal), caller).match is expected


ROOT = f"arn:aws:iam::{A}:root"
NOT_PRINCIPALS = [
    # Deny: applies unless the caller's account, role and session are all listed
    ("Deny", [ROOT, ROLE, SESSION], SESSION_CALLER, NO),
    ("Deny", [ROLE, SESSION], SESSION_CALLER, YES),  # the account is not listed
    ("Deny", [ROOT, SESSION], SESSION_CALLER, YES),  # the role is not listed
    ("Deny", [ROOT, ROLE], SESSION_CALLER, YES),  # the session is not listed
    ("Deny", [ROOT, ROLE], ROLE_CALLER, YES),  # no session of it is listed
    ("Deny", [ROOT, ROLE, SESSION], ROLE_CALLER, UNKNOWN),  # is it that session?
    ("Deny", [ROOT], ACCOUNT_CALLER, NO),
    ("Deny", ["111122223333"], ROLE_CALLER, YES),
    # Allow: applies only when none of them is listed
    ("Allow", ["111122223333"], ROLE_CALLER, YES),
    ("Allow", [ROLE], SESSION_CALLER, NO),
    ("Allow", [SESSION], ROLE_CALLER, UNKNOWN),
]


@pytest.mark.parametrize(("effect", "listed", "caller", "expected"), NOT_PRINCIPALS)
def test_not_principal(effect, listed, caller, expected):
    stmt = statement(effect, NotPrincipal={"AWS": listed})
    assert principal_outcome(stmt, caller).match is expected


def test_an_open_principal_says_why():
    outcome = principal_outcome(statement(Principal={"AWS": SESSION}), ROLE_CALLER)
    assert outcome.notes == ("the caller's session name",)
    canonical = principal_outcome(statement(Principal={"CanonicalUser": "79a5"}), USER_CALLER)
    assert canonical.notes == (
        "CanonicalUser (an account's S3 canonical ID, which trainshare does not know)",
    )


def test_a_statement_without_principal_applies_to_nobody():
    assert principal_outcome(statement(), ROLE_CALLER).match is NO


# -- through a decision: a bucket policy naming the caller's role ----------------------------------

BUCKET = "arn:aws:s3:::training-data"


def bucket_model(principal, document=None):
    everyone = (AttachedPolicy("FullAWSAccess", FULL_AWS_ACCESS_DOCUMENT),)
    accounts = {
        "owner": AccountNode("owner", "222222222222", "ml"),
        "vision": AccountNode("vision", A, "ml"),
    }
    document = document or parse_document(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Read",
                    "Effect": "Allow",
                    "Principal": principal,
                    "Action": "s3:GetObject",
                    "Resource": f"{BUCKET}/*",
                }
            ],
        }
    )
    share = ShareModel(
        key="data",
        owner="owner",
        owner_id="222222222222",
        region="us-east-1",
        resources=((BUCKET, "s3:Bucket"),),
        principals=((PrincipalKind.UNIT, "ml"),),
        grants={"s3:Bucket": Grant("access read", ("s3:GetObject",), False)},
        allow_external=False,
        policies={BUCKET: document},
    )
    return AccessModel(
        "aws",
        "111111111111",
        None,
        accounts,
        {"root": Level("root", "root", everyone), "ml": Level("ml", "unit", everyone)},
        {key: Level(key, "account", everyone) for key in accounts},
        {"data": share},
        ids=ModelIds("o-x", "r-x", {"ml": "ou-ml"}, {"owner": "222222222222", "vision": A}),
    )


def test_a_bucket_policy_naming_the_callers_role_lets_it_in():
    workload = bucket_model({"AWS": f"arn:aws:iam::{A}:role/workload"})
    decision = evaluate(workload, Request("vision", BUCKET, "s3:GetObject"))
    assert decision.effect is Effect.ALLOW, decision.explain()
    other = bucket_model({"AWS": f"arn:aws:iam::{A}:role/reader"})
    assert evaluate(other, Request("vision", BUCKET, "s3:GetObject")).effect is (
        Effect.IMPLICIT_DENY
    )
    # the workload-role assumption is overridden by naming the caller
    reader = Context.of({"aws:PrincipalArn": f"arn:aws:iam::{A}:role/reader"})
    decision = evaluate(other, Request("vision", BUCKET, "s3:GetObject", reader))
    assert decision.effect is Effect.ALLOW, decision.explain()


def test_a_bucket_policy_naming_a_session_of_the_role_is_an_open_question():
    model = bucket_model({"AWS": f"arn:aws:sts::{A}:assumed-role/workload/nightly"})
    decision = evaluate(model, Request("vision", BUCKET, "s3:GetObject"))
    assert decision.effect is Effect.CONDITIONAL
    assert decision.trace[-1].text == (
        f"the policy of {BUCKET}: Read depend(s) on the caller's session name"
    )


def test_a_bucket_policy_naming_the_session_the_cli_names_lets_it_in():
    nightly = f"arn:aws:sts::{A}:assumed-role/workload/nightly"
    model = bucket_model({"AWS": nightly})
    named = Context.of({"aws:PrincipalArn": nightly})
    decision = evaluate(model, Request("vision", BUCKET, "s3:GetObject", named))
    assert decision.effect is Effect.ALLOW, decision.explain()
    other = Context.of({"aws:PrincipalArn": f"arn:aws:sts::{A}:assumed-role/workload/daily"})
    assert evaluate(model, Request("vision", BUCKET, "s3:GetObject", other)).effect is (
        Effect.IMPLICIT_DENY
    )


def test_a_resource_policy_that_cannot_be_read_is_an_open_question():
    unreadable = parse_policy_json('{"Version": "2012-10-17", "Statement": [{"Effect": 1}]}')
    model = bucket_model("*", unreadable)
    decision = evaluate(model, Request("vision", BUCKET, "s3:GetObject"))
    assert decision.effect is Effect.CONDITIONAL
    assert decision.trace[-1].text == (
        f"the policy of {BUCKET} cannot be read (Statement[0].Effect: must be Allow or Deny, got "
        "1 (and 1 more problem)): whether it lets vision (444455556666) in is unknown"
    )
