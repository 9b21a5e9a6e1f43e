"""Bad specs: one per check, each with its exact code, field, line and message.

Given a spec with one mistake, when it is loaded, then exactly that mistake is reported, located.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from trainshare.errors import SpecError
from trainshare.findings import Severity
from trainshare.spec import load_spec

HEADER = """\
version: 1
organization:
  management_account: "111111111111"
  region: us-east-1
"""
BASE = (
    HEADER
    + """\
units:
  ml:
    training: {}
accounts:
  shared-services: {id: "222222222222"}
  team-a: {email: a@example.com, unit: ml/training}
"""
)
# A valid share; cases append their own.
CR = "arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-0123456789abcdef0"
SUBNET = "arn:aws:ec2:us-east-1:222222222222:subnet/subnet-0123456789abcdef0"
BUCKET = "arn:aws:s3:::data"


def limited(name: str) -> str:
    """BASE with one of the organization's limits set to 1."""
    return BASE.replace("  region: us-east-1\n", f"  region: us-east-1\n  limits: {{{name}: 1}}\n")


def errors_of(write_spec, text: str, **files: str):
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(textwrap.dedent(text), **files))
    return [i for i in caught.value.issues if i.severity is Severity.ERROR]


CASES = [
    # (id, spec text, code, field, line, message)
    (
        "unknown top-level key",
        BASE + "sharez: {}\n",
        "UNKNOWN_KEY",
        "sharez",
        11,
        "unknown key 'sharez'",
    ),
    (
        "unknown nested key",
        HEADER.replace("region:", "regoin:"),
        "UNKNOWN_KEY",
        "organization.regoin",
        4,
        "unknown key 'regoin'",
    ),
    (
        "missing version",
        BASE.replace("version: 1\n", ""),
        "MISSING_KEY",
        "version",
        1,
        "required key 'version' is missing",
    ),
    (
        "unsupported version",
        BASE.replace("version: 1", "version: 2"),
        "UNSUPPORTED_VERSION",
        "version",
        1,
        "spec version 2 is not supported",
    ),
    (
        "account id lost its zeros",
        HEADER.replace('"111111111111"', "11111111111"),
        "INVALID_VALUE",
        "organization.management_account",
        3,
        "11111111111 is a number with 11 digits: YAML drops the leading zeros of an unquoted ID",
    ),
    (
        "account id not 12 digits",
        BASE.replace('"222222222222"', '"2222"'),
        "INVALID_VALUE",
        "accounts.shared-services.id",
        9,
        "must be a 12-digit account ID, got '2222'",
    ),
    (
        "wrong type",
        BASE.replace("  region: us-east-1", "  create: yes-please"),
        "WRONG_TYPE",
        "organization.create",
        4,
        "must be true or false, got a string ('yes-please')",
    ),
    (
        "unknown region",
        BASE.replace("region: us-east-1", "region: us-east-9"),
        "UNKNOWN_REGION",
        "organization.region",
        4,
        "'us-east-9' is not an AWS Region known to trainshare",
    ),
    (
        "account in unknown OU",
        BASE.replace("unit: ml/training", "unit: ml/trainin"),
        "UNKNOWN_UNIT",
        "accounts.team-a.unit",
        10,
        "account 'team-a' is placed in OU 'ml/trainin', which is not in `units`",
    ),
    (
        "account without id or email",
        BASE + "  team-b: {unit: ml}\n",
        "MISSING_KEY",
        "accounts.team-b",
        11,
        "account 'team-b' needs `id` (an existing account) or `email` (a new account trainshare "
        "creates)",
    ),
    (
        "invalid email",
        BASE.replace("a@example.com", "not-an-email"),
        "INVALID_EMAIL",
        "accounts.team-a.email",
        10,
        "'not-an-email' is not a valid account email",
    ),
    (
        "duplicate email",
        BASE + "  team-b: {email: A@Example.com, unit: ml}\n",
        "DUPLICATE_EMAIL",
        "accounts.team-b.email",
        11,
        "email 'A@Example.com' is also used by account 'team-a'",
    ),
    (
        "duplicate account id",
        BASE + '  again: {id: "222222222222"}\n',
        "DUPLICATE_ACCOUNT_ID",
        "accounts.again.id",
        11,
        "account ID 222222222222 is also given to 'shared-services'",
    ),
    (
        "duplicate key",
        BASE + "  team-a: {email: b@example.com}\n",
        "DUPLICATE_KEY",
        "(document)",
        11,
        "key 'team-a' appears twice in the same mapping",
    ),
    (
        "sibling OU names differ by case",
        BASE.replace("    training: {}", "    training: {}\n    Training: {}"),
        "OU_NAME_CLASH",
        "units.ml.Training",
        8,
        "OU 'Training' differs from its sibling 'training' only by case",
    ),
    (
        "OU named root",
        BASE.replace("  ml:\n", "  root: {}\n  ml:\n"),
        "OU_NAME_RESERVED",
        "units.root",
        6,
        "'root' names the whole organization and cannot be an OU name",
    ),
    (
        "OU too deep",
        HEADER + "units:\n  a: {b: {c: {d: {e: {f: {}}}}}}\n",
        "OU_TOO_DEEP",
        "units.a.b.c.d.e.f",
        6,
        "OU 'a/b/c/d/e/f' is 6 levels under the root; AWS allows 5 (Organizations quotas)",
    ),
    (
        "bad OU id",
        BASE.replace("  ml:\n", "  ml:\n    id: ou-nope\n"),
        "INVALID_OU_ID",
        "units.ml.id",
        7,
        "'ou-nope' is not an OU ID",
    ),
    (
        "ambiguous name",
        BASE + '  ml: {id: "333333333333"}\n',
        "AMBIGUOUS_NAME",
        "accounts.ml",
        11,
        "'ml' is both an account key and an OU path; references to it are ambiguous",
    ),
    (
        "guardrail with neither source",
        BASE + "guardrails:\n  g: {targets: [root]}\n",
        "GUARDRAIL_SOURCE",
        "guardrails.g",
        12,
        "guardrail 'g' needs exactly one of `template` and `document`",
    ),
    (
        "unknown template",
        BASE + "guardrails:\n  g: {template: deny-leave-org, targets: [root]}\n",
        "UNKNOWN_TEMPLATE",
        "guardrails.g.template",
        12,
        "no guardrail template named 'deny-leave-org'",
    ),
    (
        "template parameter missing",
        BASE + "guardrails:\n  g: {template: restrict-instance-types, targets: [root]}\n",
        "TEMPLATE_PARAM",
        "guardrails.g.params.instance_types",
        12,
        "parameter 'instance_types' is required (allowed EC2 instance types, wildcards allowed "
        "(p5.*, g5.*); SageMaker types get the ml. prefix)",
    ),
    (
        "template parameter type",
        BASE + "guardrails:\n  g:\n    template: restrict-instance-types\n"
        "    params: {instance_types: p5.48xlarge}\n    targets: [root]\n",
        "TEMPLATE_PARAM",
        "guardrails.g.params.instance_types",
        14,
        "parameter 'instance_types' must be a string list",
    ),
    (
        "dangling guardrail target",
        BASE + "guardrails:\n  g: {template: deny-leave-organization, targets: [ml/trainng]}\n",
        "UNKNOWN_TARGET",
        "guardrails.g.targets[0]",
        12,
        "guardrail target 'ml/trainng' is not `root`, an OU path or an account of the spec",
    ),
    (
        "document missing",
        BASE + "guardrails:\n  g: {document: nope.json, targets: [root]}\n",
        "POLICY_FILE_MISSING",
        "guardrails.g.document",
        12,
        "'nope.json': cannot read the policy document: No such file or directory",
    ),
    (
        "guardrail target listed twice",
        BASE + "guardrails:\n  g: {template: deny-leave-organization, targets: [ml, ml]}\n",
        "DUPLICATE_TARGET",
        "guardrails.g.targets[1]",
        12,
        "'ml' is listed twice",
    ),
    (
        "more tags than AWS allows",
        limited("tags_per_entity").replace(
            "unit: ml/training}", "unit: ml/training, tags: {team: a}}"
        ),
        "TOO_MANY_TAGS",
        "accounts.team-a.tags",
        11,
        "1 tags plus managed-by exceed the limit of 1 per entity",
    ),
]


