"""`access --snapshot` keys everything by its AWS identity (issue #16): accounts by ID, OUs by
their path of IDs. Names are data: two accounts of one name, an account named like an OU path,
an OU named like the root or with a slash in its name — none may merge two things into one. An
SCP (or a resource policy) that cannot be parsed is an open question with its reason, never an
empty policy."""

from __future__ import annotations

import json

import pytest

from trainshare.access import Effect, Request, evaluate
from trainshare.access.from_snapshot import model_from_snapshot
from trainshare.access.matrix import access_matrix
from trainshare.access.model import SharePrincipal
from trainshare.snapshot import (
    Account,
    Association,
    Policy,
    ResourceShare,
    Snapshot,
    SnapshotError,
    Unit,
)
from trainshare.spec import PrincipalKind, load_spec

ROOT = "r-ab12"
OU_ML = "ou-ab12-11111111"
OU_TRAINING = "ou-ab12-22222222"
OWNER = "222222222222"
CR = f"arn:aws:ec2:us-east-1:{OWNER}:capacity-reservation/cr-1"
FULL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
DENY_RUN = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*"}],
    }
)


def snapshot(units, accounts, policies, principals):
    ids = [ROOT, *(u.id for u in units), *(a.id for a in accounts)]
    full = Policy("p-FullAWSAccess", "FullAWSAccess", FULL, True, tuple(ids))
    share = ResourceShare(
        arn=f"arn:aws:ram:us-east-1:{OWNER}:resource-share/s",
        name="gpu",
        owner=OWNER,
        region="us-east-1",
        status="ACTIVE",
        allow_external=False,
        principals=tuple(Association(p, "ASSOCIATED") for p in principals),
        resources=(Association(CR, "ASSOCIATED"),),
        permissions=("arn:aws:ram::aws:permission/AWSRAMDefaultPermissionCapacityReservation",),
    )
    return Snapshot(
        management_account="111111111111",
        organization_id="o-abcdefghij",
        organization_arn="arn:aws:organizations::111111111111:organization/o-abcdefghij",
        feature_set="ALL",
        root_id=ROOT,
        units=tuple(units),
        accounts=(
            Account("111111111111", "management", "m@example.com", "ACTIVE", ROOT),
            Account(OWNER, "owner", "o@example.com", "ACTIVE", ROOT),
            *accounts,
        ),
        policies=(full, *policies),
        service_access=(),
        shares=(share,),
        owners_read=((OWNER, "us-east-1"),),
    )


def ou_arn(ou):
    return f"arn:aws:organizations::111111111111:ou/o-abcdefghij/{ou}"


def effects(snap):
    cells = access_matrix(model_from_snapshot(snap), actions=["ec2:RunInstances"])
    return {c.account.key: c.effect for c in cells}


def test_two_accounts_of_one_name_stay_two():
    snap = snapshot(
        [Unit(OU_ML, "ml", ROOT)],
        [
            Account("333333333333", "team", "a@example.com", "ACTIVE", OU_ML),
            Account("444444444444", "team", "b@example.com", "ACTIVE", OU_ML),
        ],
        [Policy("p-denyrun0001", "deny-run", DENY_RUN, False, ("444444444444",))],
        [ou_arn(OU_ML)],
    )
    assert effects(snap) == {
        "333333333333": Effect.ALLOW,
        "444444444444": Effect.DENY,
    }
    model = model_from_snapshot(snap)
    assert model.accounts["444444444444"].label == "team (444444444444)"
    assert model.account("team") is None  # a name two accounts share names neither


def test_an_account_named_like_an_ou_path_does_not_pick_up_its_scps():
    snap = snapshot(
        [Unit(OU_ML, "ml", ROOT), Unit(OU_TRAINING, "training", OU_ML)],
        [
            Account("333333333333", "ml/training", "a@example.com", "ACTIVE", ROOT),
            Account("444444444444", "vision", "b@example.com", "ACTIVE", OU_TRAINING),
        ],
        [Policy("p-denyrun0001", "deny-run", DENY_RUN, False, (OU_TRAINING,))],
        ["333333333333", ou_arn(OU_TRAINING)],
    )
    assert effects(snap) == {"333333333333": Effect.ALLOW, "444444444444": Effect.DENY}
    decision = evaluate(model_from_snapshot(snap), Request("444444444444", CR, "ec2:RunInstances"))
    assert decision.trace[0].text == (
        "share gpu reaches vision (444444444444) through OU ml/training"
    )
    assert decision.trace[-1].text == (
        "SCP at OU ml/training: deny-run Statement[0] denies ec2:RunInstances"
    )


