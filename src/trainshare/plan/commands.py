"""AWS CLI commands the plan runs where no pulumi_aws resource does the job, in an owner account.

Each is a `command:local:Command` whose scripts are fixed text and whose inputs are environment
variables (`TRAINSHARE_*`): a change of input is an update of the command, never a replacement,
and the emulator plays the command from its `TRAINSHARE_ACTION` and variables. Every script is
idempotent: run twice, or against what is already in place, it changes nothing.

- `ram-permission` sets a share's RAM permission for one resource type in place. pulumi_aws
  (7.51) has no resource for AssociateResourceSharePermission, and `permission_arns` on the share
  forces a replacement (terraform-provider-aws resource_share.go, ForceNew). AWS replaces a
  type's permission only while no resource of that type is in the share (RAM API reference,
  AssociateResourceSharePermission), so the script takes the type's resources out, replaces the
  permission, and puts them back: consumers lose those resources for the seconds in between,
  keep the share, its ARN and every other resource, and accept no new invitation.
- `keep-policy` records, on its first run, the resource policy found before trainshare wrote
  its own (nothing when the policy is trainshare's already, from an earlier version); when it
  is deleted — trainshare stops managing the policy, or the stack is destroyed — it puts that
  policy back, or the owner's `extra_statements` (with the owner's key statement, for a key)
  where trainshare found none. The policy resource itself is kept on delete, so the resource is
  never without a policy: the restore is one write over trainshare's document.
"""

from __future__ import annotations

from collections.abc import Mapping

from trainshare.catalog import PolicyShareType
from trainshare.plan.graph import Ref, Value

SESSION_NAME = "trainshare"

# Credentials of the owner account: the chain that reaches the management account, if the stack
# has one (TRAINSHARE_ROLE_CHAIN, set by the component from its AWS base: space-separated
# `role ARN|external ID|session name` hops), then the role the owner's provider assumes. Each
# hop is assumed with its own external ID and session name. Credentials in the environment take
# precedence over AWS_PROFILE.
ASSUME = (
    """\
set -e
owner="$TRAINSHARE_ROLE_ARN|$TRAINSHARE_EXTERNAL_ID|$TRAINSHARE_SESSION_NAME"
for hop in $TRAINSHARE_ROLE_CHAIN ${TRAINSHARE_ROLE_ARN:+"$owner"}; do
  hop="$hop||"; role=${hop%%|*}; hop=${hop#*|}; external=${hop%%|*}; hop=${hop#*|}
  session=${hop%%|*}
  # an assignment, not `set -- $(…)`: set -e stops here when the role cannot be assumed
  credentials=$(aws sts assume-role --role-arn "$role" \\
    --role-session-name "${session:-"""
    + SESSION_NAME
    + """}" ${external:+--external-id "$external"} \\
    --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
  set -- $credentials
  export AWS_ACCESS_KEY_ID="$1" AWS_SECRET_ACCESS_KEY="$2" AWS_SESSION_TOKEN="$3"
done
export AWS_REGION="$TRAINSHARE_REGION" AWS_DEFAULT_REGION="$TRAINSHARE_REGION"
"""
)

# TRAINSHARE_SHARE_ARN, TRAINSHARE_PERMISSION_ARN, TRAINSHARE_TYPE_PERMISSIONS (every permission
# of the type, space-separated: which of the share's permissions is the type's),
# TRAINSHARE_RESOURCES (the spec's resources of the type, space-separated).
RAM_PERMISSION = (
    ASSUME
    + """\
share="$TRAINSHARE_SHARE_ARN"; wanted="$TRAINSHARE_PERMISSION_ARN"
current=""
for arn in $(aws ram list-resource-share-permissions --resource-share-arn "$share" \\
    --query 'permissions[].arn' --output text); do
  case " $TRAINSHARE_TYPE_PERMISSIONS " in *" $arn "*) current="$arn";; esac
done
[ "$current" = "$wanted" ] && exit 0
if [ -z "$current" ]; then
  aws ram associate-resource-share-permission --resource-share-arn "$share" \\
    --permission-arn "$wanted" > /dev/null
  exit 0
fi
held=""
for arn in $(aws ram get-resource-share-associations --association-type RESOURCE \\
    --resource-share-arns "$share" \\
    --query "resourceShareAssociations[?status=='ASSOCIATED'].associatedEntity" --output text); do
  case " $TRAINSHARE_RESOURCES " in *" $arn "*) held="$held $arn";; esac
done
if [ -n "$held" ]; then
  aws ram disassociate-resource-share --resource-share-arn "$share" --resource-arns $held \\
    > /dev/null
  while [ -n "$(aws ram get-resource-share-associations --association-type RESOURCE \\
      --resource-share-arns "$share" \\
      --query "resourceShareAssociations[?status=='DISASSOCIATING'].associatedEntity" \\
      --output text)" ]; do sleep 2; done
fi
aws ram associate-resource-share-permission --resource-share-arn "$share" \\
  --permission-arn "$wanted" --replace > /dev/null
if [ -n "$held" ]; then
  aws ram associate-resource-share --resource-share-arn "$share" --resource-arns $held \\
    > /dev/null
fi
"""
)


