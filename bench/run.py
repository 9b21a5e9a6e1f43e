"""trainshare's benchmarks: every stage at organization scale, medians and side-by-side ratios.

    python -m bench.run --sizes S,M --repeat 5 --out BENCHMARKS.md     (make bench)
    python -m bench.run --sizes S,M,L,L-rcp --repeat 3 --throttled-audit M --capacity M \
        --out BENCHMARKS.md                                            (make bench-full)

Sizes are synthetic organizations (trainshare.synth, seed 7). Each stage is timed `repeat` times
(median reported) and run once more under tracemalloc for its peak Python memory. Ratios are
measured side by side in the same process, right after each other. BENCHMARKS.md is written by
this script only.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import itertools
import json
import math
import os
import pstats
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
from ruamel.yaml import YAML

from bench import store
from bench.capacity import capacity_world
from bench.slices import SilentMocks
from bench.store import Run
from trainshare.access import model_from_spec
from trainshare.access.evaluate import Evaluator
from trainshare.access.grouping import Grouping
from trainshare.access.matrix import access_matrix, access_rows, naive_matrix, share_actions
from trainshare.audit import ClientFactory
from trainshare.audit.capacity import capacity_call_floor
from trainshare.audit.diff import owners, policy_resources
from trainshare.audit.reader import Reader
from trainshare.capacity.model import CapacitySnapshot
from trainshare.capacity.view import capacity_view, created_account_ids
from trainshare.diff import decide_changes, diff_specs
from trainshare.emulator import running_emulator
from trainshare.emulator.seed import seed_deployed
from trainshare.emulator.world import seed_world
from trainshare.plan import Join, Mode, Ref, Value, build_plan, plan_to_json
from trainshare.plan.slices import all_parts
from trainshare.pulumi import OrgSharing
from trainshare.pulumi import component as component_module
from trainshare.snapshot import Snapshot
from trainshare.spec import Spec, load_spec
from trainshare.synth import SynthParams, write_synthetic

# Only the counts change between sizes (OU depth 5, AWS's maximum, everywhere), so that the
# growth exponents compare like with like.
SIZES = {
    "S": SynthParams(accounts=100, units=10, depth=5, guardrails=10, shares=10, owners=5),
    # S with the data-perimeter RCPs (`--sizes S-rcp`); L-rcp below
    "S-rcp": SynthParams(
        accounts=100, units=10, depth=5, guardrails=10, shares=10, owners=5, rcps=6
    ),
    "M": SynthParams(accounts=1000, units=100, depth=5, guardrails=40, shares=100, owners=10),
    "L": SynthParams(
        accounts=10000,
        units=1000,
        depth=5,
        guardrails=200,
        shares=1000,
        resources_per_share=5,
        owners=20,
    ),
    # L with 60 data-perimeter RCPs on OUs and share owners (`--sizes L-rcp`): the matrix
    # target (≤ 1 s at L) holds with RCPs too
    "L-rcp": SynthParams(
        accounts=10000,
        units=1000,
        depth=5,
        guardrails=200,
        shares=1000,
        resources_per_share=5,
        owners=20,
        rcps=60,
    ),
}


@dataclass
class Measure:
    median: float
    runs: list[float]
    peak_mb: float | None = None
    run: str = ""  # the id of the run it came from (bench/store.py), once saved


@dataclass
class Results:
    sizes: list[str]
    repeat: int
    rows: dict[str, dict[str, Measure]] = field(default_factory=dict)  # stage → size → measure
    notes: dict[str, dict[str, str]] = field(default_factory=dict)  # stage → size → note
    ratios: dict[str, dict[str, float]] = field(default_factory=dict)  # name → size → value
    profile: str = ""
    # once saved: the runs the figures came from, and which run each note and ratio is from
    runs: dict[str, Run] = field(default_factory=dict)
    sources: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (section, name, size)
    loads: list[float] = field(default_factory=list)  # 1-minute load averages while it ran


def timed(fn: Callable[[], Any], repeat: int, memory: bool = True) -> Measure:
    """Median of `repeat` runs (see `side_by_side`), and with `memory` the peak of Python's
    allocations in one more run."""
    measure = side_by_side({"": fn}, repeat)[""]
    if memory:
        measure.peak_mb = peak_mb(fn)
    return measure


def peak_mb(fn: Callable[[], Any]) -> float:
    """The peak of Python's allocations during one run of `fn`."""
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak


def side_by_side(fns: Mapping[str, Callable[[], Any]], repeat: int) -> dict[str, Measure]:
    """Median of `repeat` rounds, each running every function once in turn: a machine that
    slows down part-way through slows every variant alike, so their ratios stay fair. Objects
    alive before a run (the harness's, other stages') are frozen out of the garbage collector
    (`gc.freeze`), so a run pays for scanning only what it allocates — as in the CLI, which
    freezes the loaded spec before the matrix."""
    runs: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            gc.collect()
            gc.freeze()
            start = time.perf_counter()
            fn()
            runs[name].append(time.perf_counter() - start)
            gc.unfreeze()
    return {name: Measure(statistics.median(r), r) for name, r in runs.items()}


def component(spec: Spec) -> None:
    pulumi.runtime.set_mocks(SilentMocks(), project="bench", stack="bench", preview=False)
    pulumi.runtime.test(lambda: OrgSharing("bench", spec) and None)()


def flat(spec: Spec) -> None:
    """The same resources, inputs and dependencies without the ComponentResource around them
    (every child registered at the top level): what the component itself costs."""
    real = pulumi.ResourceOptions

    class NoParent(real):
        def __init__(self, *args: Any, parent: Any = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)

    component_module.pulumi.ResourceOptions = NoParent
    try:
        component(spec)
    finally:
        component_module.pulumi.ResourceOptions = real


