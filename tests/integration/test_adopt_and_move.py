"""An existing account declared with its `id` and `email` is adopted and moved by `pulumi up`:
the real program through the bridge into the emulator, then the read-only audit."""

from __future__ import annotations

import textwrap

from trainshare.emulator.demo import audit_emulator, deploy
from trainshare.emulator.world import seed_world
from trainshare.spec import load_spec

SPEC = textwrap.dedent("""\
    version: 1
    organization: {management_account: "111111111111"}
    units:
      platform: {id: ou-ab12-11111111}
      quarantine: {}
    accounts:
      legacy: {id: "333333333333", email: legacy@example.com, unit: platform}
    guardrails:
      lock-down: {template: quarantine, targets: [quarantine]}
    """)


def test_quarantining_an_existing_account_moves_it_and_audits_clean(emulator, write_spec):
    seed_world(emulator, load_spec(write_spec(SPEC)))  # legacy lives in platform today
    org = emulator.client("organizations")
    assert org.list_parents(ChildId="333333333333")["Parents"][0]["Id"] == "ou-ab12-11111111"

    quarantined = load_spec(write_spec(SPEC.replace("unit: platform}", "unit: quarantine}")))
    lines: list[str] = []
    mocks, outputs = deploy(emulator, quarantined, lines.append)

    quarantine = outputs["ou_ids"]["quarantine"]
    assert org.list_parents(ChildId="333333333333")["Parents"][0]["Id"] == quarantine
    adopted = {(kind.rsplit(":", 1)[-1], rid) for kind, _, rid in mocks.imported}
    assert adopted == {("Account", "333333333333"), ("OrganizationalUnit", "ou-ab12-11111111")}
    assert (
        f"~ Account                  333333333333  moved from ou-ab12-11111111 to {quarantine}"
        in (lines)
    )
    assert all(kind != "aws:organizations/account:Account" for kind, _, _ in mocks.created)
    _, report = audit_emulator(emulator, quarantined)
    assert report.drift == [] and report.findings == []
