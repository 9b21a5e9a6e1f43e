"""A spec from a live organization's snapshot: what `trainshare import` writes.

Import goes read → name → leave out → write, a module a step:
- `describe`: the snapshot as a spec document. Everything is adopted by ID, never created:
  OUs carry their `id`, accounts their `id` and `email` (so trainshare manages them: `pulumi up`
  moves an account whose `unit` changes). SCPs become guardrails with their documents in
  `policies/`, attached where they are attached; a level where FullAWSAccess is not attached
  gets `full_aws_access: false`. Shares keep their names (the audit matches shares and SCPs by
  name), with their principals, resources and permissions.
- `keys`: keys are the AWS names; where one cannot be a key (a clash, or a reserved word), a
  suffix makes it unique and a comment keeps the original.
- `leave_out`: import never gives up on what it finds: what the spec cannot express (a subnet
  shared outside the organization, an SCP whose document trainshare cannot accept, …) is left
  out — a share's principal or resource, else the share or the SCP — until the spec validates.
  Each is a note (in the output and as a comment in the spec) and, where the audit would
  otherwise call it drift, an `unmanaged:` entry, which `audit` reports as a LEFT_OUT finding
  instead.
- `project`: the project's files. Reads a Snapshot and returns text; the only files it touches
  are a scratch copy of the spec (`draft.scratch_copy`), loaded back to check it and to build
  the plan the import file names.

`adoption.pulumi_import_file` names the live resources the imported spec's plan describes, in
the format of `pulumi import --file` (logical names `<component>/<plan node name>`, parent the
component): `OrgSharing(..., adopt=...)` reads it and imports those resources on the first
`pulumi up` instead of creating them. `adoption.IMPORT_ENTRIES` says, for every kind the plan
can emit, how it is adopted or why it is not.
"""

from __future__ import annotations

from trainshare.importer.adoption import IMPORT_ENTRIES, import_ids, pulumi_import_file
from trainshare.importer.describe import describe
from trainshare.importer.leave_out import leave_out_what_does_not_validate
from trainshare.importer.project import (
    IMPORT_FILE,
    Imported,
    ImportRefusedError,
    project_files,
    write_imported,
)
from trainshare.snapshot import Snapshot


def import_snapshot(
    snapshot: Snapshot,
    region: str = "us-east-1",
    access_role: str = "OrganizationAccountAccessRole",
) -> Imported:
    draft = describe(snapshot, region, access_role)
    leave_out_what_does_not_validate(draft)
    if draft.unmanaged:
        draft.document["unmanaged"] = draft.unmanaged
    return Imported(draft.render(), draft.policies, draft.notes, draft.adopt)


__all__ = [
    "IMPORT_ENTRIES",
    "IMPORT_FILE",
    "ImportRefusedError",
    "Imported",
    "import_ids",
    "import_snapshot",
    "project_files",
    "pulumi_import_file",
    "write_imported",
]
