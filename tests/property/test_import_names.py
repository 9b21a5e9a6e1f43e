"""`trainshare import` takes any names AWS allows (issue #16): nothing lost, nothing mixed up.

Snapshots are built in memory (no emulator): OU, account, SCP and share names drawn to collide —
after `/` becomes `-`, by case, with reserved words, with OU paths and account IDs. For each, the
written project must load, hold every live object once under its own ID and name, give every SCP
its own document, adopt every SCP and share by its own ID in pulumi-import.json, and audit clean
against the organization it came from, and plan every OU under its live name.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trainshare.audit import diff
from trainshare.catalog import permission_arn
from trainshare.importer import IMPORT_FILE, import_snapshot, project_files, write_imported
from trainshare.plan import build_plan, kinds
from trainshare.scaffold import ScaffoldError
from trainshare.snapshot import Account, Association, Policy, ResourceShare, Snapshot, Unit
from trainshare.spec import load_spec

MGMT = "111111111111"
ROOT = "r-ab12"
ORG = "o-abcdefghij"
FULL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
SUBNET_PERMISSION = permission_arn("AWSRAMDefaultPermissionSubnet", "aws")


def deny(n: int) -> str:
    statement = {"Sid": f"Deny{n}", "Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def ou_id(n: int) -> str:
    return f"ou-ab12-{n:08d}"


def account_id(n: int) -> str:
    return f"{200000000000 + n:012d}"


def organization(
    units: list[tuple[str, int | None]],
    accounts: list[tuple[str, int | None]],
    scps: list[tuple[str, list[str]]],
    shares: list[tuple[str, list[str]]],
) -> Snapshot:
    """units: (name, index of the parent unit or None for the root); accounts: (name, unit
    index or None); scps: (name, target IDs); shares: (name, principals), owned by MGMT."""
    unit_objs = tuple(
        Unit(ou_id(i), name, ROOT if parent is None else ou_id(parent))
        for i, (name, parent) in enumerate(units)
    )
    account_objs = (
        Account(MGMT, "mgmt", "m@example.com", "ACTIVE", ROOT),
        *(
            Account(
                account_id(i), name, f"a{i}@example.com", "ACTIVE", ROOT if u is None else ou_id(u)
            )
            for i, (name, u) in enumerate(accounts)
        ),
    )
    everything = (ROOT, *(u.id for u in unit_objs), *(a.id for a in account_objs))
    policies = [Policy("p-FullAWSAccess", "FullAWSAccess", FULL, True, everything)]
    for i, (name, targets) in enumerate(scps):
        policies.append(Policy(f"p-{i:08d}", name, deny(i), False, tuple(targets)))
    share_objs = tuple(
        ResourceShare(
            arn=f"arn:aws:ram:us-east-1:{MGMT}:resource-share/{i:08d}-0000-0000-0000-000000000000",
            name=name,
            owner=MGMT,
            region="us-east-1",
            status="ACTIVE",
            allow_external=False,
            principals=tuple(Association(_principal(p), "ASSOCIATED") for p in principals),
            resources=(
                Association(f"arn:aws:ec2:us-east-1:{MGMT}:subnet/subnet-{i:017x}", "ASSOCIATED"),
            ),
            permissions=(SUBNET_PERMISSION,),
        )
        for i, (name, principals) in enumerate(shares)
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
        shares=share_objs,
        owners_read=((MGMT, "us-east-1"),),
    )


def _principal(target: str) -> str:
    """As RAM lists them: an OU by its ARN, an account by its ID."""
    if target.startswith("ou-"):
        return f"arn:aws:organizations::{MGMT}:ou/{ORG}/{target}"
    return target


def check_round_trip(snapshot: Snapshot, folder: Path) -> dict[str, str]:
    """Import, write, load back; assert nothing is lost or mixed up. Returns pulumi-import.json's
    name → ID."""
    write_imported(import_snapshot(snapshot), snapshot, folder)
    spec = load_spec(folder / "trainshare.yaml")
    by_id = {u.id: path for path, u in spec.units.items()}
    # every OU once, under its own parent
    assert sorted(by_id) == sorted(u.id for u in snapshot.units)
    for unit in snapshot.units:
        path = by_id[unit.id]
        assert spec.units[path].parent == by_id.get(unit.parent_id, "root")
    # every account once, in its own OU
    keys = {a.id: key for key, a in spec.accounts.items()}
    assert sorted(keys) == sorted(a.id for a in snapshot.accounts)
    for account in snapshot.accounts:
        assert spec.accounts[keys[account.id]].unit == by_id.get(account.parent_id, "root")
    # every SCP once, by its AWS name, with its own document and its own targets
    custom = [p for p in snapshot.policies if not p.aws_managed]
    guardrails = {g.name: g for g in spec.guardrails.values()}
    assert sorted(guardrails) == sorted(p.name for p in custom)
    ids_of = {**{path: i for i, path in by_id.items()}, **{k: i for i, k in keys.items()}}
    for policy in custom:
        guardrail = guardrails[policy.name]
        assert json.loads(guardrail.document) == json.loads(policy.content)
        assert sorted(ids_of.get(t, ROOT) for t in guardrail.targets) == sorted(policy.targets)
    files = list((folder / "policies").iterdir()) if custom else []
    assert len({f.name.casefold() for f in files}) == len(files) == len(custom)
    # every share once, by its name, with its own principals
    assert sorted(s.name for s in spec.shares.values()) == sorted(s.name for s in snapshot.shares)
    # pulumi-import.json: every SCP and share by its own ID, no ID twice
    document = json.loads((folder / IMPORT_FILE).read_text())
    adopted = {r["name"]: r["id"] for r in document["resources"][1:]}
    component = document["resources"][0]["name"]
    policy_ids = [adopted[f"{component}/scp/{k}"] for k in spec.guardrails]
    assert sorted(policy_ids) == sorted(p.id for p in custom)
    share_arns = [adopted[f"{component}/share/{k}"] for k in spec.shares]
    assert sorted(share_arns) == sorted(s.arn for s in snapshot.shares)
    kinds_of = {r["name"]: r["type"] for r in document["resources"][1:]}
    for key, guardrail in spec.guardrails.items():
        live = next(p for p in custom if p.id == adopted[f"{component}/scp/{key}"])
        assert live.name == guardrail.name and kinds_of[f"{component}/scp/{key}"] == kinds.POLICY
    # the plan names every OU as AWS does: the first `pulumi up` renames none
    planned = {
        n.import_id: n.inputs["name"]
        for n in build_plan(spec).nodes
        if n.kind == kinds.ORGANIZATIONAL_UNIT
    }
    assert planned == {u.id: u.name for u in snapshot.units}
    # and the organization audits clean against the spec written from it
    report = diff(spec, snapshot)
    assert report.drift == [] and report.findings == []
    return adopted


def test_scp_names_that_make_one_file_name_keep_their_own_documents(tmp_path):
    """Issue #16: `a b`, `a-b` and `a:b` were one policies/a-b.json holding one document, and all
    three adopted by ID: the first `pulumi up` would have overwritten two live guardrails."""
    snapshot = organization(
        [("ml", None)], [], [(n, [ou_id(0)]) for n in ("a b", "a-b", "a:b", "A-B")], []
    )
    check_round_trip(snapshot, tmp_path / "o")
    assert sorted(p.name for p in (tmp_path / "o" / "policies").iterdir()) == [
        "A-B.json",
        "a-b-2.json",
        "a-b-3.json",
        "a-b-4.json",
    ]


def test_an_scp_renamed_to_become_a_key_is_adopted_under_its_own_name(tmp_path):
    """Issue #16: `team/deny-gpu` became the key `team-deny-gpu` and was left out of
    pulumi-import.json, so `pulumi up` would have created a duplicate."""
    snapshot = organization([("ml", None)], [], [("team/deny-gpu", [ou_id(0)])], [])
    adopted = check_round_trip(snapshot, tmp_path / "o")
    assert adopted["o/scp/team-deny-gpu"] == "p-00000000"
    text = (tmp_path / "o" / "trainshare.yaml").read_text()
    assert "# SCP 'team/deny-gpu' is written as 'team-deny-gpu'" in text
    assert "  team-deny-gpu:\n    name: team/deny-gpu\n" in text


def test_shares_of_one_name_are_each_adopted_by_their_own_arn(tmp_path):
    snapshot = organization(
        [("ml", None)],
        [("a", 0), ("b", 0)],
        [],
        [("gpu", [account_id(0)]), ("gpu", [account_id(1)]), ("gpu/x", [ou_id(0)])],
    )
    adopted = check_round_trip(snapshot, tmp_path / "o")
    arns = [share.arn for share in snapshot.shares]
    assert [adopted[f"o/share/{k}"] for k in ("gpu", "gpu-2", "gpu-x")] == arns


def test_an_account_named_like_an_ou_path_imports(tmp_path):
    """Issue #16: import refused this org, pointing at a temporary file that no longer existed."""
    snapshot = organization(
        [("ml", None), ("root", None), ("123456789012", None)],
        [
            ("ml", 0),
            ("root", None),
            ("organization", 0),
            (account_id(1), None),
            ("222222222222", 1),
        ],
        [("deny", [account_id(0), ou_id(0)])],
        [("s", [account_id(0), ou_id(0), account_id(4)])],
    )
    check_round_trip(snapshot, tmp_path / "o")
    spec = load_spec(tmp_path / "o" / "trainshare.yaml")
    assert {a.id: k for k, a in spec.accounts.items()} == {
        MGMT: "mgmt",
        account_id(0): "ml-1",
        account_id(1): "root-2",  # the OU `root` is `root-1`
        account_id(2): "organization-1",
        account_id(3): account_id(1) + "-1",  # another account's ID would name that account
        account_id(4): "222222222222-1",
    }
    assert set(spec.units) == {"ml", "root-1", "123456789012-1"}