@pytest.mark.parametrize(
    ("text", "code", "field", "line", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_spec_reports_exactly_the_mistake(write_spec, text, code, field, line, message):
    errors = errors_of(write_spec, text)
    assert [(e.code, e.location.path, e.location.line) for e in errors] == [(code, field, line)], (
        errors
    )
    assert errors[0].message.startswith(message), errors[0].message
    assert errors[0].fix, "every error says how to fix it"


def share(body: str) -> str:
    return BASE + "shares:\n  s:\n    owner: shared-services\n" + textwrap.indent(body, "    ")


SHARE_CASES = [
    (
        "unknown owner",
        BASE + f"shares:\n  s: {{owner: nobody, resources: [{CR}], principals: [ml]}}\n",
        "UNKNOWN_ACCOUNT",
        "shares.s.owner",
        12,
        "owner 'nobody' is not an account of the spec",
    ),
    (
        "owner is created by trainshare",
        BASE + f"shares:\n  s: {{owner: team-a, resources: [{CR}], principals: [ml]}}\n",
        "OWNER_NOT_EXISTING",
        "shares.s.owner",
        12,
        "owner 'team-a' is an account trainshare creates",
    ),
    (
        "not an ARN",
        share("resources: [cr-0123]\nprincipals: [ml]\n"),
        "INVALID_ARN",
        "shares.s.resources[0]",
        14,
        "'cr-0123' is not an ARN",
    ),
    (
        "bucket shared without owning its policy",
        share("access: read\nresources: ['arn:aws:s3:::data']\nprincipals: [ml]\n"),
        "POLICY_NOT_OWNED",
        "shares.s.resources[0]",
        15,
        "arn:aws:s3:::data has a single s3:Bucket policy, and sharing it means trainshare "
        "writes that policy whole: every statement in it now, written by anyone else, would be "
        "lost",
    ),
    (
        "policy share without access",
        share(f"resources: [{{arn: '{BUCKET}', policy: managed}}]\nprincipals: [ml]\n"),
        "ACCESS_REQUIRED",
        "shares.s.access",
        12,
        "a share of s3:Bucket resources needs an access level",
    ),
    (
        "policy share with an unknown level",
        share(
            f"access: write\nresources: [{{arn: '{BUCKET}', policy: managed}}]\nprincipals: [ml]\n"
        ),
        "UNKNOWN_ACCESS",
        "shares.s.access",
        14,
        "'write' is not an access level of s3:Bucket",
    ),
    (
        "RAM permissions on a policy share",
        share(
            f"access: read\npermissions: [AWSRAMDefaultPermissionSubnet]\n"
            f"resources: [{{arn: '{BUCKET}', policy: managed}}]\nprincipals: [ml]\n"
        ),
        "PERMISSIONS_ON_POLICY_SHARE",
        "shares.s.permissions",
        15,
        "`permissions` are RAM managed permissions",
    ),
    (
        "RAM and policy resources in one share",
        share(
            f"access: read\nresources: [{{arn: '{BUCKET}', policy: managed}}, {CR}]\nprincipals: [ml]\n"
        ),
        "MIXED_SHARE",
        "shares.s.resources[1]",
        15,
        f"{CR} is not a resource shared by resource policy",
    ),
    (
        "key in another Region",
        share(
            "access: decrypt\nresources: [{arn: 'arn:aws:kms:eu-west-1:222222222222:key/k1', "
            "policy: managed}]\nprincipals: [ml]\n"
        ),
        "ARN_REGION_MISMATCH",
        "shares.s.resources[0]",
        15,
        "the resource is in eu-west-1, but the share is in us-east-1",
    ),
    (
        "perimeter with a principal outside the organization",
        share(
            f"access: read\nallow_external: true\n"
            f"resources: [{{arn: '{BUCKET}', policy: managed}}]\nprincipals: ['999999999999']\n"
        ),
        "PERIMETER_BLOCKS_PRINCIPAL",
        "shares.s.resources[0].perimeter",
        16,
        "share 's' grants 999999999999 on arn:aws:s3:::data, but the data perimeter denies",
    ),
    (
        "extra statement without a Sid",
        share(
            f"access: read\nresources:\n  - arn: '{BUCKET}'\n    policy: managed\n"
            "    extra_statements: [{Effect: Deny, Principal: '*', Action: 's3:*'}]\n"
            "principals: [ml]\n"
        ),
        "EXTRA_STATEMENT_SID",
        "shares.s.resources[0].extra_statements[0]",
        18,
        "each extra statement needs a Sid",
    ),
    (
        "unknown resource type",
        share("resources: ['arn:aws:ec2:us-east-1:222222222222:volume/vol-1']\nprincipals: [ml]\n"),
        "UNKNOWN_RESOURCE_TYPE",
        "shares.s.resources[0]",
        14,
        "arn:aws:ec2:us-east-1:222222222222:volume/vol-1 is not a RAM-shareable type trainshare "
        "knows",
    ),
    (
        "resource of another account",
        share(f"resources: ['{CR.replace('2222', '3333', 1)}']\nprincipals: [ml]\n"),
        "ARN_ACCOUNT_MISMATCH",
        "shares.s.resources[0]",
        14,
        "the resource belongs to account 333322222222, but the share's owner is 222222222222",
    ),
    (
        "resource in another Region",
        share(f"resources: ['{CR.replace('us-east-1', 'us-west-2')}']\nprincipals: [ml]\n"),
        "ARN_REGION_MISMATCH",
        "shares.s.resources[0]",
        14,
        "the resource is in us-west-2, but the share is in us-east-1",
    ),
    (
        "dangling principal",
        share(f"resources: ['{CR}']\nprincipals: [ml/trainin]\n"),
        "UNKNOWN_PRINCIPAL",
        "shares.s.principals[0]",
        15,
        "principal 'ml/trainin' is not `root`, an OU path, an account of the spec, or a 12-digit "
        "account ID",
    ),
    (
        "external principal",
        share(f"resources: ['{CR}']\nprincipals: ['999999999999']\n"),
        "EXTERNAL_PRINCIPAL",
        "shares.s.principals[0]",
        15,
        "account 999999999999 is not in the organization",
    ),
    (
        "subnet outside the org",
        share(f"resources: ['{SUBNET}']\nprincipals: ['999999999999']\nallow_external: true\n"),
        "ORG_ONLY_TYPE",
        "shares.s.principals[0]",
        15,
        "ec2:Subnet can only be shared inside the organization",
    ),
    (
        "owner as principal",
        share(f"resources: ['{CR}']\nprincipals: [shared-services]\n"),
        "SELF_PRINCIPAL",
        "shares.s.principals[0]",
        15,
        "'shared-services' is the share's owner, which already has its resources",
    ),
    (
        "permission of another type",
        share(
            f"resources: ['{CR}']\nprincipals: [ml]\npermissions: [AWSRAMDefaultPermissionSubnet]\n"
        ),
        "PERMISSION_TYPE_MISMATCH",
        "shares.s.permissions[0]",
        16,
        "AWSRAMDefaultPermissionSubnet is for ec2:Subnet, and this share has no such resource",
    ),
    (
        "unknown permission",
        share(
            f"resources: ['{CR}']\nprincipals: [ml]\n"
            "permissions: [AWSRAMDefaultPermissionCapacityReservations]\n"
        ),
        "UNKNOWN_PERMISSION",
        "shares.s.permissions[0]",
        16,
        "'AWSRAMDefaultPermissionCapacityReservations' is not an AWS-managed RAM permission",
    ),
    (
        "two permissions for one type",
        share(
            "resources: ['arn:aws:sagemaker:us-east-1:222222222222:feature-group/f']\n"
            "principals: [ml]\npermissions:\n"
            "  - AWSRAMPermissionSageMakerFeatureGroupReadOnly\n"
            "  - arn:aws:ram::aws:permission/AWSRAMPermissionSagemakerFeatureGroupReadWrite\n"
        ),
        "DUPLICATE_PERMISSION_TYPE",
        "shares.s.permissions[1]",
        18,
        "AWSRAMPermissionSagemakerFeatureGroupReadWrite and "
        "AWSRAMPermissionSageMakerFeatureGroupReadOnly are both for sagemaker:FeatureGroup",
    ),
    (
        "no verified default permission",
        share(
            "resources: ['arn:aws:sagemaker:us-east-1:222222222222:feature-group/f']\n"
            "principals: [ml]\n"
        ),
        "PERMISSION_REQUIRED",
        "shares.s.permissions",
        12,
        "sagemaker:FeatureGroup has several managed permissions and no verified default",
    ),
    (
        "empty principals",
        share(f"resources: ['{CR}']\nprincipals: []\n"),
        "INVALID_VALUE",
        "shares.s.principals",
        15,
        "must not be empty",
    ),
    (
        "resource in another partition",
        share(f"resources: ['{CR.replace('arn:aws:', 'arn:aws-cn:')}']\nprincipals: [ml]\n"),
        "ARN_PARTITION_MISMATCH",
        "shares.s.resources[0]",
        14,
        "partition 'aws-cn' differs from the organization's 'aws'",
    ),
    (
        "principal listed twice",
        share(f"resources: ['{CR}']\nprincipals: [ml, ml]\n"),
        "DUPLICATE_PRINCIPAL",
        "shares.s.principals[1]",
        15,
        "'ml' is listed twice",
    ),
    (
        "resource listed twice",
        share(f"resources: ['{CR}', '{CR}']\nprincipals: [ml]\n"),
        "DUPLICATE_RESOURCE",
        "shares.s.resources[1]",
        14,
        f"{CR} is listed twice",
    ),
    (
        "policy resource listed twice",
        share(
            f"access: read\nresources: [{{arn: '{BUCKET}', policy: managed}}, '{BUCKET}']\n"
            "principals: [ml]\n"
        ),
        "DUPLICATE_RESOURCE",
        "shares.s.resources[1]",
        15,
        f"{BUCKET} is listed twice",
    ),
    (
        "kms key on a repository",
        share(
            "access: pull\nresources: [{arn: 'arn:aws:ecr:us-east-1:222222222222:repository/r', "
            "policy: managed, kms_key: 'arn:aws:kms:us-east-1:222222222222:key/k'}]\n"
            "principals: [ml]\n"
        ),
        "KMS_KEY_ON_NON_BUCKET",
        "shares.s.resources[0].kms_key",
        15,
        "`kms_key` describes a bucket's encryption; ecr:Repository has none here",
    ),
    (
        "two levels for one type",
        share(
            f"resources:\n  - {{arn: '{BUCKET}', policy: managed, access: read}}\n"
            "  - {arn: 'arn:aws:s3:::other', policy: managed, access: read-write}\n"
            "principals: [ml]\n"
        ),
        "MIXED_LEVELS",
        "shares.s.resources[1]",
        16,
        "arn:aws:s3:::other is granted 'read-write', another s3:Bucket of this share 'read'",
    ),
    (
        "more principals than RAM allows",
        limited("ram_principals_per_share")
        + f"shares:\n  s: {{owner: shared-services, resources: ['{CR}'], "
        "principals: [ml, ml/training]}\n",
        "TOO_MANY_PRINCIPALS",
        "shares.s.principals",
        13,
        "2 principals exceed RAM's 1 per share",
    ),
    (
        "more resources than RAM allows",
        limited("ram_resources_per_share")
        + f"shares:\n  s: {{owner: shared-services, resources: ['{CR}', '{SUBNET}'], "
        "principals: [ml]}\n",
        "TOO_MANY_RESOURCES",
        "shares.s.resources",
        13,
        "2 resources exceed RAM's 1 per share",
    ),
]


@pytest.mark.parametrize(
    ("text", "code", "field", "line", "message"),
    [c[1:] for c in SHARE_CASES],
    ids=[c[0] for c in SHARE_CASES],
)
def test_bad_share_reports_exactly_the_mistake(write_spec, text, code, field, line, message):
    test_bad_spec_reports_exactly_the_mistake(write_spec, text, code, field, line, message)


def test_custom_scp_that_is_not_json_is_located(write_spec):
    text = BASE + "guardrails:\n  g: {document: p.json, targets: [ml]}\n"
    errors = errors_of(write_spec, text, **{"p.json": '{"Version": "2012-10-17",,}'})
    assert [(e.code, e.location.line) for e in errors] == [("POLICY_SYNTAX", 12)]
    assert errors[0].message == (
        "p.json: line 1 column 26: not valid JSON: "
        "Expecting property name enclosed in double quotes"
    )


def test_custom_scp_that_is_not_a_policy_lists_each_problem(write_spec):
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Maybe", "Resource": "*"},
        ],
    }
    text = BASE + "guardrails:\n  g: {document: p.json, targets: [ml]}\n"
    errors = errors_of(write_spec, text, **{"p.json": json.dumps(document, indent=1)})
    assert [(e.code, e.message) for e in errors] == [
        (
            "PRINCIPAL_IN_SCP",
            "p.json:6: Statement[0]: Principal: not allowed in a service control policy",
        ),
        ("POLICY_STRUCTURE", "p.json:11: Statement[1]: Effect: must be Allow or Deny, got 'Maybe'"),
        ("POLICY_STRUCTURE", "p.json:10: Statement[1]: needs exactly one of Action and NotAction"),
    ]
    assert {e.location.line for e in errors} == {12}, "located at the guardrail in the spec, too"


