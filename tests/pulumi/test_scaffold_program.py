"""The program `trainshare init` writes runs under the mock runtime as written."""

from __future__ import annotations

import runpy

from trainshare.plan import kinds
from trainshare.scaffold import init_project


def test_the_scaffolded_program_registers_the_component_and_its_share(tmp_path, deploy):
    init_project(tmp_path / "p")
    mocks, _, _ = deploy(lambda: runpy.run_path(str(tmp_path / "p" / "__main__.py")) and None)
    assert [r.name for r in mocks.of_type(kinds.RESOURCE_SHARE)] == ["p/share/gpu-capacity"]
    assert mocks.registrations[0].type == "trainshare:index:OrgSharing"
