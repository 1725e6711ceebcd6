"""The data of every dispatch window, assembled from what the families prepared once
per run.

:class:`WindowData` holds the families of the run with their prepared data;
:meth:`WindowData.inputs` asks each for its slice of a window (arrays: the unit
tables are the same objects in every window, the forecasts come from the stage's
forecasters). No DataFrame is built per window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dispatch.inputs import DispatchInputs, DispatchOptions, NetworkInputs
from forecasting.time_index import time_positions
from sim.families import SimFamily, Stage, Window


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


@dataclass(frozen=True)
class WindowData:
    """What every window of a run is made from.

    Attributes
    ----------
    dt_h
        Step length [h].
    index
        The run's time steps.
    families
        The families of the run, in registry order, with their prepared data.
    options, network
        The dispatch options and network data.
    """

    dt_h: float
    index: pd.DatetimeIndex
    families: list[tuple[SimFamily, Any]]
    options: DispatchOptions
    network: NetworkInputs

    def inputs(
        self, stage: Stage, steps: pd.DatetimeIndex, branch_loss_mw: np.ndarray | None = None
    ) -> DispatchInputs:
        """The inputs of the window ``steps`` of ``stage``: every family's data
        (forecasts issued for the window, the period's initial states, which the
        rolling horizon replaces after the first window) and the loss estimates
        (an array over the run's index) sliced to it."""
        at = positions(self.index, steps)
        w = Window(steps, at, stage)
        return DispatchInputs(
            dt_h=self.dt_h,
            time=steps,
            assets={f.name: f.window(prepared, w) for f, prepared in self.families},
            options=self.options,
            network=self.network,
            branch_loss_mw=None if branch_loss_mw is None else branch_loss_mw[at],
        )
