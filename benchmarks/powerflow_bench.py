"""A year of hourly AC power flow: our engine against pandapower's time series.

Run as ``python -m benchmarks.powerflow_bench --grid rural [--pp-hours N]
[--json FILE]``.

The set-points are the study's actual profiles (2016, hourly): every load at its
demand, every renewable at its full availability, the battery idle. Our engine,
:func:`grid.powerflow.run_ac_timeseries` with ``engine="pgm"``, solves the whole
year; pandapower's ``run_timeseries`` (``ConstControl`` per quantity on ``DFData``,
Newton-Raphson ``runpp`` with ``numba=False``, an ``OutputWriter`` logging the
branch losses) solves ``--pp-hours`` hours spread evenly over the year (all of
them with ``--pp-hours 0``). Its time per hour is extrapolated to the year, and the
losses of both are compared on the hours pandapower solved.
"""

from __future__ import annotations

import argparse
import copy
import time

import numpy as np
import pandas as pd
from pandapower.control import ConstControl
from pandapower.timeseries import DFData, OutputWriter, run_timeseries

from benchmarks.child import Result, run_child
from benchmarks.highs_floor import sample_positions
from benchmarks.studies import GRIDS, dst_gap_filled, study_case
from grid.injections import table_injections
from grid.powerflow import run_ac_timeseries
from sim.setup import setup_run as _setup


def _positions(table: pd.DataFrame, names: pd.Index) -> list[int]:
    lookup = pd.Series(table.index, index=table["name"].to_numpy())
    return [int(i) for i in lookup.loc[names]]


def pandapower_losses_mw(
    net: object, load_p: pd.DataFrame, load_q: pd.DataFrame, sgen_p: pd.DataFrame, steps: list[int]
) -> tuple[np.ndarray, float]:
    """Branch losses [MW] of ``steps`` (positions in the profiles) from pandapower's
    ``run_timeseries`` and its wall time [s]."""
    net = copy.deepcopy(net)
    net.storage["p_mw"] = 0.0  # type: ignore[attr-defined]
    for table, variable, frame in (
        ("load", "p_mw", load_p),
        ("load", "q_mvar", load_q),
        ("sgen", "p_mw", sgen_p),
    ):
        idx = _positions(getattr(net, table), frame.columns)
        data = pd.DataFrame(frame.to_numpy(), columns=idx)
        ConstControl(
            net, table, variable, element_index=idx, profile_name=idx, data_source=DFData(data)
        )
    # logging a table besides res_bus/res_line/res_trafo keeps pandapower from its
    # voltage-only batch read, which cannot give branch losses
    logged = [("res_line", "pl_mw"), ("res_trafo", "pl_mw"), ("res_ext_grid", "p_mw")]
    ow = OutputWriter(net, steps, log_variables=logged)
    t0 = time.perf_counter()
    run_timeseries(net, time_steps=steps, verbose=False, numba=False)
    elapsed = time.perf_counter() - t0
    losses = ow.output["res_line.pl_mw"].sum(axis=1) + ow.output["res_trafo.pl_mw"].sum(axis=1)
    return losses.loc[steps].to_numpy(dtype=float), elapsed


def measure(grid: str, pp_hours: int) -> Result:
    """Time both engines on the year of ``grid`` and compare their losses.

    Returns
    -------
    dict
        ``hours``; ``pgm_s`` (our engine, the whole year) [s]; ``pp_hours`` and
        ``pp_s`` (pandapower on those hours) [s]; ``pp_year_s`` (extrapolated) [s];
        ``speedup`` (pandapower time per hour / ours); ``pgm_losses_mwh`` (the
        year); ``losses_rel_diff`` (relative difference of the loss energy on the
        hours both solved) [-]; ``pgm_converged`` (hours our engine solved).
    """
    case = study_case(grid, "dc", "none")
    with dst_gap_filled():
        s = _setup(case)
    a = s.actual
    idle = pd.DataFrame(0.0, index=a.load_p_mw.index, columns=s.families["storage"].units.index)
    t0 = time.perf_counter()
    pf = run_ac_timeseries(
        s.net,
        table_injections(load=(a.load_p_mw, a.load_q_mvar), sgen=a.sgen_p_mw, storage=idle - idle),
        engine="pgm",
    )
    pgm_s = time.perf_counter() - t0
    n = len(a.load_p_mw)
    steps = sample_positions(n, n if pp_hours <= 0 else pp_hours)
    pp_losses, pp_s = pandapower_losses_mw(s.net, a.load_p_mw, a.load_q_mvar, a.sgen_p_mw, steps)
    ours = pf.losses_p_mw["total"].to_numpy()[steps]
    return {
        "hours": float(n),
        "pgm_s": pgm_s,
        "pgm_converged": float(pf.converged["converged"].sum()),
        "pgm_losses_mwh": float(pf.losses_p_mw["total"].sum() * case.time.dt_h),
        "pp_hours": float(len(steps)),
        "pp_s": pp_s,
        "pp_year_s": pp_s * n / len(steps),
        "speedup": (pp_s / len(steps)) / (pgm_s / n),
        "losses_rel_diff": float(abs(ours.sum() - pp_losses.sum()) / abs(pp_losses.sum())),
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--grid", choices=sorted(GRIDS), default="rural")
    p.add_argument("--pp-hours", type=int, default=336, help="pandapower hours (0: all)")
    p.add_argument("--json", default=None, help="write the result here (default: stdout)")
    a = p.parse_args(argv)
    run_child(lambda: measure(a.grid, a.pp_hours), a.json)


if __name__ == "__main__":
    main()
