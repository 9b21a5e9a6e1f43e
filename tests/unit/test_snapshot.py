"""Snapshots are read through a schema (issue #16): a corrupted one is a located error, never a
traceback and never a silent default."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from trainshare import inputs
from trainshare.snapshot import Snapshot, SnapshotError

MGMT = "111111111111"
ROOT = "r-ab12"
ML = "ou-ab12-11111111"
SCP = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}'


def snapshot(**changes) -> dict:
    data = {
        "version": 1,
        "management_account": MGMT,
        "organization_id": "o-abcdefghij",
        "organization_arn": f"arn:aws:organizations::{MGMT}:organization/o-abcdefghij",
        "feature_set": "ALL",
        "root_id": ROOT,
        "units": [{"id": ML, "name": "ml", "parent_id": ROOT}],
        "accounts": [
            {
                "id": "222222222222",
                "name": "team",
                "email": "t@example.com",
                "status": "ACTIVE",
                "parent_id": ML,
            }
        ],
        "policies": [
            {
                "id": "p-12345678",
                "name": "deny",
                "content": SCP,
                "aws_managed": False,
                "targets": [ML],
            }
        ],
        "service_access": [],
        "shares": [],
        "owners_read": [[MGMT, "us-east-1"]],
        "taken_at": "2025-01-01T00:00:00Z",
        "resource_policies": [],
    }
    data.update(changes)
    return data


def read(data: dict | str) -> Snapshot:
    text = data if isinstance(data, str) else json.dumps(data)
    return Snapshot.from_json(text, "snap.json")


def test_a_valid_snapshot_round_trips():
    loaded = read(snapshot())
    assert Snapshot.from_json(loaded.to_json()) == loaded
    assert loaded.units[0].parent_id == ROOT and loaded.policies[0].targets == (ML,)


def test_older_snapshots_without_resource_policies_still_read():
    data = snapshot()
    del data["resource_policies"], data["taken_at"]
    assert read(data).resource_policies == ()


def test_reservations_not_read_are_none_and_read_none_found_is_empty():
    """`capacity`: absent (a snapshot of before audit read reservations) or null is "not
    read"; [] is "read, none found" (audit then reports each stated reservation missing)."""
    assert "capacity" not in snapshot()
    assert read(snapshot()).capacity is None
    assert read(snapshot(capacity=None)).capacity is None
    assert read(snapshot(capacity=[])).capacity == ()
    assert read(read(snapshot(capacity=[])).to_json()).capacity == ()
    assert read(read(snapshot()).to_json()).capacity is None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"units": [{"id": ML, "name": "ml", "parent_id": ML}]},
            f"units[0].parent_id: the OU {ML} is its own ancestor (a cycle in the tree)",
        ),
        (
            {
                "units": [
                    {"id": ML, "name": "ml", "parent_id": "ou-ab12-22222222"},
                    {"id": "ou-ab12-22222222", "name": "x", "parent_id": ML},
                ]
            },
            f"units[0].parent_id: the OU {ML} is its own ancestor (a cycle in the tree)",
        ),
        (
            {"units": [{"id": ML, "name": "ml", "parent_id": "ou-ab12-99999999"}]},
            "units[0].parent_id: ou-ab12-99999999 is neither the root nor an OU",
        ),
        (
            {"units": [{"id": ML, "name": "ml", "parent_id": ROOT}] * 2},
            f"units[1].id: {ML} is listed twice",
        ),
        (
            {
                "policies": [
                    {
                        "id": f"p-1234567{n}",
                        "name": "deny",
                        "content": SCP,
                        "aws_managed": False,
                        "targets": [],
                    }
                    for n in range(2)
                ]
            },
            "policies[1].name: a second SCP named 'deny'",
        ),
        (
            {
                "policies": [
                    {
                        "id": "p-12345678",
                        "name": "deny",
                        "content": "{not json",
                        "aws_managed": False,
                        "targets": [],
                    }
                ]
            },
            "policies[0].content: not a policy document: not JSON: Expecting property name "
            "enclosed in double quotes (line 1 column 2)",
        ),
        (
            {
                "policies": [
                    {
                        "id": "p-12345678",
                        "name": "deny",
                        "content": '{"a": NaN}',
                        "aws_managed": False,
                        "targets": [],
                    }
                ]
            },
            "policies[0].content: not a policy document: NaN is not JSON (JSON has no NaN or Infinity)",
        ),
    ],
)
def test_an_inconsistent_organization_names_each_place(changes, expected):
    with pytest.raises(SnapshotError) as caught:
        read(snapshot(**changes))
    text = str(caught.value)
    assert text.startswith("snap.json: not a consistent organization (")
    assert f"\n  {expected}" in text


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {
                "policies": [
                    {
                        "id": "p-12345678",
                        "name": "deny",
                        "content": None,
                        "aws_managed": False,
                        "targets": [],
                    }
                ]
            },
            "policies[0].content: Input should be a valid string",
        ),
        ({"root_id": 5}, "root_id: Input should be a valid string"),
        (  # an OU whose ID is the root's
            {"units": [{"id": ROOT, "name": "r", "parent_id": ROOT}]},
            "units[0].id: 'r-ab12' is not an OU ID (ou-…-…)",
        ),
        (
            {"management_account": 111111111111},
            "management_account: Input should be a valid string",
        ),
        (
            {"management_account": "11111"},
            "management_account: '11111' is not a 12-digit account ID",
        ),
        ({"units": {"ml": ML}}, "units: Input should be a valid array"),
        ({"shares": [{"arn": "x"}]}, "shares[0].name: Field required"),
        ({"surprise": 1}, "surprise: Unexpected keyword argument"),
        ({"feature_set": None}, "feature_set: Input should be a valid string"),
    ],
)
def test_a_field_of_the_wrong_shape_is_located(changes, expected):
    with pytest.raises(SnapshotError) as caught:
        read(snapshot(**changes))
    assert f"snap.json: {expected}" in str(caught.value).replace("\n  ", "\nsnap.json: ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "snap.json: not JSON: key must be a string at line 1 column 2"),
        ('{"version": 2}', "snap.json: snapshot version 2, this trainshare reads version 1"),
        ("[]", "snap.json: snapshot version None, this trainshare reads version 1"),
        ("[" * 10000 + "]" * 10000, "snap.json: not JSON: recursion limit exceeded"),
        ('{"version": 1' + "0" * 5000 + "}", "snap.json: not JSON: number out of range"),
    ],
)
def test_what_is_not_a_snapshot_is_a_clear_error(text, expected):
    with pytest.raises(SnapshotError) as caught:
        read(text)
    assert str(caught.value).startswith(expected)