def _big_policy(chars: int) -> str:
    """A valid policy whose minified form is about `chars` characters, pretty-printed on disk."""
    buckets = [f"arn:aws:s3:::training-data-{i:05d}" for i in range(chars // 36)]
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "s3:GetObject", "Resource": buckets}],
    }
    return json.dumps(doc, indent=4)


def test_scp_size_is_measured_after_minifying(write_spec):
    # Given a document of ~9,000 minified characters but over 10,240 as written on disk,
    pretty = _big_policy(9000)
    assert len(pretty) > 10240
    text = BASE + "guardrails:\n  g: {document: p.json, targets: [ml]}\n"
    # then it is accepted: what AWS receives is the minified form,
    spec = load_spec(write_spec(text, **{"p.json": pretty}))
    assert len(spec.guardrails["g"].document) < 10240
    # and a larger one is refused with its minified size and the limit.
    errors = errors_of(write_spec, text, **{"p.json": _big_policy(11000)})
    assert [e.code for e in errors] == ["SCP_TOO_LARGE"]
    assert errors[0].message.endswith("; the limit is 10,240")


def test_scp_size_limit_can_be_overridden(write_spec):
    text = BASE.replace(
        "  region: us-east-1\n", "  region: us-east-1\n  limits: {scp_max_chars: 5120}\n"
    )
    text += "guardrails:\n  g: {document: p.json, targets: [ml]}\n"
    errors = errors_of(write_spec, text, **{"p.json": _big_policy(6000)})
    assert [e.code for e in errors] == ["SCP_TOO_LARGE"]
    assert errors[0].message.endswith("; the limit is 5,120")