def test_ou_names_a_unit_would_read_as_its_settings_or_a_sibling(tmp_path):
    snapshot = organization(
        [("ml", None), ("id", 0), ("tags", 0), ("full_aws_access", 0), ("ML", None), ("x/y", 0)],
        [("a", 1), ("b", 2)],
        [("deny", [ou_id(1), ou_id(4)])],
        [],
    )
    check_round_trip(snapshot, tmp_path / "o")
    spec = load_spec(tmp_path / "o" / "trainshare.yaml")
    assert set(spec.units) == {
        "ML",
        "ml-2",
        "ml-2/id-1",
        "ml-2/tags-1",
        "ml-2/full_aws_access-1",
        "ml-2/x-y",
    }


# Names that collide once `/` is `-`, or by case, drawn often; then names the spec reads as
# something else; then any printable ASCII (AWS's OU and account names).
COLLIDING = ["x", "X", "x-2", "a b", "a-b", "a:b", "A-B", "a/b"]
ODD = [
    "root",
    "organization",
    "id",
    "tags",
    "full_aws_access",
    "management",
    "mgmt",
    "123456789012",
    account_id(0),
    "-",
    ".",
    "..",
    "#",
    "'",
    '"',
    "*",
    "&a",
    "- item",
    "key: value",
    "null",
    "true",
    "012",
    " lead",
    "trail ",
    "ü",
    "a\tb",
    "a" * 128,
]
NAMES = st.one_of(
    st.sampled_from(COLLIDING),
    st.sampled_from(ODD),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=12),
)


