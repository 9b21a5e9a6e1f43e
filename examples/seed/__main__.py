"""The seed tutorial's program (share resources for AI training with a team account, and guard the
account with an SCP), corrected in plain pulumi_aws. Each `# fix:` names what the original got
wrong; AWS-FACTS.md §1 has the sources. trainshare generates this shape from a spec.

Config (all optional, defaults shown): managementAccount 111111111111, ownerAccount 222222222222,
region us-east-1, capacityReservationArn (a cr-… in ownerAccount).
"""

import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
MANAGEMENT_ACCOUNT = config.get("managementAccount") or "111111111111"
OWNER_ACCOUNT = config.get("ownerAccount") or "222222222222"
REGION = config.get("region") or "us-east-1"
CAPACITY_RESERVATION_ARN = config.get("capacityReservationArn") or (
    f"arn:aws:ec2:{REGION}:{OWNER_ACCOUNT}:capacity-reservation/cr-0123456789abcdef0"
)
ACCESS_ROLE = "OrganizationAccountAccessRole"
TAGS = {"Environment": "AI-Training", "managed-by": "seed-corrected"}

# fix: one provider per account. Organizations calls run in the management account; the RAM
# share must be created by the account that owns the resource, in the resource's Region.
# allowed_account_ids stops a run with the wrong credentials before it changes anything.
management = aws.Provider("management", region=REGION, allowed_account_ids=[MANAGEMENT_ACCOUNT])
owner = aws.Provider(
    "resource-owner",
    region=REGION,
    allowed_account_ids=[OWNER_ACCOUNT],
    assume_roles=[
        aws.ProviderAssumeRoleArgs(
            role_arn=f"arn:aws:iam::{OWNER_ACCOUNT}:role/{ACCESS_ROLE}", session_name="seed"
        )
    ],
)
in_management = pulumi.ResourceOptions(provider=management)

organization = aws.organizations.get_organization_output(
    opts=pulumi.InvokeOptions(provider=management)
)

# fix: sharing inside the organization must be enabled by the management account; trusted access
# for ram.amazonaws.com alone does not create RAM's service-linked role. Kept on delete: deleting
# it disables RAM's trusted access for the whole organization.
sharing = aws.ram.SharingWithOrganization(
    "sharing-with-organization",
    opts=pulumi.ResourceOptions(provider=management, retain_on_delete=True),
)

# fix: the team account lives in an OU, and the SCP is attached to the OU, not to the account.
team_ou = aws.organizations.OrganizationalUnit(
    "ai-training",
    name="ai-training",
    parent_id=organization.roots[0].id,
    tags=TAGS,
    opts=in_management,
)

# fix: accounts are protected and never closed when removed from the program; role_name cannot be
# read back by the Organizations API, so it is ignored after creation.
team_account = aws.organizations.Account(
    "aiTrainingTeamAccount",
    name="AI-Training-Team",
    email="ai-training-team@example.com",
    parent_id=team_ou.id,
    role_name=ACCESS_ROLE,
    close_on_deletion=False,
    tags=TAGS,
    opts=pulumi.ResourceOptions(
        provider=management,
        protect=True,
        retain_on_delete=True,
        ignore_changes=["roleName", "iamUserAccessToBilling"],
    ),
)

# fix: `policy_content` was never defined. A real SCP: GPU instance types only; sent minified,
# since the size limit counts every character AWS stores.
policy_content = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyOtherEc2InstanceTypes",
                "Effect": "Deny",
                "Action": "ec2:RunInstances",
                "Resource": "arn:aws:ec2:*:*:instance/*",
                "Condition": {"StringNotLike": {"ec2:InstanceType": ["p5.*", "p4d.*", "g5.*"]}},
            }
        ],
    },
    separators=(",", ":"),
)
team_policy = aws.organizations.Policy(
    "aiTrainingAccountPolicy",
    name="AI-Training-Account-Access-Policy",
    type="SERVICE_CONTROL_POLICY",
    content=policy_content,
    tags=TAGS,
    opts=in_management,
)
aws.organizations.PolicyAttachment(
    "aiTrainingPolicyAttachment",
    policy_id=team_policy.id,
    target_id=team_ou.id,
    opts=in_management,
)

# fix: permission_arns takes RAM permission ARNs (one per resource type), not resource ARNs;
# allow_external_principals is sent explicitly (the API's default is true).
resource_share = aws.ram.ResourceShare(
    "aiTrainingResourceShare",
    name="AI-Training-Resource-Share",
    allow_external_principals=False,
    permission_arns=["arn:aws:ram::aws:permission/AWSRAMDefaultPermissionCapacityReservation"],
    tags=TAGS,
    opts=pulumi.ResourceOptions(provider=owner),
)

# fix: a share without associations shares nothing with nobody: add the resource and the
# principal. The principal association waits for organization sharing to be enabled.
aws.ram.ResourceAssociation(
    "aiTrainingCapacity",
    resource_arn=CAPACITY_RESERVATION_ARN,
    resource_share_arn=resource_share.arn,
    opts=pulumi.ResourceOptions(provider=owner),
)
aws.ram.PrincipalAssociation(
    "aiTrainingTeam",
    principal=team_account.id,
    resource_share_arn=resource_share.arn,
    opts=pulumi.ResourceOptions(provider=owner, depends_on=[sharing]),
)

pulumi.export("resourceShareArn", resource_share.arn)
pulumi.export("teamAccountId", team_account.id)
