"""Run every benchmark in its own process, repeat, take medians, write RESULTS.md.

``python -m benchmarks.run_all [--repeats N] [--long-repeats N] [--full] [--quick]
[--only NAME,...]`` (``make bench`` runs it with the defaults). Each run of a
benchmark is a fresh ``python -m benchmarks.<module>`` subprocess, so its peak
memory is its own and no run warms the next one. Results: the median of each
quantity over the runs (peak memory: the largest), in ``benchmarks/RESULTS.md``
and, with every single run, ``benchmarks/results.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.child import load_average
from benchmarks.machine import machine_info
from benchmarks.report import write_report

HERE = Path(__file__).resolve().parent
#: periods of the studies: the year, the intraday week and the peer comparison
YEAR = ("2015-12-31T23:00:00Z", "2016-12-31T23:00:00Z")
INTRADAY_WEEK = ("2016-03-01T00:00:00Z", "2016-03-08T00:00:00Z")
INTRADAY_MONTH = ("2016-03-01T00:00:00Z", "2016-03-31T00:00:00Z")
PEER_WEEKS = ("2016-03-01T00:00:00Z", "2016-03-15T00:00:00Z")
PROFILE_DAY_AHEAD = ("2016-03-01T00:00:00Z", "2016-03-22T00:00:00Z")
PROFILE_INTRADAY = ("2016-03-01T00:00:00Z", "2016-03-05T00:00:00Z")
#: the week of each case of the batch-study throughput benchmark
STUDY_WEEK = ("2016-07-04T00:00:00Z", "2016-07-11T00:00:00Z")
#: the same studies, a few hours long, to check the machinery (``--quick``)
QUICK = ("2016-03-01T00:00:00Z", "2016-03-03T00:00:00Z")


@dataclass(frozen=True)
class Bench:
    """One benchmark: a module run as a subprocess with its arguments.

    ``kind`` is ``long`` (repeated ``--long-repeats`` times), ``short``
    (``--repeats`` times: the AC power flow and the intraday studies, whose per-window
    ratios a single run on a shared machine leaves noisy) or ``once`` (profiles).
    """

    name: str
    module: str
    args: tuple[str, ...]
    kind: str
    full_only: bool = False


def _period(p: tuple[str, str]) -> tuple[str, ...]:
    return ("--start", p[0], "--end", p[1])


def plan(floor_windows: int, pp_hours: int, quick: bool) -> list[Bench]:
    """Every benchmark, in run order (see benchmarks/README.md)."""
    year = QUICK if quick else YEAR
    week = QUICK if quick else INTRADAY_WEEK
    month = QUICK if quick else INTRADAY_MONTH
    peer = QUICK if quick else PEER_WEEKS
    fw = ("--floor-windows", str(floor_windows))
    d = "benchmarks.dispatch_bench"
    benches = []
    for grid in ("rural", "urban"):
        benches.append(
            Bench(
                f"year_day_ahead_{grid}_dc",
                d,
                ("--grid", grid, "--network", "dc", *fw) + _period(year),
                "long",
            )
        )
    benches += [
        Bench(
            "year_day_ahead_rural_lindistflow",
            d,
            ("--grid", "rural", "--network", "lindistflow", *fw) + _period(year),
            "long",
            full_only=True,
        ),
        Bench("year_day_ahead_rural_dc_ev", "benchmarks.ev_bench", _period(year), "long"),
        Bench(
            "study_throughput_rural",
            "benchmarks.study_bench",
            ("--cases", "8" if quick else "16") + _period(STUDY_WEEK),
            "long",
        ),
        Bench(
            "pypsa_year_rural",
            "benchmarks.pypsa_peer",
            ("--grid", "rural", "--io-api", "direct") + _period(year),
            "long",
        ),
        Bench(
            "pypsa_year_urban",
            "benchmarks.pypsa_peer",
            ("--grid", "urban", "--io-api", "direct") + _period(year),
            "long",
            full_only=True,
        ),
        Bench(
            "weeks_day_ahead_urban_dc",
            d,
            ("--grid", "urban", "--network", "dc") + _period(peer),
            "long",
        ),
        Bench(
            "pypsa_weeks_urban",
            "benchmarks.pypsa_peer",
            ("--grid", "urban", "--io-api", "direct") + _period(peer),
            "long",
        ),
    ]
    benches += [
        Bench(
            "intraday_month_rural_dc",
            d,
            ("--grid", "rural", "--network", "dc", "--rolling", "intraday", *fw) + _period(month),
            "short",
        ),
        Bench(
            "intraday_week_urban_dc",
            d,
            ("--grid", "urban", "--network", "dc", "--rolling", "intraday", *fw) + _period(week),
            "short",
        ),
        Bench(
            "intraday_week_rural_dc",
            d,
            ("--grid", "rural", "--network", "dc", "--rolling", "intraday", *fw) + _period(week),
            "short",
            full_only=True,
        ),
    ]
    for grid in ("rural", "urban"):
        benches.append(
            Bench(
                f"powerflow_year_{grid}",
                "benchmarks.powerflow_bench",
                ("--grid", grid, "--pp-hours", str(24 if quick else pp_hours)),
                "short",
            )
        )
    prof_da = QUICK if quick else PROFILE_DAY_AHEAD
    prof_id = QUICK if quick else PROFILE_INTRADAY
    benches += [
        Bench(
            "profile_day_ahead_rural_dc",
            "benchmarks.profile_window",
            ("--grid", "rural", "--network", "dc") + _period(prof_da),
            "once",
        ),
        Bench(
            "profile_intraday_rural_dc",
            "benchmarks.profile_window",
            ("--grid", "rural", "--network", "dc", "--rolling", "intraday") + _period(prof_id),
            "once",
        ),
    ]
    return benches


def run_once(bench: Bench) -> dict[str, Any]:
    """One run of ``bench`` in a fresh interpreter; its JSON result and wall time."""
    with tempfile.TemporaryDirectory(prefix="sgls-bench-") as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", bench.module, *bench.args, "--json", str(out)]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=HERE.parent, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(
                f"{bench.name} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
            )
        result: dict[str, Any] = json.loads(out.read_text())
    result["process_wall_s"] = wall
    return result


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median of every number over ``runs``; peak memory and load: the largest."""
    keys = sorted({k for r in runs for k, v in r.items() if isinstance(v, (int, float))})
    out: dict[str, Any] = {}
    for k in keys:
        values = [float(r[k]) for r in runs if k in r]
        if k.startswith("peak_rss") or k.startswith("load_"):
            out[k] = max(values)
        else:
            out[k] = statistics.median(values)
    out["runs"] = len(runs)
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3, help="runs of the short benchmarks")
    p.add_argument("--long-repeats", type=int, default=1, help="runs of the long ones")
    p.add_argument("--floor-windows", type=int, default=12, help="windows solved by HiGHS alone")
    p.add_argument("--pp-hours", type=int, default=168, help="hours pandapower solves (0: all)")
    p.add_argument("--full", action="store_true", help="also the studies left out by default")
    p.add_argument("--quick", action="store_true", help="two-day studies: check the machinery")
    p.add_argument("--only", default="", help="comma-separated benchmark names")
    p.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    p.add_argument("--json", type=Path, default=HERE / "results.json")
    p.add_argument(
        "--report-only", action="store_true", help="rewrite --results from --json, no runs"
    )
    p.add_argument("--merge", action="store_true", help="add these runs to those already in --json")
    a = p.parse_args(argv)
    if a.report_only:
        saved = json.loads(a.json.read_text())
        write_report(a.results, saved["meta"], saved["summary"])
        print(f"wrote {a.results} from {a.json}")
        return
    only = {n for n in a.only.split(",") if n}
    benches = [
        b
        for b in plan(a.floor_windows, a.pp_hours, a.quick)
        if (a.full or not b.full_only) and (not only or b.name in only)
    ]
    repeats = {"long": a.long_repeats, "short": a.repeats, "once": 1}
    t0 = time.perf_counter()
    load_start = load_average()
    raw: dict[str, list[dict[str, Any]]] = {}
    for b in benches:
        raw[b.name] = []
        for i in range(repeats[b.kind]):
            print(f"[{time.perf_counter() - t0:7.0f} s] {b.name} run {i + 1}", flush=True)
            raw[b.name].append(run_once(b))
    summary = {name: summarise(runs) for name, runs in raw.items()}
    info = machine_info()
    meta = {
        "machine": info,
        "repeats": a.repeats,
        "long_repeats": a.long_repeats,
        "floor_windows": a.floor_windows,
        "pp_hours": a.pp_hours,
        "full": a.full,
        "quick": a.quick,
        "load_start": load_start,
        "load_end": load_average(),
        "elapsed_s": time.perf_counter() - t0,
        "benches": {
            b.name: {"module": b.module, "args": list(b.args), "kind": b.kind} for b in benches
        },
    }
    if a.merge:
        saved = json.loads(a.json.read_text())
        merged = {
            name: {
                "date_utc": info["date_utc"],
                "load_start": load_start,
                "elapsed_s": meta["elapsed_s"],
            }
            for name in raw
        }
        meta = {**saved["meta"], "merged": {**saved["meta"].get("merged", {}), **merged}}
        summary, raw = {**saved["summary"], **summary}, {**saved["runs"], **raw}
    a.json.write_text(json.dumps({"meta": meta, "summary": summary, "runs": raw}, indent=1))
    write_report(a.results, meta, summary)
    print(f"wrote {a.results} and {a.json} in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
