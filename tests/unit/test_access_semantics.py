"""The SCP side of a decision, class by class (issue #21): policy variables at SCP level, each
resource of a request authorized on its own, and an SCP that cannot be read. Given a spec, when a
request is evaluated, then the effect and the step that says why."""

from __future__ import annotations

import json
import textwrap

import pytest

from trainshare.access import Context, Effect, Request, evaluate, model_from_spec
from trainshare.access.model import AttachedPolicy
from trainshare.policy import parse_policy_json
from trainshare.spec import load_spec

CR = "arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-1"
SESSION = "arn:aws:sts::333333333333:assumed-role/workload/nightly"
GLUE_DB = "arn:aws:glue:us-east-1:222222222222:database/raw"
BASE = """\
version: 1
organization: {management_account: "111111111111"}
units:
  ml:
    training: {}
accounts:
  owner: {id: "222222222222", unit: ml}
  vision: {id: "333333333333", unit: ml/training}
"""
SHARES = f"""\
shares:
  gpu: {{owner: owner, resources: ["{CR}"], principals: [ml/training]}}
  catalog: {{owner: owner, resources: ["{GLUE_DB}"], principals: [ml/training]}}
"""


def policy(*statements, version="2012-10-17"):
    return json.dumps({"Version": version, "Statement": list(statements)})


def model(write_spec, document, *, base=BASE, target="ml/training"):
    guardrails = "guardrails:\n" + textwrap.indent(
        f"g: {{document: p.json, targets: [{target}]}}\n", "  "
    )
    return model_from_spec(
        load_spec(write_spec(base + guardrails + SHARES, **{"p.json": document}))
    )


def decide(m, action="ec2:RunInstances", resource=CR, **context):
    absent = context.pop("absent", [])
    return evaluate(m, Request("vision", resource, action, Context.of(context, absent=absent)))


def last(decision):
    return decision.trace[-1].text


# -- policy variables in an SCP ----------------------------------------------------------------

ABAC = policy(
    {
        "Sid": "SameTeamOnly",
        "Effect": "Deny",
        "Action": "ec2:*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
    }
)


def test_an_abac_guardrail_does_not_deny_a_caller_of_the_same_team(write_spec):
    m = model(write_spec, ABAC)
    same = decide(m, **{"aws:ResourceTag/team": "vision", "aws:PrincipalTag/team": "vision"})
    assert same.effect is Effect.ALLOW, same.explain()
    other = decide(m, **{"aws:ResourceTag/team": "vision", "aws:PrincipalTag/team": "nlp"})
    assert other.effect is Effect.DENY
    assert (
        last(other)
        == "SCP at OU ml/training: g Statement[0] (Sid SameTeamOnly) denies ec2:RunInstances"
    )


def test_an_abac_guardrail_denies_a_caller_without_the_tag(write_spec):
    d = decide(
        model(write_spec, ABAC),
        **{"aws:ResourceTag/team": "vision", "absent": ["aws:PrincipalTag/team"]},
    )
    assert d.effect is Effect.DENY


def test_an_unknown_variable_is_conditional_naming_it(write_spec):
    d = decide(model(write_spec, ABAC), **{"aws:ResourceTag/team": "vision"})
    assert (d.effect, d.unknown_keys) == (Effect.CONDITIONAL, frozenset({"aws:PrincipalTag/team"}))
    assert "unless aws:PrincipalTag/team rules it out" in d.explain()


def test_a_variable_in_an_scp_resource(write_spec):
    document = policy(
        {
            "Effect": "Deny",
            "Action": "glue:*",
            "NotResource": "arn:aws:glue:*:*:database/${aws:PrincipalTag/team, 'raw'}",
        }
    )
    m = model(write_spec, document)
    assert decide(m, "glue:GetDatabase", GLUE_DB, absent=["aws:PrincipalTag/team"]).effect is (
        Effect.ALLOW
    )
    other = decide(m, "glue:GetDatabase", GLUE_DB, **{"aws:PrincipalTag/team": "nlp"})
    assert other.effect is Effect.DENY
    old = model(write_spec, document.replace("2012-10-17", "2008-10-17"))
    assert decide(old, "glue:GetDatabase", GLUE_DB).effect is Effect.DENY  # literal text


def test_a_session_named_on_the_cli_has_its_roles_arn_as_principal_arn(write_spec):
    # aws:PrincipalArn of an assumed-role session is its role's ARN (IAM user guide): the
    # common "everyone but the workload role" guardrail does not deny the role's sessions
    document = policy(
        {
            "Sid": "OnlyWorkload",
            "Effect": "Deny",
            "Action": "ec2:*",
            "Resource": "*",
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/workload"}},
        }
    )
    m = model(write_spec, document)
    session = decide(m, **{"aws:PrincipalArn": SESSION})
    assert session.effect is Effect.ALLOW, session.explain()
    assert (
        "--context overrides; aws:PrincipalArn=arn:aws:iam::333333333333:role/workload, the "
        "session's role, taken to have no path)"
    ) in session.explain()
    notebook = "arn:aws:sts::333333333333:assumed-role/notebook/x"
    assert decide(m, **{"aws:PrincipalArn": notebook}).effect is Effect.DENY


