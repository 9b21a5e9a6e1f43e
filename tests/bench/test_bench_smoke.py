"""The benchmark suite cannot rot: CI runs it once at size S (no report is written)."""

from __future__ import annotations

from bench.run import SIZES, render, run

from trainshare.spec import load_spec
from trainshare.synth import SynthParams, synthesize, write_synthetic


def test_bench_runs_at_size_s_and_reports_every_stage():
    results = run(["S"], repeat=1, audit_sizes={"S"})
    for stage in (
        "load + validate",
        "build plan",
        "plan --format json",
        "access matrix",
        "Pulumi component (mocks)",
        "bare pulumi_aws, same count",
        "audit (8 workers)",
        "audit (1 worker)",
    ):
        measure = results.rows[stage]["S"]
        assert measure.median > 0
    assert results.notes["audit API calls"]["S"].split()[0].isdigit()
    report = render(results)
    assert report.startswith("# trainshare benchmarks")
    assert "| access matrix | " in report and "Profile of the slowest timed stage" in report


def test_synthetic_specs_are_deterministic_and_valid(tmp_path):
    params = SynthParams(accounts=60, units=8, guardrails=12, shares=6, seed=3)
    assert synthesize(params) == synthesize(params)
    assert synthesize(params) != synthesize(SynthParams(accounts=60, units=8, seed=4))
    spec = load_spec(write_synthetic(tmp_path, params))
    assert (len(spec.accounts), len(spec.units), len(spec.guardrails), len(spec.shares)) == (
        60,
        8,
        12,
        6,
    )
    assert all(unit.depth <= 3 for unit in spec.units.values())
    assert SIZES["L"].accounts == 10_000