def ram_permission_inputs(
    share: Ref,
    permission: str,
    type_permissions: list[str],
    resources: list[str],
    where: Mapping[str, Value],
) -> dict[str, Value]:
    """The Command inputs that keep `permission` on `share` for one resource type."""
    environment: dict[str, Value] = {
        "TRAINSHARE_ACTION": "ram-permission",
        **where,
        "TRAINSHARE_SHARE_ARN": share,
        "TRAINSHARE_PERMISSION_ARN": permission,
        "TRAINSHARE_TYPE_PERMISSIONS": " ".join(type_permissions),
        "TRAINSHARE_RESOURCES": " ".join(resources),
    }
    return {"create": RAM_PERMISSION, "environment": environment}


def keep_policy_inputs(
    ptype: PolicyShareType,
    name: str,
    own_sids: list[str],
    keep: str,
    where: Mapping[str, Value],
) -> dict[str, Value]:
    """The Command inputs that record the policy found on a resource and restore it on delete.

    `own_sids`: the Sids trainshare writes there (a policy holding one is trainshare's own);
    `keep`: the document to leave when trainshare found no policy ("" deletes the policy)."""
    get = ptype.cli["get"].replace("{name}", '"$TRAINSHARE_NAME"')
    put = ptype.cli["put"].replace("{name}", '"$TRAINSHARE_NAME"')
    delete = ptype.cli["delete"].replace("{name}", '"$TRAINSHARE_NAME"')
    # the error AWS answers when the resource has no policy: nothing to record, not a failure
    missing = f'grep -q -e "{ptype.cli["missing"]}" "$errors" || ' if ptype.cli["missing"] else ""
    # First run: print what is there (stdout is kept in the stack), unless it is trainshare's.
    create = (
        ASSUME
        + f"""\
errors=$(mktemp)
if found=$(aws {get} 2>"$errors"); then :; else
  {missing}{{ cat "$errors" >&2; rm -f "$errors"; exit 1; }}
  found=""
fi
rm -f "$errors"
for sid in $TRAINSHARE_OWN_SIDS; do
  case "$found" in *"\\"$sid\\""*) exit 0;; esac
done
printf '%s' "$found"
"""
    )
    # Later runs (inputs changed) keep what the first run recorded.
    update = "printf '%s' \"$PULUMI_COMMAND_STDOUT\"\n"
    forget = f"aws {delete}" if delete else "true"
    restore = (
        ASSUME
        + f"""\
restore() {{ aws {put} > /dev/null; }}
if [ -n "$PULUMI_COMMAND_STDOUT" ]; then restore "$PULUMI_COMMAND_STDOUT"
elif [ -n "$TRAINSHARE_KEEP" ]; then restore "$TRAINSHARE_KEEP"
else {forget} > /dev/null
fi
"""
    )
    environment: dict[str, Value] = {
        "TRAINSHARE_ACTION": "keep-policy",
        **where,
        "TRAINSHARE_POLICY_TYPE": ptype.name,
        "TRAINSHARE_NAME": name,
        "TRAINSHARE_OWN_SIDS": " ".join(own_sids),
        "TRAINSHARE_KEEP": keep,
    }
    return {
        "create": create,
        "update": update,
        "delete": restore,
        "environment": environment,
        # another resource is another recording: replace, never update, on a change of name
        "triggers": [ptype.name, name],
    }


def _full_aws_access(verb: str, done_when: str) -> str:
    """`aws organizations {verb}-policy` for FullAWSAccess on TRAINSHARE_TARGET_ID, with the
    stack's credentials and role chain, that also succeeds when AWS answers `done_when`
    (already detached / already attached: DetachPolicy and AttachPolicy API reference,
    Errors); any other error is printed and fails the command."""
    return (
        ASSUME
        + f"""\
out=$(aws organizations {verb}-policy --policy-id "$TRAINSHARE_POLICY_ID" \\
    --target-id "$TRAINSHARE_TARGET_ID" 2>&1) \\
  || {{ echo "$out" >&2; echo "$out" | grep -q {done_when}; }}
"""
    )


DETACH_FULL_AWS_ACCESS = _full_aws_access("detach", "PolicyNotAttachedException")
ATTACH_FULL_AWS_ACCESS = _full_aws_access("attach", "DuplicatePolicyAttachmentException")


def full_aws_access_inputs(policy_id: str, target_id: Value, region: str) -> dict[str, Value]:
    """Detach FullAWSAccess from a target on create, attach it back on delete, in the
    management account (no role of an owner: the stack's credentials and chain)."""
    return {
        "create": DETACH_FULL_AWS_ACCESS,
        "delete": ATTACH_FULL_AWS_ACCESS,
        "environment": {
            "TRAINSHARE_ACTION": "full-aws-access",
            "TRAINSHARE_POLICY_ID": policy_id,
            "TRAINSHARE_TARGET_ID": target_id,
            **where_inputs(region, None),
        },
    }


def where_inputs(
    region: str, role_arn: str | None, session_name: str = SESSION_NAME, external_id: str = ""
) -> dict[str, Value]:
    """The account and Region a command runs in, as its environment says them: the role the
    owner's provider assumes (none: the deployer's own account, the management account)."""
    return {
        "TRAINSHARE_REGION": region,
        "TRAINSHARE_ROLE_CHAIN": "",  # the stack's own chain, if any: set by the component
        "TRAINSHARE_ROLE_ARN": role_arn or "",
        "TRAINSHARE_SESSION_NAME": session_name,
        "TRAINSHARE_EXTERNAL_ID": external_id,
    }
