"""Key performance indicators: pure functions of SimulationResults, units in names.

Definitions are in ``docs/kpis.md``. Energies are powers times ``dt_h`` summed
over steps; percentages are in [%].
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dispatch.components.cost_curve import COST_CURVE, curve_cost_eur_per_h, parse_curve
from dispatch.extract import simultaneous_storage_steps
from sim.emissions import (
    conventional_asset_column,
    emission_factor_kpis,
    emissions_tco2,
    plugin_demand_p_mw,
    served_total_p_mw,
)
from sim.families import registered_families
from sim.forecast_kpis import forecast_kpis, imbalance_kpis
from sim.network_kpis import network_kpis
from sim.results import SimulationResults


def _mwh(frame: pd.DataFrame, dt_h: float) -> float:
    return float(np.nansum(frame.to_numpy(dtype=float)) * dt_h)


def _percent(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole > 0 else 0.0


def self_sufficiency_percent(r: SimulationResults) -> float:
    """Share of the grid's consumption (served demand plus AC losses) not covered by
    import, step by step [%]: :math:`100 \\sum_t (C_t - \\min(P^{imp}_t, C_t)) /
    \\sum_t C_t`."""
    consumption = served_total_p_mw(r) + r.losses_p_mw["total"].fillna(0.0)
    imported = np.minimum(r.grid_import_p_mw.sum(axis=1), consumption)
    total = float(consumption.sum())
    return _percent(float((consumption - imported).sum()), total)


def energy_kpis(r: SimulationResults) -> dict[str, float]:
    """Demand, renewables, curtailment, losses and exchange with the grid [MWh, %, MW]."""
    dt = r.dt_h
    demand = _mwh(r.demand_p_mw, dt)
    extra = plugin_demand_p_mw(r)
    if extra is not None:
        demand += float(np.nansum(extra.to_numpy(dtype=float))) * dt
    available = _mwh(r.renewable_available_p_mw, dt)
    used = _mwh(r.renewable_p_mw, dt)
    curtailed = _mwh(r.curtailment_p_mw, dt)
    losses = _mwh(r.losses_p_mw, dt)
    out = {
        "demand_mwh": demand,
        "unserved_mwh": _mwh(r.shed_p_mw, dt),
        "renewable_available_mwh": available,
        "renewable_used_mwh": used,
        "curtailed_mwh": curtailed,
        "curtailment_percent": _percent(curtailed, available),
        "renewable_share_percent": _percent(used, demand),
        "renewable_available_share_percent": _percent(available, demand),
        "self_sufficiency_percent": self_sufficiency_percent(r),
        "losses_mwh": losses,
        "losses_percent_of_demand": _percent(losses, demand),
        "conventional_mwh": _mwh(r.conventional_p_mw, dt),
        "import_mwh": _mwh(r.grid_import_p_mw, dt),
        "export_mwh": _mwh(r.grid_export_p_mw, dt),
        "peak_import_mw": float(np.nanmax(r.grid_import_p_mw.to_numpy(), initial=0.0)),
    }
    kind = r.assets.loc[r.assets["family"] == "renewable", "kind"]
    for k in sorted(set(kind)):
        cols = kind.index[kind == k]
        avail_k = _mwh(r.renewable_available_p_mw[cols], dt)
        curt_k = _mwh(r.curtailment_p_mw[cols], dt)
        out[f"{k}_available_mwh"] = avail_k
        out[f"{k}_curtailed_mwh"] = curt_k
        out[f"{k}_curtailment_percent"] = _percent(curt_k, avail_k)
    return out


def conventional_starts(r: SimulationResults) -> pd.Series:
    """Number of start-ups per conventional unit: off-to-on changes, counting the
    first step against the unit's state before the period (``initial_on``)."""
    on = r.conventional_on.to_numpy(dtype=float) > 0.5
    before = conventional_asset_column(r, "initial_on").to_numpy() > 0.5
    prev = np.vstack([before[None, :], on[:-1]]) if len(on) else on
    return pd.Series((on & ~prev).sum(axis=0), index=r.conventional_p_mw.columns, dtype=float)


def emission_kpis(r: SimulationResults) -> dict[str, float]:
    """Emissions of grid imports and conventional units [tCO2] and the average
    emission factor of supply (emissions over demand served plus losses) [tCO2/MWh]."""
    dt = r.dt_h
    by_source = emissions_tco2(r)
    import_em = float(np.nansum(by_source["import"]))
    conv_em = float(np.nansum(by_source["conventional"]))
    emissions = import_em + conv_em
    supplied = _mwh(r.served_p_mw, dt) + _mwh(r.losses_p_mw, dt)
    extra = plugin_demand_p_mw(r)
    if extra is not None:
        supplied += float(np.nansum(extra.to_numpy(dtype=float))) * dt
    return {
        "emissions_tco2": emissions,
        "import_emissions_tco2": import_em,
        "conventional_emissions_tco2": conv_em,
        "ef_avg_tco2_per_mwh": emissions / supplied if supplied > 0 else 0.0,
    }


