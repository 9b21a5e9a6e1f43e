"""Every kind the plan can emit has an import entry (issue #24): how `pulumi import` adopts it,
or why `trainshare import` never does. And each entry adopts: an organization holding one live
object of every adoptable kind imports with an ID of each, in the kind's format."""

from __future__ import annotations

import json
from dataclasses import replace

from tests.property.test_import_names import MGMT, ORG, account_id, organization, ou_id
from trainshare.importer import IMPORT_ENTRIES, IMPORT_FILE, import_snapshot, project_files
from trainshare.importer.adoption import ImportEntry, NotAdopted
from trainshare.plan import kinds
from trainshare.pulumi.component import INVOKES, RESOURCE_CLASSES

OU = ou_id(0)
OU_ARN = f"arn:aws:organizations::{MGMT}:ou/{ORG}/{OU}"
TEAM = account_id(0)
SHARE = f"arn:aws:ram:us-east-1:{MGMT}:resource-share/00000000-0000-0000-0000-000000000000"
SUBNET_ID = "subnet-00000000000000000"
SUBNET = f"arn:aws:ec2:us-east-1:{MGMT}:subnet/{SUBNET_ID}"


def test_every_kind_the_component_registers_or_reads_has_an_import_entry():
    emitted = set(RESOURCE_CLASSES) | set(INVOKES)
    assert sorted(emitted - set(IMPORT_ENTRIES)) == [], "add an ImportEntry or a NotAdopted"
    assert sorted(set(IMPORT_ENTRIES) - emitted) == [], "an entry for a kind nothing emits"


def test_every_type_token_in_plan_kinds_has_an_import_entry():
    tokens = {v for k, v in vars(kinds).items() if k.isupper() and isinstance(v, str)}
    assert tokens - {kinds.COMPONENT} == set(IMPORT_ENTRIES)


def test_each_entry_says_how_or_why_not():
    for kind, entry in IMPORT_ENTRIES.items():
        assert isinstance(entry, ImportEntry | NotAdopted), kind
        text = entry.id_format if isinstance(entry, ImportEntry) else entry.why
        assert text.strip(), kind


def test_every_adoptable_kind_is_adopted_with_its_id_format(tmp_path):
    # given an organization with one live object of every adoptable kind: an OU, a member
    # account in it, an SCP attached to the OU, a RAM share of a subnet with the OU, trusted
    # access for RAM and for Backup
    snapshot = organization(
        [("ml", None)], [("team", 0)], [("no-gpu", [OU])], [("gpu-subnets", [OU])]
    )
    snapshot = replace(snapshot, service_access=("ram.amazonaws.com", "backup.amazonaws.com"))
    # when it is imported
    folder = tmp_path / "org"
    files = project_files(import_snapshot(snapshot), snapshot, folder)
    entries = json.loads(files[folder / IMPORT_FILE])["resources"]
    # then every kind with an ImportEntry is adopted, each by the ID its format names (the
    # management account is a reference, `id` only: nothing to adopt)
    adopted = {e["name"].removeprefix("org/"): (e["type"], e["id"]) for e in entries[1:]}
    assert adopted == {
        "ou/ml": (kinds.ORGANIZATIONAL_UNIT, OU),
        "account/team": (kinds.ACCOUNT, TEAM),
        "scp/no-gpu": (kinds.POLICY, "p-00000000"),
        "scp/no-gpu/attach/ml": (kinds.POLICY_ATTACHMENT, f"{OU}:p-00000000"),
        "share/gpu-subnets": (kinds.RESOURCE_SHARE, SHARE),
        f"share/gpu-subnets/resource/ec2/subnet/{SUBNET_ID}": (
            kinds.RESOURCE_ASSOCIATION,
            f"{SHARE},{SUBNET}",
        ),
        "share/gpu-subnets/principal/ml": (kinds.PRINCIPAL_ASSOCIATION, f"{SHARE},{OU_ARN}"),
        "ram-organization-sharing": (kinds.SHARING_WITH_ORGANIZATION, MGMT),
        "service-access/backup.amazonaws.com": (kinds.AWS_SERVICE_ACCESS, "backup.amazonaws.com"),
    }
    adoptable = {k for k, e in IMPORT_ENTRIES.items() if isinstance(e, ImportEntry)}
    assert {kind for kind, _ in adopted.values()} == adoptable
