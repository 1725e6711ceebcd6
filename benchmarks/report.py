"""Write benchmarks/RESULTS.md from the summarised runs of :mod:`benchmarks.run_all`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.obstacles import Summary, Target, obstacles, targets
from benchmarks.report_tables import (
    STUDY,
    dispatch_rows,
    floor_rows,
    num,
    peer_rows,
    powerflow_rows,
    profile_lines,
    table,
)


def _floor_caveat(s: Summary) -> list[str]:
    """How the HiGHS-alone floor compares with the HiGHS time of our own run."""
    years = [
        (STUDY[n].split(", ", 2)[2].replace(", ", " "), s[n])
        for n in STUDY
        if n.startswith("year_") and n in s and "floor_run_s" in s[n]
    ]
    if not years:
        return []
    warm = ", ".join(f"{label} {r['dispatch_s'] / r['highs_s']:.0f}×" for label, r in years)
    cold = ", ".join(f"{label} {r['floor_run_s'] / r['highs_s']:.0f}×" for label, r in years)
    return [
        "The floor is each window solved by HiGHS alone from scratch (presolve, no "
        "basis), as the issue defines it. Our model stays loaded in HiGHS and hands it "
        f"the previous window's basis, so the HiGHS time of our own run is far below that "
        f"floor (the cold floor is {cold} our HiGHS time). Against our own HiGHS time the "
        f"year's dispatch takes {warm}. So a ratio to the cold floor below 1 says that "
        "the warm start saves more than the code around HiGHS costs, not that this code "
        "costs nothing; the intraday targets are judged both ways.",
        "",
    ]


def _target_rows(ts: list[Target]) -> list[list[str]]:
    return [[t.label, t.goal, t.measured, "**met**" if t.met else "**not met**"] for t in ts]


def write_report(path: Path, meta: dict[str, Any], s: Summary) -> None:
    """Write the Markdown report of one ``run_all`` to ``path``."""
    m = meta["machine"]
    loads = [v for r in s.values() for k, v in r.items() if k.startswith("load_")]
    ts = targets(s)
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (`python -m benchmarks.run_all`) on {m['date_utc']}, commit "
        f"`{m['commit']}`; the whole run took {meta['elapsed_s'] / 60:.1f} min. Each number "
        f"is the median of the runs given in the table's *runs* column: short benchmarks "
        f"(the AC power flow and the intraday studies) {meta['repeats']} run(s) each, "
        f"the year-long and other long studies {meta['long_repeats']} run(s) each (to keep "
        "`make bench` within about 40 minutes on 2 cores; raise them with "
        "`BENCH_ARGS='--long-repeats 3'`), profiles once. Every run is a fresh process. "
        "Times are wall-clock seconds.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} logical cores, {m['ram']} RAM, {m['os']}; shared "
        f"with other jobs: 1-minute load average {num(min(loads, default=float('nan')), 2)}"
        f"–{num(max(loads, default=float('nan')), 2)} during the runs "
        f"({num(meta['load_start'], 2)} at the start, {num(meta['load_end'], 2)} at the end).",
        "",
        "Python "
        + m["python"]
        + "; "
        + ", ".join(
            f"{k} {m[k]}"
            for k in m
            if k not in ("date_utc", "cpu", "cores", "ram", "os", "python", "commit")
        )
        + ".",
        "",
    ]
    if meta.get("quick"):
        lines += ["**Quick run (`--quick`): two-day studies, not the benchmark.**", ""]
    merged = meta.get("merged", {})
    if merged:
        lines += [
            "Added afterwards with `--merge` (same machine, same code, one run): "
            + "; ".join(
                f"`{n}` on {v['date_utc']} (load {num(v['load_start'], 2)})"
                for n, v in merged.items()
            )
            + ".",
            "",
        ]
    lines += ["## Targets of the issue", ""]
    lines += table(["target", "goal", "measured", ""], _target_rows(ts))
    lines += _floor_caveat(s)
    lines += ["## Rolling dispatch by stage [s]", ""]
    lines += [
        "The study runs end to end through `sim.pipeline.run`: set-up (grid, profiles), "
        "rolling dispatch (perfect forecasts, a 2 MW / 4 MWh battery, marginal emission "
        "factors on), realisation and the AC power flow of every hour. *Build* is the "
        "Pyomo model and its compile into arrays (`dispatch/lp_compile.py`); *update* "
        "writes a window's data into the model's parameters; *interface* is the solver "
        "interface without HiGHS (evaluating the LP vectors, passing the model to HiGHS "
        "or pushing the changed entries, reading the solution and duals, emission "
        "factors); *HiGHS* is the time inside HiGHS; *rest* is forecasts, window inputs "
        "and bookkeeping. "
        "Peak memory is the peak resident set of the process at the end of the run [MiB].",
        "",
    ]
    lines += table(
        [
            "study",
            "runs",
            "hours",
            "windows",
            "models",
            "set-up",
            "dispatch",
            "build",
            "update",
            "interface",
            "HiGHS",
            "extract",
            "rest",
            "AC PF",
            "total",
            "peak MiB",
        ],
        dispatch_rows(s),
    )
    lines += ["## The floor: the same windows solved by HiGHS alone [s]", ""]
    lines += [
        "A sample of each study's windows, spread evenly over the period, built from the "
        "inputs the rolling run gave them, written as MPS by Pyomo and solved by a fresh "
        "`highspy.Highs` (`readModel` + `run`, cold: presolve, no previous basis); the "
        "sampled times are scaled to all windows. *HiGHS-alone* is `run`; *our HiGHS* "
        "is the time inside HiGHS in the rolling run itself, which keeps the model "
        "loaded and starts each window from the previous basis (no presolve), hence "
        "faster than the cold floor. The objectives agree to the last column.",
        "",
    ]
    lines += table(
        [
            "study",
            "windows timed",
            "LP of one window",
            "HiGHS-alone",
            "readModel",
            "our HiGHS",
            "our dispatch",
            "dispatch / floor",
            "dispatch / our HiGHS",
            "max rel. objective diff",
        ],
        floor_rows(s),
    )
    lines += ["## The peer: PyPSA's rolling horizon [s]", ""]
    lines += [
        "`n.optimize.optimize_with_rolling_horizon(horizon=48, overlap=24, "
        "solver_name='highs', io_api='direct')` on a PyPSA network built from our "
        "network data and profiles (see `benchmarks/pypsa_peer.py` for the mapping and "
        "its differences: no minimum or terminal state of charge in PyPSA). Both runs "
        "are timed over the dispatch alone; the import and curtailment energies [MWh] "
        "show the two solve comparable problems.",
        "",
    ]
    lines += table(
        [
            "study",
            "runs ours / PyPSA",
            "windows",
            "our dispatch",
            "PyPSA rolling",
            "PyPSA network build",
            "ours / PyPSA",
            "import ours / PyPSA",
            "curtailment ours / PyPSA",
            "peak MiB ours / PyPSA",
        ],
        peer_rows(s),
    )
    lines += ["## AC power flow of a year [s]", ""]
    lines += [
        "The year's actual profiles (loads at demand, renewables at full availability, "
        "battery idle). Ours: `grid.powerflow.run_ac_timeseries(..., engine='pgm')`, all "
        "8784 hours. pandapower: `pandapower.timeseries.run_timeseries` with "
        "`ConstControl`/`DFData` (`runpp`, `numba=False`) on the hours given, spread "
        "evenly over the year, its time per hour extrapolated to the year (all hours "
        "with `--pp-hours 0`); the loss energy is compared on those hours.",
        "",
    ]
    lines += table(
        [
            "grid",
            "runs",
            "hours",
            "ours",
            "ours ms/h",
            "pandapower hours",
            "pandapower ms/h",
            "pandapower year (extrapolated)",
            "speed-up",
            "loss energy diff %",
            "our year losses MWh",
            "peak MiB",
        ],
        powerflow_rows(s),
    )
    lines += profile_lines(s)
    paragraphs = obstacles(s, ts)
    if paragraphs:
        lines += ["## What stands in the way", ""]
        for p in paragraphs:
            lines += [p, ""]
    lines += [
        "## Notes",
        "",
        "- SimBench's profiles are stamped in local time; `grid/profiles.py` converts "
        "them to UTC, so the year runs 2015-12-31 23:00 to 2016-12-31 23:00 UTC. Runs "
        "before that fix read the stamps as UTC and filled the spring daylight-saving "
        "hour by interpolation (`benchmarks.studies.dst_gap_filled`, now a guard).",
        "- The intraday studies are a month (720 windows) on the rural grid and a week "
        "(168 windows) on the urban one; `BENCH_ARGS=--full` adds the rural week, the "
        "rural lindistflow year and PyPSA's urban year.",
        "- Sampled, not complete: the floor times "
        f"{meta['floor_windows']} windows per study and scales them to all; pandapower "
        f"solves {meta['pp_hours']} of the year's hours and is extrapolated (a full "
        "pandapower year is about 4 minutes per grid: `--pp-hours 0`).",
        "- Reproduce: `make bench` (options through `BENCH_ARGS`, see "
        "`benchmarks/README.md`); raw runs in `benchmarks/results.json`.",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
