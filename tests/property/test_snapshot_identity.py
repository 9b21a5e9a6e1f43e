"""`access --snapshot` keys everything by its AWS identity, whatever the names (issue #16).

Organizations are drawn with names meant to collide — two accounts of one name, an account named
like an OU path, like `root` or another account's ID, OUs named like their siblings' paths — and
deny SCPs attached anywhere. The access model must hold every account once under its own ID,
and each account's answer must be the one its IDs give: denied exactly when a deny SCP is
attached to the root, to an OU on its path of OU IDs or to the account itself.

An SCP whose content cannot be parsed (any mutation of a deny that no longer parses) leaves the
decisions it touches CONDITIONAL with its reason — never an empty policy that lets them through
— and cannot undo a definite deny elsewhere on the path.
"""

from __future__ import annotations

import dataclasses
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.property.test_import_names import NAMES
from tests.property.test_input_fuzz import text_mutations
from trainshare.access import Effect, Request, evaluate
from trainshare.access.from_snapshot import model_from_snapshot
from trainshare.access.matrix import access_matrix
from trainshare.policy.model import UnparsablePolicy
from trainshare.policy.parse import parse_policy_json
from trainshare.snapshot import Account, Association, Policy, ResourceShare, Snapshot, Unit

MGMT = "111111111111"
OWNER = "222222222222"
ROOT = "r-ab12"
ORG = "o-abcdefghij"
CR = f"arn:aws:ec2:us-east-1:{OWNER}:capacity-reservation/cr-1"
FULL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
DENY_RUN = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*"}],
    },
    indent=1,
)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def ou_id(n: int) -> str:
    return f"ou-ab12-{n:08d}"


def account_id(n: int) -> str:
    return f"{300000000000 + n:012d}"


def build(
    units: list[tuple[str, int | None]],
    accounts: list[tuple[str, int | None]],
    scps: list[tuple[str, str, list[str]]],
) -> Snapshot:
    """units: (name, parent unit index or None); accounts: (name, unit index or None); scps:
    (name, content, target IDs). One share of a capacity reservation with the organization."""
    unit_objs = tuple(
        Unit(ou_id(i), name, ROOT if parent is None else ou_id(parent))
        for i, (name, parent) in enumerate(units)
    )
    account_objs = (
        Account(MGMT, "management", "m@example.com", "ACTIVE", ROOT),
        Account(OWNER, "owner", "o@example.com", "ACTIVE", ROOT),
        *(
            Account(account_id(i), name, f"a{i}@example.com", "ACTIVE", _parent(u))
            for i, (name, u) in enumerate(accounts)
        ),
    )
    everything = (ROOT, *(u.id for u in unit_objs), *(a.id for a in account_objs))
    policies = [Policy("p-FullAWSAccess", "FullAWSAccess", FULL, True, everything)]
    policies += [
        Policy(f"p-{i:08d}", name, content, False, tuple(targets))
        for i, (name, content, targets) in enumerate(scps)
    ]
    share = ResourceShare(
        arn=f"arn:aws:ram:us-east-1:{OWNER}:resource-share/s",
        name="gpu",
        owner=OWNER,
        region="us-east-1",
        status="ACTIVE",
        allow_external=False,
        principals=(
            Association(f"arn:aws:organizations::{MGMT}:organization/{ORG}", "ASSOCIATED"),
        ),
        resources=(Association(CR, "ASSOCIATED"),),
        permissions=("arn:aws:ram::aws:permission/AWSRAMDefaultPermissionCapacityReservation",),
    )
    return Snapshot(
        management_account=MGMT,
        organization_id=ORG,
        organization_arn=f"arn:aws:organizations::{MGMT}:organization/{ORG}",
        feature_set="ALL",
        root_id=ROOT,
        units=unit_objs,
        accounts=account_objs,
        policies=tuple(policies),
        service_access=("ram.amazonaws.com",),
        shares=(share,),
        owners_read=((OWNER, "us-east-1"),),
    )


def _parent(unit: int | None) -> str:
    return ROOT if unit is None else ou_id(unit)


def path_of_ids(snapshot: Snapshot, account: Account) -> set[str]:
    """The root, every OU above the account, and the account: by ID only."""
    parents = {u.id: u.parent_id for u in snapshot.units}
    ids, current = {account.id}, account.parent_id
    while current != ROOT:
        ids.add(current)
        current = parents[current]
    return ids | {ROOT}


ONE_DENY = st.just(DENY_RUN)


@st.composite
def organizations(draw, contents: st.SearchStrategy[str] = ONE_DENY) -> Snapshot:
    units: list[tuple[str, int | None]] = []
    for i in range(draw(st.integers(0, 6))):
        parent = draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None
        units.append((draw(NAMES), parent))
    places = st.one_of(st.none(), st.integers(0, len(units) - 1)) if units else st.none()
    accounts = [(draw(NAMES), draw(places)) for _ in range(draw(st.integers(1, 6)))]
    targets = [ROOT, *(ou_id(i) for i in range(len(units)))]
    targets += [account_id(i) for i in range(len(accounts))]
    scps = [
        (name, draw(contents), sorted(draw(st.sets(st.sampled_from(targets), max_size=2))))
        for name in draw(st.lists(NAMES, max_size=3, unique=True))
    ]
    return build(units, accounts, scps)


def effects(snapshot: Snapshot) -> dict[str, Effect]:
    cells = access_matrix(model_from_snapshot(snapshot), actions=["ec2:RunInstances"])
    return {c.account.key: c.effect for c in cells}


@SETTINGS
@given(organizations())
def test_each_account_is_answered_by_its_own_ids_whatever_the_names(snapshot):
    model = model_from_snapshot(snapshot)
    assert sorted(model.accounts) == sorted(a.id for a in snapshot.accounts)
    for account in snapshot.accounts:
        assert model.accounts[account.id].name == account.name
    denied_at = {t for p in snapshot.policies if not p.aws_managed for t in p.targets}
    expected = {
        a.id: Effect.DENY if path_of_ids(snapshot, a) & denied_at else Effect.ALLOW
        for a in snapshot.accounts
        if a.id != OWNER
    }
    expected[MGMT] = Effect.ALLOW  # SCPs do not apply to the management account
    assert effects(snapshot) == expected


# Mutations of the deny's text, most of which no longer parse as a policy.
BROKEN = text_mutations(DENY_RUN).filter(
    lambda text: isinstance(parse_policy_json(text), UnparsablePolicy)
)


@SETTINGS
@given(organizations(contents=BROKEN), st.data())
def test_an_scp_that_cannot_be_parsed_is_never_read_as_empty(snapshot, data):
    broken_at = {t for p in snapshot.policies if not p.aws_managed for t in p.targets}
    member = data.draw(st.sampled_from([a for a in snapshot.accounts if a.id not in (MGMT, OWNER)]))
    path = path_of_ids(snapshot, member)
    decision = evaluate(model_from_snapshot(snapshot), Request(member.id, CR, "ec2:RunInstances"))
    if path & broken_at:
        assert decision.effect is Effect.CONDITIONAL
        assert "cannot be read (" in decision.explain()
    else:
        assert decision.effect is Effect.ALLOW
    # a definite deny on the path stays a deny, whatever the unreadable SCPs beside it
    deny = Policy("p-denyrun0001", "deny-run", DENY_RUN, False, (member.parent_id,))
    denied = dataclasses.replace(snapshot, policies=(*snapshot.policies, deny))
    assert effects(denied)[member.id] is Effect.DENY
