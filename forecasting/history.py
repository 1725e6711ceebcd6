"""Checks and merges of the time series that forecasters learn from.

Every forecaster keeps its history as a float DataFrame on a regular UTC
``DatetimeIndex`` (interval start); missing observations are NaN. The helpers here
turn what a caller passes into that form, or raise :class:`ForecastError` naming
the problem.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.base import ForecastError


def check_history(history: pd.DataFrame, name: str = "history") -> pd.DataFrame:
    """A float copy of ``history`` on a sorted, unique, regular UTC index.

    Parameters
    ----------
    history : pandas.DataFrame
        Time x series, values in the unit of each series [MW, EUR/MWh, ...].
    name : str
        What the frame is called in error messages.

    Returns
    -------
    pandas.DataFrame
        A new frame; the caller's frame is never kept or changed.

    Raises
    ------
    ForecastError
        If the index is not a UTC ``DatetimeIndex``, is unsorted, has duplicates
        or an irregular step, or the frame is empty or not numeric.
    """
    if not isinstance(history, pd.DataFrame):
        raise ForecastError(f"{name} must be a DataFrame, got {type(history).__name__}")
    index = history.index
    if not isinstance(index, pd.DatetimeIndex):
        raise ForecastError(f"{name} must have a DatetimeIndex, got {type(index).__name__}")
    if index.tz is None or str(index.tz) != "UTC":
        raise ForecastError(f"{name} index must be in UTC, got tz={index.tz}")
    if len(index) < 2:
        raise ForecastError(f"{name} needs at least 2 time steps, got {len(index)}")
    if not index.is_monotonic_increasing or index.has_duplicates:
        raise ForecastError(f"{name} index must be sorted and without duplicates")
    try:
        values = history.to_numpy(dtype=float, copy=True)
    except (TypeError, ValueError) as exc:
        raise ForecastError(f"{name} must hold numbers: {exc}") from None
    time_step(index, name)
    return pd.DataFrame(values, index=index.copy(), columns=history.columns.copy())


def time_step(index: pd.DatetimeIndex, name: str = "history") -> pd.Timedelta:
    """The regular step of ``index``.

    Raises
    ------
    ForecastError
        If the steps differ or are not positive.
    """
    steps = np.diff(index.asi8)
    if len(steps) == 0 or steps[0] <= 0 or np.any(steps != steps[0]):
        raise ForecastError(f"{name} index must have one regular, positive time step")
    return pd.Timedelta(int(steps[0]), unit="ns")


def merge_observations(
    history: pd.DataFrame, observations: pd.DataFrame, name: str = "observations"
) -> pd.DataFrame:
    """``history`` extended and corrected by ``observations`` on the same regular grid.

    Observed values replace stored ones at the same time; times between the two
    frames that neither covers become NaN (missing).

    Raises
    ------
    ForecastError
        If the columns or the time step differ, or the grids are offset.
    """
    new = check_history(observations, name)
    if list(new.columns) != list(history.columns):
        raise ForecastError(
            f"{name} columns {list(new.columns)} differ from the fitted {list(history.columns)}"
        )
    step = time_step(pd.DatetimeIndex(history.index))
    if time_step(pd.DatetimeIndex(new.index), name) != step:
        raise ForecastError(f"{name} time step differs from the fitted step {step}")
    if (new.index[0] - history.index[0]) % step != pd.Timedelta(0):
        raise ForecastError(f"{name} times are not on the fitted time grid of step {step}")
    start = min(history.index[0], new.index[0])
    end = max(history.index[-1], new.index[-1])
    grid = pd.date_range(start, end, freq=step, name=history.index.name)
    merged = history.reindex(grid)
    merged.loc[new.index] = new.to_numpy()
    return merged


def check_issue_time(issue_time: pd.Timestamp, name: str = "issue_time") -> pd.Timestamp:
    """``issue_time`` (called ``name`` in errors) as a UTC ``Timestamp``.

    Raises
    ------
    ForecastError
        If it is not time-zone aware.
    """
    ts = pd.Timestamp(issue_time)
    if ts.tzinfo is None:
        raise ForecastError(f"{name} {ts} must be time-zone aware (UTC)")
    return ts.tz_convert("UTC")


def check_valid_times(valid_times: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """``valid_times`` as a UTC ``DatetimeIndex``.

    Raises
    ------
    ForecastError
        If they are not a time-zone aware ``DatetimeIndex``.
    """
    if not isinstance(valid_times, pd.DatetimeIndex) or valid_times.tz is None:
        raise ForecastError("valid_times must be a time-zone aware DatetimeIndex")
    return valid_times.tz_convert("UTC")
