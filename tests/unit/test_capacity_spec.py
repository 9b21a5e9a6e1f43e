"""Shared capacity in the spec: given a share of Capacity Reservations with what the spec states
about them (`capacity:`) and who pays for their unused part (`billing_owner:`), when the spec is
validated, then AWS's sharing rules for each kind hold — each broken one an error located at its
line, with the fix."""

from __future__ import annotations

import pytest

from trainshare.errors import SpecError
from trainshare.findings import Severity
from trainshare.plan import build_plan
from trainshare.spec import load_spec

OWNER = "222222222222"
CR = f"arn:aws:ec2:us-east-1:{OWNER}:capacity-reservation/cr-0000000000000000a"
CB = f"arn:aws:ec2:us-east-1:{OWNER}:capacity-reservation/cr-0000000000000000b"
HEAD = f"""\
version: 1
organization: {{management_account: "111111111111"}}
units:
  ml:
    training: {{}}
accounts:
  gpu-owner: {{id: "{OWNER}", unit: ml}}
  team-vision: {{id: "333333333333", unit: ml/training}}
  elsewhere: {{id: "444444444444"}}
shares:
  gpu:
    owner: gpu-owner
"""


def errors(write_spec, body):
    with pytest.raises(SpecError) as info:
        load_spec(write_spec(HEAD + body))
    return [
        (i.code, i.location.line, i.message, i.fix)
        for i in info.value.issues
        if i.severity is Severity.ERROR
    ]


def issue(write_spec, body, code):
    found = [i for i in errors(write_spec, body) if i[0] == code]
    assert len(found) == 1, errors(write_spec, body)
    return found[0]


def only_error(write_spec, body):
    """(code, line, message, fix) of the one error the body has."""
    [found] = errors(write_spec, body)
    return found


def test_a_capacity_block_shared_outside_the_organization_is_rejected(write_spec):
    code, line, message, fix = only_error(
        write_spec,
        f"""\
    resources:
      - arn: {CB}
        capacity: {{kind: capacity-block}}
    principals: [ml/training, "999999999999"]
    allow_external: true
""",
    )
    assert code == "CAPACITY_BLOCK_OUTSIDE_ORG"
    assert line == 16
    assert message.startswith(
        "cr-0000000000000000b is a Capacity Block for ML, which can be shared only inside the "
        "organization; 999999999999 is outside it (EC2 user guide capacity-blocks-share.html"
    )
    assert fix == (
        "remove 999999999999, or share the block in another share inside the organization"
    )


def test_a_stated_block_is_targeted_only_not_ultraserver_and_not_ended(write_spec):
    found = errors(
        write_spec,
        f"""\
    resources:
      - arn: {CB}
        capacity:
          kind: capacity-block
          match: open
          ultraserver: u-p6e-gb200x72
          end: "2020-01-01T11:30:00Z"
    principals: [ml/training]
""",
    )
    assert [(c, line) for c, line, _, _ in found] == [
        ("CAPACITY_TARGETED_ONLY", 17),
        ("CAPACITY_BLOCK_ULTRASERVER", 18),
    ]


ENDED = f"""\
    resources:
      - arn: {CB}
        capacity: {{kind: capacity-block, end: "2020-01-01T11:30:00Z"}}
    principals: [ml/training]
"""


def test_an_ended_block_is_a_warning_so_the_spec_still_loads(write_spec):
    """A block ends by the clock: yesterday's valid spec must still load (diff, capacity)."""
    spec = load_spec(write_spec(HEAD + ENDED))
    at_end = [w for w in spec.warnings if w.location.path.endswith(".capacity.end")]
    assert [w.code for w in at_end] == ["CAPACITY_BLOCK_ENDED"]
    ended = at_end[0]
    assert ended.location.line == 15
    assert ended.message.startswith(
        "cr-0000000000000000b ended 2020-01-01T11:30:00Z: a Capacity Block for ML can be shared "
        "only while scheduled or active ("
    )
    assert ended.fix == (
        "remove it from the share: AWS refuses to share it, so a new association fails in "
        "`pulumi up`"
    )


