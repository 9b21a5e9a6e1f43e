"""Deploy every stack of this project in order: the org stack first, then the owner stacks in
parallel (Pulumi Automation API). Written by `trainshare init --split`.

    python deploy.py              # pulumi up: org, then every owner stack at once
    python deploy.py --preview    # pulumi preview of each, in the same order
    python deploy.py --parallel 4 # at most 4 owner stacks at a time

Each stack runs with its own credentials, from its Pulumi.<stack>.yaml: the org stack with the
management account's, each owner stack through its owner's deploy role. The order is the one
`trainshare.plan.slices.all_parts` gives: owner stacks read the org stack's outputs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pulumi import automation as auto

from trainshare.plan import build_plan
from trainshare.plan.slices import all_parts, stack_name
from trainshare.spec import load_spec

HERE = Path(__file__).parent


def waves(spec: Path = HERE / "trainshare.yaml") -> list[list[str]]:
    """Stack names in deployment order: [[org], [every owner stack]]."""
    parts = all_parts(build_plan(load_spec(spec)))
    return [[stack_name(parts[0])], [stack_name(p) for p in parts[1:]]]


def run_stack(name: str, preview: bool) -> str:
    """`pulumi up` (or preview) of one stack of this project; its one-line summary."""
    stack = auto.create_or_select_stack(stack_name=name, work_dir=str(HERE))

    def say(line: str) -> None:
        print(f"[{name}] {line}", end="" if line.endswith("\n") else "\n", flush=True)

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