@pytest.mark.parametrize("name", ["root", "a/b", "ml"])
def test_an_ou_named_anything_stays_its_own_ou(name):
    """An OU named like the root, one with a slash, one named like its sibling's path: each
    keeps the SCPs attached to it, and only those."""
    other = "ou-ab12-33333333"
    snap = snapshot(
        [Unit(OU_ML, "a", ROOT), Unit(other, name, ROOT), Unit(OU_TRAINING, "b", OU_ML)],
        [
            Account("333333333333", "x", "a@example.com", "ACTIVE", other),
            Account("444444444444", "y", "b@example.com", "ACTIVE", OU_TRAINING),
        ],
        [Policy("p-denyrun0001", "deny-run", DENY_RUN, False, (OU_TRAINING,))],
        ["arn:aws:organizations::111111111111:organization/o-abcdefghij"],
    )
    assert effects(snap) == {
        "111111111111": Effect.ALLOW,  # the management account, exempt from SCPs
        "333333333333": Effect.ALLOW,
        "444444444444": Effect.DENY,
    }


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            "{not json",
            "(document): not valid JSON: Expecting property name enclosed in double quotes",
        ),
        ('{"Statement": NaN}', "(document): NaN is not JSON (JSON has no NaN or Infinity)"),
        (
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny"}]}',
            "Statement[0]: needs exactly one of Action and NotAction",
        ),
        (
            '{"Version": "2012-10-17", "Statement": 7}',
            "Statement: must be an object or a non-empty list",
        ),
        ("[]", "(document): a policy must be a JSON object"),
    ],
)
def test_an_scp_that_cannot_be_parsed_is_conditional_with_its_reason(content, reason):
    snap = snapshot(
        [Unit(OU_ML, "ml", ROOT)],
        [Account("333333333333", "team", "a@example.com", "ACTIVE", OU_ML)],
        [Policy("p-broken0001", "broken", content, False, (OU_ML,))],
        [ou_arn(OU_ML)],
    )
    decision = evaluate(model_from_snapshot(snap), Request("333333333333", CR, "ec2:RunInstances"))
    assert decision.effect is Effect.CONDITIONAL
    assert (
        f"SCP at OU ml: broken cannot be read ({reason}): it may allow or deny ec2:RunInstances"
    ) in decision.explain()


def test_an_unparsable_scp_cannot_turn_a_definite_deny_into_an_allow():
    snap = snapshot(
        [Unit(OU_ML, "ml", ROOT)],
        [Account("333333333333", "team", "a@example.com", "ACTIVE", OU_ML)],
        [
            Policy("p-broken0001", "broken", "{", False, (OU_ML,)),
            Policy("p-denyrun0001", "deny-run", DENY_RUN, False, (OU_ML,)),
        ],
        [ou_arn(OU_ML)],
    )
    assert effects(snap) == {"333333333333": Effect.DENY}


def test_an_ou_whose_parent_is_missing_is_an_error_not_a_guess():
    snap = snapshot(
        [Unit(OU_ML, "ml", "ou-ab12-99999999")],
        [],
        [],
        [],
    )
    message = f"snapshot: OU {OU_ML}: its parent ou-ab12-99999999 is not in the snapshot"
    with pytest.raises(SnapshotError, match=message):
        model_from_snapshot(snap)


def _image_share(write_spec, units: str, accounts: str, principals: str):
    """A spec whose policy share `images` (an ECR repository of OWNER) reaches `principals`."""
    return load_spec(
        write_spec(
            f"""\
version: 1
organization: {{management_account: "111111111111"}}
{units}accounts:
  owner: {{id: "{OWNER}"}}
{accounts}shares:
  images:
    owner: owner
    access: pull
    resources:
      - {{arn: "arn:aws:ecr:us-east-1:{OWNER}:repository/base", policy: managed}}
    principals: {principals}
"""
        )
    )


def test_a_policy_shares_ou_is_the_live_ou_whose_aws_name_its_key_cannot_be(write_spec):
    """`import` keys a live OU named `x/y` as `x-y` (with `id:` and `name:`): a policy share's
    principal `x-y/team` is that live OU's child, found by ID or by its path of AWS names — it
    was looked up by the spec path and stayed an OU the snapshot does not have."""
    slash, team = "ou-ab12-33333333", "ou-ab12-44444444"
    units = f"units:\n  x-y:\n    id: {slash}\n    name: x/y\n    team: {{}}\n"
    spec = _image_share(write_spec, units, "", "[x-y, x-y/team]")
    snap = snapshot([Unit(slash, "x/y", ROOT), Unit(team, "team", slash)], [], [], [])
    model = model_from_snapshot(snap, spec=spec)
    assert model.shares["images"].principals == (
        SharePrincipal(PrincipalKind.UNIT, slash),  # by its id
        SharePrincipal(PrincipalKind.UNIT, f"{slash}/{team}"),  # by its path of AWS names
    )


def test_a_policy_shares_account_is_the_live_account_of_its_aws_name(write_spec):
    """An account trainshare created, its key renamed with `name: <old key>`: the live account
    of that AWS name (it was looked up by the new key, and stayed a name no account has)."""
    vision_spec = "  vision: {email: v@example.com, name: team-vision, renamed_from: team-vision}\n"
    spec = _image_share(write_spec, "", vision_spec, "[vision]")
    vision = Account("444444444444", "team-vision", "v@example.com", "ACTIVE", ROOT)
    model = model_from_snapshot(snapshot([], [vision], [], []), spec=spec)
    assert model.shares["images"].principals == (
        SharePrincipal(PrincipalKind.ACCOUNT, "444444444444"),
    )
