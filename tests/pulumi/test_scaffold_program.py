"""The program `trainshare init` writes runs under the mock runtime as written."""

from __future__ import annotations

import runpy

import pulumi

from trainshare.plan import kinds
from trainshare.scaffold import init_project


def test_the_scaffolded_program_registers_the_component_and_its_share(tmp_path, deploy):
    init_project(tmp_path / "p")
    mocks, _, _ = deploy(lambda: runpy.run_path(str(tmp_path / "p" / "__main__.py")) and None)
    assert [r.name for r in mocks.of_type(kinds.RESOURCE_SHARE)] == ["p/share/gpu-capacity"]
    assert mocks.registrations[0].type == "trainshare:index:OrgSharing"


def _with_config(values: dict[str, str]):
    pulumi.runtime.set_all_config(values)


def test_the_program_reads_its_spec_and_part_from_stack_config(tmp_path, deploy):
    init_project(tmp_path / "p")
    other = (tmp_path / "p" / "trainshare.yaml").read_text().replace("gpu-capacity:", "gpus:")
    (tmp_path / "p" / "other.yaml").write_text(other)
    program = str(tmp_path / "p" / "__main__.py")
    try:
        _with_config({"trainshare:spec": "other.yaml"})
        mocks, _, _ = deploy(lambda: runpy.run_path(program) and None)
        assert [r.name for r in mocks.of_type(kinds.RESOURCE_SHARE)] == ["p/share/gpus"]

        _with_config({"trainshare:part": "org"})
        org, _, _ = deploy(lambda: runpy.run_path(program) and None)
        assert mocks.of_type(kinds.ACCOUNT) and not org.of_type(kinds.RESOURCE_SHARE)
        assert {r.type for r in org.registrations} >= {kinds.ORGANIZATIONAL_UNIT, kinds.POLICY}
    finally:
        pulumi.runtime.set_all_config({})
