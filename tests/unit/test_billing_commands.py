"""The billing-assignment scripts the plan runs (plan/capacity.py), run by /bin/sh against a
stand-in `aws` that records its arguments and answers the describe call: given what AWS holds,
when the script runs, then it makes exactly the calls that bring AWS to the spec — and none when
it is there already (idempotent)."""

from __future__ import annotations

import os
import stat
import subprocess

import pytest

from trainshare.plan.capacity import ACCEPT_BILLING, ASSIGN_BILLING, REVOKE_BILLING

CR, PAYER, OTHER = "cr-0000000000000000a", "333333333333", "444444444444"
FAKE_AWS = """\
#!/bin/sh
echo "$*" >> "$FAKE_LOG"
case "$1 $2" in
  "sts assume-role") echo "AKID SECRET TOKEN" ;;
  "ec2 describe-capacity-reservation-billing-requests")
    case "$*" in *length*) echo "${FAKE_PENDING:-0}" ;; *) echo "$FAKE_LIVE" ;; esac ;;
esac
"""


@pytest.fixture
def shell(tmp_path):
    fake = tmp_path / "bin" / "aws"
    fake.parent.mkdir()
    fake.write_text(FAKE_AWS)
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "calls.log"

    def run(script, role="", **fake_state):
        log.write_text("")
        env = {
            "PATH": f"{fake.parent}:{os.environ['PATH']}",
            "FAKE_LOG": str(log),
            "TRAINSHARE_REGION": "us-east-1",
            "TRAINSHARE_ROLE_ARN": role,
            "TRAINSHARE_SESSION_NAME": "trainshare",
            "TRAINSHARE_EXTERNAL_ID": "",
            "TRAINSHARE_RESERVATION_ID": CR,
            "TRAINSHARE_BILLING_OWNER": PAYER,
            **{f"FAKE_{k.upper()}": v for k, v in fake_state.items()},
        }
        done = subprocess.run(
            ["/bin/sh", "-c", script], env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return [
            " ".join(line.split()[:2])
            + (
                ""
                if "--unused-reservation-billing-owner-id" not in line
                else " " + line.split()[-1]
            )
            for line in log.read_text().splitlines()
        ]

    return run


def test_assign_asks_the_billing_owner_when_nobody_pays(shell):
    assert shell(ASSIGN_BILLING, live="") == [
        "ec2 describe-capacity-reservation-billing-requests",
        f"ec2 associate-capacity-reservation-billing-owner {PAYER}",
    ]


def test_assign_changes_nothing_when_the_request_is_pending_or_accepted_already(shell):
    assert shell(ASSIGN_BILLING, live=PAYER) == [
        "ec2 describe-capacity-reservation-billing-requests"
    ]


def test_assign_revokes_another_payer_first(shell):
    """assign-billing: billing goes to one account at a time."""
    assert shell(ASSIGN_BILLING, live=OTHER) == [
        "ec2 describe-capacity-reservation-billing-requests",
        f"ec2 disassociate-capacity-reservation-billing-owner {OTHER}",
        f"ec2 associate-capacity-reservation-billing-owner {PAYER}",
    ]


def test_assign_runs_in_the_owner_account_through_its_role(shell):
    calls = shell(ASSIGN_BILLING, role="arn:aws:iam::222222222222:role/Deploy", live=PAYER)
    assert calls[0] == "sts assume-role"


def test_revoke_only_what_is_live(shell):
    assert shell(REVOKE_BILLING, live="") == ["ec2 describe-capacity-reservation-billing-requests"]
    assert shell(REVOKE_BILLING, live=PAYER)[-1] == (
        f"ec2 disassociate-capacity-reservation-billing-owner {PAYER}"
    )


def test_accept_only_a_pending_request(shell):
    assert shell(ACCEPT_BILLING, pending="0") == [
        "ec2 describe-capacity-reservation-billing-requests"
    ]
    assert (
        shell(ACCEPT_BILLING, pending="1")[-1]
        == "ec2 accept-capacity-reservation-billing-ownership"
    )
