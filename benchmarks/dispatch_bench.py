"""Rolling dispatch of a study through the simulator's own pipeline, timed by stage,
and the floor of its windows (HiGHS alone).

Run as ``python -m benchmarks.dispatch_bench --grid rural --network dc --rolling
day_ahead [--start ... --end ...] [--floor-windows N] [--json FILE]``.

The whole study runs through :func:`sim.pipeline.run` (grid and profiles, rolling
dispatch, realisation, AC power flow of every hour, results). To give the floor
the very windows the dispatch solved, :func:`dispatch.rolling.run_rolling` is
wrapped for the run so that the inputs of a sample of windows are kept; nothing
else changes, and the kept inputs are only used after the run.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd

import sim.pipeline
from benchmarks.child import Result, peak_rss_mb, run_child
from benchmarks.highs_floor import floor_of_windows, sample_positions
from benchmarks.studies import GRIDS, YEAR_END, YEAR_START, dst_gap_filled, study_case
from dispatch.inputs import DispatchInputs
from dispatch.rolling import InputsFor, run_rolling, window_plan
from sim.case import Case


@contextmanager
def keeping_windows(positions: set[int], kept: dict[int, DispatchInputs]) -> Iterator[None]:
    """While active, the pipeline's rolling dispatch stores the inputs of the windows
    at ``positions`` (0-based, in solve order, with their carried state) in ``kept``."""
    original = sim.pipeline.run_rolling

    def recording(
        time_index: pd.DatetimeIndex, dt_h: float, inputs_for: InputsFor, *rest: Any, **kw: Any
    ) -> Any:
        def keep(position: int, x: DispatchInputs) -> None:
            if position in positions:
                kept[position] = x

        return run_rolling(time_index, dt_h, inputs_for, *rest, on_window=keep, **kw)

    sim.pipeline.run_rolling = recording  # type: ignore[assignment]
    try:
        yield
    finally:
        sim.pipeline.run_rolling = original


def stage_timings(out: sim.pipeline.RunOutput, wall_s: float) -> dict[str, float]:
    """Wall time, the pipeline's stage timings and the rolling dispatch's counts [s]."""
    s, t = out.stats, out.timings_s
    return {
        "wall_s": wall_s,
        "setup_s": t["build_s"],
        "dispatch_s": t["dispatch_s"],
        "powerflow_s": t["powerflow_s"],
        "total_s": t["total_s"],
        "windows": float(s.windows),
        "models_built": float(s.models_built),
    }


def n_windows(case: Case) -> int:
    """Number of windows the rolling dispatch of ``case`` solves."""
    n = round((case.time.end - case.time.start).total_seconds() / 3600 / case.time.dt_h)
    window_h, horizon_h = case.dispatch.window_and_horizon_h
    horizon = n if horizon_h is None else round(horizon_h / case.time.dt_h)
    window = horizon if window_h is None else min(round(window_h / case.time.dt_h), horizon)
    return len(window_plan(n, window, horizon))


def measure(case: Case, floor_windows: int) -> Result:
    """Run ``case`` end to end and time HiGHS alone on ``floor_windows`` of its windows.

    Returns
    -------
    dict
        Stage timings of :func:`sim.pipeline.run` (``setup_s``, ``dispatch_s``,
        ``powerflow_s``, ``total_s``), the rolling statistics (``windows``,
        ``models_built``, ``build_s``, ``update_s``, ``solve_s``, ``highs_s``,
        ``extract_s``), ``peak_rss_run_mb`` (peak memory after the run, before
        the floor) [MB] and the floor (:func:`benchmarks.highs_floor.floor_of_windows`).
    """
    n = n_windows(case)
    positions = sample_positions(n, floor_windows) if floor_windows > 0 else []
    kept: dict[int, DispatchInputs] = {}
    gap: list[int] = []
    t0 = time.perf_counter()
    with dst_gap_filled(gap), keeping_windows(set(positions), kept):
        out = sim.pipeline.run(case)
    wall = time.perf_counter() - t0
    s = out.stats
    result: Result = {
        "hours": float(len(out.results.demand_p_mw)),
        "dst_gap_hours_filled": float(sum(gap)),
        **stage_timings(out, wall),
        "build_s": s.build_time_s,
        "update_s": s.update_time_s,
        "solve_s": s.solve_time_s,
        "highs_s": s.solver_time_s,
        "extract_s": s.extract_time_s,
        "peak_rss_run_mb": peak_rss_mb(),
        "ac_losses_mwh": float(out.results.losses_p_mw["total"].sum() * case.time.dt_h),
        "grid_import_mwh": float(out.results.grid_import_p_mw.sum().sum() * case.time.dt_h),
        "curtailment_mwh": float(out.results.curtailment_p_mw.sum().sum() * case.time.dt_h),
    }
    if n != s.windows:
        raise RuntimeError(f"expected {n} windows, the run solved {s.windows}")
    if positions:
        windows = [kept[p] for p in positions]
        floor = floor_of_windows(windows, case.dispatch.network_model, n)
        gaps = [
            abs(floor.pop(f"floor_objective_{i}") - s.statuses[p].objective_eur)
            / max(1.0, abs(s.statuses[p].objective_eur))
            for i, p in enumerate(positions)
        ]
        result.update(floor, floor_objective_max_rel_diff=max(gaps))
    return result


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--grid", choices=sorted(GRIDS), default="rural")
    p.add_argument("--network", choices=["copperplate", "dc", "lindistflow"], default="dc")
    p.add_argument("--rolling", choices=["day_ahead", "intraday"], default="day_ahead")
    p.add_argument("--start", default=YEAR_START)
    p.add_argument("--end", default=YEAR_END)
    p.add_argument("--floor-windows", type=int, default=0, help="windows timed with HiGHS alone")
    p.add_argument("--json", default=None, help="write the result here (default: stdout)")
    a = p.parse_args(argv)
    case = study_case(a.grid, a.network, a.rolling, a.start, a.end)
    run_child(lambda: measure(case, a.floor_windows), a.json)


if __name__ == "__main__":
    main()
