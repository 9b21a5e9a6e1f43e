"""One slice of a spec under Pulumi's mock runtime, in its own process: what `bench.run` times to
compare the component at one stack with the same spec split into slices run in parallel.

    python -m bench.slices SPEC [--part PART] [--refs FILE] [--write-refs FILE]

Without --part, the whole spec (one stack). The org slice writes what owners read (--write-refs);
an owner slice reads it (--refs).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pulumi

from trainshare.pulumi import OrgSharing
from trainshare.spec import load_spec


class SilentMocks(pulumi.runtime.Mocks):
    """Pulumi mocks that only hand out IDs: the SDK's own cost, nothing else."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", {
            **dict(args.inputs),
            "arn": f"arn:aws:x::1:{args.name}",
            "roots": [{"id": "r-ab12"}],
        }

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {
            "id": "o-abc",
            "arn": "arn:aws:organizations::1:organization/o-abc",
            "roots": [{"id": "r-ab12"}],
        }


def run_slice(
    spec_path: Path, part: str | None, refs: Path | None, write_refs: Path | None
) -> None:
    spec = load_spec(spec_path)
    org = json.loads(refs.read_text()) if refs else None
    pulumi.runtime.set_mocks(SilentMocks(), project="bench", stack="bench", preview=False)
    exported: dict[str, Any] = {}

    def program() -> Any:
        component = OrgSharing("bench", spec, part=part, org=org)
        if write_refs is not None:
            return component.refs.apply(exported.update)
        return None

    pulumi.runtime.test(program)()
    if write_refs is not None:
        write_refs.write_text(json.dumps(exported), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", type=Path)
    parser.add_argument("--part")
    parser.add_argument("--refs", type=Path)
    parser.add_argument("--write-refs", type=Path)
    args = parser.parse_args(argv)
    run_slice(args.spec, args.part, args.refs, args.write_refs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
