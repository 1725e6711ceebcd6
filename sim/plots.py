"""Matplotlib figures of a run; each function returns a Figure and shows nothing.

Figures are made with :mod:`matplotlib.pyplot` on the Agg backend; the caller saves
and closes them (``plt.close(fig)``). Network figures (losses, voltages, loadings)
are in :mod:`sim.plots_network`.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.emissions import average_ef_tco2_per_mwh  # noqa: E402
from sim.families import registered_families  # noqa: E402
from sim.plots_network import (  # noqa: E402
    extend_to_end,
    loading_duration,
    losses,
    voltage_envelope,
)
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


def _kind_columns(r: SimulationResults) -> dict[str, pd.Index]:
    """Renewable unit names by kind (wind, pv, other_renewable), kinds sorted."""
    kind = r.assets.loc[r.assets["family"] == "renewable", "kind"]
    return {k: kind.index[kind == k] for k in sorted(set(kind))}


def curtailment(r: SimulationResults) -> Figure:
    """Curtailed renewable power per step, stacked by renewable kind [MW]
    (actual availability minus realised generation)."""
    curtailed = extend_to_end(r.curtailment_p_mw, r.dt_h)
    t = curtailed.index
    by_kind = {
        k: curtailed.reindex(columns=cols).sum(axis=1) for k, cols in _kind_columns(r).items()
    }
    fig, ax = plt.subplots(figsize=(11, 3.5))
    if by_kind:
        ax.stackplot(
            t,
            *by_kind.values(),
            labels=list(by_kind),
            step="post",
            colors=[_COLOURS.get(k, "#999999") for k in by_kind],
        )
        ax.legend(loc="upper left", ncol=len(by_kind), fontsize=8)
    else:
        ax.step(t, np.zeros(len(t)), where="post", color="k", lw=0.8)
    energy_mwh = float(np.nansum(r.curtailment_p_mw.to_numpy(dtype=float))) * r.dt_h
    ax.set_ylabel("curtailment [MW]")
    ax.set_title(f"Renewable curtailment by kind (total {energy_mwh:.1f} MWh)")
    ax.set_ylim(bottom=0)
    ax.margins(x=0)
    fig.autofmt_xdate()
    return fig


def emission_intensity(r: SimulationResults) -> Figure:
    """Heat map of the average emission factor of supply by day and hour of day (UTC)
    [tCO2/MWh], from :func:`sim.emissions.average_ef_tco2_per_mwh`; steps within an
    hour are averaged, hours without supply are blank."""
    ef = average_ef_tco2_per_mwh(r)
    idx = pd.DatetimeIndex(ef.index)
    frame = pd.DataFrame({"ef": ef.to_numpy(dtype=float), "hour": idx.hour}, index=idx)
    grid = frame.groupby([idx.normalize(), "hour"])["ef"].mean().unstack("hour")
    grid = grid.reindex(columns=range(24))
    fig, ax = plt.subplots(figsize=(11, 1.2 + 0.35 * max(len(grid), 2)))
    values = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    image = ax.imshow(values, aspect="auto", cmap="viridis", interpolation="nearest")
    ax.set_xticks(range(0, 24, 2))
    ax.set_xlabel("hour of day [h] (UTC)")
    ax.set_ylabel("day (UTC)")
    ax.set_yticks(range(len(grid)))
    ax.set_yticklabels([f"{d:%Y-%m-%d}" for d in grid.index])
    ax.set_title("Average emission factor of supply")
    fig.colorbar(image, ax=ax, label="emission factor [tCO2/MWh]")
    return fig


def all_figures(r: SimulationResults) -> dict[str, Figure]:
    """The standard figures of a run, by file name (without ``.png``), in report
    order, then those of the plug-in families of the run (:mod:`sim.families`)."""
    figures = {
        "dispatch_stack": dispatch_stack(r),
        "state_of_charge": state_of_charge(r),
        "curtailment": curtailment(r),
        "emission_intensity": emission_intensity(r),
        "losses": losses(r),
        "voltage_envelope": voltage_envelope(r),
        "loading_duration": loading_duration(r),
    }
    known = {f.name: f for f in registered_families()}
    for name, frames in r.families.items():
        if name in known:
            figures |= known[name].figures(frames, r.dt_h)
    return figures