def test_scps_per_target_counts_full_aws_access(write_spec):
    # Given 10 guardrails on one OU: with FullAWSAccess that is 11 SCPs, over the limit of 10.
    body = "".join(
        f"  g{i}: {{template: deny-leave-organization, targets: [ml]}}\n" for i in range(10)
    )
    errors = errors_of(write_spec, BASE + "guardrails:\n" + body)
    assert [(e.code, e.location.path, e.location.line) for e in errors] == [
        ("TOO_MANY_SCPS", "guardrails.g9.targets[0]", 21)
    ]
    assert errors[0].message.startswith("'ml' would carry 11 SCPs (FullAWSAccess + g0, g1,")
    # and nine fit.
    load_spec(write_spec(BASE + "guardrails:\n" + "".join(body.splitlines(True)[:9])))


def test_units_that_are_not_a_mapping_are_one_error(write_spec):
    # given `units` written as a number (the AI opt-out guardrails read the section too)
    errors = errors_of(write_spec, HEADER + "units: 5\n")
    # then it is reported once
    assert [(e.code, e.location.path, e.location.line, e.message) for e in errors] == [
        ("WRONG_TYPE", "units", 5, "units must be a mapping of name: entry")
    ]


def test_every_problem_is_reported_at_once(write_spec):
    text = BASE.replace("unit: ml/training", "unit: nowhere") + (
        "guardrails:\n  g: {template: nope, targets: [root]}\n"
        f"shares:\n  s: {{owner: shared-services, resources: ['{SUBNET}'], principals: [x]}}\n"
    )
    errors = errors_of(write_spec, text)
    assert [e.code for e in errors] == ["UNKNOWN_UNIT", "UNKNOWN_TEMPLATE", "UNKNOWN_PRINCIPAL"]
    assert [e.location.line for e in errors] == [10, 12, 14]


