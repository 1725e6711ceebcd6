"""The data of every dispatch window, assembled from arrays prepared once per run.

:class:`WindowData` holds the unit tables of the shipped families (made once, the
same objects in every window) and the run's time series as arrays; :meth:`inputs`
slices them for a window's steps, asks the forecasters for the forecasts as arrays
and adds the plug-in families' data (:mod:`sim.families`). No DataFrame is built
per window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dispatch.components.conventional import CONVENTIONAL
from dispatch.components.grid_connection import GRID, GRID_SERIES, IMBALANCE_PRICE, SCHEDULE
from dispatch.components.loads import LOADS
from dispatch.components.renewables import RENEWABLES
from dispatch.components.storage import STORAGE
from dispatch.family import AssetData
from dispatch.inputs import DispatchInputs, DispatchOptions, NetworkInputs
from forecasting.time_index import time_positions
from sim.families import SimFamily
from sim.forecasts import Forecasts


def positions(index: pd.DatetimeIndex, steps: pd.DatetimeIndex) -> np.ndarray:
    """Positions of ``steps`` in ``index``.

    Raises
    ------
    KeyError
        If a step is not in ``index``.
    """
    at = time_positions(index, steps)
    if (at < 0).any():
        raise KeyError(f"steps from {steps[0]} are not all in the run's time index")
    return at


def _bus_table(bus: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"bus": bus.astype(object)}, index=pd.Index(bus.index, dtype=object))


@dataclass(frozen=True)
class WindowData:
    """What every window of a run is made from.

    Attributes
    ----------
    dt_h
        Step length [h].
    index
        The run's time steps.
    tables
        Unit table of each shipped family by name.
    states
        State at the start of the period of each shipped family by name.
    signals
        Actual grid signals on ``signals_index`` by name (arrays) [EUR/MWh], [tCO2/MWh].
    signals_index
        Time steps of ``signals`` (the period, or the period with its history).
    imbalance_price_eur_per_mwh
        Imbalance price on ``index`` [EUR/MWh].
    options, network
        The dispatch options and network data.
    plugins
        The plug-in families of the run with their prepared data.
    """

    dt_h: float
    index: pd.DatetimeIndex
    tables: dict[str, pd.DataFrame]
    states: dict[str, dict[str, np.ndarray]]
    signals: dict[str, np.ndarray]
    signals_index: pd.DatetimeIndex
    imbalance_price_eur_per_mwh: np.ndarray
    options: DispatchOptions
    network: NetworkInputs
    plugins: list[tuple[SimFamily, Any]]

    @classmethod
    def of(
        cls,
        dt_h: float,
        index: pd.DatetimeIndex,
        load_bus: pd.Series,
        renewable_bus: pd.Series,
        storage: pd.DataFrame,
        e_start_mwh: pd.Series,
        conventional: pd.DataFrame,
        conventional_state: pd.DataFrame,
        grid_table: pd.DataFrame,
        signals: pd.DataFrame,
        imbalance_price_eur_per_mwh: pd.Series,
        options: DispatchOptions,
        network: NetworkInputs,
        plugins: list[tuple[SimFamily, Any]],
    ) -> WindowData:
        """Prepare the tables and arrays of a run (once)."""
        conv_state = {
            k: conventional_state[k].reindex(conventional.index).astype(float).to_numpy()
            for k in ("p_mw", "on", "hours_in_state")
        }
        return cls(
            dt_h=dt_h,
            index=index,
            tables={
                "loads": _bus_table(load_bus),
                "renewables": _bus_table(renewable_bus),
                "storage": storage,
                "conventional": conventional,
                "grid": grid_table,
            },
            states={
                "storage": {"e_mwh": e_start_mwh.reindex(storage.index).to_numpy(dtype=float)},
                "conventional": conv_state if len(conventional.index) else {},
            },
            signals={c: signals[c].to_numpy(dtype=float) for c in signals.columns},
            signals_index=pd.DatetimeIndex(signals.index),
            imbalance_price_eur_per_mwh=imbalance_price_eur_per_mwh.to_numpy(dtype=float),
            options=options,
            network=network,
            plugins=plugins,
        )

    def inputs(
        self,
        fc: Forecasts,
        steps: pd.DatetimeIndex,
        branch_loss_mw: np.ndarray | None = None,
        schedule_mw: np.ndarray | None = None,
    ) -> DispatchInputs:
        """The inputs of the window ``steps``: forecasts issued for it, the period's
        initial states (the rolling horizon replaces them after the first window),
        loss estimates and schedule (arrays over the run's index) sliced to it."""
        at = positions(self.index, steps)
        t = self.tables
        p, q = fc.load_values(steps, t["loads"].index)
        available = fc.renewable_values(steps, t["renewables"].index)
        at_signal = positions(self.signals_index, steps)
        sig = fc.signal_values({c: v[at_signal] for c, v in self.signals.items()}, steps)
        grid = {c: sig[c][:, None] for c in GRID_SERIES}
        if schedule_mw is not None:
            grid[SCHEDULE] = schedule_mw[at][:, None]
            grid[IMBALANCE_PRICE] = self.imbalance_price_eur_per_mwh[at][:, None]
        assets = {
            "loads": AssetData(LOADS, t["loads"], {"p_mw": p, "q_mvar": q}),
            "renewables": AssetData(RENEWABLES, t["renewables"], {"p_available_mw": available}),
            "storage": AssetData(STORAGE, t["storage"], state=self.states["storage"]),
            "conventional": AssetData(
                CONVENTIONAL, t["conventional"], state=self.states["conventional"]
            ),
            "grid": AssetData(GRID, t["grid"], grid),
        }
        for fam, prepared in self.plugins:
            assets[fam.name] = fam.window(prepared, steps, at)
        return DispatchInputs(
            dt_h=self.dt_h,
            time=steps,
            assets=assets,
            options=self.options,
            network=self.network,
            branch_loss_mw=None if branch_loss_mw is None else branch_loss_mw[at],
        )
