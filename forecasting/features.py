"""Feature rows of the regression forecaster: calendar and lags known at issue time.

A row describes one (series, issue time, valid time) triple on the regular time
grid of the history. Positions count time steps from the first history time; an
issue position ``i`` means "the first ``i`` rows are observed", so every lag reads
rows ``< i`` only.

Features (in :data:`FEATURE_NAMES` order):

- ``series_id``: column number of the series (a categorical feature);
- ``horizon_h``: valid time minus issue time [h];
- ``hour_of_day`` [h, 0-24), ``day_of_week`` [0 = Monday], ``doy_sin``, ``doy_cos``:
  calendar of the valid time, the day of year as a point on the unit circle;
- ``lag_last``: the last observation before the issue time (row ``i - 1``);
- ``lag_day``: the value at the same time of day, ``k`` days before the valid time,
  with the smallest ``k >= 1`` that lies before the issue time;
- ``lag_week``: the same with whole weeks (same hour of the week);
- ``mean_last_day``: the mean of the observations of the day before the issue time.

Series values enter standardised (see :mod:`forecasting.regression`); missing
values stay NaN, which the gradient-boosted trees handle natively.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FEATURE_NAMES: tuple[str, ...] = (
    "series_id",
    "horizon_h",
    "hour_of_day",
    "day_of_week",
    "doy_sin",
    "doy_cos",
    "lag_last",
    "lag_day",
    "lag_week",
    "mean_last_day",
)
"""Column names of the feature matrix built by :func:`feature_matrix` (exogenous
features, if any, follow them)."""

DAYS_PER_YEAR = 365.25


def calendar_features(times_ns: np.ndarray) -> np.ndarray:
    """Calendar features of UTC times.

    Parameters
    ----------
    times_ns : numpy.ndarray
        UTC times as integer nanoseconds since the epoch, shape (n,).

    Returns
    -------
    numpy.ndarray
        Shape (n, 4): hour of day [h], day of week [0 = Monday], sine and cosine of
        the day of year (period 365.25 days) [-].
    """
    times = pd.DatetimeIndex(times_ns.astype("datetime64[ns]"))
    hour_h = times.hour + times.minute / 60.0 + times.second / 3600.0
    angle = 2.0 * np.pi * (times.dayofyear - 1 + hour_h / 24.0) / DAYS_PER_YEAR
    return np.column_stack([hour_h, times.dayofweek, np.sin(angle), np.cos(angle)]).astype(float)


def gather(values: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``values[rows, cols]`` with NaN where a row lies outside the array."""
    out = np.full(len(rows), np.nan)
    inside = (rows >= 0) & (rows < values.shape[0])
    out[inside] = values[rows[inside], cols[inside]]
    return out


def seasonal_source(valid_pos: np.ndarray, issue_pos: np.ndarray, period: int) -> np.ndarray:
    """Row ``valid - k * period`` with the smallest ``k >= 1`` that is ``< issue_pos``."""
    k = np.maximum(1, (valid_pos - issue_pos) // period + 1)
    return valid_pos - k * period


def window_means(values: np.ndarray, length: int) -> np.ndarray:
    """Mean of rows ``[i - length, i)`` for every ``i`` in ``0 .. n``, ignoring NaN.

    Returns
    -------
    numpy.ndarray
        Shape (n + 1, n_series); NaN where the window holds no observation.
    """
    seen = ~np.isnan(values)
    zero = np.zeros((1, values.shape[1]))
    total = np.vstack([zero, np.cumsum(np.where(seen, values, 0.0), axis=0)])
    count = np.vstack([zero, np.cumsum(seen, axis=0)])
    lo = np.maximum(np.arange(len(total)) - length, 0)
    w_total = total - total[lo]
    w_count = count - count[lo]
    out = np.full(w_total.shape, np.nan)
    np.divide(w_total, w_count, out=out, where=w_count > 0)
    return out


def feature_matrix(
    z: np.ndarray,
    mean_last_day: np.ndarray,
    series: np.ndarray,
    valid_pos: np.ndarray,
    issue_pos: np.ndarray,
    start_ns: int,
    step_ns: int,
    issue_ns: np.ndarray,
) -> np.ndarray:
    """Feature rows for (series, issue, valid) triples.

    Parameters
    ----------
    z : numpy.ndarray
        Standardised history, shape (n_steps, n_series) [-].
    mean_last_day : numpy.ndarray
        Mean of ``z`` over the day before each triple's issue time [-] (see
        :func:`window_means`).
    series, valid_pos, issue_pos : numpy.ndarray
        Integer arrays of equal length: column, valid row and issue row (number of
        observed rows) of each triple.
    start_ns, step_ns : int
        First history time and time step [ns].
    issue_ns : numpy.ndarray
        Issue time of each triple [ns since the epoch].

    Returns
    -------
    numpy.ndarray
        Shape (n, len(FEATURE_NAMES)), float.
    """
    day = int(round(24 * 3600e9 / step_ns))
    week = 7 * day
    valid_ns = start_ns + valid_pos * step_ns
    horizon_h = (valid_ns - issue_ns) / 3600e9
    return np.column_stack(
        [
            series.astype(float),
            horizon_h,
            calendar_features(valid_ns),
            gather(z, issue_pos - 1, series),
            gather(z, seasonal_source(valid_pos, issue_pos, day), series),
            gather(z, seasonal_source(valid_pos, issue_pos, week), series),
            mean_last_day,
        ]
    )


def baseline(x: np.ndarray) -> np.ndarray:
    """The level the trees forecast a deviation from: the mean of the last day [-]."""
    return np.nan_to_num(x[:, FEATURE_NAMES.index("mean_last_day")], nan=0.0)


def mask_season(x: np.ndarray, train_span_ns: int) -> None:
    """Blank the day-of-year features (in place) when training covers under a year.

    Trees cannot learn an annual cycle from part of it; on unseen days of the
    year they would extend the level of the last training weeks instead.
    """
    if train_span_ns < pd.Timedelta(days=365).value:
        for name in ("doy_sin", "doy_cos"):
            x[:, FEATURE_NAMES.index(name)] = 0.0