def test_rendered_error_line_is_file_line_field_message_fix(write_spec):
    path = write_spec(BASE.replace("unit: ml/training", "unit: ml/trainin"))
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert caught.value.issues[0].render_brief() == (
        f"{path}:10: accounts.team-a.unit: account 'team-a' is placed in OU 'ml/trainin', which "
        "is not in `units` — did you mean 'ml/training'?"
    )


WARNING_CASES = [
    # (id, spec text, code, field, line, message): the spec loads, with exactly this warning
    (
        "account closed when removed",
        BASE.replace("unit: ml/training}", "unit: ml/training, close_on_deletion: true}"),
        "CLOSE_ON_DELETION",
        "accounts.team-a.close_on_deletion",
        10,
        "removing 'team-a' from the spec will close the AWS account (reinstatable for 90 days "
        "only)",
    ),
    (
        "management account in an OU",
        BASE.replace("  ml:\n", "  ml:\n    id: ou-ab12-11111111\n")
        + '  mgmt: {id: "111111111111", unit: ml}\n',
        "MANAGEMENT_ACCOUNT_PLACEMENT",
        "accounts.mgmt.unit",
        12,
        "the management account is placed in an OU: SCPs there will not apply to it (SCPs never "
        "apply to the management account)",
    ),
    (
        "SCP on the management account",
        BASE
        + '  mgmt: {id: "111111111111"}\n'
        + "guardrails:\n  g: {template: deny-leave-organization, targets: [mgmt]}\n",
        "SCP_ON_MANAGEMENT_ACCOUNT",
        "guardrails.g.targets[0]",
        13,
        "SCPs never apply to the management account; this attachment has no effect",
    ),
    (
        "tags on a policy share",
        share(
            f"access: read\nresources: [{{arn: '{BUCKET}', policy: managed}}]\n"
            "principals: [ml]\ntags: {team: a}\n"
        ),
        "TAGS_ON_POLICY_SHARE",
        "shares.s.tags",
        17,
        "a policy share creates no resource that could carry tags",
    ),
]


