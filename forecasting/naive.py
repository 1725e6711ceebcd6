"""Naive forecasters: the perfect oracle, persistence and seasonal naive.

Persistence and seasonal naive use only observations strictly before the issue
time; they are the references against which the regression forecaster is judged
(forecast skill, see :mod:`forecasting.metrics`). :func:`make_forecaster` builds any
forecaster of the package from a case's ``forecast.method``.

References
----------
Hyndman, R. J. and Athanasopoulos, G. (2021). *Forecasting: principles and
practice*, 3rd ed., section 5.2 "Some simple forecasting methods". OTexts.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
import pandas as pd

from forecasting.base import Forecaster, ForecastError
from forecasting.history import (
    check_history,
    check_issue_time,
    check_valid_times,
    merge_observations,
    time_step,
)
from forecasting.regression import RegressionForecaster
from forecasting.time_index import time_positions

FORECAST_METHODS: tuple[str, ...] = (
    "perfect",
    "persistence",
    "seasonal_naive_daily",
    "seasonal_naive_weekly",
    "regression",
)
"""The ``forecast.method`` names that :func:`make_forecaster` knows."""


class PerfectForecaster:
    """The oracle: returns the actual values it was fitted on.

    It sees the future by design and serves as the reference against which
    realistic forecasters are judged (value of foresight).
    """

    def __init__(self) -> None:
        self._actual: pd.DataFrame | None = None
        self._values: np.ndarray | None = None

    def fit(self, history: pd.DataFrame) -> PerfectForecaster:
        """Keep ``history`` — for the oracle, the actuals of the whole period."""
        self._actual = history.copy()
        self._values = self._actual.to_numpy(dtype=float)
        return self

    @property
    def columns(self) -> pd.Index:
        """Columns of the fitted data."""
        if self._actual is None:
            raise ForecastError("PerfectForecaster used before fit")
        return self._actual.columns

    def predict_values(self, valid_times: pd.DatetimeIndex) -> np.ndarray:
        """The actual values at ``valid_times`` as an array (time x column of the
        fitted data): :meth:`predict` without building a DataFrame.

        Raises
        ------
        ForecastError
            If not fitted, or a valid time is not in the fitted data.
        """
        _, values, at = self._rows(valid_times, "predict_values")
        return values[at]

    def _rows(
        self, valid_times: pd.DatetimeIndex, method: str
    ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """The fitted data (frame and array) and its rows at ``valid_times``; raise
        ForecastError if not fitted or a time is missing."""
        if self._actual is None or self._values is None:
            raise ForecastError(f"PerfectForecaster.{method} called before fit")
        at = time_positions(self._actual.index, valid_times)
        if (at < 0).any():
            missing = valid_times[at < 0]
            raise ForecastError(
                f"no actual values for {len(missing)} valid times from {missing[0]}"
            )
        return self._actual, self._values, at

    def predict(self, issue_time: pd.Timestamp, valid_times: pd.DatetimeIndex) -> pd.DataFrame:
        """The actual values at ``valid_times``.

        Raises
        ------
        ForecastError
            If not fitted, or a valid time is not in the fitted data.
        """
        actual, _, at = self._rows(valid_times, "predict")
        return actual.iloc[at].copy()


_H = TypeVar("_H", bound="_HistoryForecaster")


class _HistoryForecaster:
    """Keeps a checked history; ``fit`` stores it, ``update`` extends it."""

    def __init__(self) -> None:
        self._history: pd.DataFrame | None = None

    def _fitted(self) -> pd.DataFrame:
        if self._history is None:
            raise ForecastError(f"{type(self).__name__}.predict called before fit")
        return self._history

    def _store(self, history: pd.DataFrame) -> None:
        self._history = check_history(history)

    def update(self: _H, observations: pd.DataFrame) -> _H:
        """Add or correct observations (same columns and time grid); return self."""
        self._history = merge_observations(self._fitted(), observations)
        return self


class PersistenceForecaster(_HistoryForecaster):
    """The last observed value before the issue time, held flat over every valid time.

    For each series, the value used is the most recent non-missing observation at a
    time strictly before ``issue_time``; values at or after ``issue_time`` are never
    read.
    """

    def fit(self, history: pd.DataFrame) -> PersistenceForecaster:
        """Keep a copy of ``history`` (time x series, each in its own unit); return self."""
        self._store(history)
        return self

    def predict(self, issue_time: pd.Timestamp, valid_times: pd.DatetimeIndex) -> pd.DataFrame:
        """Forecast issued at ``issue_time`` for ``valid_times``.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``valid_times``, the fitted columns, in the unit of each series.

        Raises
        ------
        ForecastError
            If not fitted, or a series has no observation before ``issue_time``.
        """
        history = self._fitted()
        issue = check_issue_time(issue_time)
        valid = check_valid_times(valid_times)
        n_before = int(history.index.searchsorted(issue, side="left"))
        past = history.to_numpy()[:n_before]
        seen = ~np.isnan(past)
        has_value = seen.any(axis=0)
        if not has_value.all():
            names = list(history.columns[~has_value][:5])
            raise ForecastError(f"no observation before issue time {issue} for series {names}")
        last_row = n_before - 1 - np.argmax(seen[::-1], axis=0)
        last = past[last_row, np.arange(past.shape[1])]
        return pd.DataFrame(
            np.tile(last, (len(valid), 1)), index=valid_times, columns=history.columns.copy()
        )


class SeasonalNaiveForecaster(_HistoryForecaster):
    """The value one season earlier: ``x(t - k * period)`` with the smallest ``k >= 1``
    for which ``t - k * period`` is strictly before the issue time.

    If that observation is missing (NaN or outside the history), earlier seasons
    ``k + 1, k + 2, ...`` are tried in turn.

    Parameters
    ----------
    period_h : float
        Season length [h]: 24 (daily) or 168 (weekly); a whole multiple of the
        time step of the history.
    """

    def __init__(self, period_h: float = 24.0) -> None:
        super().__init__()
        if not period_h > 0:
            raise ForecastError(f"period_h must be positive, got {period_h}")
        self.period_h = float(period_h)

    def fit(self, history: pd.DataFrame) -> SeasonalNaiveForecaster:
        """Keep a copy of ``history`` (time x series, each in its own unit); return self.

        Raises
        ------
        ForecastError
            If ``period_h`` is not a whole multiple of the time step.
        """
        checked = check_history(history)
        step = time_step(pd.DatetimeIndex(checked.index))
        if pd.Timedelta(hours=self.period_h) % step != pd.Timedelta(0):
            raise ForecastError(f"period_h={self.period_h} is not a multiple of the step {step}")
        self._history = checked
        return self

    def predict(self, issue_time: pd.Timestamp, valid_times: pd.DatetimeIndex) -> pd.DataFrame:
        """Forecast issued at ``issue_time`` for ``valid_times``.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``valid_times``, the fitted columns, in the unit of each series.

        Raises
        ------
        ForecastError
            If not fitted, a valid time is off the time grid of the history, or no
            observation of the same season exists before ``issue_time``.
        """
        history = self._fitted()
        issue = check_issue_time(issue_time)
        valid = check_valid_times(valid_times)
        values = history.to_numpy()
        start_ns = int(history.index[0].value)
        step_ns = int(time_step(pd.DatetimeIndex(history.index)).value)
        period_ns = int(pd.Timedelta(hours=self.period_h).value)
        valid_ns = valid.asi8
        if np.any((valid_ns - start_ns) % step_ns != 0):
            raise ForecastError("valid_times are not on the time grid of the history")
        k = np.maximum(1, (valid_ns - int(issue.value)) // period_ns + 1)
        source_ns = valid_ns - k * period_ns  # strictly before the issue time
        out = np.full((len(valid), values.shape[1]), np.nan)
        todo = np.ones(out.shape, dtype=bool)
        while todo.any() and (source_ns >= start_ns).any():
            row = (source_ns - start_ns) // step_ns
            inside = (row >= 0) & (row < len(values))
            take = todo & inside[:, None]
            rows, cols = np.nonzero(take)
            out[rows, cols] = values[row[rows], cols]
            todo &= np.isnan(out)
            source_ns = source_ns - period_ns
        if todo.any():
            rows, cols = np.nonzero(todo)
            raise ForecastError(
                f"no observation of the same season before issue time {issue} "
                f"for series {history.columns[cols[0]]!r} at {valid[rows[0]]}"
            )
        return pd.DataFrame(out, index=valid_times, columns=history.columns.copy())


def make_forecaster(method: str, **params: Any) -> Forecaster:
    """Forecaster for a case's ``forecast.method``.

    Parameters
    ----------
    method : str
        One of :data:`FORECAST_METHODS`: ``perfect`` (oracle), ``persistence``,
        ``seasonal_naive_daily`` (24 h), ``seasonal_naive_weekly`` (168 h) or
        ``regression`` (:class:`forecasting.regression.RegressionForecaster`).
    **params
        Keyword arguments of the forecaster's constructor (only ``regression``
        takes any).

    Raises
    ------
    ForecastError
        If the method is unknown or a parameter is not accepted.
    """
    if method not in FORECAST_METHODS:
        raise ForecastError(f"unknown forecast method {method!r}; known: {list(FORECAST_METHODS)}")
    try:
        if method == "perfect":
            return PerfectForecaster(**params)
        if method == "persistence":
            return PersistenceForecaster(**params)
        if method == "seasonal_naive_daily":
            return SeasonalNaiveForecaster(period_h=24.0, **params)
        if method == "seasonal_naive_weekly":
            return SeasonalNaiveForecaster(period_h=168.0, **params)
        return RegressionForecaster(**params)
    except TypeError as exc:
        raise ForecastError(f"invalid parameters for forecast method {method!r}: {exc}") from None
