"""The benchmarks' results are kept as data (bench/store.py): a run adds the figures it measured,
keeps the others', and the report names the run of each; a report written before results were
kept reads back as the figures it prints."""

from __future__ import annotations

from bench.run import SIZES, Measure, Results, from_data, measured, render
from bench.store import Run

from bench import store


def _run(command: str, loads: list[float]) -> Run:
    return Run(command, "abc1234", "2026-11-30T04:00:00+00:00", "2 cores", 3, loads, cores=2)


def _results(rows: dict[str, dict[str, float]], note: str = "") -> Results:
    results = Results([s for s in SIZES if any(s in r for r in rows.values())], repeat=3)
    for stage, by_size in rows.items():
        results.rows[stage] = {s: Measure(v, [v], 5.0) for s, v in by_size.items()}
    for size in results.sizes:
        results.notes.setdefault("audit API calls", {})[size] = (
            f"505 calls; the fewest AWS would need with its page sizes: 560 (0.90×; the "
            f"emulator serves some lists in one page){note}"
        )
        results.ratios.setdefault("audit calls / bound", {})[size] = 0.9
    return results


def test_a_run_replaces_what_it_measured_and_keeps_the_rest():
    data = store.empty()
    first = _results({"build plan": {"M": 0.027, "S": 0.003}, "access matrix": {"M": 0.04}})
    store.merge(data, _run("make bench", [0.5]), measured(first))
    second = _results({"build plan": {"M": 0.5}, "build plan, again": {"M": 0.6}})
    second.profile = "Profile of the slowest timed stage (build plan at M)"
    store.merge(data, _run("make bench-emulator-l", [7.5, 9.6]), measured(second))
    assert data["rows"]["build plan"]["S"] == {
        "median": 0.003,
        "runs": [0.003],
        "peak_mb": 5.0,
        "run": "1",
    }
    assert data["rows"]["build plan"]["M"]["run"] == "2"
    assert data["rows"]["access matrix"]["M"]["run"] == "1"
    report = render(from_data(data))
    assert "| build plan | 0.003 s, 5 MB | 0.500 s, 5 MB | — | 1 (S), 2 (M) |" in report
    assert "| access matrix | — | 0.040 s, 5 MB | — | 1 |" in report
    # a stage new to the data comes right after the one the run had before it
    assert report.index("| build plan |") < report.index("| build plan, again |")
    assert report.index("| build plan, again |") < report.index("| access matrix |")
    assert "- **audit API calls**, M (run 2): 505 calls;" in report
    assert "- **audit API calls**, S (run 1): 505 calls;" in report
    assert "audit calls ≤ 1.2× the lower bound at M (run 2): 0.90× — **met**" in report
    assert "- run 1: `make bench` on commit abc1234, 2026-11-30 04:00 UTC" in report
    assert "quiet machine (1-minute load average at most 0.5)" in report
    assert "**loaded machine**: 1-minute load average up to 9.6 on 2 cores" in report
    assert "From run 2: Profile of the slowest timed stage (build plan at M)" in report
    # a run none of whose figures remain is dropped
    third = _results({"build plan": {"M": 0.1, "S": 0.1}, "access matrix": {"M": 0.1}})
    store.merge(data, _run("make bench", []), measured(third))
    assert sorted(data["runs"]) == ["2", "3"]  # run 2 still holds the profile


def test_a_report_written_before_results_were_kept_reads_back_as_printed():
    # medians to three decimals, as printed: the growth recomputed from them is the same
    results = _results({"build plan": {"M": 0.027, "S": 0.003}, "access matrix": {"M": 0.04}})
    results.profile = "Profile of the slowest timed stage (x at M), by own time:\n\n```\nt\n```"
    text = render(results)
    data = store.import_markdown(text, _run("make bench-full", []))
    back = from_data(data)
    assert {s: m.median for s, m in back.rows["build plan"].items()} == {"S": 0.003, "M": 0.027}
    assert back.rows["access matrix"]["M"].peak_mb == 5.0
    assert back.notes == results.notes
    assert back.ratios == {"audit calls / bound": {"M": 0.9, "S": 0.9}}
    assert back.profile == results.profile
    assert render(back).split("## Stages")[1] == text.split("## Stages")[1]