@pytest.mark.parametrize(
    ("text", "code", "field", "line", "message"),
    [c[1:] for c in WARNING_CASES],
    ids=[c[0] for c in WARNING_CASES],
)
def test_a_warning_is_reported_exactly_and_the_spec_still_loads(
    write_spec, text, code, field, line, message
):
    spec = load_spec(write_spec(text))
    assert [(w.code, w.location.path, w.location.line, w.message) for w in spec.warnings] == [
        (code, field, line, message)
    ]
    assert all(w.severity is Severity.WARNING for w in spec.warnings)


def test_an_extra_statements_file_that_is_missing_is_located(write_spec):
    text = share(
        f"access: read\nresources: [{{arn: '{BUCKET}', policy: managed, "
        "extra_statements: nope.json}]\nprincipals: [ml]\n"
    )
    path = write_spec(text)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert [(e.code, e.location.path, e.location.line, e.message) for e in caught.value.issues] == [
        (
            "FILE_NOT_FOUND",
            "shares.s.resources[0].extra_statements",
            15,
            f"{path.parent / 'nope.json'}: cannot read the policy document: No such file or "
            "directory",
        )
    ]


def test_warnings_do_not_fail_validation(write_spec):
    text = (
        BASE + f"shares:\n  s: {{owner: shared-services, resources: ['{CR}'], principals: [ml],"
        " allow_external: true}\n"
    )
    spec = load_spec(write_spec(text))
    assert [w.code for w in spec.warnings] == ["ALLOW_EXTERNAL_UNUSED"]


