"""`trainshare demo`: the real Pulumi program against the embedded emulator, then audit and access.

1. start the emulator on loopback; 2. seed the world the spec assumes exists; 3. run OrgSharing
through EmulatorMocks, each registration a real API call; 4. audit the emulator against the spec
(expect no drift); 5. the access matrix and the HTML report; 6. where the spec shares capacity,
stand-ins for the teams' training jobs, then the capacity view.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from trainshare.access import AccessModel, model_from_spec
from trainshare.access.matrix import Cell, access_matrix
from trainshare.audit import AuditReport, ClientFactory, diff, read_snapshot
from trainshare.audit.capacity import read_capacity
from trainshare.capacity.view import CapacityReport, capacity_view, shared_capacity
from trainshare.emulator.bridge import EmulatorMocks
from trainshare.emulator.credentials import management_credentials
from trainshare.emulator.server import Emulator, running_emulator
from trainshare.emulator.world import seed_world
from trainshare.outputs import write_text as write_output
from trainshare.pulumi import OrgSharing
from trainshare.report.access import render_html
from trainshare.snapshot import Snapshot
from trainshare.spec import PrincipalKind, Spec


@dataclass
class DemoResult:
    created: list[tuple[str, str, str]]
    snapshot: Snapshot
    report: AuditReport
    cells: list[Cell]
    outputs: dict[str, Any]
    model: AccessModel
    capacity: CapacityReport | None = None  # the capacity view, when the spec shares capacity


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


# an Ubuntu image moto serves (its Windows images would not match a Linux/UNIX reservation)
LINUX_AMI = "ami-1e749f67"
_MARKET = {
    "capacity-block": "capacity-block",
    "interruptible": "interruptible-capacity-reservation",
}


def run_training_jobs(emulator: Emulator, spec: Spec, account_ids: Mapping[str, str]) -> list[str]:
    """Stand-ins for the teams' training jobs, so the capacity view has something to show: in
    each shared reservation, the first account the share reaches launches all but one of its
    instances, by its ID (what a consumer does with a targeted reservation or a block); the next
    reservation goes to the next account."""
    said = []
    for index, (share, resource) in enumerate(shared_capacity(spec)):
        reached = [
            key
            for key, account in spec.accounts.items()
            if key != share.owner
            and any(_reaches(p.kind, p.target, account.unit, key) for p in share.principals)
        ]
        if not reached:
            continue
        consumer = reached[index % len(reached)]
        if consumer not in account_ids:
            continue
        reservation_id = resource.arn.rsplit("/", 1)[-1]
        ec2 = emulator.client("ec2", account_ids[consumer], share.region)
        [found] = ec2.describe_capacity_reservations(CapacityReservationIds=[reservation_id])[
            "CapacityReservations"
        ]
        count = found["AvailableInstanceCount"] - 1
        if count < 1:
            continue
        kind = resource.capacity.kind if resource.capacity else "on-demand"
        market = _MARKET.get(kind)
        ec2.run_instances(
            ImageId=LINUX_AMI,
            MinCount=count,
            MaxCount=count,
            InstanceType=found["InstanceType"],
            CapacityReservationSpecification={
                "CapacityReservationTarget": {"CapacityReservationId": reservation_id}
            },
            **({"InstanceMarketOptions": {"MarketType": market}} if market else {}),
        )
        said.append(
            f"{consumer} runs {count} {found['InstanceType']} in {reservation_id} "
            f"({share.key}, {found['TotalInstanceCount']} reserved)"
        )
    return said


def _reaches(kind: PrincipalKind, target: str, unit: str, key: str) -> bool:
    if kind is PrincipalKind.ORGANIZATION:
        return True
    if kind is PrincipalKind.UNIT:
        return unit == target or unit.startswith(target + "/")
    return kind is PrincipalKind.ACCOUNT and target == key


def capacity_emulator(emulator: Emulator, spec: Spec, model: AccessModel) -> CapacityReport:
    factory = ClientFactory(session=emulator.session(), endpoint_url=emulator.endpoint)
    return capacity_view(spec, read_capacity(spec, factory), model)


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
        capacity = None
        if shared_capacity(spec):
            say("the teams' training jobs (stand-ins, launched by reservation ID):")
            for line in run_training_jobs(emulator, spec, outputs.get("account_ids") or {}):
                say(f"  {line}")
            capacity = capacity_emulator(emulator, spec, model)
        if keep:
            credentials = management_credentials(emulator, spec.organization.region)
            say(f"the emulator keeps running at {emulator.endpoint}; in another shell:")
            for line in credentials.exports():
                say(f"  {line}")
            say("  aws organizations list-accounts    # or trainshare audit, boto3, …")
            say("press Ctrl-C to stop it")
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
        return DemoResult(mocks.created, snapshot, report, cells, outputs, model, capacity)
