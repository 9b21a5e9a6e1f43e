"""The benchmarks' raw results, kept as data next to the report (BENCHMARKS.json beside
BENCHMARKS.md), so that a run of some stages (`make bench-emulator-l`) adds its figures and keeps
the others'.

Every figure (a stage's measure, a note, a ratio, at one size) names the run it came from; a run
says what ran (command), on which commit, when, on what machine, and how loaded the machine was.
A new run replaces the figures it measured and keeps the rest; a run none of whose figures remain
is dropped.

    python -m bench.store --import-markdown BENCHMARKS.md --commit 51090ea --date … --command …

reads a report written before results were kept (the figures as printed: medians to three
decimals, ratios as their notes print them) into BENCHMARKS.json; it refuses one it cannot read
back exactly (see `import_markdown`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FORMAT = 1


@dataclass
class Run:
    command: str
    commit: str
    date: str  # ISO 8601, UTC
    machine: str
    repeat: int
    loads: list[float] = field(default_factory=list)  # 1-minute load averages during the run
    cores: int = 0
    note: str = ""

    @property
    def loaded(self) -> bool:
        """Other work competed for the cores: a 1-minute load above the core count."""
        return bool(self.loads) and self.cores > 0 and max(self.loads) > self.cores

    def describe(self) -> str:
        load = ""
        if self.loads:
            load = (
                f"; **loaded machine**: 1-minute load average up to {max(self.loads):.1f} on "
                f"{self.cores} cores (other work running; wall times are noisy)"
                if self.loaded
                else f"; quiet machine (1-minute load average at most {max(self.loads):.1f})"
            )
        note = f"; {self.note}" if self.note else ""
        return (
            f"`{self.command}` on commit {self.commit}, {self.date[:16].replace('T', ' ')} UTC; "
            f"{self.machine}; {self.repeat} repeat(s) per stage{load}{note}"
        )


def this_machine() -> str:
    memory = ""
    try:
        kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f", {kb / 2**20:.0f} GiB memory"
    except (OSError, StopIteration):
        pass
    return (
        f"{os.cpu_count()} cores{memory}, Python {platform.python_version()}, {platform.machine()}"
    )


def this_commit() -> str:
    """The checkout's commit (short), `+changes` when the work tree differs from it."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def new_run(command: str, repeat: int) -> Run:
    return Run(
        command=command,
        commit=this_commit(),
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        machine=this_machine(),
        repeat=repeat,
        cores=os.cpu_count() or 0,
    )


# -- the data file ------------------------------------------------------------------------------
#
# {"format": 1,
#  "runs": {"1": Run, …},
#  "rows": {stage: {size: {"median", "runs", "peak_mb", "run"}}},
#  "notes": {name: {size: {"text", "run"}}},
#  "ratios": {name: {size: {"value", "run"}}},
#  "profile": {"text", "run"}}


def load(path: Path) -> dict[str, Any]:
    if not path.exists():
        return empty()
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise SystemExit(f"error: {path}: format {data.get('format')!r}, expected {FORMAT}")
    return data


def empty() -> dict[str, Any]:
    return {"format": FORMAT, "runs": {}, "rows": {}, "notes": {}, "ratios": {}, "profile": None}


