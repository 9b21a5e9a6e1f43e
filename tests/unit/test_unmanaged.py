"""`unmanaged:` — what the organization holds and the spec leaves alone on purpose (written by
`trainshare import`): checked for its shape, and the audit reports it as LEFT_OUT, not drift."""

from __future__ import annotations

import pytest

from trainshare.errors import SpecError
from trainshare.spec import Unmanaged, load_spec

BASE = 'version: 1\norganization: {management_account: "111111111111"}\n'


def test_entries_are_read_as_written(write_spec):
    spec = load_spec(
        write_spec(
            BASE + "unmanaged:\n"
            "  - {object: share-principal, name: net, item: '999999999999', why: outside}\n"
        )
    )
    assert spec.unmanaged == (Unmanaged("share-principal", "net", "999999999999", "outside"),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("unmanaged: {a: 1}\n", [("WRONG_TYPE", "unmanaged", "`unmanaged` must be a list")]),
        (
            "unmanaged:\n  - {object: share-principal, name: net, item: x}\n",
            [("MISSING_KEY", "unmanaged[0].why", "required key 'why' is missing")],
        ),
        (
            "unmanaged:\n  - {object: share-principal, name: net, item: x, why: y, when: z}\n",
            [("UNKNOWN_KEY", "unmanaged[0].when", "unknown key 'when'")],
        ),
    ],
)
def test_a_bad_entry_is_a_located_error(write_spec, text, expected):
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(BASE + text))
    assert [(i.code, i.location.path, i.message) for i in caught.value.issues] == expected
