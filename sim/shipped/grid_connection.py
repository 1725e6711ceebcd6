"""The connection to the external grid (the case's ``external_grid`` section) on the
simulator side.

Each window gets the grid signals (prices, as forecast when the case forecasts
them, and the import emission factor) and, in a stage that follows another, the net
import scheduled by that stage with the imbalance price. The realised exchange is
what the AC power flow's slack (the external grid) delivers; the planned exchange is
that of the dispatch whose exchange is the schedule (the day-ahead stage's when an
intraday re-dispatch follows it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dispatch.components.grid_connection import GRID, GRID_SERIES, IMBALANCE_PRICE, SCHEDULE
from dispatch.family import AssetData
from grid.powerflow import PowerFlowResults
from sim.families import SimFamily, Stage, Window
from sim.windows import positions

if TYPE_CHECKING:
    from sim.case import Case
    from sim.setup import Setup


@dataclass(frozen=True)
class GridData:
    """The grid connection of a run: its table, one row per external grid (``bus``,
    ``import_max_mw``, ``export_max_mw`` [MW] of the total, inf when unlimited), the
    actual signals as arrays on ``signals_index`` (the period, or the period with its
    forecast history) [EUR/MWh], [tCO2/MWh], and the imbalance price on the run's
    index [EUR/MWh]."""

    units: pd.DataFrame
    signals: dict[str, np.ndarray]
    signals_index: pd.DatetimeIndex
    imbalance_price_eur_per_mwh: np.ndarray


class GridConnectionFamily(SimFamily):
    """The grid connection: case section ``external_grid`` (:class:`sim.case.ExternalGridSpec`)."""

    name = GRID.name
    dispatch = GRID
    in_network_data = True

    def prepare_run(self, case: Case, setup: Setup) -> GridData:
        """One connection per in-service external grid of the net (a single one is
        named ``grid``); the case's limits apply to their total exchange.

        Raises
        ------
        CaseError
            For ``lindistflow`` on a grid with several connections (its radial model
            has one feeding bus).
        """
        from sim.assembly import ext_grid_limits_mw
        from sim.case import CaseError

        import_max, export_max = ext_grid_limits_mw(case, setup.net)
        buses = setup.nd.ext_grid_buses
        if len(buses) > 1 and case.dispatch.network_model == "lindistflow":
            raise CaseError(
                f"dispatch.network_model: lindistflow models one feeding bus, the grid has "
                f"{len(buses)} external grids ({', '.join(map(str, buses.index))}); use dc or "
                "copperplate"
            )
        names = ["grid"] if len(buses) == 1 else [str(n) for n in buses.index]
        units = pd.DataFrame(
            {
                "bus": buses.to_numpy(dtype=object),
                "import_max_mw": import_max,
                "export_max_mw": export_max,
            },
            index=pd.Index(names, dtype=object),
        )
        signals = setup.signals_history if setup.signals_history is not None else setup.signals
        return GridData(
            units=units,
            signals={c: signals[c].to_numpy(dtype=float) for c in signals.columns},
            signals_index=pd.DatetimeIndex(signals.index),
            imbalance_price_eur_per_mwh=setup.imbalance_price_eur_per_mwh.to_numpy(dtype=float),
        )

    def window(self, prepared: GridData, w: Window) -> AssetData:
        at_signal = positions(prepared.signals_index, w.steps)
        actual = {c: v[at_signal] for c, v in prepared.signals.items()}
        sig = w.stage.forecasts.signal_values(actual, w.steps)
        series = {c: sig[c][:, None] for c in GRID_SERIES}
        previous = w.stage.previous
        if previous is not None:
            planned = previous.assets[self.name]
            imp, exp = planned["import_p_mw"].values, planned["export_p_mw"].values
            series[SCHEDULE] = (imp[w.at].sum(axis=1) - exp[w.at].sum(axis=1))[:, None]
            series[IMBALANCE_PRICE] = prepared.imbalance_price_eur_per_mwh[w.at][:, None]
        return AssetData(GRID, prepared.units, series)

    def realise(
        self, prepared: GridData, dispatched: Mapping[str, pd.DataFrame], stage: Stage
    ) -> dict[str, pd.DataFrame]:
        """The planned exchange [MW]: the previous stage's if there is one."""
        if stage.previous is not None:
            dispatched = {q: stage.previous.frame(self.name, q) for q in dispatched}
        return {
            "planned_import_p_mw": dispatched["import_p_mw"],
            "planned_export_p_mw": dispatched["export_p_mw"],
        }

    def after_powerflow(
        self, prepared: GridData, realised: Mapping[str, pd.DataFrame], pf: PowerFlowResults
    ) -> dict[str, pd.DataFrame]:
        """Realised import and export per connection [MW]: each external grid's power
        in the AC power flow, split by sign, and the planned exchange."""
        names = list(prepared.units.index)
        if len(names) == 1:
            ext = pf.ext_grid_p_mw.sum(axis=1).to_frame(names[0])
        else:
            ext = pf.ext_grid_p_mw.reindex(columns=names)
        return {
            "import_p_mw": ext.clip(lower=0.0),
            "export_p_mw": (-ext).clip(lower=0.0),
            **realised,
        }


#: the grid-connection family of the simulator
GRID_FAMILY = GridConnectionFamily()