def save(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def merge(data: dict[str, Any], run: Run, measured: dict[str, Any]) -> str:
    """Add `measured` (rows/notes/ratios/profile, without run ids) as a new run: its figures
    replace the same stage, note or ratio at the same size; the others stay. Returns the run's
    id."""
    run_id = str(max((int(k) for k in data["runs"]), default=0) + 1)
    data["runs"][run_id] = asdict(run)
    for section in ("rows", "notes", "ratios"):
        before = None
        for name, by_size in measured[section].items():
            if name not in data[section]:  # a new stage: after the one this run had before it
                data[section] = _inserted(data[section], before, name)
            for size, value in by_size.items():
                data[section][name][size] = {**value, "run": run_id}
            before = name
    if measured.get("profile"):
        data["profile"] = {"text": measured["profile"], "run": run_id}
    used = {
        item["run"]
        for section in ("rows", "notes", "ratios")
        for by_size in data[section].values()
        for item in by_size.values()
    }
    if data["profile"]:
        used.add(data["profile"]["run"])
    data["runs"] = {k: v for k, v in data["runs"].items() if k in used}
    return run_id


def _inserted(section: dict[str, Any], before: str | None, name: str) -> dict[str, Any]:
    """`section` with an empty `name` right after `before` (first when None)."""
    items = list(section.items())
    at = 0 if before is None else [k for k, _ in items].index(before) + 1
    return dict([*items[:at], (name, {}), *items[at:]])


def run_of(data: dict[str, Any], run_id: str) -> Run:
    return Run(**data["runs"][run_id])


# -- a report written before results were kept -------------------------------------------------

_CELL = re.compile(r"^(?P<median>\d+\.\d{3}) s(?:, (?P<mb>\d+) MB)?$")
_NOTE = re.compile(r"^- \*\*(?P<name>[^*]+)\*\*, (?P<size>[\w-]+): (?P<text>.*)$")

# ratio → (the note it is printed in, the pattern whose groups give it); several ratios may
# come from one note.
_RATIOS: dict[str, tuple[str, str]] = {
    "matrix speed-up": ("access: per-cell (naive)", r"the matrix is ([\d.]+)× faster"),
    "matrix speed-up, a Cell per decision": (
        "access: per-cell (naive)",
        r"faster, ([\d.]+)× with a Cell object",
    ),
    "cells": ("access matrix", r"^([\d,]+) cells in "),
    "cells decided": ("access matrix", r"rows decided \(([\d,]+) cells\)"),
    "diff / matrix": ("diff", r"access, guardrails and risks ([\d.]+)× the matrix"),
    "component overhead": ("component overhead", r"in plain pulumi_aws = ([\d.]+)×"),
    "component wrapper": ("component overhead", r"without the ComponentResource = ([\d.]+)×"),
    "component / 2-input resources": ("component overhead", r"2 literal inputs = ([\d.]+)×"),
    "split stacks / one stack": ("split stacks", r"split / one stack = ([\d.]+)×"),
    "audit calls / bound": ("audit API calls", r"\(([\d.]+)×; the emulator"),
    "capacity calls / fewest": ("capacity API calls", r"\(([\d.]+)×\)"),
}
# printed only in the judged targets
_THROTTLED = re.compile(r"^- throttled audit ≤ 1\.5× its floor .* at ([\w-]+): ([\d.]+)× — ")


def import_markdown(text: str, run: Run) -> dict[str, Any]:
    """The figures of a report as printed, as one run's data: the Stages table's medians and
    peaks, the notes, the ratios the notes (and the throttled audit's target) print, the
    profile. Rows print no individual runs: each stands for its median alone."""
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| stage | "))
    sizes = [s.strip() for s in lines[header].strip("|").split("|")[1:-1]]
    rows: dict[str, dict[str, Any]] = {}
    for line in lines[header + 2 :]:
        if not line.startswith("| "):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        stage, values = cells[0], cells[1 : 1 + len(sizes)]
        for size, value in zip(sizes, values, strict=True):
            if value == "—":
                continue
            match = _CELL.match(value)
            if match is None:
                raise ValueError(f"cannot read {stage} at {size}: {value!r}")
            mb = match.group("mb")
            rows.setdefault(stage, {})[size] = {
                "median": float(match.group("median")),
                "runs": [float(match.group("median"))],
                "peak_mb": float(mb) if mb is not None else None,
            }
    notes: dict[str, dict[str, Any]] = {}
    for line in lines:
        match = _NOTE.match(line)
        if match:
            notes.setdefault(match.group("name"), {})[match.group("size")] = {
                "text": match.group("text")
            }
    ratios: dict[str, dict[str, Any]] = {}
    for name, (note, pattern) in _RATIOS.items():
        for size, item in notes.get(note, {}).items():
            found = re.search(pattern, item["text"])
            if found:
                value = float(found.group(1).replace(",", ""))
                ratios.setdefault(name, {})[size] = {"value": value}
    for line in lines:
        found = _THROTTLED.match(line)
        if found:
            ratios.setdefault("throttled audit / floor", {})[found.group(1)] = {
                "value": float(found.group(2))
            }
    start = next(i for i, line in enumerate(lines) if line.startswith("Profile of the slowest"))
    profile = "\n".join(lines[start:]).strip()
    data = empty()
    merge(data, run, {"rows": rows, "notes": notes, "ratios": ratios, "profile": profile})
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--import-markdown", type=Path, required=True)
    parser.add_argument("--out", type=Path, help="default: the report's name with .json")
    parser.add_argument("--commit", required=True, help="the commit the report's run was on")
    parser.add_argument("--date", required=True, help="when it ran (ISO 8601, UTC)")
    parser.add_argument("--command", required=True, help="what ran (make bench-full, …)")
    parser.add_argument("--repeat", type=int, required=True)
    parser.add_argument("--note", default="")
    args = parser.parse_args(argv)
    text = args.import_markdown.read_text(encoding="utf-8")
    machine = re.search(r"^Machine: (.*?)\. Repeats", text, re.MULTILINE)
    run = Run(
        command=args.command,
        commit=args.commit,
        date=args.date,
        machine=machine.group(1) if machine else "unknown",
        repeat=args.repeat,
        note=args.note,
    )
    data = import_markdown(text, run)
    out = args.out or args.import_markdown.with_suffix(".json")
    save(out, data)
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
