"""The audit's effective management policies, on hand-made snapshots: each account's live
effective policy against the spec's, a policy outside the spec that reaches accounts, and what
AWS leaves out of the live policies."""

from __future__ import annotations

import json
import textwrap

from trainshare.audit import diff
from trainshare.policy import minify
from trainshare.snapshot import Account, Policy, Snapshot, Unit
from trainshare.spec import load_spec

ROOT = "r-ab12"
OU = "ou-ab12-11111111"
FULL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
LOCK = "@@operators_allowed_for_child_policies"
ROOT_TAGS = {
    "tags": {
        "costcenter": {
            "tag_key": {LOCK: ["@@none"], "@@assign": "CostCenter"},
            "tag_value": {"@@assign": ["100", "200"]},
        }
    }
}
ML_TAGS = {"tags": {"costcenter": {"tag_value": {"@@append": ["300"]}}}}
TYPES = ("SERVICE_CONTROL_POLICY", "TAG_POLICY")


def spec(write_spec, tmp_path):
    (tmp_path / "root.json").write_text(json.dumps(ROOT_TAGS))
    (tmp_path / "ml.json").write_text(json.dumps(ML_TAGS))
    return load_spec(
        write_spec(
            textwrap.dedent(
                """\
                version: 1
                organization: {management_account: "111111111111"}
                units: {ml: {}}
                accounts:
                  trainer: {id: "222222222222", unit: ml}
                  web: {id: "333333333333"}
                guardrails:
                  root-tags: {type: tag, document: root.json, targets: [root]}
                  ml-tags: {type: tag, document: ml.json, targets: [ml]}
                """
            )
        )
    )


def live(*policies: Policy) -> Snapshot:
    return Snapshot(
        management_account="111111111111",
        organization_id="o-exampleorg1",
        organization_arn="arn:aws:organizations::111111111111:organization/o-exampleorg1",
        feature_set="ALL",
        root_id=ROOT,
        units=(Unit(OU, "ml", ROOT),),
        accounts=(
            Account("222222222222", "trainer", "t@example.com", "ACTIVE", OU),
            Account("333333333333", "web", "w@example.com", "ACTIVE", ROOT),
        ),
        policies=(Policy("p-FullAWSAccess", "FullAWSAccess", FULL, True, (ROOT, OU)), *policies),
        service_access=(),
        shares=(),
        owners_read=(),
        root_policy_types=TYPES,
    )


def tag(pid: str, name: str, document: object, *targets: str) -> Policy:
    return Policy(pid, name, minify(document), False, targets, "TAG_POLICY")


def effective(report):
    return [
        (f.code, str(f.location), f.message)
        for f in report.findings
        if f.code in ("EFFECTIVE_POLICY_DIFFERS", "MGMT_POLICY_OVERRIDE_IGNORED")
    ]


def test_a_live_organization_as_the_spec_says_has_the_same_effective_policies(write_spec, tmp_path):
    snapshot = live(
        tag("p-11111111", "root-tags", ROOT_TAGS, ROOT), tag("p-22222222", "ml-tags", ML_TAGS, OU)
    )
    assert effective(diff(spec(write_spec, tmp_path), snapshot)) == []


def test_a_missing_attachment_shows_in_the_accounts_it_reaches(write_spec, tmp_path):
    snapshot = live(
        tag("p-11111111", "root-tags", ROOT_TAGS, ROOT), tag("p-22222222", "ml-tags", ML_TAGS)
    )
    report = diff(spec(write_spec, tmp_path), snapshot)
    assert effective(report) == [
        (
            "EFFECTIVE_POLICY_DIFFERS",
            "effective tag policy",
            'trainer (222222222222): tags.costcenter.tag_value is ["100", "200"], the spec\'s '
            '["100", "200", "300"]',
        )
    ]


def test_a_policy_outside_the_spec_reaching_accounts_is_reported(write_spec, tmp_path):
    """The policy diff looks only at the spec's guardrails; the effective policy shows a live
    policy the spec does not name, and whose override the root locks."""
    stray = {
        "tags": {
            "costcenter": {"tag_key": {"@@assign": "COSTCENTER"}},
            "owner": {"tag_key": {"@@assign": "Owner"}},
        }
    }
    snapshot = live(
        tag("p-11111111", "root-tags", ROOT_TAGS, ROOT),
        tag("p-22222222", "ml-tags", ML_TAGS, OU),
        tag("p-33333333", "stray", stray, "333333333333"),
    )
    report = diff(spec(write_spec, tmp_path), snapshot)
    assert effective(report) == [
        (
            "EFFECTIVE_POLICY_DIFFERS",
            "effective tag policy",
            'web (333333333333): tags.owner.tag_key is "Owner", the spec\'s (not set)',
        ),
        (
            "MGMT_POLICY_OVERRIDE_IGNORED",
            "tag policy stray on account web (333333333333)",
            "@@assign at tags.costcenter.tag_key has no effect: 'root-tags' on r-ab12 allows no "
            "operators (@@none) below it",
        ),
    ]


def test_a_hostile_live_policy_is_skipped_not_a_crash(write_spec, tmp_path):
    deep = '{"tags":' * 5000 + "{}" + "}" * 5000
    snapshot = live(
        tag("p-11111111", "root-tags", ROOT_TAGS, ROOT),
        tag("p-22222222", "ml-tags", ML_TAGS, OU),
        Policy("p-44444444", "deep", deep, False, (ROOT,), "TAG_POLICY"),
        Policy("p-55555555", "list", '["not", "a", "policy"]', False, (ROOT,), "TAG_POLICY"),
    )
    assert effective(diff(spec(write_spec, tmp_path), snapshot)) == []


def test_two_live_policies_assigning_one_setting_on_one_target_are_a_conflict(write_spec, tmp_path):
    other = {"tags": {"costcenter": {"tag_value": {"@@assign": ["999"]}}}}
    snapshot = live(
        tag("p-11111111", "root-tags", ROOT_TAGS, ROOT),
        tag("p-22222222", "ml-tags", ML_TAGS, OU),
        tag("p-66666666", "other", other, ROOT),
    )
    report = diff(spec(write_spec, tmp_path), snapshot)
    conflicts = [
        (str(f.location), f.message)
        for f in report.findings
        if f.code == "MGMT_POLICY_ASSIGN_CONFLICT"
    ]
    assert conflicts == [
        (
            "tag policy other on the root (r-ab12)",
            "assigns tags.costcenter.tag_value differently from another policy there "
            "('root-tags', attached to r-ab12 first, assigned it); the live attachment order "
            "decides",
        )
    ]