def _curve_cost_eur(r: SimulationResults) -> float:
    """Cost of the conventional units' output on their cost curves [EUR]
    (:mod:`dispatch.components.cost_curve`)."""
    if COST_CURVE not in r.assets:
        return 0.0
    curves = r.assets[COST_CURVE].reindex(r.conventional_p_mw.columns)
    return r.dt_h * sum(
        float(curve_cost_eur_per_h(parse_curve(text), r.conventional_p_mw[g].to_numpy()).sum())
        for g, text in curves.items()
    )


def cost_kpis(r: SimulationResults, voll_eur_per_mwh: float) -> dict[str, float]:
    """Realised cost by component [EUR].

    ``energy_cost_eur`` is import cost minus export revenue at the grid prices;
    ``storage_wear_cost_eur`` is the throughput cost; ``conventional_cost_eur`` is
    the conventional units' energy at their marginal cost, their quadratic cost terms
    (:math:`\\Delta t \\sum_t q_g p_{g,t}^2`), their cost curves and their start-up costs;
    ``unserved_cost_eur`` values shed demand at the value of lost load; ``cost_eur``
    is their sum (:func:`all_kpis` adds the imbalance cost to it).
    """
    dt = r.dt_h
    g = r.grid_signals
    imp = r.grid_import_p_mw.sum(axis=1).to_numpy()
    exp = r.grid_export_p_mw.sum(axis=1).to_numpy()
    import_cost = float(np.nansum(imp * g["import_price_eur_per_mwh"]) * dt)
    export_revenue = float(np.nansum(exp * g["export_price_eur_per_mwh"]) * dt)
    energy = import_cost - export_revenue
    wear = r.assets["wear_cost_eur_per_mwh"].reindex(r.storage_charge_p_mw.columns).fillna(0.0)
    throughput = (r.storage_charge_p_mw + r.storage_discharge_p_mw).sum(axis=0) * dt
    wear_cost = float((throughput * wear).sum())
    conv_mwh = r.conventional_p_mw.sum(axis=0) * dt
    quadratic = conventional_asset_column(r, "cost_eur_per_mw2h").to_numpy()
    conv_cost = float(
        (conv_mwh * conventional_asset_column(r, "cost_eur_per_mwh")).sum()
        + float((r.conventional_p_mw.to_numpy() ** 2 * quadratic).sum()) * dt
        + _curve_cost_eur(r)
        + (conventional_starts(r) * conventional_asset_column(r, "start_cost_eur")).sum()
    )
    unserved = _mwh(r.shed_p_mw, dt) * voll_eur_per_mwh
    return {
        "import_cost_eur": import_cost,
        "export_revenue_eur": export_revenue,
        "energy_cost_eur": energy,
        "storage_wear_cost_eur": wear_cost,
        "conventional_cost_eur": conv_cost,
        "unserved_cost_eur": unserved,
        "cost_eur": energy + wear_cost + conv_cost + unserved,
    }


def storage_kpis(r: SimulationResults) -> dict[str, float]:
    """Storage throughput [MWh], equivalent full cycles [-] (discharged energy over
    usable capacity, summed over units) and steps with simultaneous charge and discharge."""
    dt = r.dt_h
    discharged = r.storage_discharge_p_mw.sum(axis=0) * dt
    cap = r.assets["e_max_mwh"].reindex(discharged.index)
    both = simultaneous_storage_steps(r.storage_charge_p_mw, r.storage_discharge_p_mw)
    return {
        "storage_charge_mwh": _mwh(r.storage_charge_p_mw, dt),
        "storage_discharge_mwh": float(discharged.sum()),
        "storage_full_cycles": float((discharged / cap).sum()) if len(cap) else 0.0,
        "storage_simultaneous_steps": float(both.to_numpy().sum()),
    }


def all_kpis(r: SimulationResults, voll_eur_per_mwh: float) -> dict[str, float]:
    """Every KPI of a run, in one flat mapping.

    Parameters
    ----------
    voll_eur_per_mwh
        Value of lost load used to price unserved energy [EUR/MWh].
    """
    out = {
        **energy_kpis(r),
        **emission_kpis(r),
        **emission_factor_kpis(r),
        **cost_kpis(r, voll_eur_per_mwh),
        **storage_kpis(r),
        **network_kpis(r),
        **imbalance_kpis(r),
        **forecast_kpis(r),
    }
    out["cost_eur"] += out["imbalance_cost_eur"]  # the total includes the settlement
    known = {f.name: f for f in registered_families()}
    for name, frames in r.families.items():
        if name in known:
            out |= known[name].kpis(frames, r.dt_h)
            out["cost_eur"] += known[name].cost_eur(frames, r.dt_h)
    return out