def test_an_on_demand_reservation_must_say_whether_it_is_open(write_spec):
    code, line, _message, fix = only_error(
        write_spec,
        f"""\
    resources:
      - arn: {CR}
        capacity: {{kind: on-demand}}
    principals: [ml/training]
""",
    )
    assert code == "CAPACITY_MATCH_REQUIRED"
    assert line == 15
    assert fix == "add `match: targeted` (instances launch into it only by its ID) or `match: open`"


def test_an_open_reservation_shared_is_a_warning(write_spec):
    spec = load_spec(
        write_spec(
            HEAD
            + f"""\
    resources:
      - arn: {CR}
        capacity: {{kind: on-demand, match: open}}
    principals: [ml/training]
"""
        )
    )
    [warning] = [w for w in spec.warnings if w.code == "OPEN_RESERVATION_SHARED"]
    assert warning.location.line == 15
    assert spec.shares["gpu"].resources[0].capacity.match == "open"


def test_a_dedicated_reservation_cannot_be_shared(write_spec):
    code, _line, message, _ = only_error(
        write_spec,
        f"""\
    resources:
      - arn: {CR}
        capacity: {{kind: on-demand, match: targeted, tenancy: dedicated}}
    principals: [ml/training]
""",
    )
    assert code == "DEDICATED_NOT_SHAREABLE"
    assert message.startswith("cr-0000000000000000a reserves dedicated-tenancy capacity")


def test_capacity_on_another_resource_type_is_rejected(write_spec):
    subnet = f"arn:aws:ec2:us-east-1:{OWNER}:subnet/subnet-0123456789abcdef0"
    code, _, message, _fix = only_error(
        write_spec,
        f"""\
    resources:
      - arn: {subnet}
        capacity: {{kind: on-demand, match: targeted}}
    principals: [ml/training]
""",
    )
    assert code == "CAPACITY_ON_OTHER_RESOURCE"
    assert message == f"`capacity` describes a Capacity Reservation; {subnet} is a ec2:Subnet"


def test_an_interruptible_reservation_resolves_targeted(write_spec):
    spec = load_spec(
        write_spec(
            HEAD
            + f"""\
    resources:
      - arn: {CR}
        capacity: {{kind: interruptible, instance_type: p5.48xlarge}}
    principals: [ml/training]
"""
        )
    )
    stated = spec.shares["gpu"].resources[0].capacity
    assert (stated.kind, stated.match, stated.instance_type) == (
        "interruptible",
        "targeted",
        "p5.48xlarge",
    )


BILLED = f"""\
    resources:
      - arn: {CR}
        capacity: {{kind: on-demand, match: targeted}}
    principals: [ml/training]
    billing_owner: {{who}}
"""


def test_the_billing_owner_is_an_account_the_share_reaches(write_spec):
    spec = load_spec(write_spec(HEAD + BILLED.replace("{who}", "team-vision")))
    assert spec.shares["gpu"].billing_owner == "team-vision"
    code, line, message, _fix = only_error(write_spec, BILLED.replace("{who}", "elsewhere"))
    assert code == "BILLING_OWNER_NOT_REACHED"
    assert line == 17
    assert message == (
        "elsewhere is not reached by this share (ml/training): billing can be assigned only to "
        "an account a reservation is shared with"
    )


def test_a_billing_owner_named_by_its_account_id_is_that_account(write_spec):
    """The review's repro: an ID where a key is expected reached plan as a key (KeyError)."""
    spec = load_spec(write_spec(HEAD + BILLED.replace("{who}", '"333333333333"')))
    assert spec.shares["gpu"].billing_owner == "team-vision"
    accept = build_plan(spec)[f"share/gpu/billing/{CR.rsplit('/', 1)[1]}/accept"]
    assert accept.account_id == "333333333333"


SECOND = f"""\
  gpu-2:
    owner: gpu-owner
    resources:
      - arn: {CR}
        capacity: {{kind: on-demand, match: targeted}}
    principals: [ml]
    billing_owner: {{who}}
"""


