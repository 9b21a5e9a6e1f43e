"""The fast matrix (one Evaluator, memoized levels) equals evaluating every cell from scratch,
traces included, on random organizations, SCPs and shares."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from trainshare.access import Context, Effect, Request, evaluate
from trainshare.access.matrix import (
    access_matrix,
    access_rows,
    naive_matrix,
    reached,
    share_actions,
    summarize,
)
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
from trainshare.policy import PolicyDocument, parse_document
from trainshare.spec import PrincipalKind

UNITS = ["ml", "ml/training", "ml/research", "ml/training/vision", "ops"]
ACTIONS = ["ec2:RunInstances", "ec2:DescribeCapacityReservations", "s3:GetObject"]
STATEMENTS = [
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    {"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*"},
    # singles out one resource of a share (resources of one share are not interchangeable)
    {
        "Effect": "Deny",
        "Action": "ec2:RunInstances",
        "Resource": "arn:aws:ec2:*:*:capacity-reservation/cr-0a",
    },
    {
        "Effect": "Deny",
        "Action": "ec2:RunInstances",
        "Resource": "arn:aws:ec2:*:*:instance/*",
        "Condition": {"StringNotLike": {"ec2:InstanceType": ["p5.*"]}},
    },
    # relevant to every ec2 action alike, but only RunInstances is authorized against an instance
    {"Effect": "Deny", "Action": "ec2:*", "Resource": "arn:aws:ec2:*:*:instance/*"},
    {
        "Effect": "Deny",
        "Action": "ec2:*",
        "Resource": "*",
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Deploy"}},
    },
    {
        "Effect": "Deny",
        "NotAction": "s3:*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalAccount": ["100000000003", "100000000007"]}},
    },
    {
        "Effect": "Allow",
        "Action": "ec2:Describe*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
    },
    # a bucket's ARN has no Region: the request's is its share's
    {
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}},
    },
    # tells the owners of shares apart
    {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceAccount": "100000000020"}},
    },
]

STATEMENTS += [
    # several resources per action: an allow-list written one statement per resource type
    {
        "Effect": "Allow",
        "Action": "ec2:RunInstances",
        "Resource": "arn:aws:ec2:*:*:capacity-reservation/*",
    },
    {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "arn:aws:ec2:*:*:instance/*"},
    # policy variables: a per-account key (the caller's own instance is in its account, the
    # reservation in its owner's), a request key with a default, a variable in a Resource
    {
        "Effect": "Deny",
        "Action": "ec2:RunInstances",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}},
    },
    {
        "Effect": "Deny",
        "Action": "ec2:RunInstances",
        "Resource": "*",
        "Condition": {"StringNotLike": {"ec2:InstanceType": "${aws:PrincipalTag/size, 'p5.*'}"}},
    },
    {
        "Effect": "Deny",
        "Action": "ec2:*",
        "Resource": "arn:aws:ec2:*:*:capacity-reservation/cr-${aws:PrincipalTag/cr, '0a'}",
    },
    {
        "Effect": "Allow",
        "Action": "ec2:Describe*",
        "Resource": "arn:aws:ec2:*:*:capacity-reservation/${aws:PrincipalTag/x, '*'}",
    },
    {
        "Effect": "Deny",
        "Action": "ec2:*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestedRegion": "${aws:PrincipalTag/region}"}},
    },
]

OWNERS = [("owner", "100000000000"), ("owner2", "100000000020")]


ORG_PATH = "o-x/r-x/ou-ml/"
RESOURCE_POLICY_STATEMENTS = [
    {
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [ORG_PATH + "*"]}},
    },
    {
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": "s3:ListBucket",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-x"}},
    },
    {  # tells accounts of one OU apart
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::100000000003:root"},
        "Action": "s3:GetObject",
        "Resource": "*",
    },
    {  # names 5 as 3 is named above; a role of 4 does not let account 4 in
        "Effect": "Allow",
        "Principal": {
            "AWS": [
                "arn:aws:iam::100000000003:root",
                "100000000005",
                "arn:aws:iam::100000000004:role/Reader",
            ]
        },
        "Action": "s3:ListBucket",
        "Resource": "*",
    },
    {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": {"StringLike": {"aws:PrincipalOrgPaths": ORG_PATH + "ou-ml-training/*"}},
    },
    {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {
            "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-x"},
            "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
        },
    },
    # {arn} is the bucket's own ARN: resources whose policies differ only there share effects
    {
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": "s3:ListBucket",
        "Resource": "{arn}",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-x"}},
    },
    {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "{arn}/*",
        "Condition": {"StringLike": {"aws:PrincipalOrgPaths": ORG_PATH + "ou-ml-research/*"}},
    },
    {  # the caller's role, by name (the workload role of account 6), and another's
        "Effect": "Allow",
        "Principal": {
            "AWS": [
                "arn:aws:iam::100000000006:role/workload",
                "arn:aws:iam::100000000002:role/other",
            ]
        },
        "Action": "s3:GetObject",
        "Resource": "*",
    },
    {  # a variable in a resource policy's condition, reading the caller's account
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:ListBucket",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalAccount": "${aws:PrincipalTag/blocked}"}},
    },
    {  # matches the objects of b0a and b1a, not those of b0b: must not be shared
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b*a/*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-x"}},
    },
]


granted = st.lists(st.sampled_from(ACTIONS), min_size=1, unique=True).map(
    lambda actions: Grant("P", tuple(actions), False)
)


def document(*statements):
    parsed = parse_document({"Version": "2012-10-17", "Statement": list(statements)})
    assert isinstance(parsed, PolicyDocument), parsed
    return parsed


def _for_bucket(stmt: dict, arn: str) -> dict:
    return json.loads(json.dumps(stmt).replace("{arn}", arn))


@st.composite
def models(draw, unknown_permissions=False):
    accounts = {
        "owner": AccountNode("owner", "100000000000", "ml"),
        "owner2": AccountNode("owner2", "100000000020", "ops"),
    }
    for i in range(1, draw(st.integers(1, 9))):
        unit = draw(st.sampled_from(["root", *UNITS]))
        accounts[f"a{i}"] = AccountNode(f"a{i}", f"1000000000{i:02d}", unit)
    names = ["root", *UNITS, *accounts]
    units, account_levels = {}, {}
    for name in names:
        kind = "root" if name == "root" else "unit" if name in UNITS else "account"
        policies = []
        if draw(st.integers(0, 4)):  # FullAWSAccess kept most of the time
            policies.append(AttachedPolicy("FullAWSAccess", FULL_AWS_ACCESS_DOCUMENT))
        for j, stmt in enumerate(draw(st.lists(st.sampled_from(STATEMENTS), max_size=2))):
            policies.append(AttachedPolicy(f"g-{name}-{j}", document(stmt)))
        (account_levels if kind == "account" else units)[name] = Level(name, kind, tuple(policies))
    shares = {}
    for k in range(draw(st.integers(0, 2))):  # policy shares: S3 buckets with their policies
        buckets = [
            f"arn:aws:s3:::b{k}{x}" for x in draw(st.sets(st.sampled_from("ab"), min_size=1))
        ]
        statements_drawn = draw(
            st.lists(st.sampled_from(RESOURCE_POLICY_STATEMENTS), min_size=1, max_size=3)
        )
        alike = draw(st.booleans())  # the same statements on each bucket, as trainshare writes
        owner, owner_id = draw(st.sampled_from(OWNERS))
        shares[f"p{k}"] = ShareModel(
            key=f"p{k}",
            owner=owner,
            owner_id=owner_id,
            region=draw(st.sampled_from(["us-east-1", "eu-west-1"])),
            resources=tuple((b, "s3:Bucket") for b in sorted(buckets)),
            principals=(
                draw(
                    st.sampled_from(
                        [(PrincipalKind.ORGANIZATION, "root")]
                        + [(PrincipalKind.UNIT, u) for u in UNITS]
                    )
                ),
            ),
            grants={"s3:Bucket": Grant("access read", ("s3:GetObject", "s3:ListBucket"), False)},
            allow_external=False,
            policies={
                b: document(
                    *(
                        _for_bucket(stmt, b)
                        for stmt in (
                            statements_drawn
                            if alike
                            else draw(
                                st.lists(
                                    st.sampled_from(RESOURCE_POLICY_STATEMENTS),
                                    min_size=1,
                                    max_size=3,
                                )
                            )
                        )
                    )
                )
                for b in buckets
            },
        )
    for k in range(draw(st.integers(1, 3))):
        owner, owner_id = draw(st.sampled_from(OWNERS))
        targets = draw(
            st.lists(
                st.sampled_from(
                    [(PrincipalKind.ORGANIZATION, "root")]
                    + [(PrincipalKind.UNIT, u) for u in UNITS]
                    + [(PrincipalKind.ACCOUNT, a) for a in accounts if a != owner]
                ),
                min_size=1,
                max_size=3,
                unique=True,
            )
        )
        shares[f"s{k}"] = ShareModel(
            key=f"s{k}",
            owner=owner,
            owner_id=owner_id,
            region="us-east-1",
            resources=tuple(
                (
                    f"arn:aws:ec2:{region}:{owner_id}:capacity-reservation/cr-{k}{suffix}",
                    "ec2:CapacityReservation",
                )
                for suffix, region in draw(
                    st.lists(
                        st.sampled_from(
                            [("a", "us-east-1"), ("b", "us-east-1"), ("c", "eu-west-1")]
                        ),
                        min_size=1,
                        max_size=3,
                        unique=True,
                    )
                )
            ),
            principals=tuple(targets),
            grants={
                "ec2:CapacityReservation": draw(
                    st.one_of(
                        # a permission whose actions the catalog does not know
                        st.just(Grant("P", (), False, known=False)),
                        granted,
                    )
                    if unknown_permissions
                    else granted
                )
            },
            allow_external=False,
        )
    ids = ModelIds(
        org="o-x",
        root="r-x",
        units={u: "ou-" + u.replace("/", "-") for u in UNITS},
        accounts={k: a.id or k for k, a in accounts.items()},
    )
    return AccessModel(
        "aws", "999999999999", None, accounts, units, account_levels, shares, ids=ids
    )


contexts = st.sampled_from(
    [
        Context(),
        Context.of(
            {
                "aws:PrincipalTag/size": "g5.*",
                "aws:PrincipalTag/cr": "0b",
                "aws:PrincipalTag/region": "eu-west-1",
                "aws:PrincipalTag/blocked": "100000000003",
                "ec2:InstanceType": "g5.xlarge",
            }
        ),
        Context.of(
            {"ec2:InstanceType": "p5.48xlarge"},
            absent=["aws:PrincipalTag/size", "aws:PrincipalTag/cr", "aws:PrincipalTag/x"],
        ),
        Context.of({"ec2:InstanceType": "p5.48xlarge"}),
        Context.of(
            {"ec2:InstanceType": "m5.large", "aws:PrincipalArn": "arn:aws:iam::1:role/Deploy"}
        ),
        Context.of({}, closed=True),
    ]
)


@settings(max_examples=300, deadline=None)
@given(models(), contexts)
def test_fast_matrix_equals_per_cell_evaluation(model, context):
    fast = access_matrix(model, context)
    slow = naive_matrix(model, context)
    key = [(c.account.key, c.share, c.resource, c.action) for c in fast]
    assert key == [(c.account.key, c.share, c.resource, c.action) for c in slow]
    # Grouped cells carry only an effect until asked; the claim is that it is the effect the
    # full evaluation of that very account gives.
    assert [c.effect for c in fast] == [c.decision.effect for c in slow]
    assert [(c.effect, c.unknown_keys) for c in fast] == [
        (c.decision.effect, c.decision.unknown_keys) for c in fast
    ]
    assert [c.decision for c in fast] == [c.decision for c in slow]
    # the factorised matrix counts, without a Cell per decision, what the cells add up to
    assert access_rows(model, context).summary() == summarize(slow)


@settings(max_examples=150, deadline=None)
@given(
    models(unknown_permissions=True),
    contexts,
    st.lists(st.sampled_from([*ACTIONS, "s3:ListBucket"]), min_size=1, max_size=2, unique=True),
)
def test_a_matrix_of_some_actions_equals_per_cell_evaluation(model, context, actions):
    """Actions asked for, whether the permission grants them or not, or its actions are not
    known (the share's side is then only maybe)."""
    fast = access_matrix(model, context, actions=actions)
    slow = [
        (
            account.key,
            share.key,
            arn,
            action,
            evaluate(model, Request(account.key, arn, action, context, share.key)),
        )
        for share in model.shares.values()
        for account in reached(model, share)
        for arn, action in share_actions(share, actions)
    ]
    assert [(c.account.key, c.share, c.resource, c.action) for c in fast] == [k[:4] for k in slow]
    assert [(c.effect, c.unknown_keys) for c in fast] == [
        (d.effect, d.unknown_keys) for *_, d in slow
    ]


def test_accounts_named_alike_share_effects_and_a_role_does_not_name_its_account():
    """Accounts 3 and 5 are named in the same statement, so the matrix decides them once; a
    role of account 4 in that statement must not count as account 4."""
    accounts = {
        "owner": AccountNode("owner", "100000000000", "ml"),
        **{f"a{i}": AccountNode(f"a{i}", f"10000000000{i}", "ops") for i in (3, 4, 5)},
    }
    everyone = (AttachedPolicy("FullAWSAccess", FULL_AWS_ACCESS_DOCUMENT),)
    units = {
        name: Level(name, "root" if name == "root" else "unit", everyone)
        for name in ("root", "ml", "ops")
    }
    account_levels = {key: Level(key, "account", everyone) for key in accounts}
    bucket = "arn:aws:s3:::b0a"
    share = ShareModel(
        key="p0",
        owner="owner",
        owner_id="100000000000",
        region="us-east-1",
        resources=((bucket, "s3:Bucket"),),
        principals=((PrincipalKind.UNIT, "ops"),),
        grants={"s3:Bucket": Grant("access read", ("s3:ListBucket",), False)},
        allow_external=False,
        policies={bucket: document(RESOURCE_POLICY_STATEMENTS[3])},
    )
    ids = ModelIds("o-x", "r-x", {"ml": "ou-ml", "ops": "ou-ops"}, {})
    model = AccessModel(
        "aws", "999999999999", None, accounts, units, account_levels, {"p0": share}, ids=ids
    )
    fast = {c.account.key: c.effect for c in access_matrix(model)}
    assert fast == {c.account.key: c.decision.effect for c in naive_matrix(model)}
    assert fast == {"a3": Effect.ALLOW, "a4": Effect.IMPLICIT_DENY, "a5": Effect.ALLOW}
    assert len({row.entries.number for row in access_rows(model).rows}) == 2  # a3, a5 share one


def test_a_level_naming_a_resource_of_the_callers_own_is_not_shared_between_accounts():
    """The root allows RunInstances on reservations only: the instance each account launches
    (an ARN with its own ID) is the one a trace names, so the root's verdict, though the same
    effect for both accounts of the OU, is not shared between them (found by the test above)."""
    only_reservations = {
        "Effect": "Allow",
        "Action": "ec2:RunInstances",
        "Resource": "arn:aws:ec2:*:*:capacity-reservation/*",
    }
    accounts = {
        "owner": AccountNode("owner", "100000000000", "ml"),
        **{f"a{i}": AccountNode(f"a{i}", f"10000000000{i}", "root") for i in (1, 2)},
    }
    units = {"root": Level("root", "root", (AttachedPolicy("g", document(only_reservations)),))}
    units |= {"ml": Level("ml", "unit", ())}
    cr = "arn:aws:ec2:us-east-1:100000000000:capacity-reservation/cr-0a"
    share = ShareModel(
        key="s0",
        owner="owner",
        owner_id="100000000000",
        region="us-east-1",
        resources=((cr, "ec2:CapacityReservation"),),
        principals=((PrincipalKind.ORGANIZATION, "root"),),
        grants={"ec2:CapacityReservation": Grant("P", ("ec2:RunInstances",), False)},
        allow_external=False,
    )
    model = AccessModel("aws", "999999999999", None, accounts, units, {}, {"s0": share})
    fast = access_matrix(model)
    assert [c.decision for c in fast] == [c.decision for c in naive_matrix(model)]
    assert [c.decision.trace[-2].text for c in fast] == [
        "SCP at the root: no statement allows ec2:RunInstances on "
        f"arn:aws:ec2:us-east-1:10000000000{i}:instance/* (attached: g); every level needs an "
        "Allow"
        for i in (1, 2)
    ]


def test_one_statement_set_is_two_action_groups_when_only_one_action_has_the_callers_resources():
    """Given a root SCP that denies everything of owner2's (aws:ResourceAccount), and a share of
    owner's reservation reaching owner2 and a1 alike, when the matrix is built, then a1 may launch
    into it (no Allow, so IMPLICIT_DENY) while owner2 is denied: RunInstances is also
    authorized against an instance of the caller's own, whose aws:ResourceAccount is the
    caller's — DescribeCapacityReservations, with the same relevant statements, is not, so
    the two actions must not share one action group (found by the property test above)."""
    accounts = {
        "owner": AccountNode("owner", "100000000000", "ml"),
        "owner2": AccountNode("owner2", "100000000020", "ops"),
        "a1": AccountNode("a1", "100000000001", "root"),
    }
    deny_owner2 = document(STATEMENTS[11])
    assert STATEMENTS[11]["Condition"] == {"StringEquals": {"aws:ResourceAccount": "100000000020"}}
    units = {"root": Level("root", "root", (AttachedPolicy("g-root-0", deny_owner2),))}
    units |= {u: Level(u, "unit", ()) for u in UNITS}
    model = AccessModel(
        "aws",
        "999999999999",
        None,
        accounts,
        units,
        {k: Level(k, "account", ()) for k in accounts},
        {
            "s0": ShareModel(
                key="s0",
                owner="owner",
                owner_id="100000000000",
                region="us-east-1",
                resources=(
                    (
                        "arn:aws:ec2:us-east-1:100000000000:capacity-reservation/cr-0a",
                        "ec2:CapacityReservation",
                    ),
                ),
                principals=((PrincipalKind.ORGANIZATION, "root"),),
                grants={
                    "ec2:CapacityReservation": Grant(
                        "P", ("ec2:DescribeCapacityReservations", "ec2:RunInstances"), False
                    )
                },
                allow_external=False,
                policies={},
            )
        },
    )
    fast = {(c.account.key, c.action): c.effect for c in access_matrix(model, Context.of({}))}
    slow = {
        (c.account.key, c.action): c.decision.effect for c in naive_matrix(model, Context.of({}))
    }
    assert fast == slow
    assert fast[("a1", "ec2:RunInstances")] is Effect.IMPLICIT_DENY
    assert fast[("owner2", "ec2:RunInstances")] is Effect.DENY
