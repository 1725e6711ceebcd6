"""Realise a dispatch against the actual profiles.

Controllable set-points are kept: storage powers and load shedding as dispatched.
Renewables produce their actual availability, capped at their set-point in steps
where the dispatch curtailed them. Whatever the actuals leave unbalanced, and the
network losses, flow through the external grid (the AC power flow's slack).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dispatch.extract import DispatchResult

#: a set-point below the forecast by more than this [MW] is a curtailment instruction
CURTAIL_TOL_MW = 1e-6


@dataclass(frozen=True)
class Realised:
    """Realised powers [MW], time x element name.

    Attributes
    ----------
    served_p_mw, served_q_mvar
        Demand served per load after any shedding [MW], [Mvar].
    shed_p_mw
        Shed demand per load [MW].
    renewable_p_mw, curtailment_p_mw
        Generation per renewable unit and curtailment against actual availability [MW].
    """

    served_p_mw: pd.DataFrame
    served_q_mvar: pd.DataFrame
    shed_p_mw: pd.DataFrame
    renewable_p_mw: pd.DataFrame
    curtailment_p_mw: pd.DataFrame


def realise(
    dispatch: DispatchResult,
    demand_p_mw: pd.DataFrame,
    demand_q_mvar: pd.DataFrame,
    available_p_mw: pd.DataFrame,
    load_bus: pd.Series,
    forecast_demand_p_mw: pd.DataFrame,
) -> Realised:
    """Apply the dispatch's set-points to the actual demand and availability.

    Parameters
    ----------
    dispatch
        The committed dispatch over the whole period.
    demand_p_mw, demand_q_mvar
        Actual demand per load [MW], [Mvar].
    available_p_mw
        Actual available renewable power per unit [MW].
    load_bus
        Bus of each load.
    forecast_demand_p_mw
        The demand forecast the dispatch used [MW]; shedding at a bus is shared by
        its loads in proportion to their forecast demand.
    """
    fc_bus = forecast_demand_p_mw.T.groupby(load_bus.reindex(forecast_demand_p_mw.columns)).sum().T
    shed_bus = dispatch.shed_p_mw.reindex(columns=fc_bus.columns, fill_value=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac_bus = (shed_bus / fc_bus).where(fc_bus > 0, 0.0).clip(0.0, 1.0)
    frac = frac_bus.reindex(columns=load_bus.reindex(demand_p_mw.columns).to_numpy())
    frac.columns = demand_p_mw.columns
    shed = demand_p_mw * frac
    served = demand_p_mw - shed
    served_q = demand_q_mvar[demand_p_mw.columns] * (1.0 - frac)

    set_point = dispatch.renewable_p_mw.reindex(columns=available_p_mw.columns)
    curtailed = dispatch.curtailment_p_mw.reindex(columns=available_p_mw.columns) > CURTAIL_TOL_MW
    produced = available_p_mw.where(~curtailed, np.minimum(available_p_mw, set_point))
    return Realised(
        served_p_mw=served,
        served_q_mvar=served_q,
        shed_p_mw=shed,
        renewable_p_mw=produced,
        curtailment_p_mw=(available_p_mw - produced).clip(lower=0.0),
    )
