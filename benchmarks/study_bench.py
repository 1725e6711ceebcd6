"""Throughput of a batch study on the local pool: the same study of 16 cases with 1
worker and then with 2, in one process, and the overhead per case outside the
simulation itself.

Run as ``python -m benchmarks.study_bench [--cases 16] [--start ... --end ...]
[--json FILE]``. The study is the default case (rural grid, its battery, its
network model) over the period with a sweep of the battery's power and energy; each
run starts its own ``LocalCluster`` and writes a fresh study folder, so nothing is
skipped. It reports, for each worker count: the study's wall time from the call to
the last case (cluster start-up included), the cluster's start-up time, the mean
simulation time of a case on its worker (grid, profiles, dispatch, AC power flow:
``sim.pipeline.run``), the mean write time, the grid loading of a worker's first
case (its set-up time minus the set-up time of the worker's later cases) and the
overhead per case outside the simulation (``workers * wall / cases`` minus the mean
simulation time). ``throughput_2_over_1`` is the ratio of cases per second of wall
time, 2 workers over 1 (target >= 1.8). The KPIs of both runs must be identical.

A run's fixed cost ``F`` (the cluster's start-up and one grid read per worker, in
parallel) is paid once whatever the number of workers, so with ``n`` cases of
``t`` seconds the ratio is about ``(F + n t) / (F + n t / 2)``: it approaches 2 (less
the two processes' contention for the machine) as the study grows.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.child import Result, run_child
from sim.batch import BatchRun, run_batch
from sim.study import load_study
from sim.study_summary import summary_table

BASE_CASE = Path(__file__).resolve().parents[1] / "cases" / "default.yaml"
#: the battery sizes swept (power [MW] x energy [MWh]); the first ``--cases`` are run
POWERS_MW = (1, 2, 3, 4, 5, 6, 7, 8)
ENERGIES_MWH = (4, 8)


def _study_text(cases: int, start: str, end: str) -> str:
    powers = list(POWERS_MW[: max(1, -(-cases // len(ENERGIES_MWH)))])
    return (
        f"name: throughput\nbase_case: {BASE_CASE}\n"
        f'set: {{time.start: "{start}", time.end: "{end}"}}\n'
        f"sweep:\n  parameters:\n    storage.0.p_max_mw: {powers}\n"
        f"    storage.0.e_max_mwh: {list(ENERGIES_MWH)}\n"
    )


def _stats(run: BatchRun, cases: int) -> dict[str, float]:
    done = [o for o in run.outcomes if o.status == "done"]
    if len(done) != cases:
        raise RuntimeError(f"{cases - len(done)} cases failed: {[o.error for o in run.failed]}")
    sim_s = [o.timings_s["total_s"] for o in done]
    by_worker: dict[str, list[Any]] = {}
    for o in done:
        by_worker.setdefault(str(o.worker), []).append(o)
    loading = []
    for outs in by_worker.values():
        later = [o.timings_s["build_s"] for o in outs[1:]]
        if later:
            loading.append(outs[0].timings_s["build_s"] - statistics.mean(later))
    return {
        "wall_s": run.wall_s,
        "startup_s": run.startup_s,
        "workers": float(run.workers),
        "throughput_cases_per_min": 60.0 * cases / run.wall_s,
        "simulation_mean_s": statistics.mean(sim_s),
        "write_mean_s": statistics.mean(o.timings_s["write_s"] for o in done),
        "task_mean_s": statistics.mean(o.timings_s["task_s"] for o in done),
        "grid_loading_first_case_s": statistics.mean(loading) if loading else float("nan"),
        "overhead_per_case_s": run.workers * run.wall_s / cases - statistics.mean(sim_s),
    }


def measure(cases: int, start: str, end: str) -> Result:
    """Run the study with 1 and then 2 workers; their statistics (``w1_*``, ``w2_*``)
    and ``throughput_2_over_1``."""
    result: Result = {"cases": float(cases)}
    tables = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "throughput.yaml"
        path.write_text(_study_text(cases, start, end))
        study = load_study(path)
        study = type(study)(study.name, study.path, study.spec, study.cases[:cases])
        for workers in (1, 2):
            folder = Path(tmp) / f"w{workers}"
            run = run_batch(study, folder, workers=workers, progress=False)
            result.update({f"w{workers}_{k}": v for k, v in _stats(run, cases).items()})
            tables.append(summary_table(study, folder))
    kpis = [c for c in tables[0].columns if c not in ("error",)]
    if not tables[0][kpis].equals(tables[1][kpis]):
        raise RuntimeError("the KPIs of the 1-worker and 2-worker runs differ")
    result["throughput_2_over_1"] = result["w1_wall_s"] / result["w2_wall_s"]
    return result


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=16)
    p.add_argument("--start", default="2016-07-04T00:00:00Z")
    p.add_argument("--end", default="2016-07-11T00:00:00Z")
    p.add_argument("--json", default=None, help="write the result here (default: stdout)")
    a = p.parse_args(argv)
    run_child(lambda: measure(a.cases, a.start, a.end), a.json)


if __name__ == "__main__":
    main()
