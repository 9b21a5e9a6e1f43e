"""Every kind the component can register is played by the emulator's bridge, and every type
shared by policy is read and written through the catalog's commands (audit/policy_calls.py):
a new policy-shared type is a catalog entry, not edits in the bridge and the audit reader."""

from __future__ import annotations

import pytest
from botocore import xform_name
from botocore.session import get_session

from trainshare.audit.policy_calls import policy_call, policy_type_of
from trainshare.catalog import load_catalog
from trainshare.emulator.bridge import SUPPORTED_TYPES
from trainshare.plan import kinds
from trainshare.pulumi.component import INVOKES, RESOURCE_CLASSES

TYPES = sorted(load_catalog().policy_share_types)


def test_the_bridge_plays_every_kind_the_component_registers():
    registered = set(RESOURCE_CLASSES) - {kinds.PROVIDER}  # the provider is the bridge's target
    assert sorted(registered - SUPPORTED_TYPES) == []
    assert sorted(SUPPORTED_TYPES - registered) == []
    assert set(INVOKES) == {kinds.GET_ORGANIZATION}  # the one invoke the bridge answers


def test_every_policy_shared_type_is_a_resource_policy_kind():
    catalogued = {t.pulumi_type for t in load_catalog().policy_share_types.values()}
    assert catalogued == set(kinds.RESOURCE_POLICIES)


@pytest.mark.parametrize("name", TYPES)
@pytest.mark.parametrize("op", ["get", "put"])
def test_the_catalogs_command_is_an_api_call_with_its_required_members(name, op):
    ptype = load_catalog().policy_share_types[name]
    call = policy_call(ptype, op, "the-resource", '{"Version": "2012-10-17"}')
    service = get_session().get_service_model(call.client)
    [model] = [
        service.operation_model(o) for o in service.operation_names if xform_name(o) == call.method
    ]
    assert set(model.input_shape.required_members) <= set(call.params)
    assert "the-resource" in call.params.values()
    if op == "get":
        assert call.answer in model.output_shape.members
    else:
        assert '{"Version": "2012-10-17"}' in call.params.values() and call.answer == ""


def test_a_bucket_policy_is_read_as_the_script_reads_it():
    call = policy_call(policy_type_of("arn:aws:s3:::training-data"), "get", "training-data")
    assert (call.client, call.method, call.params, call.answer, call.missing) == (
        "s3",
        "get_bucket_policy",
        {"Bucket": "training-data"},
        "Policy",
        "NoSuchBucketPolicy",
    )


def test_a_key_policy_is_written_with_its_one_policy_name():
    key = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    call = policy_call(policy_type_of(key), "put", "1234abcd", "{}")
    assert (call.client, call.method, call.params) == (
        "kms",
        "put_key_policy",
        {"KeyId": "1234abcd", "PolicyName": "default", "Policy": "{}"},
    )
