"""KPIs and the load plot of the EV fleets (:mod:`sim.ev_family`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

#: a shortfall below this counts as met [MWh]
SHORTFALL_TOL_MWH = 1e-6


def ev_kpis(frames: Mapping[str, pd.DataFrame], dt_h: float) -> dict[str, float]:
    """EV KPIs from the family's frames.

    ``ev_sessions`` (sessions in the run), ``ev_charge_mwh`` (energy drawn to charge,
    uncontrolled included), ``ev_discharge_mwh`` (V2G energy given back),
    ``ev_delivered_mwh`` (energy the vehicles leaving in the run gained over their
    stay), ``ev_unmet_mwh`` and ``ev_sessions_unmet`` (energy missing at departure and
    the sessions missing any), ``ev_peak_mw`` (peak net EV load), the coincidence
    factor ``ev_coincidence_factor`` (peak charging load over the charger power of
    all vehicles), ``ev_wear_cost_eur`` and ``ev_unallocated_mwh`` (dispatched power
    the split to sessions could not place: the gap of the aggregated model).
    """
    s = frames["sessions"]
    charge = frames["charge_p_mw"] + frames["uncontrolled_p_mw"]
    net = frames["p_mw"].sum(axis=1)
    left = s["e_departure_mwh"].notna()
    short = s.loc[left, "shortfall_mwh"]
    vehicles = s.groupby(["fleet", "vehicle"])["p_charge_mw"].max() if "vehicle" in s else None
    rated = float(vehicles.sum()) if vehicles is not None else float(s["p_charge_mw"].sum())
    peak_charge = float(charge.sum(axis=1).max()) if len(charge) else 0.0
    return {
        "ev_sessions": float(len(s)),
        "ev_charge_mwh": float(charge.to_numpy().sum() * dt_h),
        "ev_discharge_mwh": float(frames["discharge_p_mw"].to_numpy().sum() * dt_h),
        "ev_delivered_mwh": float(
            (s.loc[left, "e_departure_mwh"] - s.loc[left, "e_arrive_mwh"]).sum()
        ),
        "ev_unmet_mwh": float(short.sum()),
        "ev_sessions_unmet": float((short > SHORTFALL_TOL_MWH).sum()),
        "ev_peak_mw": float(net.max()) if len(net) else 0.0,
        "ev_coincidence_factor": peak_charge / rated if rated > 0 else float("nan"),
        "ev_wear_cost_eur": float(frames["wear_cost_eur"].to_numpy().sum()),
        "ev_unallocated_mwh": float(np.nansum(s["unallocated_mwh"].to_numpy())),
    }


def ev_profile(frames: Mapping[str, pd.DataFrame]) -> Any:
    """Net EV load by charging mode [MW] (left) and the energy of the plugged-in
    vehicles the dispatch steers [MWh] (right), over time."""
    import matplotlib.pyplot as plt

    import sim.plots  # noqa: F401  (selects the Agg backend)

    by_mode = frames["p_by_mode_mw"]
    colours = {"uncontrolled": "#c0504d", "smart": "#4f81bd", "v2g": "#9bbb59"}
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.5))
    for mode in by_mode.columns:
        ax.step(by_mode.index, by_mode[mode], where="post", label=mode, color=colours.get(mode))
    ax.axhline(0.0, color="#7f7f7f", lw=0.8)
    ax.set_ylabel("net EV load [MW]")
    ax.set_title("EV load by charging mode")
    ax.legend(loc="upper right")
    e = frames["e_plugged_mwh"].sum(axis=1)
    ax2.step(e.index, e, where="post", color="#8e63b5")
    ax2.set_ylabel("energy [MWh]")
    ax2.set_title("Energy of the vehicles plugged in (steered)")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig
