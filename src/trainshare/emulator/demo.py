"""`trainshare demo`: the real Pulumi program against the embedded emulator, then audit and access.

1. start the emulator on loopback; 2. seed the world the spec assumes exists; 3. run OrgSharing
through EmulatorMocks, each registration a real API call; 4. audit the emulator against the spec
(expect no drift); 5. the access matrix and the HTML report.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from trainshare.access import AccessModel, model_from_spec
from trainshare.access.matrix import Cell, access_matrix
from trainshare.audit import AuditReport, ClientFactory, diff, read_snapshot
from trainshare.emulator.bridge import EmulatorMocks
from trainshare.emulator.credentials import management_credentials
from trainshare.emulator.server import Emulator, running_emulator
from trainshare.emulator.world import seed_world
from trainshare.outputs import write_text as write_output
from trainshare.pulumi import OrgSharing
from trainshare.report.access import render_html
from trainshare.snapshot import Snapshot
from trainshare.spec import Spec


@dataclass
class DemoResult:
    created: list[tuple[str, str, str]]
    snapshot: Snapshot
    report: AuditReport
    cells: list[Cell]
    outputs: dict[str, Any]
    model: AccessModel


def deploy(
    emulator: Emulator,
    spec: Spec,
    progress: Callable[[str], None],
    adopt: Any = None,
    name: str = "demo",
) -> tuple[EmulatorMocks, dict[str, Any]]:
    """Run the OrgSharing program through the bridge; returns the mocks and the stack outputs.
    `adopt` and `name` are OrgSharing's (an import file, and the component name it uses)."""
    mocks = EmulatorMocks(emulator, progress=progress)
    pulumi.runtime.set_mocks(mocks, project="trainshare-demo", stack="demo", preview=False)
    outputs: dict[str, Any] = {}

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> pulumi.Output[Any]:
        component = OrgSharing(name, spec, adopt=adopt)
        return pulumi.Output.all(
            component.account_ids, component.ou_ids, component.share_arns, component.policy_ids
        ).apply(
            lambda v: outputs.update(
                zip(("account_ids", "ou_ids", "share_arns", "policy_ids"), v, strict=True)
            )
        )

    program()
    return mocks, outputs


def audit_emulator(
    emulator: Emulator, spec: Spec, progress: Callable[[str], None] | None = None
) -> tuple[Snapshot, AuditReport]:
    factory = ClientFactory(session=emulator.session(), endpoint_url=emulator.endpoint)
    snapshot = read_snapshot(spec, factory, progress=progress)
    return snapshot, diff(spec, snapshot)


def run_demo(spec: Spec, html: Path, say: Callable[[str], None], keep: bool = False) -> DemoResult:
    management = spec.organization.management_account
    with running_emulator(management) as emulator:
        say(f"emulator: moto on {emulator.endpoint} (loopback only; fake credentials)")
        for line in seed_world(emulator, spec):
            say(f"seeded: {line}")
        say("deploying the Pulumi program (OrgSharing) through the emulator:")
        mocks, outputs = deploy(emulator, spec, lambda line: say("  " + line))
        say(f"deployed {len(mocks.created)} resources")
        say("auditing the emulator against the spec (read-only):")
        snapshot, report = audit_emulator(emulator, spec, lambda line: say("  " + line))
        model = model_from_spec(spec, snapshot.organization_id, outputs.get("account_ids"))
        cells = access_matrix(model)
        write_output(html, render_html(model, cells, str(spec.file)), "access report")
        if keep:
            credentials = management_credentials(emulator, spec.organization.region)
            say(f"the emulator keeps running at {emulator.endpoint}; in another shell:")
            for line in credentials.exports():
                say(f"  {line}")
            say("  aws organizations list-accounts    # or trainshare audit, boto3, …")
            say("press Ctrl-C to stop it")
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
        return DemoResult(mocks.created, snapshot, report, cells, outputs, model)
