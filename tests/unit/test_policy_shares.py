"""Policy shares in the spec, the plan and access: ownership, composition of every share touching
a resource into one document with stable Sids, the data perimeter, the KMS warning, and access
decisions for principals inside the OU, outside it, and outside the organization."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE
from trainshare.access import Context, Effect, Request, evaluate
from trainshare.access.model import AccountNode, model_from_spec
from trainshare.access.resource_policy import resource_policy_effect
from trainshare.cli import app
from trainshare.errors import PlanError, SpecError
from trainshare.findings import Severity
from trainshare.plan import Join, Ref, build_plan, kinds
from trainshare.policy import Principal
from trainshare.policy.lint import PolicyKind, lint_document
from trainshare.spec import ShareKind, load_spec

HEADER = """\
version: 1
organization: {management_account: "111111111111"}
units:
  ml:
    training: {}
    research: {}
accounts:
  data: {id: "222222222222"}
  vision: {id: "333333333333", unit: ml/training}
  lab: {id: "444444444444", unit: ml/research}
shares:
"""
BUCKET = "arn:aws:s3:::acme-data"
KEY = "arn:aws:kms:us-east-1:222222222222:key/k-1"


def load(write_spec, shares: str, **files: str):
    return load_spec(write_spec(HEADER + shares, **files))


def issues(write_spec, shares: str, **files: str):
    with pytest.raises(SpecError) as caught:
        load(write_spec, shares, **files)
    return [i for i in caught.value.issues if i.severity is Severity.ERROR]


TWO_SHARES = f"""\
  readers:
    owner: data
    access: read
    resources: [{{arn: "{BUCKET}", policy: managed, extra_statements: owner.json}}]
    principals: [ml/training]
  writers:
    owner: data
    access: read-write
    resources: ["{BUCKET}"]
    principals: [lab]
"""
OWNER_STATEMENTS = json.dumps(
    [
        {
            "Sid": "OwnerBackups",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:role/backup"},
            "Action": "s3:GetObject",
            "Resource": f"{BUCKET}/*",
        }
    ]
)


def policy_of(plan, name="policy/s3/222222222222/us-east-1/acme-data"):
    node = plan[name]
    value = node.inputs["policy"]
    text = str(value) if isinstance(value, Join) else value
    return node, json.loads(text), value


def test_every_share_touching_a_resource_is_one_document_with_stable_sids(write_spec):
    spec = load(write_spec, TWO_SHARES, **{"owner.json": OWNER_STATEMENTS})
    assert spec.shares["readers"].kind is ShareKind.POLICY
    assert spec.managed_policies[BUCKET].shares == ("readers", "writers")
    plan = build_plan(spec)
    assert [n.name for n in plan.of_kind(kinds.BUCKET_POLICY)] == [
        "policy/s3/222222222222/us-east-1/acme-data"
    ]
    node, document, value = policy_of(plan)
    assert node.kind == kinds.BUCKET_POLICY and node.inputs["bucket"] == "acme-data"
    assert (
        node.provider == "provider/222222222222/us-east-1"
    )  # the owner writes its bucket's policy
    assert [s["Sid"] for s in document["Statement"]] == [
        "OwnerBackups",  # the owner's own, kept first and as written
        "ReadersOrgPaths1",
        "ReadersOrgPaths2",
        "WritersAccounts1",
        "WritersAccounts2",
        "TrainshareDataPerimeter",
    ]
    readers = document["Statement"][1]
    assert readers["Principal"] == {"AWS": "*"}
    assert readers["Condition"] == {
        "ForAnyValue:StringLike": {
            "aws:PrincipalOrgPaths": [
                "${organization.id}/${organization.roots[0].id}/${ou/ml.id}/${ou/ml/training.id}/*"
            ]
        }
    }
    assert document["Statement"][4] == {
        "Sid": "WritersAccounts2",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::444444444444:root"},
        "Action": [
            "s3:GetObject",
            "s3:GetObjectVersion",
            "s3:PutObject",
            "s3:DeleteObject",
            "s3:AbortMultipartUpload",
            "s3:ListMultipartUploadParts",
        ],
        "Resource": f"{BUCKET}/*",
    }
    assert document["Statement"][-1] == {
        "Sid": "TrainshareDataPerimeter",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [BUCKET, f"{BUCKET}/*"],
        "Condition": {
            "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "${organization.id}"},
            "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
        },
    }
    # the IDs Pulumi learns at deploy time are refs inside the document, not text
    assert Ref("organization", "roots[0].id") in value.parts
    # re-ordering the shares in the spec changes nothing
    swapped = TWO_SHARES.split("  writers:")
    again = load(
        write_spec, "  writers:" + swapped[1] + swapped[0], **{"owner.json": OWNER_STATEMENTS}
    )
    assert policy_of(build_plan(again))[1] == document


def test_the_composed_documents_lint_clean(write_spec):
    spec = load_spec(EXAMPLE)
    plan = build_plan(spec)
    nodes = [n for n in plan.nodes if n.kind in kinds.RESOURCE_POLICIES]
    assert len(nodes) == 4
    for node in nodes:
        value = node.inputs.get("policy", node.inputs.get("resource_policy"))
        text = str(value).replace("${organization.id}", "o-a1b2c3d4e5")
        found = lint_document(json.loads(text), PolicyKind.RESOURCE, node.name)
        assert [f for f in found if f.severity is Severity.ERROR] == [], found


def test_perimeter_false_drops_the_deny(write_spec):
    shares = f"""\
  readers:
    owner: data
    access: read
    resources: [{{arn: "{BUCKET}", policy: managed, perimeter: false}}]
    principals: [vision]
