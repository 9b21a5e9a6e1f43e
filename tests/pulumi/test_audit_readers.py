"""Every kind the plan can emit has an audit reader entry (issue #24): the API calls, Reader
method and Snapshot field that read its live state, or why the audit does not read it. And each
entry reads: the example deployed into the emulator is read with every call an entry names, and
every kind said to be read has an object in the snapshot."""

from __future__ import annotations

import dataclasses

import pytest
from botocore.session import get_session

from tests.conftest import EXAMPLE
from trainshare.audit import ClientFactory, read_snapshot
from trainshare.audit.client import IAM_PREFIXES, allowed
from trainshare.audit.reader import Reader
from trainshare.audit.readers import AUDIT_READERS, NotRead, Read
from trainshare.emulator import running_emulator
from trainshare.emulator.demo import deploy
from trainshare.emulator.world import seed_world
from trainshare.plan import kinds
from trainshare.pulumi.component import INVOKES, RESOURCE_CLASSES
from trainshare.snapshot import Snapshot
from trainshare.spec import load_spec

READS = {k: e for k, e in AUDIT_READERS.items() if isinstance(e, Read)}
SERVICES = {iam: service for service, iam in IAM_PREFIXES.items()}


def test_every_kind_the_component_registers_or_reads_has_a_reader_entry():
    emitted = set(RESOURCE_CLASSES) | set(INVOKES)
    assert sorted(emitted - set(AUDIT_READERS)) == [], "add a Read or a NotRead"
    assert sorted(set(AUDIT_READERS) - emitted) == [], "an entry for a kind nothing emits"


def test_every_type_token_in_plan_kinds_has_a_reader_entry():
    tokens = {v for k, v in vars(kinds).items() if k.isupper() and isinstance(v, str)}
    assert tokens - {kinds.COMPONENT} == set(AUDIT_READERS)


def test_each_entry_says_how_or_why_not():
    snapshot_fields = {f.name for f in dataclasses.fields(Snapshot)}
    for kind, entry in AUDIT_READERS.items():
        assert isinstance(entry, Read | NotRead), kind
        if isinstance(entry, NotRead):
            assert entry.why.strip(), kind
            continue
        assert entry.calls, kind
        assert entry.field.split(".")[0] in snapshot_fields, kind
        # the method is the Reader's own (not a function of the same name elsewhere)
        assert getattr(Reader, entry.method.__name__) is entry.method, kind


@pytest.mark.parametrize("kind", sorted(READS))
def test_each_call_is_an_api_operation_the_read_only_guard_lets_through(kind):
    for call in READS[kind].calls:
        assert allowed(call), call
        prefix, operation = call.split(":")
        service = get_session().get_service_model(SERVICES.get(prefix, prefix))
        assert operation in service.operation_names, call


def test_a_bucket_policy_is_read_by_get_bucket_policy_into_resource_policies():
    entry = AUDIT_READERS[kinds.BUCKET_POLICY]
    assert isinstance(entry, Read)
    assert (entry.calls, entry.method, entry.field) == (
        ("s3:GetBucketPolicy",),
        Reader.read_resource_policy,
        "resource_policies",
    )


def test_every_kind_said_to_be_read_is_in_the_snapshot_of_the_deployed_example():
    # given the example deployed into the emulator (moto on 127.0.0.1, a free port)
    spec = load_spec(EXAMPLE)
    with running_emulator(spec.organization.management_account) as emulator:
        seed_world(emulator, spec)
        deploy(emulator, spec, lambda _: None)
        # when the audit reads it
        factory = ClientFactory(session=emulator.session(), endpoint_url=emulator.endpoint)
        snapshot = read_snapshot(spec, factory)
    # then every call an entry names was made, and every kind read has a live object
    named = {call for entry in READS.values() for call in entry.calls}
    assert sorted(named - set(factory.calls)) == []
    empty = [kind for kind, entry in sorted(READS.items()) if not entry.objects(snapshot)]
    assert empty == []
