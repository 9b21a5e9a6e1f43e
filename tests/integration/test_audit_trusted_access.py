"""Trusted access end to end, on the emulator: the example with a trusted service added is
deployed and audited clean; once that service's trusted access is switched off outside
trainshare, the audit reports it missing, and one switched on outside trainshare is no drift."""

from __future__ import annotations

import shutil

from tests.conftest import EXAMPLE
from trainshare.emulator.demo import audit_emulator, deploy
from trainshare.emulator.world import seed_world
from trainshare.spec import load_spec

ROLE = "  access_role: OrganizationAccountAccessRole\n"


def test_the_example_audits_clean_then_a_trusted_service_switched_off_is_missing(
    emulator, tmp_path
):
    # given the example, enabling trusted access for AWS Backup, deployed
    folder = tmp_path / "ml-platform"
    shutil.copytree(EXAMPLE.parent, folder)
    text = EXAMPLE.read_text()
    assert ROLE in text
    path = folder / EXAMPLE.name
    path.write_text(text.replace(ROLE, ROLE + "  trusted_services: [backup.amazonaws.com]\n"))
    spec = load_spec(path)
    seed_world(emulator, spec)
    deploy(emulator, spec, lambda _: None)
    snapshot, report = audit_emulator(emulator, spec)
    assert "backup.amazonaws.com" in snapshot.service_access
    assert report.drift == []
    organizations = emulator.client("organizations")
    # when someone switches on another service's trusted access: no drift
    organizations.enable_aws_service_access(ServicePrincipal="config.amazonaws.com")
    assert audit_emulator(emulator, spec)[1].drift == []
    # when Backup's is switched off outside trainshare
    organizations.disable_aws_service_access(ServicePrincipal="backup.amazonaws.com")
    _, report = audit_emulator(emulator, spec)
    # then the audit says exactly that
    assert [d.render() for d in report.drift] == [
        "missing    trusted-access    backup.amazonaws.com: not enabled in organization "
        f"{snapshot.organization_id}"
    ]
    # and the example as written (no trusted_services) stays clean on the same organization
    assert audit_emulator(emulator, load_spec(EXAMPLE))[1].drift == []