"""
    _, document, _ = policy_of(build_plan(load(write_spec, shares)))
    assert [s["Sid"] for s in document["Statement"]] == ["ReadersAccounts1", "ReadersAccounts2"]


def test_a_key_policy_keeps_the_owner_administering_its_key(write_spec):
    shares = f"""\
  keys:
    owner: data
    access: read
    resources: [{{arn: "{KEY}", policy: managed}}]
    principals: [root]
"""
    plan = build_plan(load(write_spec, shares))
    node = plan["policy/kms/222222222222/us-east-1/k-1"]
    document = json.loads(str(node.inputs["policy"]))
    owner, grant, perimeter = document["Statement"]
    assert owner == {
        "Sid": "TrainshareKeyOwner",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    assert grant["Action"] == ["kms:Decrypt", "kms:DescribeKey"]  # read = decrypt for keys
    assert grant["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "${organization.id}"}}
    assert perimeter["Action"] == "kms:*"


def test_ownership_declared_twice_is_an_error(write_spec):
    shares = TWO_SHARES.replace(
        f'resources: ["{BUCKET}"]', f'resources: [{{arn: "{BUCKET}", policy: managed}}]'
    )
    found = issues(write_spec, shares, **{"owner.json": OWNER_STATEMENTS})
    assert [(i.code, i.location.path) for i in found] == [
        ("DUPLICATE_OWNERSHIP", "shares.writers.resources[0]")
    ]
    assert found[0].message == (
        f"{BUCKET} is declared `policy: managed` in shares 'readers' and 'writers'"
    )


def test_perimeter_settings_only_where_the_policy_is_owned(write_spec):
    shares = TWO_SHARES.replace(
        f'resources: ["{BUCKET}"]', f'resources: [{{arn: "{BUCKET}", perimeter: false}}]'
    )
    found = issues(write_spec, shares, **{"owner.json": OWNER_STATEMENTS})
    assert [(i.code, i.location.path, i.location.line) for i in found] == [
        ("NOT_MANAGED_HERE", "shares.writers.resources[0].perimeter", 20)
    ]


def test_policy_settings_on_a_ram_resource_are_refused(write_spec):
    cr = "arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-1"
    shares = f"""\
  gpus:
    owner: data
    access: read
    resources: [{{arn: "{cr}", policy: managed}}]
    principals: [ml]
"""
    found = issues(write_spec, shares)
    assert [(i.code, i.location.path) for i in found] == [
        ("ACCESS_ON_RAM_SHARE", "shares.gpus.access"),
        ("POLICY_ON_RAM_RESOURCE", "shares.gpus.resources[0]"),
    ]


def test_an_encrypted_bucket_whose_key_is_not_shared_is_a_warning(write_spec):
    shares = f"""\
  readers:
    owner: data
    access: read
    resources: [{{arn: "{BUCKET}", policy: managed, kms_key: "{KEY}"}}]
    principals: [ml/training, lab]
  keys:
    owner: data
    access: decrypt
    resources: [{{arn: "{KEY}", policy: managed}}]
    principals: [ml/training]
"""
    spec = load(write_spec, shares)
    (warning,) = [w for w in spec.warnings if w.code == "KMS_KEY_NOT_SHARED"]
    assert warning.severity is Severity.WARNING
    assert warning.location.path == "shares.readers.resources[0].kms_key"
    assert warning.message == (
        f"{BUCKET} is encrypted with {KEY}, which is not shared with lab: they can list the "
        "objects but not read them"
    )
    keys_for_both = shares.rsplit("principals: [ml/training]", 1)
    fixed = load(write_spec, "principals: [ml/training, lab]".join(keys_for_both))
    assert [w for w in fixed.warnings if w.code == "KMS_KEY_NOT_SHARED"] == []


def test_access_inside_the_ou_outside_it_and_outside_the_organization(write_spec):
    shares = f"""\
  readers:
    owner: data
    access: read
    resources: [{{arn: "{BUCKET}", policy: managed}}]
    principals: [ml/training]