def test_one_reservation_in_two_shares_has_one_billing_owner(write_spec):
    """Each share's assign command revokes the other payer first: two would undo each other."""
    body = BILLED.replace("{who}", "team-vision") + SECOND.replace("{who}", "gpu-also")
    head = HEAD.replace("accounts:\n", 'accounts:\n  gpu-also: {id: "555555555555", unit: ml}\n')
    with pytest.raises(SpecError) as info:
        load_spec(write_spec(head + body))
    [conflict] = [i for i in info.value.issues if i.location.path == "shares.gpu-2.billing_owner"]
    assert (conflict.code, conflict.location.line) == ("BILLING_OWNER_CONFLICT", 25)
    assert conflict.message == (
        "cr-0000000000000000a is also in share gpu, billed to team-vision: a reservation has one "
        "billing owner"
    )
    # near miss: the same billing owner in both shares is one request
    same = BILLED.replace("{who}", "team-vision") + SECOND.replace("{who}", "team-vision")
    assert load_spec(write_spec(head + same)).shares["gpu-2"].billing_owner == "team-vision"


def test_the_billing_owner_is_neither_unknown_nor_the_owner(write_spec):
    assert issue(write_spec, BILLED.replace("{who}", "team-visoin"), "UNKNOWN_ACCOUNT")[3] == (
        "did you mean 'team-vision'?"
    )
    assert issue(write_spec, BILLED.replace("{who}", "gpu-owner"), "BILLING_OWNER_IS_OWNER")[2] == (
        "gpu-owner owns the reservations: it pays for their unused part already"
    )


def test_a_billing_owner_on_a_share_without_capacity_is_rejected(write_spec):
    subnet = f"arn:aws:ec2:us-east-1:{OWNER}:subnet/subnet-0123456789abcdef0"
    body = BILLED.replace(f"arn: {CR}", f"arn: {subnet}").replace(
        "        capacity: {kind: on-demand, match: targeted}\n", ""
    )
    assert issue(write_spec, body.replace("{who}", "team-vision"), "BILLING_OWNER_WITHOUT_CAPACITY")


def test_a_billing_owner_does_not_apply_to_a_prepaid_capacity_block(write_spec):
    """A Capacity Block is paid up front (catalog: billing_assignable false, M): no warning, and
    the plan assigns billing of the On-Demand reservation only."""
    body = BILLED.replace(
        "    principals:",
        f"      - arn: {CB}\n        capacity: {{kind: capacity-block}}\n    principals:",
    )
    spec = load_spec(write_spec(HEAD + body.replace("{who}", "team-vision")))
    assert [w.code for w in spec.warnings if "BILLING" in w.code] == []
    nodes = {n.name for n in build_plan(spec).nodes if "/billing/" in n.name}
    assert nodes == {
        "share/gpu/billing/cr-0000000000000000a/assign",
        "share/gpu/billing/cr-0000000000000000a/accept",
    }


def test_a_billing_owner_of_capacity_blocks_only_is_a_warning(write_spec):
    """Nothing to assign when every reservation is paid up front: a warning at the line, and
    no billing command in the plan."""
    body = BILLED.replace(f"arn: {CR}", f"arn: {CB}").replace(
        "{kind: on-demand, match: targeted}", "{kind: capacity-block}"
    )
    spec = load_spec(write_spec(HEAD + body.replace("{who}", "team-vision")))
    found = [w for w in spec.warnings if w.code.startswith("BILLING_OWNER")]
    assert [(w.code, w.location.line, w.message, w.fix) for w in found] == [
        (
            "BILLING_OWNER_NOT_APPLICABLE",
            17,
            "every reservation of this share is a Capacity Block for ML (paid up front at "
            "purchase): `billing_owner` team-vision assigns nothing, and the plan leaves it out",
            "remove `billing_owner`",
        )
    ]
    assert [n.name for n in build_plan(spec).nodes if "/billing/" in n.name] == []


def test_an_on_demand_reservation_goes_outside_the_organization_only_with_allow_external(
    write_spec,
):
    body = f"""\
    resources:
      - arn: {CR}
        capacity: {{kind: on-demand, match: targeted}}
    principals: [ml/training, "999999999999"]
"""
    _code, line, _message, _fix = issue(write_spec, body, "EXTERNAL_PRINCIPAL")
    assert line == 16  # the principals
    spec = load_spec(write_spec(HEAD + body + "    allow_external: true\n"))
    assert spec.shares["gpu"].allow_external


