"""The ML platform's organization, shares and guardrails — all declared in trainshare.yaml.

Run with the management account's credentials: `pulumi preview`, then `pulumi up`. Shares are
created in their owner accounts through OrganizationAccountAccessRole (see `trainshare plan`).
"""

from pathlib import Path

import pulumi

from trainshare.pulumi import OrgSharing

platform = OrgSharing("ml-platform", Path(__file__).parent / "trainshare.yaml")

pulumi.export("account_ids", platform.account_ids)
pulumi.export("ou_ids", platform.ou_ids)
pulumi.export("share_arns", platform.share_arns)
pulumi.export("policy_ids", platform.policy_ids)