def test_a_latin_1_snapshot_names_the_line(tmp_path):
    path = tmp_path / "snap.json"
    text = json.dumps(snapshot(taken_at="caf\u00e9"), indent=1, ensure_ascii=False)
    path.write_bytes(text.encode("latin-1"))
    assert "caf\u00e9" in text
    with pytest.raises(SnapshotError) as caught:
        Snapshot.read(path)
    line = text[: text.index("caf")].count("\n") + 1
    assert str(caught.value) == (
        f"{path}:{line}: the snapshot is not UTF-8 text: byte 0xe9 cannot be decoded — save the "
        "file as UTF-8 (an editor's 'encoding' setting; Latin-1 is not UTF-8)"
    )


def test_reading_dev_zero_stops_at_the_limit(monkeypatch):
    assert inputs.SNAPSHOT.max_bytes == 128 * inputs.MiB  # the README's figure
    monkeypatch.setattr(inputs, "SNAPSHOT", inputs.InputKind("snapshot", 2 * inputs.MiB))
    with pytest.raises(SnapshotError) as caught:
        Snapshot.read(Path("/dev/zero"))
    assert str(caught.value) == (
        "/dev/zero: a snapshot may be at most 2,097,152 bytes (2 MiB); this one is more than "
        "that — check that this is the snapshot you meant"
    )


def _share() -> dict:
    return {
        "arn": f"arn:aws:ram:us-east-1:{MGMT}:resource-share/s",
        "name": "s",
        "owner": MGMT,
        "region": "us-east-1",
        "status": "ACTIVE",
        "allow_external": False,
        "principals": [{"entity": "222222222222", "status": "ASSOCIATED"}],
        "resources": [],
        "permissions": [],
    }


def _fields(node: object, prefix: str = "") -> list[tuple[str, tuple[object, ...], object]]:
    """(path as the error names it, the keys to it, the value) of every value in `node`."""
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    else:
        return []
    out = []
    for key, value in items:
        name = f"{prefix}[{key}]" if isinstance(key, int) else f"{prefix}.{key}".lstrip(".")
        out.append((name, (key,), value))
        out += [(sub, (key, *keys), v) for sub, keys, v in _fields(value, name)]
    return out


def _kind(value: object) -> str:
    return "number" if type(value) in (int, float) else type(value).__name__


FULL = snapshot(shares=[_share()])
WRONG = [
    (name, keys, wrong)
    for name, keys, value in _fields(FULL)
    for wrong in (None, 7, True, "x", [], {})
    if _kind(wrong) != _kind(value)
]


def test_the_full_snapshot_reads():
    assert read(FULL).shares[0].principals[0].entity == "222222222222"


@pytest.mark.parametrize(("name", "keys", "wrong"), WRONG, ids=[f"{n}={w!r}" for n, _, w in WRONG])
def test_any_field_of_the_wrong_type_is_an_error_naming_it(name, keys, wrong):
    """Every value of a snapshot (a share included), replaced by a value of another JSON type:
    never read, never a default, never a traceback — an error naming that very field."""
    data = copy.deepcopy(FULL)
    parent = data
    for key in keys[:-1]:
        parent = parent[key]
    parent[keys[-1]] = wrong
    with pytest.raises(SnapshotError) as caught:
        read(data)
    assert name in str(caught.value)