@st.composite
def organizations(draw) -> Snapshot:
    units: list[tuple[str, int | None]] = []
    for _ in range(draw(st.integers(0, 6))):
        parent = draw(st.one_of(st.none(), st.integers(0, len(units) - 1))) if units else None
        if parent is not None and sum(1 for _ in _ancestors(units, parent)) >= 4:
            parent = None  # AWS's five levels
        unit = (draw(NAMES), parent)
        if unit not in units:  # AWS keeps sibling OU names unique (DuplicateOrganizationalUnit…)
            units.append(unit)
    places = st.one_of(st.none(), st.integers(0, len(units) - 1)) if units else st.none()
    accounts = [(draw(NAMES), draw(places)) for _ in range(draw(st.integers(0, 5)))]
    targets = [ROOT, *(ou_id(i) for i in range(len(units)))]
    targets += [account_id(i) for i in range(len(accounts))]
    scp_names = draw(st.lists(NAMES, max_size=5, unique=True))  # AWS keeps SCP names unique
    scps = [
        (n, sorted(draw(st.sets(st.sampled_from(targets), min_size=1, max_size=3))))
        for n in scp_names
    ]
    principals = [ou_id(i) for i in range(len(units))] + [
        account_id(i) for i in range(len(accounts))
    ]
    shares = []
    if principals:
        for _ in range(draw(st.integers(0, 4))):
            chosen = draw(st.sets(st.sampled_from(principals), min_size=1, max_size=3))
            shares.append((draw(NAMES), sorted(chosen)))
    return organization(units, accounts, scps, shares)