def test_a_role_caller_has_no_username(write_spec):
    document = policy(
        {
            "Effect": "Deny",
            "Action": "ec2:*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:username": "admin"}},
        }
    )
    assert decide(model(write_spec, document)).effect is Effect.DENY


# -- several resources per request -------------------------------------------------------------

PER_TYPE = policy(
    {
        "Sid": "Reservations",
        "Effect": "Allow",
        "Action": "ec2:RunInstances",
        "Resource": "arn:aws:ec2:*:*:capacity-reservation/*",
    },
    {
        "Sid": "Instances",
        "Effect": "Allow",
        "Action": "ec2:RunInstances",
        "Resource": "arn:aws:ec2:*:*:instance/*",
    },
)


def allow_list(write_spec, document):
    base = BASE.replace("training: {}", "training: {full_aws_access: false}")
    return model(write_spec, document, base=base)


def test_an_allow_list_of_one_statement_per_resource_type_allows(write_spec):
    d = decide(allow_list(write_spec, PER_TYPE))
    assert d.effect is Effect.ALLOW, d.explain()
    assert (
        "SCP at OU ml/training: allowed by g Statement[0] (Sid Reservations) for "
        f"{CR}; g Statement[1] (Sid Instances) for arn:aws:ec2:us-east-1:333333333333:instance/*"
    ) in d.explain()


def test_a_resource_no_statement_allows_is_named(write_spec):
    only_reservations = policy(json.loads(PER_TYPE)["Statement"][0])
    d = decide(allow_list(write_spec, only_reservations))
    assert d.effect is Effect.IMPLICIT_DENY
    assert d.trace[-2].text == (
        "SCP at OU ml/training: no statement allows ec2:RunInstances on "
        "arn:aws:ec2:us-east-1:333333333333:instance/* (attached: g); every level needs an Allow"
    )


def test_a_deny_on_any_resource_of_the_request_denies(write_spec):
    document = policy(
        {"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "arn:aws:ec2:*:*:instance/*"}
    )
    assert decide(model(write_spec, document)).effect is Effect.DENY


def test_each_resource_is_evaluated_with_its_own_account(write_spec):
    """aws:ResourceAccount is the owner's for the shared reservation, the caller's for the
    instance it launches."""
    document = policy(
        {
            "Effect": "Deny",
            "Action": "ec2:RunInstances",
            "Resource": "arn:aws:ec2:*:*:instance/*",
            "Condition": {"StringNotEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}},
        }
    )
    assert decide(model(write_spec, document)).effect is Effect.ALLOW


# -- an SCP that cannot be read ----------------------------------------------------------------


def test_an_scp_that_cannot_be_read_is_an_open_question_never_an_empty_policy(write_spec):
    m = model(write_spec, policy({"Effect": "Deny", "Action": "*", "Resource": "*"}))
    unreadable = parse_policy_json('{"Version": "2012-10-17", "Statement": [{"Effect": "Nope"}]}')
    level = m.units["ml/training"]
    broken = type(level)(level.name, level.kind, (AttachedPolicy("broken", unreadable),))
    m2 = type(m)(
        m.partition,
        m.management_account,
        m.org_id,
        m.accounts,
        {**m.units, "ml/training": broken},
        m.account_levels,
        m.shares,
        ids=m.ids,
    )
    d = decide(m2)
    assert d.effect is Effect.CONDITIONAL, d.explain()
    assert (
        "SCP at OU ml/training: broken cannot be read (Statement[0].Effect: must be Allow or "
        "Deny, got 'Nope' (and 1 more problem)): it may allow or deny ec2:RunInstances"
    ) in d.explain()


# -- RAM permissions every decision can use ------------------------------------------------------


@pytest.mark.parametrize("action", ["glue:GetDatabase", "glue:GetTables"])
def test_a_glue_share_is_decided_not_left_open(write_spec, action):
    d = decide(
        model(write_spec, policy({"Effect": "Allow", "Action": "*", "Resource": "*"})),
        action,
        GLUE_DB,
    )
    assert d.effect is Effect.ALLOW, d.explain()
    assert d.trace[1].text == (
        f"AWSRAMDefaultPermissionGlueDatabase grants {action} (assumed: the catalog marks these "
        "actions unverified)"
    )
