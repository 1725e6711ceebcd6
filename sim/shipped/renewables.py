"""The renewable units of the grid (its static generators with a renewable profile)
on the simulator side.

Each window gets the availability forecasts issued for it. The realisation gives
every unit its actual availability, capped at its set-point in the steps where the
dispatch curtailed it (a set-point below the forecast by more than
:data:`CURTAIL_TOL_MW`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dispatch.components.renewables import RENEWABLES
from dispatch.family import AssetData
from sim.families import Injection, SimFamily, Stage, Window
from sim.forecasts import planned_on
from sim.shipped.loads import bus_table

if TYPE_CHECKING:
    from sim.case import Case
    from sim.setup import Setup

#: a set-point below the forecast by more than this [MW] is a curtailment instruction
CURTAIL_TOL_MW = 1e-6


@dataclass(frozen=True)
class RenewablesData:
    """The renewables of a run: ``units`` (column ``bus``, in the order of the
    profiles), the ``kind`` (wind, pv, other_renewable) and bus of each unit, and
    the actual availability [MW] (time x unit)."""

    units: pd.DataFrame
    kind: pd.Series
    bus: pd.Series
    available_p_mw: pd.DataFrame


class RenewablesFamily(SimFamily):
    """The grid's renewables: forecast availability, curtailment as dispatched."""

    name = RENEWABLES.name
    dispatch = RENEWABLES
    in_network_data = True

    def prepare_run(self, case: Case, setup: Setup) -> RenewablesData:
        bus = setup.nd.sgen_bus.loc[setup.kinds.index]
        return RenewablesData(
            units=bus_table(bus.reindex(setup.actual.sgen_p_mw.columns)),
            kind=setup.kinds,
            bus=bus,
            available_p_mw=setup.actual.sgen_p_mw,
        )

    def window(self, prepared: RenewablesData, w: Window) -> AssetData:
        available = w.stage.forecasts.renewable_values(w.steps, prepared.units.index)
        return AssetData(RENEWABLES, prepared.units, {"p_available_mw": available})

    def realise(
        self, prepared: RenewablesData, dispatched: Mapping[str, pd.DataFrame], stage: Stage
    ) -> dict[str, pd.DataFrame]:
        """Actual and forecast availability, realised generation and curtailment
        against the actual availability per unit [MW]."""
        available = prepared.available_p_mw
        set_point = dispatched["p_mw"].reindex(columns=available.columns)
        curtailed = (
            dispatched["curtailment_p_mw"].reindex(columns=available.columns) > CURTAIL_TOL_MW
        )
        produced = available.where(~curtailed, np.minimum(available, set_point))
        return {
            "available_p_mw": available,
            "forecast_p_mw": planned_on(stage.forecasts.issued_renewable_p_mw, stage.index),
            "p_mw": produced,
            "curtailment_p_mw": (available - produced).clip(lower=0.0),
        }

    def injections(
        self, prepared: RenewablesData, realised: Mapping[str, pd.DataFrame]
    ) -> list[Injection]:
        return [Injection("sgen", realised["p_mw"])]

    def assets(self, prepared: RenewablesData) -> pd.DataFrame:
        return pd.DataFrame({"family": "renewable", "kind": prepared.kind, "bus": prepared.bus})


#: the renewables family of the simulator
RENEWABLES_FAMILY = RenewablesFamily()