def _ancestors(units: list[tuple[str, int | None]], index: int):
    current: int | None = index
    while current is not None:
        yield current
        current = units[current][1]


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(organizations())
def test_any_names_import_without_loss_or_mix_up(snapshot):
    with tempfile.TemporaryDirectory() as scratch:
        check_round_trip(snapshot, Path(scratch) / "project")


# -- where the project is written ------------------------------------------------------------


def small_org() -> Snapshot:
    return organization([("ml", None)], [("a", 0)], [("deny", [ou_id(0)])], [])


def test_a_dangling_symlink_in_the_target_folder_is_not_followed(tmp_path):
    """Issue #16: `import --out` wrote through a dangling link, outside the target folder."""
    out, outside = tmp_path / "o", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    (out / "trainshare.yaml").symlink_to(outside / "stolen.yaml")
    with pytest.raises(ScaffoldError, match="already exist"):
        write_imported(import_snapshot(small_org()), small_org(), out)
    assert list(outside.iterdir()) == []
    assert [p.name for p in out.iterdir()] == ["trainshare.yaml"]


def written_by_import() -> list[str]:
    """Every file `import` writes, relative to its folder."""
    folder = Path("/project")
    return [
        str(p.relative_to(folder))
        for p in project_files(import_snapshot(small_org()), small_org(), folder)
    ]


@pytest.mark.parametrize("name", written_by_import())
def test_a_dangling_link_at_any_file_import_writes_is_not_followed(tmp_path, name):
    out, outside = tmp_path / "o", tmp_path / "outside"
    outside.mkdir()
    (out / name).parent.mkdir(parents=True, exist_ok=True)
    (out / name).symlink_to(outside / "stolen")
    with pytest.raises(ScaffoldError, match="already exist"):
        write_imported(import_snapshot(small_org()), small_org(), out)
    assert list(outside.iterdir()) == []
    assert [str(p.relative_to(out)) for p in out.rglob("*") if not p.is_dir()] == [name]


@pytest.mark.parametrize(
    "folder", sorted({str(Path(n).parent) for n in written_by_import()} - {"."})
)
def test_a_linked_folder_inside_the_target_folder_is_refused_wherever_it_is(tmp_path, folder):
    out, outside = tmp_path / "o", tmp_path / "outside"
    outside.mkdir()
    (out / folder).parent.mkdir(parents=True, exist_ok=True)
    (out / folder).symlink_to(outside)
    with pytest.raises(ScaffoldError, match="is a symbolic link"):
        write_imported(import_snapshot(small_org()), small_org(), out)
    assert list(outside.iterdir()) == []


def test_a_linked_folder_inside_the_target_folder_is_refused(tmp_path):
    out, outside = tmp_path / "o", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    (out / "policies").symlink_to(outside)
    with pytest.raises(ScaffoldError) as caught:
        write_imported(import_snapshot(small_org()), small_org(), out)
    assert str(caught.value) == (
        f"{out / 'policies'} is a symbolic link: files written through it would land outside "
        f"{out}; nothing was written — remove the link or choose another folder"
    )
    assert list(outside.iterdir()) == []
    assert [p.name for p in out.iterdir()] == ["policies"]


def test_a_left_out_guardrail_of_another_type_is_no_longer_adopted():
    # given an RCP the spec cannot hold (an RCP statement needs "Principal": "*")
    snapshot = organization([("ml", None)], [], [], [])
    rcp = Policy("p-rcp00001", "no-outside", deny(1), False, (ou_id(0),), "RESOURCE_CONTROL_POLICY")
    snapshot = replace(snapshot, policies=(*snapshot.policies, rcp))
    # when it is imported
    imported = import_snapshot(snapshot)
    # then it is left out, named by its type, and nothing adopts it under its node name (`rcp/…`)
    assert imported.notes == [
        "resource control policy no-outside left out — policies/no-outside.json:4: "
        'Statement[0] (Sid Deny1): Principal: missing: every RCP statement has "Principal": "*"'
    ]
    assert imported.adopt == {}
