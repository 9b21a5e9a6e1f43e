"""Deploy every stack of this project in order: the org stack first, then the owner stacks in
parallel (Pulumi Automation API), then — when a share names a `billing_owner` — the org stack's
billing acceptances once more. Written by `trainshare init --split`.

    python deploy.py              # pulumi up: org, then every owner stack at once
    python deploy.py --preview    # pulumi preview of each, in the same order
    python deploy.py --parallel 4 # at most 4 owner stacks at a time

Each stack runs with its own credentials, from its Pulumi.<stack>.yaml: the org stack with the
management account's, each owner stack through its owner's deploy role. The order is the one
`trainshare.plan.slices.all_parts` gives: owner stacks read the org stack's outputs.

A billing owner accepts a reservation's billing in the org stack (its credentials reach the
billing owner's account; an owner's do not), but the owner's stack makes the request: on the
org stack's first run there is nothing to accept yet. The last step (`org:accept-billing`)
re-runs only those acceptances (`pulumi up --target … --replace …`), after the owner stacks.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pulumi import automation as auto

from trainshare.plan import build_plan
from trainshare.plan.names import is_billing_acceptance
from trainshare.plan.slices import all_parts, stack_name
from trainshare.spec import load_spec

HERE = Path(__file__).parent
ACCEPT_BILLING = "accept-billing"  # `<stack>:accept-billing`: re-run that stack's acceptances


def waves(spec: Path = HERE / "trainshare.yaml") -> list[list[str]]:
    """Stack names in deployment order: [[org], [every owner stack]], then
    [org:accept-billing] when a share names a billing owner."""
    plan = build_plan(load_spec(spec))
    parts = all_parts(plan)
    org = stack_name(parts[0])
    stages = [[org], [stack_name(p) for p in parts[1:]]]
    if any(is_billing_acceptance(node.name) for node in plan.nodes):
        stages.append([f"{org}:{ACCEPT_BILLING}"])
    return stages


def run_stack(name: str, preview: bool) -> str:
    """`pulumi up` (or preview) of one stack of this project; its one-line summary."""
    stack_name_, _, step = name.partition(":")
    stack = auto.create_or_select_stack(stack_name=stack_name_, work_dir=str(HERE))

    def say(line: str) -> None:
        print(f"[{name}] {line}", end="" if line.endswith("\n") else "\n", flush=True)

    if step == ACCEPT_BILLING:
        if preview:
            return f"{name}: runs after the owner stacks' requests"
        resources = stack.export_stack().deployment.get("resources", [])
        urns = [r["urn"] for r in resources if is_billing_acceptance(r["urn"].rsplit("::", 1)[-1])]
        if not urns:
            return f"{name}: no acceptance in the stack"
        summary = stack.up(target=urns, replace=urns, on_output=say).summary
        return f"{name}: {summary.result} {dict(summary.resource_changes or {})}"
    if preview:
        changes = stack.preview(on_output=say).change_summary
        return f"{name}: preview {dict(changes)}"
    summary = stack.up(on_output=say).summary
    return f"{name}: {summary.result} {dict(summary.resource_changes or {})}"


def deploy(
    stages: Sequence[Sequence[str]],
    run: Callable[[str, bool], str] = run_stack,
    preview: bool = False,
    parallel: int = 8,
) -> list[str]:
    """Each stage after the one before, the stacks of a stage in parallel; stops at the first
    stage with a failure (owner stacks need the org stack's outputs)."""
    results: list[str] = []
    for stage in stages:
        with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(stage)))) as pool:
            futures = {name: pool.submit(run, name, preview) for name in stage}
        failed = []
        for name, future in futures.items():
            error = future.exception()
            if error is None:
                results.append(future.result())
            else:
                failed.append(f"{name}: {error}")
        if failed:
            raise SystemExit("failed: " + "; ".join(failed))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preview", action="store_true", help="preview instead of up")
    parser.add_argument("--parallel", type=int, default=8, help="owner stacks at a time")
    parser.add_argument("--spec", type=Path, default=HERE / "trainshare.yaml")
    args = parser.parse_args(argv)
    for line in deploy(waves(args.spec), preview=args.preview, parallel=args.parallel):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