def test_an_unstated_reservation_keeps_the_caveat_outside_the_organization(write_spec):
    """Unstated, the kind is unknown: a principal outside the organization gets the caveat that
    Capacity Blocks cannot go there; stated as On-Demand, the share is fine as it is."""
    body = """\
    resources:
      - {resource}
    principals: [ml/training, "999999999999"]
    allow_external: true
"""
    unstated = load_spec(write_spec(HEAD + body.replace("{resource}", CR)))
    assert unstated.shares["gpu"].resources[0].capacity is None
    assert "EXTERNAL_SHARE_CAVEAT" in [w.code for w in unstated.warnings]
    stated = load_spec(
        write_spec(
            HEAD
            + body.replace(
                "{resource}", f"arn: {CR}\n        capacity: {{kind: on-demand, match: targeted}}"
            )
        )
    )
    assert "EXTERNAL_SHARE_CAVEAT" not in [w.code for w in stated.warnings]


@pytest.mark.parametrize(
    "end", ["next tuesday", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"]
)
def test_an_end_that_is_not_a_date_is_located(write_spec, end):
    """Also a date an offset carries past the calendar's edge (was an OverflowError)."""
    code, line, message, fix = only_error(
        write_spec,
        f"""\
    resources:
      - arn: {CB}
        capacity: {{kind: capacity-block, end: "{end}"}}
    principals: [ml/training]
""",
    )
    assert (code, line) == ("INVALID_DATE", 15)
    assert message == f"end {end!r} is not an ISO 8601 date and time"
    assert fix == "write it as 2026-12-15T11:30:00Z"


ZONE = """\
    resources:
      - arn: {cr}
        capacity: {{kind: on-demand, match: targeted, availability_zone: {zone}}}
    principals: [ml/training]
"""


@pytest.mark.parametrize("zone", ["us-east-1a", "us-west-2-lax-1a", "us-east-1-wl1-bos-wlz-1"])
def test_a_reservation_may_be_in_a_zone_a_local_zone_or_a_wavelength_zone(write_spec, zone):
    """EC2 User Guide: Capacity Reservations in Local Zones and in Wavelength Zones."""
    spec = load_spec(write_spec(HEAD + ZONE.format(cr=CR, zone=zone)))
    assert spec.shares["gpu"].resources[0].capacity.availability_zone == zone


@pytest.mark.parametrize("zone", ["us-east-1", "use1-az1"])
def test_a_region_or_a_zone_id_is_not_a_zone_name(write_spec, zone):
    found = issue(write_spec, ZONE.format(cr=CR, zone=zone), "INVALID_VALUE")
    assert found[:3] == (
        "INVALID_VALUE",
        14,  # the capacity line
        f"{zone!r} is not valid here (pattern ^[a-z]{{2}}(-[a-z]+)+-\\d([a-z]|(-[a-z0-9]+)+)$)",
    )


def test_the_management_account_may_pay_once_declared_under_accounts(write_spec):
    """EC2 user guide, request-billing-transfer: billing goes to an account the reservation is
    shared with, under the owner's payer. The management account is that payer, so it may pay;
    named by its ID without an `accounts` entry it is not refused as outside the payer."""
    body = BILLED.replace("principals: [ml/training]", "principals: [root]")
    code, line, message, fix = only_error(write_spec, body.replace("{who}", '"111111111111"'))
    assert (code, line) == ("BILLING_OWNER_NOT_DECLARED", 17)
    assert message == (
        "billing owner '111111111111' is the management account: it may pay for the unused "
        "part (it is the organization's payer), but it is not declared under `accounts`"
    )
    assert fix == (
        'declare it under `accounts` with its ID (for example management: {id: "111111111111"}) '
        "and name that key here"
    )
    # Given the management account declared under `accounts`, when it is named, then it pays,
    head = HEAD.replace("accounts:\n", 'accounts:\n  management: {id: "111111111111"}\n')
    spec = load_spec(write_spec(head + body.replace("{who}", "management")))
    assert spec.shares["gpu"].billing_owner == "management"
    # and accepts in its own account, with no role to assume (the deployment's own credentials).
    accept = build_plan(spec)[f"share/gpu/billing/{CR.rsplit('/', 1)[1]}/accept"]
    assert accept.account_id == "111111111111"
    # while a share that does not reach it is still refused as not reaching it.
    missed = body.replace("principals: [root]", "principals: [ml]").replace("{who}", "management")
    with pytest.raises(SpecError) as info:
        load_spec(write_spec(head + missed))
    assert [i.code for i in info.value.issues if i.severity is Severity.ERROR] == [
        "BILLING_OWNER_NOT_REACHED"
    ]