def test_capacity_reservation_outside_the_org_warns_about_capacity_blocks(write_spec):
    text = share(f"resources: ['{CR}']\nprincipals: ['999999999999']\nallow_external: true\n")
    spec = load_spec(write_spec(text))
    assert [w.code for w in spec.warnings] == ["EXTERNAL_SHARE_CAVEAT"]
    assert spec.shares["s"].principals[0].external


def test_control_character_is_a_located_yaml_error(write_spec):
    # Found by the fuzz test: ruamel's ReaderError is not a MarkedYAMLError.
    errors = errors_of(write_spec, BASE + "shares:\n  s: \x08\n")
    assert [(e.code, e.location.line, e.message) for e in errors] == [
        ("YAML_SYNTAX", 12, "character #x0008 is not allowed in YAML")
    ]


def test_trusted_service_must_support_organizations_trusted_access(write_spec):
    # Found by the emulator: EnableAWSServiceAccess rejects sagemaker.amazonaws.com.
    text = BASE.replace(
        "  region: us-east-1\n",
        "  region: us-east-1\n  trusted_services: [sagemaker.amazonaws.com]\n",
    )
    errors = errors_of(write_spec, text)
    assert [(e.code, e.location.path, e.location.line) for e in errors] == [
        ("UNKNOWN_TRUSTED_SERVICE", "organization.trusted_services[0]", 5)
    ]
    assert errors[0].message.startswith(
        "sagemaker.amazonaws.com does not support trusted access with AWS Organizations"
    )


