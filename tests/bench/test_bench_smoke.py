"""The benchmark suite cannot rot: CI runs it once at size S (no report is written)."""

from __future__ import annotations

from bench.run import (
    ONE_STACK,
    SIZES,
    SPLIT,
    Results,
    _split_stage,
    cell_count,
    naive_sample,
    render,
    run,
)
from typer.testing import CliRunner

from trainshare.cli import app
from trainshare.spec import load_spec
from trainshare.synth import SynthParams, synthesize, write_synthetic


def test_bench_runs_at_size_s_and_reports_every_stage():
    results = run(
        ["S"],
        repeat=1,
        audit_sizes={"S"},
        split_sizes=set(),
        throttled_sizes={"S"},
        rate=400,
        capacity_sizes={"S"},
    )
    for stage in (
        "load + validate",
        "build plan",
        "plan --format json",
        "access matrix",
        "access matrix, a Cell per decision",
        "diff: access, guardrails, risks",
        "diff: every section (both plans too)",
        "Pulumi component (mocks)",
        "same graph without the component",
        "bare pulumi_aws, same resources and inputs",
        "bare pulumi_aws, as many 2-input resources",
        "audit (8 workers)",
        "audit (1 worker)",
        "audit, throttled at 400 calls/s",
        "audit, throttled at 400 calls/s: its floor, calls ÷ rate",
        "capacity: read (8 workers)",
        "capacity: view from a snapshot",
    ):
        measure = results.rows[stage]["S"]
        assert measure.median > 0
    assert results.notes["audit API calls"]["S"].split()[0].isdigit()
    assert "snapshot identical to the unthrottled read" in results.notes["throttled audit"]["S"]
    admitted = int(results.notes["throttled audit"]["S"].split()[0].replace(",", ""))
    wall = results.rows["audit, throttled at 400 calls/s"]["S"].median
    assert wall >= (admitted - 5) / 400  # nothing beats calls ÷ rate (a burst of 5 aside)
    floor = results.rows["audit, throttled at 400 calls/s: its floor, calls ÷ rate"]["S"]
    assert floor.median == admitted / 400
    assert results.ratios["throttled audit / floor"]["S"] > 0
    # S shares 4 × 5 reservations, one consumer per share running one instance in its first
    capacity = results.notes["capacity API calls"]["S"]
    assert "20 of 20 reservations read, 4 instance(s) in them from 4 consumer account(s)" in (
        capacity
    )
    assert results.ratios["capacity calls / fewest"]["S"] == 1.0
    assert "capacity calls = the fewest its plan needs at S: 1.00× — **met**" in render(results)
    # the benchmark's edit changes access: the diff has something to find
    assert results.notes["diff"]["S"].startswith("one guardrail changed on one OU: ")
    assert "0 access change(s)" not in results.notes["diff"]["S"]
    assert "diff at L ≤ 1.5× one matrix: L not run; S: " in render(results)
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
    kinds = [s.kind.value for s in spec.shares.values()]
    assert kinds.count("policy") == 1 and kinds.count("ram") == 5  # 20% policy shares
    assert SIZES["L"].accounts == 10_000
    # the sampled per-cell baseline (used at L) runs on policy shares too
    evaluate, sampled = naive_sample(spec, 0.5)
    assert len(evaluate()) == sampled and 0 < sampled < cell_count(spec)


def test_synth_command_writes_a_valid_spec_and_never_overwrites(tmp_path):
    runner = CliRunner()
    args = ["synth", "--out", str(tmp_path / "o"), "--accounts", "40", "--shares", "10"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    spec = load_spec(tmp_path / "o" / "trainshare.yaml")
    assert len(spec.accounts) == 40 and len(spec.managed_policies) == 10  # 2 shares × 5
    again = runner.invoke(app, args)
    assert again.exit_code == 1
    assert f"{tmp_path / 'o' / 'trainshare.yaml'} exists; nothing was written" in again.stderr
    bad = runner.invoke(app, ["synth", "--out", str(tmp_path / "b"), "--accounts", "3"])
    assert bad.exit_code == 1
    assert "--owners (5) must be fewer than --accounts (3)" in bad.stderr


def test_split_stacks_are_timed_against_one_stack(tmp_path):
    """The split benchmark on a tiny organization: an org slice and two owner slices, each a
    process of its own, against the whole spec in one process."""
    path = write_synthetic(
        tmp_path, SynthParams(accounts=12, units=3, depth=2, guardrails=2, shares=4, owners=2)
    )
    results = Results(["S"], repeat=1)
    _split_stage("S", path, load_spec(path), results)
    assert results.rows[ONE_STACK]["S"].median > 0 and results.rows[SPLIT]["S"].median > 0
    note = results.notes["split stacks"]["S"]
    assert note.startswith("the org slice, then 2 owner slice(s)")
    assert "(org slice " in note and " s, then the owners " in note
    assert results.ratios["split stacks / one stack"]["S"] > 0
    assert "split stacks" in render(results)
