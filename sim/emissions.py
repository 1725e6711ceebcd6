"""Emissions of a run per step: by source and the average emission factor of supply.

Definitions are in ``docs/kpis.md``; all functions are pure functions of
:class:`sim.results.SimulationResults`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.families import registered_families
from sim.results import SimulationResults


def conventional_asset_column(r: SimulationResults, column: str) -> pd.Series:
    """A column of the asset table for the conventional units, in result column order
    (missing values, or a missing column, are 0)."""
    if column not in r.assets:
        return pd.Series(0.0, index=r.conventional_p_mw.columns)
    return r.assets[column].reindex(r.conventional_p_mw.columns).astype(float).fillna(0.0)


def plugin_demand_p_mw(r: SimulationResults) -> pd.Series | None:
    """Demand served to the plug-in families of the run [MW] per step (their
    :meth:`sim.families.SimFamily.demand_p_mw`), None if they draw none."""
    known = {f.name: f for f in registered_families()}
    parts = [
        known[name].demand_p_mw(frames) for name, frames in r.families.items() if name in known
    ]
    found = [p for p in parts if p is not None]
    return sum(found[1:], found[0]) if found else None


def served_total_p_mw(r: SimulationResults) -> pd.Series:
    """Demand served per step [MW]: the grid's loads and the plug-in families'."""
    served = r.served_p_mw.sum(axis=1)
    extra = plugin_demand_p_mw(r)
    return served if extra is None else served + extra


def emissions_tco2(r: SimulationResults) -> pd.DataFrame:
    """Emissions of each step by source [tCO2]: ``import`` (realised import times the
    grid's emission factor) and ``conventional`` (output times each unit's factor)."""
    dt = r.dt_h
    imp = r.grid_import_p_mw.sum(axis=1) * r.grid_signals["ef_tco2_per_mwh"] * dt
    ef_conv = conventional_asset_column(r, "ef_tco2_per_mwh")
    conv = (r.conventional_p_mw * ef_conv).sum(axis=1) * dt
    return pd.DataFrame({"import": imp, "conventional": conv}, index=r.demand_p_mw.index)


def average_ef_tco2_per_mwh(r: SimulationResults) -> pd.Series:
    """Average emission factor of the energy supplied in each step [tCO2/MWh]:
    the step's emissions over its served demand plus AC losses (NaN where nothing is
    supplied or the power flow failed)."""
    total = emissions_tco2(r).sum(axis=1)
    supplied_mwh = (served_total_p_mw(r) + r.losses_p_mw["total"]) * r.dt_h
    with np.errstate(divide="ignore", invalid="ignore"):
        ef = total / supplied_mwh.where(supplied_mwh > 0)
    return ef.rename("ef_avg_tco2_per_mwh")


def emission_factor_kpis(r: SimulationResults) -> dict[str, float]:
    """Time averages of the hourly average emission factor of supply and of the
    dispatch's system marginal emission factor [tCO2/MWh] (NaN steps left out)."""
    mef = r.grid_signals.get("system_mef_tco2_per_mwh")
    return {
        "ef_avg_hourly_mean_tco2_per_mwh": float(average_ef_tco2_per_mwh(r).mean()),
        "mef_system_mean_tco2_per_mwh": float(mef.mean()) if mef is not None else float("nan"),
    }
