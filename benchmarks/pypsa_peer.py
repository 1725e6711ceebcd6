"""The peer: the same study in PyPSA's rolling horizon (linopy + HiGHS).

Run as ``python -m benchmarks.pypsa_peer --grid rural [--start ... --end ...]
[--io-api direct] [--json FILE]``.

The PyPSA network is built from the simulator's own data of the study
(:func:`sim.setup.setup_run`): the network buses and branches the ``dc`` dispatch
sees (:class:`grid.topology.NetworkData`), the actual load and renewable profiles
(the dispatch uses perfect forecasts) and the grid prices. It mirrors the LP of
our ``dc`` dispatch:

- every branch is a PyPSA ``Line`` on a 1 kV bus (so PyPSA's per-unit reactance
  is the line's ``x``) with ``x = x_pu * tap_ratio / base_mva`` and ``s_nom`` the
  thermal limit: PyPSA's linear power flow then carries
  ``base_mva * (theta_i - theta_j) / (x_pu * tap_ratio)``, as ours;
- loads are ``Load`` with their profiles; load shedding at the value of lost load
  and over-generation at its cost are one generator each per bus with load;
- renewables are generators with ``p_max_pu`` profiles and a marginal cost of
  minus the curtailment cost (our curtailment cost less a constant);
- import is a generator with the time-of-use price as marginal cost, export a
  generator with ``p_min_pu = -1`` and the export price, limited to
  ``export_max_mw``;
- the battery is a ``StorageUnit`` with the same power, energy, efficiencies,
  standing loss and initial energy; PyPSA has no minimum state of charge or
  terminal energy per window, and charges the wear cost on discharge only (we
  put twice the wear cost there).

``n.optimize.optimize_with_rolling_horizon(horizon=48, overlap=24)`` solves the
same windows as our ``day_ahead`` preset: 48 h from every midnight, of which the
first 24 h are kept (the next window overwrites the overlap), with the state of
charge carried over.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import pandas as pd
import pypsa

from benchmarks.child import Result, run_child
from benchmarks.studies import GRIDS, YEAR_END, YEAR_START, dst_gap_filled, study_case
from sim.case import Case
from sim.setup import setup_run as _setup

#: a bound for "no limit" on the import generator [MW]
UNLIMITED_MW = 1e5


def pypsa_network(case: Case) -> pypsa.Network:
    """The PyPSA network of ``case`` (see the module docstring)."""
    with dst_gap_filled():
        s = _setup(case)
    nd, a, d = s.nd, s.actual, case.dispatch
    index = pd.DatetimeIndex(a.load_p_mw.index).tz_convert(None)
    n = pypsa.Network()
    n.set_snapshots(index)
    buses = list(nd.bus_table.index)
    n.add("Bus", buses, v_nom=1.0)
    br = nd.branches
    node = nd.bus_map
    n.add(
        "Line",
        list(br.index),
        bus0=br["from_bus"].map(node).to_numpy(),
        bus1=br["to_bus"].map(node).to_numpy(),
        x=(br["x_pu"] * br["tap_ratio"] / nd.base_mva).to_numpy(),
        r=(br["r_pu"] / nd.base_mva).to_numpy(),
        s_nom=br["rate_mva"].to_numpy(),
    )

    def frame(df: pd.DataFrame) -> pd.DataFrame:
        return df.set_axis(index, axis=0)

    load = frame(a.load_p_mw)
    load_node = nd.load_bus.loc[load.columns].map(node)
    n.add("Load", list(load.columns), bus=load_node.to_numpy(), p_set=load)
    demand_by_node = load.T.groupby(load_node.to_numpy()).sum().T
    nodes = list(demand_by_node.columns)
    peak = demand_by_node.max().clip(lower=1e-3)
    n.add(
        "Generator",
        [f"shed {b}" for b in nodes],
        bus=nodes,
        p_nom=peak.to_numpy(),
        marginal_cost=d.voll_eur_per_mwh,
    )
    n.add(
        "Generator",
        [f"overgen {b}" for b in nodes],
        bus=nodes,
        p_nom=UNLIMITED_MW,
        p_min_pu=-1.0,
        p_max_pu=0.0,
        marginal_cost=-d.overgeneration_cost_eur_per_mwh,
    )
    avail = frame(a.sgen_p_mw)
    p_nom = avail.max().clip(lower=1e-6)
    n.add(
        "Generator",
        list(avail.columns),
        bus=nd.sgen_bus.loc[avail.columns].map(node).to_numpy(),
        p_nom=p_nom.to_numpy(),
        p_max_pu=avail / p_nom,
        marginal_cost=-d.curtailment_cost_eur_per_mwh,
    )
    eg, ext = case.external_grid, str(node[nd.ext_grid_bus])
    signals = s.signals.set_axis(index, axis=0)
    n.add(
        "Generator",
        "grid import",
        bus=ext,
        p_nom=eg.import_max_mw if eg.import_max_mw is not None else UNLIMITED_MW,
        marginal_cost=signals["import_price_eur_per_mwh"],
    )
    n.add(
        "Generator",
        "grid export",
        bus=ext,
        p_nom=eg.export_max_mw if eg.export_max_mw is not None else UNLIMITED_MW,
        p_min_pu=-1.0,
        p_max_pu=0.0,
        marginal_cost=signals["export_price_eur_per_mwh"],
    )
    for st in case.storage:
        n.add(
            "StorageUnit",
            st.name,
            bus=str(node[nd.storage_bus[st.name]]),
            p_nom=st.p_max_mw,
            max_hours=st.e_max_mwh / st.p_max_mw,
            efficiency_store=st.eff_charge,
            efficiency_dispatch=st.eff_discharge,
            standing_loss=st.standing_loss_per_h,
            state_of_charge_initial=st.e_start_mwh,
            cyclic_state_of_charge=False,
            marginal_cost=2.0 * st.wear_cost_eur_per_mwh,
        )
    return n


def measure(case: Case, io_api: str | None) -> Result:
    """Build the PyPSA network of ``case`` and run PyPSA's rolling horizon on it.

    Returns
    -------
    dict
        ``build_network_s`` (our set-up plus building the PyPSA network) and
        ``rolling_s`` (``optimize_with_rolling_horizon``) [s]; ``windows``; the
        year's ``grid_import_mwh``, ``grid_export_mwh`` and ``curtailment_mwh``
        as a plausibility check against our dispatch.
    """
    t0 = time.perf_counter()
    n = pypsa_network(case)
    t1 = time.perf_counter()
    kwargs: dict[str, Any] = {"solver_name": "highs", "log_to_console": False}
    if io_api is not None:
        kwargs["io_api"] = io_api
    n.optimize.optimize_with_rolling_horizon(horizon=48, overlap=24, **kwargs)
    t2 = time.perf_counter()
    gen = n.generators_t.p
    avail = n.generators_t.p_max_pu.mul(n.generators.p_nom).dropna(axis=1, how="all")
    renew = [c for c in avail.columns if c in gen.columns and not c.startswith("grid")]
    return {
        "hours": float(len(n.snapshots)),
        "windows": float(len(range(0, len(n.snapshots), 24))),
        "build_network_s": t1 - t0,
        "rolling_s": t2 - t1,
        "grid_import_mwh": float(gen["grid import"].sum()),
        "grid_export_mwh": float(-gen["grid export"].sum()),
        "curtailment_mwh": float(np.clip(avail[renew] - gen[renew], 0.0, None).sum().sum()),
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--grid", choices=sorted(GRIDS), default="rural")
    p.add_argument("--start", default=YEAR_START)
    p.add_argument("--end", default=YEAR_END)
    p.add_argument("--io-api", default=None, help="linopy's io_api (default: linopy's choice)")
    p.add_argument("--json", default=None, help="write the result here (default: stdout)")
    a = p.parse_args(argv)
    case = study_case(a.grid, "dc", "day_ahead", a.start, a.end)
    run_child(lambda: measure(case, a.io_api), a.json)


if __name__ == "__main__":
    main()
