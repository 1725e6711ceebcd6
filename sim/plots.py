"""Matplotlib figures of a run; each function returns a Figure and shows nothing."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.results import SimulationResults  # noqa: E402

_COLOURS = {
    "wind": "#4c9be8",
    "pv": "#f2c12e",
    "other_renewable": "#6aa84f",
    "conventional": "#a0522d",
    "storage discharge": "#8e63b5",
    "import": "#7f7f7f",
    "storage charge": "#c9b3de",
    "export": "#bdbdbd",
}


def dispatch_stack(r: SimulationResults) -> Figure:
    """Supply stacked above zero (renewables by kind, conventional units, storage
    discharge, grid import)
    and uses below zero (storage charge, export), with demand and curtailment [MW]."""
    kind = r.assets.loc[r.assets["family"] == "renewable", "kind"]
    supply = {k: r.renewable_p_mw[kind.index[kind == k]].sum(axis=1) for k in sorted(set(kind))}
    if len(r.conventional_p_mw.columns):
        supply["conventional"] = r.conventional_p_mw.sum(axis=1)
    supply["storage discharge"] = r.storage_discharge_p_mw.sum(axis=1)
    supply["import"] = r.grid_import_p_mw.sum(axis=1)
    uses = {
        "storage charge": -r.storage_charge_p_mw.sum(axis=1),
        "export": -r.grid_export_p_mw.sum(axis=1),
    }
    t = r.demand_p_mw.index
    fig, ax = plt.subplots(figsize=(11, 4.5))
    ax.stackplot(
        t,
        *supply.values(),
        labels=list(supply),
        step="post",
        colors=[_COLOURS.get(k, "#999999") for k in supply],
    )
    ax.stackplot(
        t, *uses.values(), labels=list(uses), step="post", colors=[_COLOURS[k] for k in uses]
    )
    ax.step(t, r.demand_p_mw.sum(axis=1), where="post", color="k", lw=1.2, label="demand")
    ax.step(
        t,
        r.curtailment_p_mw.sum(axis=1),
        where="post",
        color="r",
        lw=1.0,
        ls="--",
        label="curtailment",
    )
    ax.axhline(0, color="k", lw=0.5)
    ax.set_ylabel("power [MW]")
    ax.set_title("Realised dispatch")
    ax.legend(loc="upper left", ncol=4, fontsize=8)
    ax.margins(x=0)
    fig.autofmt_xdate()
    return fig


def state_of_charge(r: SimulationResults) -> Figure:
    """Stored energy of each storage unit as a share of its capacity [%]."""
    fig, ax = plt.subplots(figsize=(11, 3.5))
    cap = r.assets["e_max_mwh"]
    for name in r.storage_e_mwh.columns:
        ax.plot(r.storage_e_mwh.index, 100.0 * r.storage_e_mwh[name] / cap[name], label=name)
    ax.set_ylim(0, 100)
    ax.set_ylabel("state of charge [%]")
    ax.set_title("Storage state of charge (end of step)")
    if len(r.storage_e_mwh.columns):
        ax.legend(loc="upper left", fontsize=8)
    ax.margins(x=0)
    fig.autofmt_xdate()
    return fig


def all_figures(r: SimulationResults) -> dict[str, Figure]:
    """The standard figures of a run, by file name."""
    return {"dispatch_stack": dispatch_stack(r), "state_of_charge": state_of_charge(r)}
