"""Facts about AWS, kept as data with a source and a date (see the YAML files beside this one).

Loaded once per process; nothing here is copied into code. Adding a RAM resource type is one
entry in `data/ram_resource_types.yaml`; adding a guardrail is one file in `guardrails/`; adding an
Organizations policy type is one entry in `data/policy_types.yaml` (and its grammar in
`policy_syntax/` when it is not IAM's).
"""

from trainshare.catalog.arns import (
    Arn,
    account_root_arn,
    account_root_arn_around_account,
    is_organization_arn,
    ou_arn_prefix,
    ou_id_of,
    parse_arn,
    role_arn,
    role_arn_around_account,
)
from trainshare.catalog.findings import finding
from trainshare.catalog.model import (
    AwsManagedPolicy,
    Catalog,
    FindingKind,
    GuardrailParam,
    GuardrailTemplate,
    Limit,
    ManagedPermission,
    ManagementSyntax,
    PolicyShareType,
    PolicyType,
    ReplaceRule,
    ResourceType,
    load_catalog,
    permission_arn,
    replace_rules,
)

__all__ = [
    "Arn",
    "AwsManagedPolicy",
    "Catalog",
    "FindingKind",
    "GuardrailParam",
    "GuardrailTemplate",
    "Limit",
    "ManagedPermission",
    "ManagementSyntax",
    "PolicyShareType",
    "PolicyType",
    "ReplaceRule",
    "ResourceType",
    "account_root_arn",
    "account_root_arn_around_account",
    "finding",
    "is_organization_arn",
    "load_catalog",
    "ou_arn_prefix",
    "ou_id_of",
    "parse_arn",
    "permission_arn",
    "replace_rules",
    "role_arn",
    "role_arn_around_account",
]