def bare(count: int) -> None:
    pulumi.runtime.set_mocks(SilentMocks(), project="bench", stack="bench", preview=False)
    pulumi.runtime.test(
        lambda: (
            [
                aws.ram.ResourceShare(f"s{i}", name=f"s{i}", allow_external_principals=False)
                for i in range(count)
            ]
            and None
        )
    )()


def _literal(value: Value) -> Any:
    """A plan value with every reference replaced by a made-up ID of the same shape."""
    if isinstance(value, Ref):
        return f"{value.node}-id"
    if isinstance(value, Join):
        return "".join(p if isinstance(p, str) else _literal(p) for p in value.parts)
    if isinstance(value, Mapping):
        return {k: _literal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_literal(v) for v in value]
    return value


def bare_same(spec: Spec) -> None:
    """The plan's resources written by hand with plain `pulumi_aws`: the same classes and the
    same inputs, references as literal IDs, no providers, options or component — the SDK's own
    floor for this program's resources."""
    nodes = [n for n in build_plan(spec).nodes if n.mode == Mode.CREATE]

    def program() -> None:
        for node in nodes:
            inputs = {k: _literal(v) for k, v in node.inputs.items()}
            inputs = component_module.INPUT_ADAPTERS.get(node.kind, dict)(inputs)
            component_module.RESOURCE_CLASSES[node.kind](node.name, **inputs)

    pulumi.runtime.set_mocks(SilentMocks(), project="bench", stack="bench", preview=False)
    pulumi.runtime.test(program)()


def cell_count(spec: Spec) -> int:
    model = model_from_spec(spec)
    return sum(
        len(model.reached(s)) * sum(1 for _ in share_actions(s)) for s in model.shares.values()
    )


def naive_sample(spec: Spec, fraction: float) -> tuple[Callable[[], Any], int]:
    """Per-cell evaluation of a sample of the shares (every `1/fraction`th), to be timed and
    extrapolated to all cells, and how many cells the sample has."""
    model = model_from_spec(spec)
    keys = list(model.shares)[:: max(1, round(1 / fraction))]
    sample = type(model)(
        model.partition,
        model.management_account,
        model.org_id,
        model.accounts,
        model.units,
        model.account_levels,
        {k: model.shares[k] for k in keys},
        ids=model.ids,
    )
    return (lambda: naive_matrix(sample)), len(naive_matrix(sample))


def lower_bound(snapshot: Snapshot) -> int:
    """The fewest API calls that read this organization (Organizations pages of 20, RAM 500)."""

    def pages(n: int, size: int) -> int:
        return max(1, math.ceil(n / size))

    parents = [snapshot.root_id, *(u.id for u in snapshot.units)]
    calls = 3 + 1  # GetCallerIdentity, DescribeOrganization, ListRoots; ListAWSServiceAccess
    for parent in parents:
        calls += pages(sum(u.parent_id == parent for u in snapshot.units), 20)
        calls += pages(sum(a.parent_id == parent for a in snapshot.accounts), 20)
    calls += pages(len(snapshot.policies), 20)
    calls += sum(1 + pages(len(p.targets), 20) for p in snapshot.policies)
    members = {o for o, _ in snapshot.owners_read} | {p.owner for p in snapshot.resource_policies}
    calls += len(members - {snapshot.management_account})  # AssumeRole, once per account
    calls += len(snapshot.resource_policies)  # one Get…Policy per owned resource policy
    for owner, _region in snapshot.owners_read:
        shares = [s for s in snapshot.shares if s.owner == owner]
        calls += pages(len(shares), 500)
        for i in range(0, max(len(shares), 1), 100):
            chunk = shares[i : i + 100]
            calls += pages(sum(len(s.principals) for s in chunk), 500)
            calls += pages(sum(len(s.resources) for s in chunk), 500)
        calls += len(shares)  # ListResourceSharePermissions, one per share
    return calls