def test_existing_account_in_an_ou_trainshare_creates_is_a_warning(write_spec):
    placed = BASE.replace('{id: "222222222222"}', '{id: "222222222222", unit: ml}')
    spec = load_spec(write_spec(placed))  # shared-services (existing) in ml (created)
    assert [(w.code, w.location.path) for w in spec.warnings] == [
        ("EXISTING_ACCOUNT_IN_NEW_OU", "accounts.shared-services.unit")
    ]
    (warning,) = spec.warnings
    assert warning.message == (
        "existing account 'shared-services' is placed in OU 'ml', which trainshare creates; an "
        "account declared with only its `id` is a reference, never moved, so audit reports the "
        "placement until you move it"
    )
    assert warning.fix.startswith("add the account's `email`")
    adopted = placed.replace("  ml:\n", "  ml:\n    id: ou-ab12-11111111\n")
    assert load_spec(write_spec(adopted)).warnings == ()
    # with its email the account is managed: `pulumi up` moves it, nothing to warn about
    managed = placed.replace("unit: ml}", "unit: ml, email: shared@example.com}")
    assert load_spec(write_spec(managed)).warnings == ()


def test_policy_share_has_no_ram_principal_limit(write_spec):
    # Given RAM's per-share principal quota set to 1 and a policy share (a bucket's resource
    # policy, not a RAM share) with two principals,
    text = limited("ram_principals_per_share") + (
        f"shares:\n  s: {{owner: shared-services, access: read, "
        f"resources: [{{arn: '{BUCKET}', policy: managed}}], principals: [ml, ml/training]}}\n"
    )
    # when it is loaded, then RAM's quota is not applied (the policy's size is, at plan time:
    # plan/build_shares.py `_resource_policy`, the catalog's max_chars per policy share type),
    spec = load_spec(write_spec(text))
    assert [p.target for p in spec.shares["s"].principals] == ["ml", "ml/training"]
    # while a RAM share with the same principals is still held to it.
    ram = limited("ram_principals_per_share") + (
        f"shares:\n  s: {{owner: shared-services, resources: ['{CR}'], "
        "principals: [ml, ml/training]}\n"
    )
    assert [(e.code, e.message) for e in errors_of(write_spec, ram)] == [
        ("TOO_MANY_PRINCIPALS", "2 principals exceed RAM's 1 per share")
    ]
