"""The Forecaster protocol shared by every forecasting method."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import pandas as pd


class ForecastError(ValueError):
    """A forecast cannot be made from the data given; the message says why."""


@runtime_checkable
class Forecaster(Protocol):
    """Makes forecasts of a set of series (columns) on a UTC time index.

    ``fit`` receives history; ``predict`` returns a frame indexed by ``valid_times``
    with the fitted columns. A forecaster must only use data strictly before
    ``issue_time`` — except :class:`forecasting.naive.PerfectForecaster`, which is
    the documented oracle.
    """

    def fit(self, history: pd.DataFrame) -> Forecaster:
        """Learn from ``history`` (time x series); return self."""
        ...

    def predict(self, issue_time: pd.Timestamp, valid_times: pd.DatetimeIndex) -> pd.DataFrame:
        """Forecast issued at ``issue_time`` for ``valid_times``."""
        ...
