"""The access diff, which decides only the rows whose sides change, finds exactly the decisions
that differ between the two full matrices: on random organizations and random edits of them
(a level's policies, an account moved, a share's principals or resources, the RCPs on a level)."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.property.test_matrix_equivalence import (
    STATEMENTS,
    UNITS,
    contexts,
    document,
    models,
)
from trainshare.access import Effect
from trainshare.access.matrix import access_matrix
from trainshare.access.model import FULL_AWS_ACCESS_DOCUMENT, AttachedPolicy, Level
from trainshare.diff import access as diff_access
from trainshare.diff.access import access_changes
from trainshare.diff.renames import Renames
from trainshare.spec import PrincipalKind

NOBODY = (Effect.IMPLICIT_DENY, frozenset())
# RCPs on the owners' paths (or not): a Deny for everyone, one that reads a key of the caller's
# (its account, its OU path), and one on a service they do not cover
RCP_STATEMENTS = [
    {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"},
    {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalAccount": "100000000001"}},
    },
    {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:ListBucket",
        "Resource": "*",
        "Condition": {"ForAnyValue:StringNotLike": {"aws:PrincipalOrgPaths": "o-x/r-x/ou-ml/*"}},
    },
    {"Effect": "Deny", "Principal": "*", "Action": "ec2:*", "Resource": "*"},
]


def full_matrices(old, new, context, renames=None):
    """(account, share, resource, action) → (before, after) for every decision that differs,
    from the two whole matrices."""

    def cells(model, accounts, shares):
        return {
            (
                accounts.get(c.account.key, c.account.key),
                shares.get(c.share, c.share),
                c.resource,
                c.action,
            ): (
                c.effect,
                c.unknown_keys,
            )
            for c in access_matrix(model, context)
        }

    renames = renames or Renames()
    was = cells(old, renames.accounts, renames.shares)
    now = cells(new, {}, {})
    out = {}
    for key in was.keys() | now.keys():
        pair = (was.get(key, NOBODY), now.get(key, NOBODY))
        if pair[0] != pair[1]:
            out[key] = pair
    return out


def expanded(changes):
    """The same, from the grouped changes: every account of a change, on every cell of each of
    its reasons."""
    out = {}
    for change in changes.changes:
        for because in change.reasons:
            for arn, action in because.cells:
                for account in change.accounts:
                    key = (account.key, change.share, arn, action)
                    assert key not in out, key  # each decision in one change only
                    out[key] = (
                        (change.before, change.keys_before),
                        (change.after, change.keys_after),
                    )
    return out


@st.composite
def edited(draw):
    model = draw(models())
    new = model
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["level", "move", "principals", "resources", "rcp"]))
        if kind == "rcp":
            target = draw(st.sampled_from(["root", *UNITS, "owner", "owner2"]))
            rcps = {
                **new.rcps,
                target: tuple(
                    AttachedPolicy(f"rcp-{target}-{j}", document(stmt))
                    for j, stmt in enumerate(
                        draw(st.lists(st.sampled_from(RCP_STATEMENTS), min_size=0, max_size=2))
                    )
                ),
            }
            new = dataclasses.replace(new, rcps=rcps)
        elif kind == "level":
            name = draw(st.sampled_from(sorted({*new.units, *new.account_levels})))
            where = "units" if name in new.units else "account_levels"
            level = getattr(new, where)[name]
            policies = [AttachedPolicy("FullAWSAccess", FULL_AWS_ACCESS_DOCUMENT)]
            policies += [
                AttachedPolicy(f"edit-{name}-{j}", document(stmt))
                for j, stmt in enumerate(draw(st.lists(st.sampled_from(STATEMENTS), max_size=2)))
            ]
            levels = {**getattr(new, where), name: Level(level.name, level.kind, tuple(policies))}
            new = dataclasses.replace(new, **{where: levels})
        elif kind == "move":
            key = draw(st.sampled_from(sorted(new.accounts)))
            unit = draw(st.sampled_from(["root", *UNITS]))
            accounts = {**new.accounts, key: dataclasses.replace(new.accounts[key], unit=unit)}
            new = dataclasses.replace(new, accounts=accounts)
        elif new.shares:
            key = draw(st.sampled_from(sorted(new.shares)))
            share = new.shares[key]
            if kind == "principals":
                targets = draw(
                    st.sampled_from(
                        [(PrincipalKind.ORGANIZATION, "root")]
                        + [(PrincipalKind.UNIT, u) for u in UNITS]
                    )
                )
                share = dataclasses.replace(share, principals=(targets,))
            else:
                share = dataclasses.replace(share, resources=share.resources[:1])
            new = dataclasses.replace(new, shares={**new.shares, key: share})
    return model, new


@settings(max_examples=120, deadline=None)
@given(edited(), contexts)
def test_the_diff_finds_exactly_what_the_two_matrices_differ_in(models_pair, context):
    old, new = models_pair
    changes = access_changes(old, new, context=context)
    assert expanded(changes) == full_matrices(old, new, context)


@settings(max_examples=60, deadline=None)
@given(models(), contexts)
def test_a_model_against_itself_decides_no_row(model, context):
    changes = access_changes(model, model, context=context)
    assert changes.changes == () and changes.decided == 0


@settings(max_examples=40, deadline=None)
@given(edited(), contexts)
def test_past_the_reason_budget_the_same_decisions_change(models_pair, context):
    """Each change's reasons traced for one of its accounts (REASON_BUDGET 0): the grouping is
    coarser, the decisions are the same."""
    old, new = models_pair
    budget = diff_access.REASON_BUDGET
    diff_access.REASON_BUDGET = 0
    try:
        changes = access_changes(old, new, context=context)
    finally:
        diff_access.REASON_BUDGET = budget
    assert expanded(changes) == full_matrices(old, new, context)
