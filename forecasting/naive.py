"""Naive forecasters: the perfect oracle."""

from __future__ import annotations

import pandas as pd

from forecasting.base import ForecastError


class PerfectForecaster:
    """The oracle: returns the actual values it was fitted on.

    It sees the future by design and serves as the reference against which
    realistic forecasters are judged (value of foresight).
    """

    def __init__(self) -> None:
        self._actual: pd.DataFrame | None = None

    def fit(self, history: pd.DataFrame) -> PerfectForecaster:
        """Keep ``history`` — for the oracle, the actuals of the whole period."""
        self._actual = history.copy()
        return self

    def predict(self, issue_time: pd.Timestamp, valid_times: pd.DatetimeIndex) -> pd.DataFrame:
        """The actual values at ``valid_times``.

        Raises
        ------
        ForecastError
            If not fitted, or a valid time is not in the fitted data.
        """
        if self._actual is None:
            raise ForecastError("PerfectForecaster.predict called before fit")
        missing = valid_times.difference(self._actual.index)
        if len(missing):
            raise ForecastError(
                f"no actual values for {len(missing)} valid times from {missing[0]}"
            )
        return self._actual.loc[valid_times].copy()


def make_forecaster(method: str) -> PerfectForecaster:
    """Forecaster for a case's ``forecast.method``."""
    if method == "perfect":
        return PerfectForecaster()
    raise ForecastError(f"unknown forecast method {method!r}; known: ['perfect']")
