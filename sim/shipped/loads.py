"""The loads of the grid on the simulator side.

The units are the grid's in-service loads with their profiles; each window gets the
load forecasts issued for it. The realisation keeps the dispatched shedding: shed
demand at a bus is shared by its loads in proportion to their forecast demand, as
a fraction applied to their actual demand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dispatch.components.loads import LOADS
from dispatch.family import AssetData
from sim.families import Injection, SimFamily, Stage, Window
from sim.forecasts import planned_on

if TYPE_CHECKING:
    from sim.case import Case
    from sim.setup import Setup


def bus_table(bus: pd.Series) -> pd.DataFrame:
    """A unit table with only the column ``bus``, indexed by unit name."""
    return pd.DataFrame({"bus": bus.astype(object)}, index=pd.Index(bus.index, dtype=object))


@dataclass(frozen=True)
class LoadsData:
    """The loads of a run: ``units`` (column ``bus``, by load name), the bus of each
    load, and the actual demand [MW], [Mvar] (time x load)."""

    units: pd.DataFrame
    load_bus: pd.Series
    demand_p_mw: pd.DataFrame
    demand_q_mvar: pd.DataFrame


class LoadsFamily(SimFamily):
    """The grid's loads: forecast demand in the dispatch, shedding kept as dispatched."""

    name = LOADS.name
    dispatch = LOADS
    in_network_data = True

    def prepare_run(self, case: Case, setup: Setup) -> LoadsData:
        return LoadsData(
            units=bus_table(setup.nd.load_bus),
            load_bus=setup.nd.load_bus,
            demand_p_mw=setup.actual.load_p_mw,
            demand_q_mvar=setup.actual.load_q_mvar,
        )

    def window(self, prepared: LoadsData, w: Window) -> AssetData:
        p, q = w.stage.forecasts.load_values(w.steps, prepared.units.index)
        return AssetData(LOADS, prepared.units, {"p_mw": p, "q_mvar": q})

    def realise(
        self, prepared: LoadsData, dispatched: Mapping[str, pd.DataFrame], stage: Stage
    ) -> dict[str, pd.DataFrame]:
        """Actual, forecast, served and shed demand per load [MW], served reactive
        demand [Mvar], and the dispatch's over-generation slack per bus [MW]."""
        demand, load_bus = prepared.demand_p_mw, prepared.load_bus
        forecast = planned_on(stage.forecasts.issued_load_p_mw, stage.index)
        fc_bus = forecast.T.groupby(load_bus.reindex(forecast.columns)).sum().T
        shed_bus = dispatched["shed_p_mw"].reindex(columns=fc_bus.columns, fill_value=0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            frac_bus = (shed_bus / fc_bus).where(fc_bus > 0, 0.0).clip(0.0, 1.0)
        frac = frac_bus.reindex(columns=load_bus.reindex(demand.columns).to_numpy())
        frac.columns = demand.columns
        shed = demand * frac
        return {
            "demand_p_mw": demand,
            "forecast_p_mw": forecast,
            "served_p_mw": demand - shed,
            "served_q_mvar": prepared.demand_q_mvar[demand.columns] * (1.0 - frac),
            "shed_p_mw": shed,
            "overgen_p_mw": dispatched["overgen_p_mw"],
        }

    def injections(
        self, prepared: LoadsData, realised: Mapping[str, pd.DataFrame]
    ) -> list[Injection]:
        return [Injection("load", realised["served_p_mw"], realised["served_q_mvar"])]

    def assets(self, prepared: LoadsData) -> pd.DataFrame:
        return pd.DataFrame({"family": "load", "kind": "load", "bus": prepared.load_bus})


#: the loads family of the simulator
LOADS_FAMILY = LoadsFamily()
