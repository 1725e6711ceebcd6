"""KPIs of dispatching on forecasts: forecast errors, the imbalance between the
realised and the scheduled exchange with the grid, and the value of foresight.
Pure functions; definitions in ``docs/kpis.md``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.metrics import bias, mae, nmae
from sim.results import SimulationResults

#: KPIs compared between a run and its perfect-foresight twin
FORESIGHT_KPIS = ("cost_eur", "emissions_tco2", "curtailed_mwh")


def imbalance_p_mw(r: SimulationResults) -> pd.Series:
    """Realised minus scheduled net import at the grid connection per step [MW]
    (> 0: more drawn than scheduled). It collects the forecast errors of demand and
    renewables and the AC losses the schedule did not foresee."""
    realised = r.grid_import_p_mw.sum(axis=1) - r.grid_export_p_mw.sum(axis=1)
    planned = r.planned_import_p_mw.sum(axis=1) - r.planned_export_p_mw.sum(axis=1)
    return (realised - planned).rename("imbalance_p_mw")


def imbalance_kpis(r: SimulationResults) -> dict[str, float]:
    """Imbalance energy up/down [MWh], its cost at the imbalance price [EUR] and the
    emissions of the net imbalance at the import emission factor [tCO2]."""
    imb = imbalance_p_mw(r).fillna(0.0)
    dt = r.dt_h
    price = r.grid_signals.get("imbalance_price_eur_per_mwh", pd.Series(0.0, index=imb.index))
    ef = r.grid_signals["ef_tco2_per_mwh"]
    return {
        "imbalance_up_mwh": float(imb.clip(lower=0.0).sum() * dt),
        "imbalance_down_mwh": float((-imb).clip(lower=0.0).sum() * dt),
        "imbalance_cost_eur": float((imb.abs() * price).sum() * dt),
        "imbalance_emissions_tco2": float((imb * ef).sum() * dt),
    }


def forecast_kpis(r: SimulationResults) -> dict[str, float]:
    """Errors of the forecasts the committed steps were dispatched on, for total
    demand and total renewable availability: MAE [MW], nMAE [%] (over the mean
    actual) and bias [MW] (forecast minus actual)."""
    out: dict[str, float] = {}
    pairs = {
        "load": (r.forecast_demand_p_mw, r.demand_p_mw),
        "renewable": (r.forecast_renewable_p_mw, r.renewable_available_p_mw),
    }
    for name, (fc, actual) in pairs.items():
        f = fc.sum(axis=1).to_numpy(dtype=float)
        a = actual.reindex(index=fc.index).sum(axis=1).to_numpy(dtype=float)
        if not len(f) or not np.isfinite(a).any() or np.abs(a).sum() == 0:
            continue
        out[f"{name}_forecast_mae_mw"] = float(mae(f, a))
        out[f"{name}_forecast_nmae_percent"] = 100.0 * float(nmae(f, a))
        out[f"{name}_forecast_bias_mw"] = float(bias(f, a))
    return out


def value_of_foresight(kpis: dict[str, float], perfect: dict[str, float]) -> dict[str, float]:
    """Cost [EUR], emissions [tCO2] and curtailment [MWh] of the run minus those of
    the same case with perfect forecasts: what imperfect foresight costs."""
    return {f"value_of_foresight_{k}": kpis[k] - perfect[k] for k in FORESIGHT_KPIS}
