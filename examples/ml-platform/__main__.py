"""The organization, shares and guardrails declared in trainshare.yaml.

One program for every stack of this project; each stack's config says what it deploys:
  trainshare:spec      the spec, relative to this folder (default trainshare.yaml)
  trainshare:part      unset: the whole spec; "org": OUs, accounts, guardrails, org sharing;
                       "owner:<account>[/<region>]": that owner's shares and resource policies
  trainshare:orgStack  for an owner part: the org stack's name (default "org")
The AWS providers trainshare creates inherit the stack's aws:* config (aws:profile,
aws:sharedCredentialsFiles, aws:assumeRoles, ...). Run `pulumi preview`, then `pulumi up`.
"""

from pathlib import Path

import pulumi

from trainshare.plan.slices import REFS_OUTPUT
from trainshare.pulumi import OrgSharing

HERE = Path(__file__).parent
config = pulumi.Config("trainshare")
part = config.get("part")
org_stack = (config.get("orgStack") or "org") if part and part != "org" else None
platform = OrgSharing(
    "ml-platform", HERE / config.get("spec", "trainshare.yaml"), part=part, org=org_stack
)

pulumi.export("account_ids", platform.account_ids)
pulumi.export("ou_ids", platform.ou_ids)
pulumi.export("share_arns", platform.share_arns)
pulumi.export("policy_ids", platform.policy_ids)
if part == "org":
    pulumi.export(REFS_OUTPUT, platform.refs)  # what the owner stacks read