"""
    model = model_from_spec(load(write_spec, shares), org_id="o-a1b2c3d4e5")
    inside = evaluate(model, Request("vision", BUCKET, "s3:GetObject"))
    assert inside.effect is Effect.ALLOW
    assert inside.trace[-1].text == (
        f"the policy of {BUCKET} allows s3:GetObject to vision (333333333333) (ReadersOrgPaths2)"
    )
    research = evaluate(model, Request("lab", BUCKET, "s3:GetObject"))
    assert research.effect is Effect.IMPLICIT_DENY
    assert research.trace[0].text.startswith("share readers does not reach lab (444444444444)")
    # the policy itself, asked about each: it is the last word even for accounts a share misses
    share = model.shares["readers"]
    document = share.policies[BUCKET]

    def by_policy(account):
        effect, step, _ = resource_policy_effect(
            model,
            account,
            document,
            arn=BUCKET,
            rtype="s3:Bucket",
            action="s3:GetObject",
            context=Context(),
        )
        return effect, step.text

    assert by_policy(model.accounts["lab"]) == (
        Effect.IMPLICIT_DENY,
        f"no statement of {BUCKET}'s policy allows s3:GetObject to lab (444444444444)",
    )
    outsider = AccountNode("999999999999", "999999999999", "", external=True)
    assert by_policy(outsider) == (
        Effect.DENY,
        f"the policy of {BUCKET} denies s3:GetObject to 999999999999: Sid TrainshareDataPerimeter "
        "(the data perimeter: principals outside the organization)",
    )


def test_without_the_perimeter_the_policy_lets_an_allowed_outsider_in(write_spec):
    shares = f"""\
  partner:
    owner: data
    access: read
    allow_external: true
    resources: [{{arn: "{BUCKET}", policy: managed, perimeter: false}}]
    principals: ["999999999999"]
"""
    model = model_from_spec(load(write_spec, shares), org_id="o-a1b2c3d4e5")
    decision = evaluate(model, Request("999999999999", BUCKET, "s3:ListBucket"))
    # the resource side allows; the outsider's own SCPs are not ours to know
    assert decision.effect is Effect.CONDITIONAL, decision.explain()
    assert decision.trace[-1].text == (
        f"the policy of {BUCKET} allows s3:ListBucket to 999999999999 (PartnerAccounts1)"
    )


def test_one_resource_in_shares_of_two_regions_is_an_error(write_spec):
    shares = TWO_SHARES.replace(
        "  writers:\n    owner: data\n", "  writers:\n    owner: data\n    region: eu-west-1\n"
    )
    found = issues(write_spec, shares, **{"owner.json": OWNER_STATEMENTS})
    assert [(i.code, i.location.path) for i in found] == [
        ("OWNER_MISMATCH", "shares.writers.resources[0]")
    ]
    assert found[0].message == (
        f"{BUCKET} is listed by shares of different owners or Regions "
        "(data in eu-west-1, data in us-east-1)"
    )


def test_an_account_created_at_deploy_time_is_granted_by_its_stand_in(write_spec):
    text = HEADER.replace(
        '  lab: {id: "444444444444", unit: ml/research}\n',
        '  lab: {id: "444444444444", unit: ml/research}\n  fresh: {email: f@example.com}\n',
    ) + (
        f"  readers:\n    owner: data\n    access: read\n"
        f'    resources: [{{arn: "{BUCKET}", policy: managed}}]\n    principals: [fresh]\n'
    )
    model = model_from_spec(load_spec(write_spec(text)), org_id="o-a1b2c3d4e5")
    document = model.shares["readers"].policies[BUCKET]
    assert document.statements[0].principal == Principal(aws=("arn:aws:iam::(fresh):root",))
    decision = evaluate(model, Request("fresh", BUCKET, "s3:GetObject"))
    assert decision.effect is Effect.ALLOW, decision.explain()


def test_a_policy_that_could_outgrow_the_service_limit_is_refused_before_deploy(write_spec):
    """ECR accepts 10,240 characters; 80 OU paths at the longest IDs AWS issues do not fit."""
    units = "".join(f"  team{i}: {{}}\n" for i in range(80))
    repo = "arn:aws:ecr:us-east-1:222222222222:repository/images"
    text = (
        HEADER.replace("units:\n", "units:\n" + units)
        + f'  images:\n    owner: data\n    access: pull\n    resources: [{{arn: "{repo}", '
        f"policy: managed}}]\n    principals: [{', '.join(f'team{i}' for i in range(80))}]\n"
    )
    path = write_spec(text)
    with pytest.raises(PlanError) as caught:
        build_plan(load_spec(path))
    message = str(caught.value)
    assert message.startswith(f"{repo}: the policy composed from shares images can reach ")
    assert message.endswith(
        "ecr:Repository accepts 10,240 — grant fewer OU paths or accounts per resource (a "
        "parent OU covers its children), or split the data across resources"
    )
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1 and "ecr:Repository accepts 10,240" in result.stderr
    # in JSON, the plan's refusal is an issue of its own (PLAN_ERROR), located at the spec
    result = CliRunner().invoke(app, ["validate", str(path), "-f", "json"])
    assert result.exit_code == 1
    issue = json.loads(result.stdout)["issues"][-1]  # after the spec's own warnings
    assert (issue["code"], issue["severity"], issue["file"], issue["field"]) == (
        "PLAN_ERROR",
        "error",
        str(path),
        "(document)",
    )
    assert issue["message"] == message
    fewer = text.replace(", ".join(f"team{i}" for i in range(80)), "team1, team2")
    assert build_plan(load_spec(write_spec(fewer)))
