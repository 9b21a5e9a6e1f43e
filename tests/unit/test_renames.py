"""`renamed_from`: the plan gives every node named from a renamed key its former names, and the
spec refuses renames that cannot be followed."""

from __future__ import annotations

from trainshare.errors import SpecError
from trainshare.findings import Severity
from trainshare.plan import build_plan
from trainshare.spec import load_spec

OLD = """\
version: 1
organization: {management_account: "111111111111"}
units:
  ml:
    training: {}
accounts:
  data: {id: "222222222222"}
  vision: {email: vision@example.com, unit: ml/training}
guardrails:
  no-leaving: {template: deny-leave-organization, targets: [ml/training, vision]}
shares:
  gpus:
    owner: data
    resources: ["arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-0123456789abcdef0"]
    principals: [ml/training, vision]
"""
NEW = """\
version: 1
organization: {management_account: "111111111111"}
units:
  machine-learning:
    renamed_from: ml
    training: {}
accounts:
  platform-data: {id: "222222222222", renamed_from: data}
  team-vision: {email: vision@example.com, unit: machine-learning/training, name: vision,
                renamed_from: vision}
guardrails:
  stay-in-org:
    template: deny-leave-organization
    targets: [machine-learning/training, team-vision]
    renamed_from: no-leaving
shares:
  gpu-capacity:
    owner: platform-data
    resources: ["arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-0123456789abcdef0"]
    principals: [machine-learning/training, team-vision]
    renamed_from: gpus
"""


def test_every_node_named_from_a_renamed_key_has_its_former_names(write_spec):
    old = build_plan(load_spec(write_spec(OLD)))
    new = build_plan(load_spec(write_spec(NEW)))
    # Then every node of the old plan is found again, under its name or an alias
    claimed = {alias: n.name for n in new.nodes for alias in n.aliases}
    for node in old.nodes:
        assert node.name in new or node.name in claimed, node.name
    assert new["ou/machine-learning/training"].aliases == ("ou/ml/training",)
    assert new["account/team-vision"].aliases == ("account/vision",)
    assert new["account/team-vision"].inputs["name"] == "vision"  # its AWS name is kept
    assert new["scp/stay-in-org/attach/team-vision"].aliases == (
        "scp/stay-in-org/attach/vision",
        "scp/no-leaving/attach/team-vision",
        "scp/no-leaving/attach/vision",
    )
    assert claimed["share/gpus/principal/ml/training"] == (
        "share/gpu-capacity/principal/machine-learning/training"
    )
    # and the providers, keyed by account ID, keep their names
    assert [n.name for n in new.nodes if n.kind.startswith("pulumi:providers")] == [
        n.name for n in old.nodes if n.kind.startswith("pulumi:providers")
    ]


def test_a_share_of_capacity_is_protected_with_its_associations(write_spec):
    plan = build_plan(load_spec(write_spec(OLD)))
    share = [
        n for n in plan.nodes if n.name.startswith("share/gpus") and "/permission/" not in n.name
    ]
    assert len(share) == 4 and all(n.protect for n in share)
    unprotected = OLD.replace(
        "    principals: [ml/training, vision]\n",
        "    principals: [ml/training, vision]\n    protect: false\n",
    )
    plan = build_plan(load_spec(write_spec(unprotected)))
    assert not plan["share/gpus"].protect


def _issues(write_spec, text: str):
    try:
        spec = load_spec(write_spec(text))
    except SpecError as error:
        return [(i.code, i.severity, i.message) for i in error.issues]
    return [(i.code, i.severity, i.message) for i in spec.warnings]


def test_a_rename_from_a_key_still_present_is_refused(write_spec):
    text = NEW.replace("renamed_from: gpus", "renamed_from: gpu-capacity")
    assert (
        "RENAMED_FROM_PRESENT",
        Severity.ERROR,
        "'gpu-capacity' is renamed from 'gpu-capacity', which is still in `shares`",
    ) in _issues(write_spec, text)


def test_two_entries_renamed_from_one_key_are_refused(write_spec):
    text = (
        NEW
        + """\
  more-gpus:
    owner: platform-data
    resources: ["arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-0123456789abcdef1"]
    principals: [team-vision]
    renamed_from: gpus
"""
    )
    assert (
        "RENAMED_TWICE",
        Severity.ERROR,
        "'more-gpus' and 'gpu-capacity' are both renamed from 'gpus'",
    ) in _issues(write_spec, text)


def test_a_renamed_account_without_a_name_would_be_replaced(write_spec):
    text = NEW.replace(" name: vision,", "")
    assert (
        "RENAME_CHANGES_ACCOUNT_NAME",
        Severity.ERROR,
        "account 'team-vision' (was 'vision') would be named 'team-vision' in AWS instead: a new "
        "name replaces the account, which is protected, so `pulumi up` fails",
    ) in _issues(write_spec, text)


def test_an_ou_renamed_under_another_parent_is_a_replacement(write_spec):
    text = OLD.replace(
        "    training: {}\n", "    training: {}\n  gpu-training: {renamed_from: ml/training}\n"
    ).replace("    training: {}\n  gpu", "  gpu")
    text = text.replace("ml/training", "gpu-training").replace(
        "renamed_from: gpu-training", "renamed_from: ml/training"
    )
    codes = [(c, s) for c, s, _ in _issues(write_spec, text)]
    assert ("OU_RENAME_MOVES", Severity.WARNING) in codes
