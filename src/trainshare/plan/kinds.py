"""Pulumi type tokens (pulumi-aws v7) of everything the plan can contain.

The tokens are the ones the SDK registers (`pulumi_aws/<module>/<file>.py`); the component's
registry maps each to its class, and a test checks the two agree.
"""

# The component that holds them all (trainshare.pulumi.OrgSharing).
COMPONENT = "trainshare:index:OrgSharing"

PROVIDER = "pulumi:providers:aws"
ORGANIZATION = "aws:organizations/organization:Organization"
GET_ORGANIZATION = "aws:organizations/getOrganization:getOrganization"  # invoke
AWS_SERVICE_ACCESS = "aws:organizations/awsServiceAccess:AwsServiceAccess"
ORGANIZATIONAL_UNIT = "aws:organizations/organizationalUnit:OrganizationalUnit"
ACCOUNT = "aws:organizations/account:Account"
POLICY = "aws:organizations/policy:Policy"
POLICY_ATTACHMENT = "aws:organizations/policyAttachment:PolicyAttachment"
SHARING_WITH_ORGANIZATION = "aws:ram/sharingWithOrganization:SharingWithOrganization"
RESOURCE_SHARE = "aws:ram/resourceShare:ResourceShare"
RESOURCE_ASSOCIATION = "aws:ram/resourceAssociation:ResourceAssociation"
PRINCIPAL_ASSOCIATION = "aws:ram/principalAssociation:PrincipalAssociation"

# Resource policies of policy shares (catalog/data/policy_shares.yaml names these per type).
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
MODEL_PACKAGE_GROUP_POLICY = "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy"
RESOURCE_POLICIES = frozenset(
    {BUCKET_POLICY, KEY_POLICY, REPOSITORY_POLICY, MODEL_PACKAGE_GROUP_POLICY}
)

# pulumi-command: runs a CLI command on create and another on delete (for what no pulumi_aws
# resource does, such as detaching the AWS-managed FullAWSAccess SCP).
COMMAND = "command:local:Command"

# Inputs ignored on a resource the component adopted (`OrgSharing(adopt=...)`), because changing
# them replaces the resource instead of updating it. A share's `permission_arns` (ForceNew in
# terraform-provider-aws internal/service/ram/resource_share.go, checked 2026-11-29) is ignored
# on every share: permissions are set in place by their own command (plan/commands.py).
ADOPTION_IGNORES: dict[str, tuple[str, ...]] = {}
