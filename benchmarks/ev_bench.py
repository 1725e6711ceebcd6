"""A year of day-ahead rolling dispatch with 1,000 EVs (aggregated per station)
against the same year without them, in one process.

Run as ``python -m benchmarks.ev_bench [--grid rural] [--start ... --end ...]
[--json FILE]``. Both runs go through :func:`sim.pipeline.run` (dispatch,
realisation, AC power flow of every hour). The EV run adds two smart-charging fleets
to the study case: 700 home and 300 workplace vehicles (11 kW, 60 kWh, sessions from
the seeded generator, Europe/Berlin), one unit per bus (both fleets), known from their
arrival. It reports both runs' stage timings, their ratio ``ev_over_base``, the
models each built (1 for a run that stays on the array path: every window after
the first updates the model) and the EV KPIs.
"""

from __future__ import annotations

import argparse
import time

import sim.pipeline
from benchmarks.child import Result, peak_rss_mb, run_child
from benchmarks.dispatch_bench import stage_timings
from benchmarks.studies import GRIDS, YEAR_END, YEAR_START, study_case
from sim.case import Case
from sim.kpis import all_kpis

#: the fleets of the EV run (``--set`` value of ``ev_fleets``)
FLEETS = (
    "[{name: home, mode: smart, sessions: {generate: {kind: home, vehicles: 700, seed: 1,"
    " time_zone: Europe/Berlin}}},"
    " {name: work, mode: smart, sessions: {generate: {kind: workplace, vehicles: 300, seed: 2,"
    " time_zone: Europe/Berlin}}}]"
)


def _timed(case: Case) -> tuple[dict[str, float], dict[str, float]]:
    t0 = time.perf_counter()
    out = sim.pipeline.run(case)
    wall = time.perf_counter() - t0
    s = out.stats
    timing = {**stage_timings(out, wall), "solve_s": s.solve_time_s, "highs_s": s.solver_time_s}
    return timing, all_kpis(out.results, case.dispatch.voll_eur_per_mwh)


def measure(base: Case, with_ev: Case) -> Result:
    """Run ``base`` and then ``with_ev``; their timings (``base_*``, ``ev_*``), the
    ratio of their totals and the EV run's EV KPIs."""
    t_base, _ = _timed(base)
    t_ev, kpis = _timed(with_ev)
    result: Result = {f"base_{k}": v for k, v in t_base.items()}
    result.update({f"ev_{k}": v for k, v in t_ev.items()})
    result["ev_over_base"] = t_ev["total_s"] / t_base["total_s"]
    result.update({k: float(v) for k, v in kpis.items() if k.startswith("ev_")})
    result["peak_rss_run_mb"] = peak_rss_mb()
    return result


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--grid", choices=sorted(GRIDS), default="rural")
    p.add_argument("--start", default=YEAR_START)
    p.add_argument("--end", default=YEAR_END)
    p.add_argument("--json", default=None, help="write the result here (default: stdout)")
    a = p.parse_args(argv)
    base = study_case(a.grid, "dc", "day_ahead", a.start, a.end)
    with_ev = study_case(a.grid, "dc", "day_ahead", a.start, a.end, [f"ev_fleets={FLEETS}"])
    run_child(lambda: measure(base, with_ev), a.json)


if __name__ == "__main__":
    main()
