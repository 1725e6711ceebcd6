"""Forecast error metrics: pure functions of forecasts and actuals.

Every function takes array-likes of equal shape (NumPy arrays, Series or
DataFrames), compares them element by element and ignores the pairs where either
value is NaN. Errors are ``forecast - actual``, in the unit of the series (MW,
EUR/MWh, ...) unless stated otherwise.

References
----------
Hyndman, R. J. and Koehler, A. B. (2006). Another look at measures of forecast
accuracy. *Int. J. Forecasting* 22(4), 679-688. Murphy, A. H. (1988). Skill scores
based on the mean square error and their relationships to the correlation
coefficient. *Monthly Weather Review* 116(12), 2417-2424.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

ArrayLike = Any  # numpy array, pandas Series or DataFrame, or a nested sequence

METRIC_NAMES: tuple[str, ...] = ("mae", "rmse", "nmae", "bias", "skill")
"""Columns of :func:`metrics_by_horizon`'s table."""


def _pairs(forecast: ArrayLike, actual: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    f = np.asarray(forecast, dtype=float)
    a = np.asarray(actual, dtype=float)
    if f.shape != a.shape:
        raise ValueError(f"forecast shape {f.shape} differs from actual shape {a.shape}")
    both = ~(np.isnan(f) | np.isnan(a))
    return f, a, both


def mae(forecast: ArrayLike, actual: ArrayLike) -> float:
    """Mean absolute error ``mean |f - a|`` [unit of the series]; NaN if no pair."""
    f, a, both = _pairs(forecast, actual)
    return float(np.mean(np.abs(f - a)[both])) if both.any() else float("nan")


def rmse(forecast: ArrayLike, actual: ArrayLike) -> float:
    """Root mean square error ``sqrt(mean (f - a)^2)`` [unit of the series]; NaN if no pair."""
    f, a, both = _pairs(forecast, actual)
    return float(np.sqrt(np.mean(((f - a) ** 2)[both]))) if both.any() else float("nan")


def bias(forecast: ArrayLike, actual: ArrayLike) -> float:
    """Mean error ``mean (f - a)`` [unit of the series]; positive means over-forecast."""
    f, a, both = _pairs(forecast, actual)
    return float(np.mean((f - a)[both])) if both.any() else float("nan")


def nmae(forecast: ArrayLike, actual: ArrayLike, capacity: ArrayLike | None = None) -> float:
    """Normalised mean absolute error [-].

    Parameters
    ----------
    forecast, actual : array-like
        Equal shapes.
    capacity : float or array-like, optional
        Normalising capacity [unit of the series], a scalar or an array that
        broadcasts to the shape of ``actual`` (e.g. one value per column).

    Returns
    -------
    float
        Without ``capacity``: ``mean |f - a| / mean |a|`` (NaN if ``mean |a|`` is 0).
        With ``capacity``: ``mean (|f - a| / capacity)``, the usual convention for
        wind and PV, whose mean actual is small at night.
    """
    f, a, both = _pairs(forecast, actual)
    if not both.any():
        return float("nan")
    err = np.abs(f - a)
    if capacity is not None:
        cap = np.broadcast_to(np.asarray(capacity, dtype=float), a.shape)
        if np.any(cap[both] <= 0):
            raise ValueError("capacity must be positive")
        return float(np.mean((err / np.where(cap > 0, cap, 1.0))[both]))
    level = float(np.mean(np.abs(a[both])))
    return float(np.mean(err[both])) / level if level > 0 else float("nan")


def skill(error: float, reference_error: float) -> float:
    """Skill score ``1 - error / reference_error`` [-].

    1 is a perfect forecast, 0 is as good as the reference, negative is worse.
    Used with MAE (``skill(mae_model, mae_persistence)``). NaN if the reference
    error is 0 or NaN.
    """
    if not np.isfinite(reference_error) or reference_error == 0:
        return float("nan")
    return 1.0 - error / reference_error


def summarise(
    forecast: ArrayLike,
    actual: ArrayLike,
    reference: ArrayLike,
    capacity: ArrayLike | None = None,
) -> dict[str, float]:
    """MAE, RMSE, nMAE, bias and MAE skill against ``reference``, in one dict.

    The dict also holds ``mae_reference``, the MAE of the reference forecast, and
    ``n``, the number of compared pairs.
    """
    f, a, both = _pairs(forecast, actual)
    r = np.asarray(reference, dtype=float)
    m, m_ref = mae(f, a), mae(r, a)
    return {
        "mae": m,
        "rmse": rmse(f, a),
        "nmae": nmae(f, a, capacity),
        "bias": bias(f, a),
        "skill": skill(m, m_ref),
        "mae_reference": m_ref,
        "n": float(both.sum()),
    }


def metrics_by_horizon(long: pd.DataFrame, capacity_column: str | None = None) -> pd.DataFrame:
    """Metrics per horizon hour of a long table of forecasts.

    Parameters
    ----------
    long : pandas.DataFrame
        One row per forecast value with columns ``horizon_h`` (hour after issue,
        1-based), ``forecast``, ``actual`` and ``reference``, and the optional
        capacity column [unit of the series].
    capacity_column : str, optional
        Column used to normalise nMAE (see :func:`nmae`).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``horizon_h`` (int), columns :data:`METRIC_NAMES` plus
        ``mae_reference`` and ``n``.
    """
    rows = {}
    for horizon, group in long.groupby("horizon_h", sort=True):
        cap = group[capacity_column] if capacity_column else None
        rows[int(horizon)] = summarise(group["forecast"], group["actual"], group["reference"], cap)
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "horizon_h"
    return table