def audit_stage(spec: Spec, results: Results, size: str) -> None:
    with running_emulator(spec.organization.management_account) as emulator:
        seed_world(emulator, spec)
        seed_deployed(emulator, spec)  # what the Pulumi deploy leaves (test_emulator_seed.py)
        for workers in (8, 1):
            factory = ClientFactory(session=emulator.session(), endpoint_url=emulator.endpoint)

            def read(f: ClientFactory = factory, w: int = workers) -> Snapshot:
                reader = Reader(
                    f,
                    management_account=spec.organization.management_account,
                    access_role=spec.organization.access_role,
                    max_workers=w,
                )
                return reader.read(owners(spec), policy_resources(spec))

            measure = timed(read, max(1, results.repeat // 2), memory=False)
            calls = sum(factory.calls.values()) // (max(1, results.repeat // 2))
            results.rows.setdefault(f"audit ({workers} worker{'s' if workers > 1 else ''})", {})[
                size
            ] = measure
            if workers == 8:
                snapshot = read()
                bound = lower_bound(snapshot)
                results.ratios.setdefault("audit calls / bound", {})[size] = calls / bound
                results.notes.setdefault("audit API calls", {})[size] = (
                    f"{calls} calls; the fewest AWS would need with its page sizes: {bound} "
                    f"({calls / bound:.2f}×; the emulator serves some lists, such as "
                    "ListTargetsForPolicy, in one page where AWS pages by 20); "
                    f"{len(snapshot.accounts)} accounts, {len(snapshot.units)} OUs, "
                    f"{len(snapshot.shares)} shares in {len(snapshot.owners_read)} owners"
                )


THROTTLE_RATE = 100.0  # calls a second the throttled emulator admits
BURST = 5  # beyond the rate: a token bucket of 5, so network jitter alone does not throttle


def throttled_audit_stage(spec: Spec, results: Results, size: str, rate: float) -> None:
    """The audit against an emulator that admits `rate` calls a second and throttles the rest
    as AWS does: its wall time beside the floor no reader can beat, the calls it needed ÷ the
    rate. The same organization is read first without the limit, for the snapshot to compare."""
    with running_emulator(spec.organization.management_account) as emulator:
        seed_world(emulator, spec)
        seed_deployed(emulator, spec)  # what the Pulumi deploy leaves (test_emulator_seed.py)
        plain = ClientFactory(session=emulator.session(), endpoint_url=emulator.endpoint)
        started = time.perf_counter()
        expected = _read(spec, plain)
        unthrottled = time.perf_counter() - started
        assert emulator.throttle is not None
        emulator.throttle.set_rate(rate, burst=BURST)
        factory = ClientFactory(
            session=emulator.session(), endpoint_url=emulator.endpoint, max_total_seconds=600
        )
        started = time.perf_counter()
        snapshot = _read(spec, factory)
        wall = time.perf_counter() - started
        passed, throttled = emulator.throttle.accepted, emulator.throttle.throttled
        emulator.throttle.set_rate(None)
    same = _untimed(snapshot) == _untimed(expected)
    floor = passed / rate
    results.rows.setdefault(f"audit, throttled at {rate:g} calls/s", {})[size] = Measure(
        wall, [wall]
    )
    # beside it, what no reader can beat at that rate
    results.rows.setdefault(f"audit, throttled at {rate:g} calls/s: its floor, calls ÷ rate", {})[
        size
    ] = Measure(floor, [floor])
    # what no reader can beat: the rate's floor, or the emulator's own time for the same read
    results.ratios.setdefault("throttled audit / floor", {})[size] = wall / max(floor, unthrottled)
    results.notes.setdefault("throttled audit", {})[size] = (
        f"{passed:,} calls admitted at {rate:g}/s (a burst of {BURST}): floor {floor:.1f} s "
        f"(calls ÷ rate), wall "
        f"{wall:.1f} s, {wall / floor:.2f}× the floor; {throttled:,} throttled answers retried "
        f"({throttled / max(passed, 1):.2f} per call); the same read unthrottled: "
        f"{unthrottled:.1f} s; snapshot "
        + ("identical to the unthrottled read" if same else "**differs** from the unthrottled read")
    )


def capacity_stage(spec: Spec, results: Results, size: str) -> None:
    """`trainshare capacity` on the emulator (bench/capacity.py: every reservation the spec
    shares, one consumer per share running in it): the read, its API calls against the fewest
    its plan needs (`capacity_call_floor`), and the view built from the snapshot (offline, as
    `--snapshot` does: the access model for CONSUMER_CANNOT_LAUNCH included)."""
    repeat = max(1, results.repeat // 2)
    with capacity_world(spec) as world:
        counted: list[int] = []

        def read() -> CapacitySnapshot:
            snapshot, calls = world.read()
            counted.append(calls)
            return snapshot

        measure = timed(read, repeat, memory=False)
        snapshot = read()
    results.rows.setdefault("capacity: read (8 workers)", {})[size] = measure
    calls = counted[-1]
    floor = capacity_call_floor(spec, snapshot)
    results.ratios.setdefault("capacity calls / fewest", {})[size] = calls / floor
    running = sum(r.used for r in snapshot.reservations)
    results.notes.setdefault("capacity API calls", {})[size] = (
        f"{calls} calls (the same in each of {len(counted)} reads: "
        f"{'yes' if len(set(counted)) == 1 else 'no, ' + str(sorted(set(counted)))}); the "
        f"fewest its plan needs: {floor} ({calls / floor:.2f}×); {len(snapshot.reservations)} "
        f"of {world.reservations} reservations read, {running} instance(s) in them from "
        f"{len(set(world.consumers.values()))} consumer account(s), {len(snapshot.accounts)} "
        "described by ID"
    )

    def view() -> int:
        model = model_from_spec(
            spec, snapshot.organization_id or None, created_account_ids(spec, snapshot)
        )
        return len(capacity_view(spec, snapshot, model).findings)

    results.rows.setdefault("capacity: view from a snapshot", {})[size] = timed(
        view, results.repeat
    )


def _read(spec: Spec, factory: ClientFactory) -> Snapshot:
    reader = Reader(
        factory,
        management_account=spec.organization.management_account,
        access_role=spec.organization.access_role,
    )
    return reader.read(owners(spec), policy_resources(spec))


def _untimed(snapshot: Snapshot) -> Snapshot:
    return replace(snapshot, taken_at="")


Slowest = tuple[float, str, Callable[[], Any]]


def _pure_stages(size: str, path: Path, spec: Spec, results: Results, slowest: Slowest) -> Slowest:
    stage_runs = {
        "load + validate": lambda p=path: load_spec(p),
        "build plan": lambda s=spec: build_plan(s),
        "plan --format json": lambda s=spec: json.dumps(plan_to_json(build_plan(s))),
    }
    for stage, fn in stage_runs.items():
        print(f"[{size}] {stage}", file=sys.stderr)
        measure = timed(fn, results.repeat)
        results.rows.setdefault(stage, {})[size] = measure
        if measure.median > slowest[0]:
            slowest = (measure.median, f"{stage} at {size}", fn)
    cells = cell_count(spec)
    if size == "L":
        naive_fn, sampled = naive_sample(spec, 0.02)
        note = f"sampled {sampled:,} cells (2% of shares), extrapolated"
    else:
        naive_fn, sampled = (lambda s=spec: naive_matrix(model_from_spec(s))), cells
        note = "every cell"
    matrix_runs = {
        "access matrix": lambda s=spec: access_rows(model_from_spec(s)).summary(),
        "access matrix, a Cell per decision": lambda s=spec: access_matrix(model_from_spec(s)),
    }
    # The matrix and the per-cell evaluation in interleaved rounds: their ratio is taken side
    # by side, so a machine slowing down part-way through slows both alike
    print(f"[{size}] access matrix, and per-cell access side by side", file=sys.stderr)
    measures = side_by_side({**matrix_runs, "per-cell": naive_fn}, results.repeat)
    for stage, fn in matrix_runs.items():
        measure = measures[stage]
        measure.peak_mb = peak_mb(fn)
        results.rows.setdefault(stage, {})[size] = measure
        if measure.median > slowest[0]:
            slowest = (measure.median, f"{stage} at {size}", fn)
    factorised_model = model_from_spec(spec)
    factorised = access_rows(factorised_model)
    distinct = {id(row): len(row) for _, _, row in factorised.rows}
    results.notes.setdefault("access matrix", {})[size] = (
        f"{cells:,} cells in {len(factorised.rows):,} rows (account, share); {len(distinct):,} "
        f"rows decided ({sum(distinct.values()):,} cells), the others a group-mate's; "
        "timed: the rows and the counts `trainshare access` prints"
    )
    results.ratios.setdefault("cells", {})[size] = float(cells)
    results.ratios.setdefault("cells decided", {})[size] = float(sum(distinct.values()))
    grouping = Grouping(Evaluator(factorised_model))
    groups = {grouping.group(a) for a in factorised_model.accounts.values()} - {None}
    results.ratios.setdefault("groups", {})[size] = float(len(groups))
    naive = measures["per-cell"].median * cells / max(sampled, 1)
    fast = results.rows["access matrix"][size].median
    objects = results.rows["access matrix, a Cell per decision"][size].median
    results.ratios.setdefault("matrix speed-up", {})[size] = naive / fast
    results.ratios.setdefault("matrix speed-up, a Cell per decision", {})[size] = naive / objects
    results.notes.setdefault("access: per-cell (naive)", {})[size] = (
        f"{naive:.2f} s ({note}; in rounds interleaved with the matrix's); the matrix is "
        f"{naive / fast:.1f}× faster, {naive / objects:.1f}× with a Cell object per decision "
        "(as JSON, CSV and HTML need)"
    )
    return slowest


def tightened(path: Path) -> Path:
    """A copy of the synthetic spec where one guardrail attached to one OU (the first such, in
    the spec's order) gains a Deny of every ec2:Describe* action: the everyday change a
    `trainshare diff` reviews. Its entry becomes a `document:` holding what it was plus that."""
    spec = load_spec(path)
    guardrail = next(
        g
        for g in spec.guardrails.values()
        if len(g.targets) == 1 and g.targets[0] in spec.units and g.type == "scp"
    )
    document = json.loads(guardrail.document)
    document["Statement"].append(
        {"Sid": "BenchDenyDescribe", "Effect": "Deny", "Action": "ec2:Describe*", "Resource": "*"}
    )
    name = f"policies/{guardrail.key}-tightened.json"
    (path.parent / name).write_text(json.dumps(document), encoding="utf-8")
    yaml = YAML(typ="safe", pure=True)
    data = yaml.load(path.read_text(encoding="utf-8"))
    data["guardrails"][guardrail.key] = {"document": name, "targets": list(guardrail.targets)}
    new = path.parent / "tightened.yaml"
    with new.open("w", encoding="utf-8") as stream:
        yaml.dump(data, stream)
    return new


def _diff_stage(size: str, path: Path, spec: Spec, results: Results, slowest: Slowest) -> Slowest:
    """`trainshare diff` of one guardrail changed on one OU, in rounds interleaved with the
    matrix of one spec: what the diff decides (access, guardrails, risk flags; both models
    built) against the matrix (its model built), and the whole diff with both plans compared."""
    print(
        f"[{size}] diff (one guardrail changed on one OU) and the matrix side by side",
        file=sys.stderr,
    )
    new = load_spec(tightened(path))
    runs: dict[str, Callable[[], Any]] = {
        "access matrix (beside the diff)": lambda s=spec: access_rows(model_from_spec(s)).summary(),
        "diff: access, guardrails, risks": lambda s=spec, n=new: decide_changes(s, n),
        "diff: every section (both plans too)": lambda s=spec, n=new: diff_specs(s, n),
    }
    measures = side_by_side(runs, results.repeat)
    for stage, measure in measures.items():
        if stage != "access matrix (beside the diff)":
            measure.peak_mb = peak_mb(runs[stage])
        results.rows.setdefault(stage, {})[size] = measure
        if measure.median > slowest[0]:
            slowest = (measure.median, f"{stage} at {size}", runs[stage])
    matrix = measures["access matrix (beside the diff)"].median
    core = measures["diff: access, guardrails, risks"].median
    whole = measures["diff: every section (both plans too)"].median
    results.ratios.setdefault("diff / matrix", {})[size] = core / matrix
    found = decide_changes(spec, new).access
    results.notes.setdefault("diff", {})[size] = (
        f"one guardrail changed on one OU: {len(found.changes):,} access change(s), "
        f"{found.cells:,} decision(s) for {found.accounts:,} account(s); {found.decided:,} rows "
        f"decided (both sides); access, guardrails and risks {core / matrix:.2f}× the matrix "
        f"beside it; every section, with both plans built and compared, {whole / matrix:.2f}×"
    )
    return slowest


def _component_stage(size: str, spec: Spec, results: Results, slowest: Slowest) -> Slowest:
    print(f"[{size}] Pulumi component vs bare pulumi_aws", file=sys.stderr)
    # At L a run takes most of a minute: three rounds, and the ComponentResource's own cost
    # (the same graph without it) is measured at the smaller sizes only
    large = size == "L"
    repeat = min(results.repeat, 3) if large else results.repeat
    bare(10)  # the SDK's first-use cost is not the component's
    count = len(build_plan(spec).nodes) + 1  # the component itself, too
    variants: dict[str, Callable[[], Any]] = {
        "Pulumi component (mocks)": lambda s=spec: component(s),
        "bare pulumi_aws, same resources and inputs": lambda s=spec: bare_same(s),
        "bare pulumi_aws, as many 2-input resources": lambda c=count: bare(c),
    }
    if not large:
        variants["same graph without the component"] = lambda s=spec: flat(s)
    measures = side_by_side(variants, repeat)
    for row, measure in measures.items():
        results.rows.setdefault(row, {})[size] = measure
    comp = measures["Pulumi component (mocks)"].median
    same = measures["bare pulumi_aws, same resources and inputs"].median
    small = measures["bare pulumi_aws, as many 2-input resources"].median
    results.ratios.setdefault("component overhead", {})[size] = comp / same
    results.ratios.setdefault("component / 2-input resources", {})[size] = comp / small
    wrapper = ""
    if not large:
        graph = measures["same graph without the component"].median
        results.ratios.setdefault("component wrapper", {})[size] = comp / graph
        wrapper = (
            f"component / the same graph without the ComponentResource = {comp / graph:.2f}×; "
        )
    results.notes.setdefault("component overhead", {})[size] = (
        f"{count:,} resources, median of {repeat} rounds; component / the same resources and "
        f"inputs in plain pulumi_aws = {comp / same:.2f}× (what trainshare adds: providers, "
        f"Outputs between resources, options, the component); {wrapper}component / as many "
        f"ResourceShares with 2 literal inputs = {comp / small:.2f}× (the difference is the "
        f"SDK serialising the plan's larger inputs: policy documents, tags)"
    )
    if comp > slowest[0] and size != "L":  # at L the profiler alone would take minutes
        slowest = (comp, f"Pulumi component at {size}", lambda s=spec: component(s))
    return slowest


ONE_STACK = "component, one stack (1 process)"
SPLIT = "component, split stacks: org, then the owners in parallel processes"


def _slice_process(path: Path, *args: str) -> None:
    """One `python -m bench.slices` (a stack's program under the mocks), checked."""
    subprocess.run(
        [sys.executable, "-m", "bench.slices", str(path), *args],
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.DEVNULL,
    )


def _split_stage(size: str, path: Path, spec: Spec, results: Results) -> None:
    """The component at one stack against the same spec split into slices (`part=`), each its
    own process as each stack's `pulumi up` is: the org slice first, then the owner slices
    `os.cpu_count()` at a time. Both pay for starting Python and importing pulumi_aws."""
    print(f"[{size}] split stacks vs one stack", file=sys.stderr)
    parts = [str(p) for p in all_parts(build_plan(spec))]
    workers = os.cpu_count() or 1
    refs = path.parent / "org-refs.json"

    def one() -> None:
        _slice_process(path)

    phases: dict[str, list[float]] = {"org": [], "owners": []}

    def split() -> None:
        start = time.perf_counter()
        _slice_process(path, "--part", "org", "--write-refs", str(refs))
        middle = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            done = pool.map(
                lambda part: _slice_process(path, "--part", part, "--refs", str(refs)), parts[1:]
            )
            list(done)
        phases["org"].append(middle - start)
        phases["owners"].append(time.perf_counter() - middle)

    repeat = min(results.repeat, 3) if size == "L" else results.repeat
    measures = side_by_side({ONE_STACK: one, SPLIT: split}, repeat)
    for row, measure in measures.items():
        results.rows.setdefault(row, {})[size] = measure
    ratio = measures[SPLIT].median / measures[ONE_STACK].median
    results.ratios.setdefault("split stacks / one stack", {})[size] = ratio
    results.notes.setdefault("split stacks", {})[size] = (
        f"the org slice, then {len(parts) - 1} owner slice(s) {workers} at a time "
        f"({workers} core(s)), each a process of its own; split / one stack = {ratio:.2f}×, "
        f"median of {repeat} rounds side by side (org slice "
        f"{statistics.median(phases['org']):.1f} s, then the owners "
        f"{statistics.median(phases['owners']):.1f} s; what it takes under the mock runtime: "
        "the engine's and AWS's time per resource is not in it)"
    )


def run(
    sizes: list[str],
    repeat: int,
    audit_sizes: set[str],
    component_sizes: set[str] | None = None,
    split_sizes: set[str] | None = None,
    *,
    throttled_sizes: set[str] | frozenset[str] = frozenset(),
    rate: float = THROTTLE_RATE,
    capacity_sizes: set[str] | frozenset[str] = frozenset(),
    pure_sizes: set[str] | None = None,
) -> Results:
    """Every stage at each of `sizes`, but the pure ones (load, plan, access, diff) only at
    `pure_sizes` (default: all), the component at `component_sizes`, … (each default all)."""
    results = Results(sizes, repeat)
    folder = Path(tempfile.mkdtemp(prefix="trainshare-bench-"))
    slowest: Slowest = (0.0, "", lambda: None)
    for size in sizes:
        results.loads.append(_load())
        print(f"[{size}] generating", file=sys.stderr)
        path = write_synthetic(folder / size, SIZES[size])
        spec = load_spec(path)
        if pure_sizes is None or size in pure_sizes:
            slowest = _pure_stages(size, path, spec, results, slowest)
            slowest = _diff_stage(size, path, spec, results, slowest)
            results.loads.append(_load())
        if component_sizes is None or size in component_sizes:
            slowest = _component_stage(size, spec, results, slowest)
        elif pure_sizes is None or size in pure_sizes:  # (a run of the emulator alone: no word)
            results.notes.setdefault("component overhead", {})[size] = (
                "not run at this size (--component-sizes)"
            )
        if split_sizes is None or size in split_sizes:
            _split_stage(size, path, spec, results)
        if size in audit_sizes:
            print(f"[{size}] audit on the emulator", file=sys.stderr)
            audit_stage(spec, results, size)
            results.loads.append(_load())
        if size in throttled_sizes:
            print(f"[{size}] audit on the emulator throttled at {rate:g}/s", file=sys.stderr)
            throttled_audit_stage(spec, results, size, rate)
            results.loads.append(_load())
        if size in capacity_sizes:
            print(f"[{size}] capacity on the emulator", file=sys.stderr)
            capacity_stage(spec, results, size)
            results.loads.append(_load())
    if not slowest[1]:
        return results  # no stage is profiled (only the emulator's ran)
    profiler = cProfile.Profile()
    profiler.enable()
    slowest[2]()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(8)
    body = out.getvalue()
    table = body[body.find("   ncalls") :].strip()
    results.profile = (
        f"Profile of the slowest timed stage ({slowest[1]}; the component is profiled at M "
        f"at most), by own time:\n\n```\n{table}\n```"
    )
    return results


def _load() -> float:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return 0.0


def growth(stage: dict[str, Measure]) -> str:
    """Exponents over S→M→L, between sizes measured in the same run only."""
    counts = {size: SIZES[size].accounts for size in stage}
    ordered = [s for s in "SML" if s in stage]
    parts = []
    for a, b in itertools.pairwise(ordered):
        if stage[a].run != stage[b].run:
            continue
        ratio = stage[b].median / max(stage[a].median, 1e-9)
        parts.append(f"{a}→{b} n^{math.log(ratio) / math.log(counts[b] / counts[a]):.2f}")
    return ", ".join(parts) or "—"


def growth_of(values: dict[str, float]) -> str:
    """Exponents of a count over S→M→L, against the number of accounts."""
    ordered = [s for s in "SML" if s in values]
    parts = []
    for a, b in itertools.pairwise(ordered):
        n = SIZES[b].accounts / SIZES[a].accounts
        parts.append(f"{a}→{b} n^{math.log(values[b] / values[a]) / math.log(n):.2f}")
    return ", ".join(parts)


def n_log_n_exponents(stage: dict[str, Measure]) -> list[float]:
    """For each step S→M, M→L: the exponent that n log n itself has over that step."""
    ordered = [s for s in "SML" if s in stage]
    counts = [
        (SIZES[a].accounts, SIZES[b].accounts)
        for a, b in itertools.pairwise(ordered)
        if stage[a].run == stage[b].run  # as `growth` pairs them
    ]
    return [math.log((b * math.log(b)) / (a * math.log(a))) / math.log(b / a) for a, b in counts]


def _exp(part: str) -> float:
    return float(part.split("^")[1]) if "^" in part else 0.0


def _judge_diff(ratios: dict[str, dict[str, float]]) -> list[str]:
    found = ratios.get("diff / matrix", {})
    if "L" in found:
        ok = "**met**" if found["L"] <= 1.5 else "**missed**"
        return [
            f"diff at L (one guardrail changed on one OU) ≤ 1.5× one matrix: "
            f"{found['L']:.2f}× — {ok}"
        ]
    measured = ", ".join(f"{k}: {v:.2f}×" for k, v in found.items())
    return [f"diff at L ≤ 1.5× one matrix: L not run; {measured or '—'}"]


def _judge_capacity(results: Results) -> list[str]:
    ratios = results.ratios
    return [
        f"capacity calls = the fewest its plan needs at {size}"
        f"{_tag(results, 'ratios', 'capacity calls / fewest', size)}: {value:.2f}× — "
        + ("**met**" if value <= 1.0 else "**missed**")
        for size, value in ratios.get("capacity calls / fewest", {}).items()
    ]


def rcp_matrix_target(rows: Mapping[str, Mapping[str, Measure]]) -> list[str]:
    """Issue #18's target: the matrix at L with data-perimeter RCPs (L-rcp) under 1 s."""
    matrix = rows.get("access matrix", {})
    if "L-rcp" not in matrix:
        return []
    with_rcps = matrix["L-rcp"].median
    beside = f" (L without RCPs: {matrix['L'].median:.2f} s)" if "L" in matrix else ""
    verdict = "**met**" if with_rcps < 1 else "**missed**"
    return [
        f"access matrix at L with 60 RCPs (L-rcp) < 1 s (issue #18): {with_rcps:.2f} s"
        f"{beside} — {verdict}"
    ]


def judge(results: Results) -> list[str]:
    """Each target against the measured figures: met, missed, or not measured at that size."""
    rows, ratios = results.rows, results.ratios

    def verdict(ok: bool) -> str:
        return "**met**" if ok else "**missed**"

    out = []
    if "L" in rows.get("load + validate", {}):
        t = rows["load + validate"]["L"].median + rows["build plan"]["L"].median
        out.append(f"validate + plan at L ≤ 3 s: {t:.2f} s — {verdict(t <= 3)}")
    else:
        out.append("validate + plan at L ≤ 3 s: L not run (`make bench-full`)")
    if "L" in rows.get("access matrix", {}):
        m = rows["access matrix"]["L"]
        speed = ratios["matrix speed-up"]["L"]
        out.append(
            f"access matrix at L ≤ 5 s, ≤ 1 GB, ≥ 50× per-cell: {m.median:.2f} s, "
            f"{m.peak_mb or 0:.0f} MB, {speed:.1f}× — "
            f"{verdict(m.median <= 5 and (m.peak_mb or 0) <= 1024 and speed >= 50)}"
        )
        objects = rows["access matrix, a Cell per decision"]["L"].median
        out.append(
            f"  with a Cell object per decision (JSON, CSV, HTML): {objects:.2f} s, "
            f"{ratios['matrix speed-up, a Cell per decision']['L']:.1f}×"
        )
        if speed < 50:
            cells, decided = ratios["cells"]["L"], ratios["cells decided"]["L"]
            out.append(
                f"  why: of {cells:,.0f} cells the matrix decides {decided:,.0f} (the rest are "
                f"group-mates' rows): {m.median / decided * 1e6:.0f} µs each against "
                f"{m.median * speed / cells * 1e6:.0f} µs per cell from scratch. Most decided "
                "cells are a lookup of an effect already decided; the time goes to deciding "
                "each side the first time it is met (an SCP level for a new set of relevant "
                "statements and resource class; a resource policy for a new shape; the "
                "statements relevant to an action for a new group) and to building the model. "
                f"The synthetic org's SCPs, attached at random, make {ratios['groups']['L']:,.0f} "
                "groups of accounts with different SCP paths, and rows are per share.",
            )
    else:
        largest = max(ratios.get("matrix speed-up", {"-": 0.0}).items(), key=lambda kv: kv[1])
        out.append(
            f"access matrix ≥ 50× per-cell: {largest[1]:.1f}× at {largest[0]} — "
            f"{verdict(largest[1] >= 50)} (L not run)"
        )
    out += _judge_diff(ratios) + _judge_capacity(results) + rcp_matrix_target(rows)
    same_resources = ratios.get("component overhead", {})
    small_resources = ratios.get("component / 2-input resources", {})
    if "L" in same_resources:
        same, small = same_resources["L"], small_resources["L"]
        # The floor is the same resources with the same inputs in plain pulumi_aws (references
        # as literal IDs: lower than a hand-written program, which needs Outputs and providers
        # too). As many 2-input ResourceShares are cheaper resources, not the same program
        out.append(
            f"component overhead at L ≤ 1.2× bare pulumi_aws (the same resources and inputs): "
            f"{same:.2f}× — {verdict(same <= 1.2)}"
        )
        out.append(
            f"  against as many ResourceShares with 2 literal inputs: {small:.2f}×; the same "
            f"resources in plain pulumi_aws, with no trainshare code, already cost "
            f"{small / same:.2f}× those: the SDK serialising the plan's larger inputs and "
            "reading back each type's outputs (policy documents, tags, account settings)"
        )
    else:
        measured = ", ".join(
            f"{size}: {small_resources[size]:.2f}× / {value:.2f}×"
            for size, value in same_resources.items()
        )
        out.append(
            "component overhead at L ≤ 1.2× bare pulumi_aws: L not run (`make bench-full`); "
            f"as many 2-input resources / the same resources and inputs at {measured or '—'}"
        )
    for size, value in ratios.get("audit calls / bound", {}).items():
        out.append(
            f"audit calls ≤ 1.2× the lower bound at {size}"
            f"{_tag(results, 'ratios', 'audit calls / bound', size)}: {value:.2f}× — "
            f"{verdict(value <= 1.2)}"
        )
    for size, value in ratios.get("throttled audit / floor", {}).items():
        out.append(
            f"throttled audit ≤ 1.5× its floor (calls ÷ rate, or the same read unthrottled "
            f"where the emulator is slower than the rate) at {size}"
            f"{_tag(results, 'ratios', 'throttled audit / floor', size)}: {value:.2f}× — "
            f"{verdict(value <= 1.5)}"
        )
    for stage, by_size in rows.items():
        text = growth(by_size)
        if stage.startswith(("Pulumi", "bare", "same graph", "audit", "capacity: read")):
            continue  # the Pulumi SDK's own cost (judged below), and the audit at one size only
        allowed = n_log_n_exponents(by_size)
        over = [p for p, a in zip(text.split(", "), allowed, strict=False) if _exp(p) > a + 0.15]
        if over:
            bound = ", ".join(f"n^{a:.2f}" for a in allowed)
            out.append(
                f"growth of {stage} no worse than n log n ({bound}, +0.15 for noise): "
                f"{text} — **missed**"
            )
            cells = ratios.get("cells", {})
            if stage == "access matrix" and len(cells) > 1:
                out.append(f"  why: its output grows faster than n: {growth_of(cells)} cells")
    ours_by_size = rows.get("Pulumi component (mocks)", {})
    if len(ours_by_size) > 1:
        sdk = growth(rows["bare pulumi_aws, same resources and inputs"])
        ours = growth(ours_by_size)
        worse = [
            o
            for o, f in zip(ours.split(", "), sdk.split(", "), strict=True)
            if _exp(o) > _exp(f) + 0.15
        ]
        out.append(
            f"growth of the component no worse than the SDK's own for the same resources "
            f"(+0.15): {ours} against {sdk} — {verdict(not worse)}"
        )
    return out


def _tag(results: Results, section: str, name: str, size: str) -> str:
    """ " (run N)" after a figure, once the figures come from more than one run."""
    if len(results.runs) < 2:
        return ""
    if section == "rows":
        run = results.rows[name][size].run
    else:
        run = results.sources.get((section, name, size), "")
    return f" (run {run})" if run else ""


def _runs_of(results: Results, by_size: Mapping[str, Measure]) -> str:
    """Which run each size of a row came from: "2", or "1 (S, M), 2 (L)"."""
    sizes: dict[str, list[str]] = {}
    for size in results.sizes:
        if size in by_size:
            sizes.setdefault(by_size[size].run, []).append(size)
    if len(sizes) == 1:
        return next(iter(sizes))
    return ", ".join(f"{run} ({', '.join(found)})" for run, found in sizes.items())


def _header(results: Results) -> list[str]:
    method = (
        "Repeats: the run's per stage (median shown); peak memory is Python's own allocations "
        "(tracemalloc) in one extra run. The emulator stages put the organization in place "
        "with `trainshare.emulator.seed` (the plan through the Pulumi bridge's own handlers, "
        "without the Pulumi engine; tests/integration/test_emulator_seed.py checks it leaves "
        "what the Pulumi deploy leaves), then time the real read against it."
    )
    if not results.runs:
        return [
            f"Machine: {store.this_machine()}. Repeats: {results.repeat} per stage. {method}",
        ]
    lines = ["Runs the figures come from (each row and note names its run):", ""]
    lines += [f"- run {key}: {run.describe()}" for key, run in results.runs.items()]
    return [*lines, "", method]


def render(results: Results) -> str:
    lines = [
        "# trainshare benchmarks",
        "",
        "Generated by `python -m bench.run` from the results kept in BENCHMARKS.json (`make "
        "bench`: sizes S and M; `make bench-full` adds L; `make bench-emulator-l` the emulator "
        "stages at L); a run replaces the figures it measures and keeps the others. Do not edit "
        "by hand.",
        "",
        *_header(results),
        "",
        "Sizes (synthetic, `trainshare.synth`, seed 7):",
        "",
        "| size | accounts | OUs | guardrails | shares | resources/share |",
        "|---|---|---|---|---|---|",
    ]
    for size in results.sizes:
        p = SIZES[size]
        lines.append(
            f"| {size} | {p.accounts:,} | {p.units:,} | {p.guardrails} | {p.shares:,} | "
            f"{p.resources_per_share} |"
        )
    several = len(results.runs) > 1
    lines += [
        "",
        "## Stages",
        "",
        "| stage | " + " | ".join(results.sizes) + " | growth |" + (" run |" if several else ""),
        "|---|" + "---|" * len(results.sizes) + "---|" + ("---|" if several else ""),
    ]
    for stage, by_size in results.rows.items():
        cells = []
        for size in results.sizes:
            m = by_size.get(size)
            if m is None:
                cells.append("—")
                continue
            mem = f", {m.peak_mb:.0f} MB" if m.peak_mb is not None else ""
            cells.append(f"{m.median:.3f} s{mem}")
        run = f" {_runs_of(results, by_size)} |" if several else ""
        lines.append(f"| {stage} | " + " | ".join(cells) + f" | {growth(by_size)} |{run}")
    lines += ["", "## Ratios and counts (measured side by side)", ""]
    for name, by_size in results.notes.items():
        for size, note in by_size.items():
            lines.append(f"- **{name}**, {size}{_tag(results, 'notes', name, size)}: {note}")
    lines += ["", "## Targets, judged on these figures", ""]
    lines += [
        f"  - {line.strip()}" if line.startswith("  ") else f"- {line}" for line in judge(results)
    ]
    lines += ["", results.profile, ""]
    return "\n".join(lines)


def measured(results: Results) -> dict[str, Any]:
    """One run's figures as data (bench/store.py adds the run's id to each)."""
    return {
        "rows": {
            stage: {
                size: {"median": m.median, "runs": m.runs, "peak_mb": m.peak_mb}
                for size, m in by_size.items()
            }
            for stage, by_size in results.rows.items()
        },
        "notes": {
            name: {size: {"text": text} for size, text in by_size.items()}
            for name, by_size in results.notes.items()
        },
        "ratios": {
            name: {size: {"value": value} for size, value in by_size.items()}
            for name, by_size in results.ratios.items()
        },
        "profile": results.profile,
    }


def from_data(data: Mapping[str, Any]) -> Results:
    """The figures kept (bench/store.py), each with the run it came from."""
    found = {size for section in ("rows", "notes") for by in data[section].values() for size in by}
    results = Results([s for s in SIZES if s in found], repeat=0)
    results.runs = {key: store.run_of(data, key) for key in data["runs"]}
    for stage, by_size in data["rows"].items():
        results.rows[stage] = {
            size: Measure(m["median"], m["runs"], m["peak_mb"], m["run"])
            for size, m in by_size.items()
        }
    for name, by_size in data["notes"].items():
        for size, item in by_size.items():
            results.notes.setdefault(name, {})[size] = item["text"]
            results.sources["notes", name, size] = item["run"]
    for name, by_size in data["ratios"].items():
        for size, item in by_size.items():
            results.ratios.setdefault(name, {})[size] = item["value"]
            results.sources["ratios", name, size] = item["run"]
    profile = data.get("profile")
    if profile:
        several = len(results.runs) > 1
        results.profile = (f"From run {profile['run']}: " if several else "") + profile["text"]
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="S,M")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--audit", default="M", help="sizes to run the emulator audit at")
    parser.add_argument(
        "--component-sizes",
        default="S,M,L",
        help="sizes to build the Pulumi component at (about 4 minutes at L)",
    )
    parser.add_argument(
        "--split-sizes",
        default="S,M,L",
        help="sizes to time the component as one stack and as split stacks in processes",
    )
    parser.add_argument(
        "--throttled-audit",
        default="",
        help="sizes to audit on an emulator that throttles at --throttle-rate (L: about "
        "a minute of audit after the deploy)",
    )
    parser.add_argument("--throttle-rate", type=float, default=THROTTLE_RATE)
    parser.add_argument(
        "--capacity",
        default="M,L",
        help="sizes to run `trainshare capacity` on the emulator at (its shared reservations, "
        "one consumer per share running in it)",
    )
    parser.add_argument(
        "--pure-sizes",
        help="sizes to time the pure stages at (load, plan, access, diff; default: every size)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="write the Markdown report here, from the results kept beside it (the same name "
        "with .json), this run's added",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="forget the results kept beside --out first"
    )
    args = parser.parse_args(argv)
    sizes = [s for s in args.sizes.split(",") if s]
    pure = None if args.pure_sizes is None else {s for s in args.pure_sizes.split(",") if s}
    results = run(
        sizes,
        args.repeat,
        set(args.audit.split(",")),
        set(args.component_sizes.split(",")),
        set(args.split_sizes.split(",")),
        throttled_sizes={s for s in args.throttled_audit.split(",") if s},
        rate=args.throttle_rate,
        capacity_sizes={s for s in args.capacity.split(",") if s},
        pure_sizes=pure,
    )
    report = render(results)
    if args.out:
        kept = args.out.with_suffix(".json")
        data = store.empty() if args.fresh else store.load(kept)
        command = " ".join(["python -m bench.run", *map(shlex.quote, argv or sys.argv[1:])])
        run_info = store.new_run(command, args.repeat)
        run_info.loads = results.loads
        store.merge(data, run_info, measured(results))
        store.save(kept, data)
        print(f"wrote {kept}", file=sys.stderr)
        report = render(from_data(data))
        args.out.write_text(report, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
