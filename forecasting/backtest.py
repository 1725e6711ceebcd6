"""Rolling-origin evaluation of a forecaster against actuals.

At every issue time (origin) the forecaster and a reference forecaster predict
the next ``horizon_h`` hours; the forecasts are compared with the actuals per
horizon hour (1 = the first hour after the issue time) and in total.

Fitting
-------
By default the forecaster and the reference are fitted **once, on all of**
``actual``, and each forecast relies on the package's no-look-ahead contract:
predictions use only observations strictly before their issue time, which the
leak tests check for every method (the regression forecaster retrains itself on
data before each training cutoff, see :mod:`forecasting.regression`). With
``refit_per_origin=True`` a forecaster is instead fitted at every origin on the
actuals strictly before that issue time only, which excludes look-ahead by
construction, for any forecaster, at the cost of one training per origin. The
perfect oracle cannot be evaluated that way.

References
----------
Tashman, L. J. (2000). Out-of-sample tests of forecasting accuracy: an analysis
and review. *Int. J. Forecasting* 16(4), 437-450.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from forecasting.base import Forecaster, ForecastError
from forecasting.history import check_history, check_issue_time, time_step
from forecasting.metrics import metrics_by_horizon, summarise
from forecasting.naive import make_forecaster

ForecasterSpec = Forecaster | str | Callable[[], Forecaster]
"""A forecaster instance, a method name of :func:`make_forecaster`, or a factory."""

METRIC_LABELS = {
    "mae": "MAE [unit of series]",
    "rmse": "RMSE [unit of series]",
    "nmae": "nMAE [-]",
    "bias": "bias [unit of series]",
    "skill": "MAE skill [-]",
}


@dataclass(frozen=True)
class BacktestResult:
    """Forecasts and their errors from :func:`backtest`.

    Attributes
    ----------
    forecasts : pandas.DataFrame
        One row per (issue time, valid time, series): ``issue_time``, ``valid_time``,
        ``horizon_h`` (1-based hour after issue), ``series``, ``forecast``,
        ``reference``, ``actual`` and ``capacity`` (NaN if none), values in the
        unit of each series.
    by_horizon : pandas.DataFrame
        Metrics per horizon hour (:func:`forecasting.metrics.metrics_by_horizon`).
    totals : pandas.Series
        The same metrics over all forecasts.
    method, reference : str
        Names of the evaluated and the reference forecaster.
    """

    forecasts: pd.DataFrame
    by_horizon: pd.DataFrame
    totals: pd.Series
    method: str
    reference: str

    def table(self) -> pd.DataFrame:
        """The per-horizon table with a last row ``all`` holding the totals."""
        table = self.by_horizon.copy()
        table.index = table.index.astype(str)
        table.loc["all"] = self.totals
        table.index.name = "horizon_h"
        return table

    def to_csv(self, path: str | Path) -> Path:
        """Write :meth:`table` as CSV (atomically: a temporary file, then a rename)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        try:
            self.table().to_csv(tmp, float_format="%.6g")
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        return target

    def plot(self, metrics: Sequence[str] = ("mae", "nmae", "bias", "skill")) -> Figure:
        """See :func:`plot_backtest`."""
        return plot_backtest(self, metrics)


def plot_backtest(
    result: BacktestResult, metrics: Sequence[str] = ("mae", "nmae", "bias", "skill")
) -> Figure:
    """One panel per metric against the horizon hour; the reference MAE is dashed.

    Returns a :class:`matplotlib.figure.Figure` that is not registered with pyplot
    (nothing is shown; save it with ``fig.savefig``).
    """
    unknown = [m for m in metrics if m not in METRIC_LABELS]
    if unknown or not metrics:
        raise ValueError(f"metrics must be among {list(METRIC_LABELS)}, got {list(metrics)}")
    table = result.by_horizon
    fig = Figure(figsize=(6.4, 1.9 * len(metrics) + 0.6), layout="constrained")
    axes = fig.subplots(len(metrics), 1, sharex=True, squeeze=False)[:, 0]
    for ax, metric in zip(axes, metrics, strict=True):
        ax.plot(table.index, table[metric], marker=".", label=result.method)
        if metric == "mae":
            ax.plot(table.index, table["mae_reference"], ls="--", label=result.reference)
            ax.legend(loc="best", fontsize="small")
        if metric in ("bias", "skill"):
            ax.axhline(0.0, color="0.6", lw=0.8)
        ax.set_ylabel(METRIC_LABELS[metric])
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("horizon [h after issue]")
    fig.suptitle(f"{result.method} vs {result.reference}: rolling-origin backtest")
    return fig


def _factory(spec: ForecasterSpec) -> tuple[Callable[[], Forecaster], str]:
    """A zero-argument maker of fresh (or the same, refitted) forecasters, and a name."""
    if isinstance(spec, str):
        return (lambda: make_forecaster(spec)), spec
    if isinstance(spec, Forecaster) and not isinstance(spec, type):
        instance = spec
        return (lambda: instance), type(spec).__name__
    if callable(spec):
        return spec, getattr(spec, "__name__", type(spec).__name__)
    raise ForecastError(f"not a forecaster, method name or factory: {spec!r}")


def _capacity_column(capacity: float | Mapping[str, float] | None, columns: pd.Index) -> np.ndarray:
    if capacity is None:
        return np.full(len(columns), np.nan)
    if isinstance(capacity, Mapping):
        missing = [c for c in columns if c not in capacity]
        if missing:
            raise ForecastError(f"capacity has no value for series {missing[:5]}")
        return np.array([float(capacity[c]) for c in columns])
    return np.full(len(columns), float(capacity))


def backtest(
    forecaster: ForecasterSpec,
    actual: pd.DataFrame,
    issue_times: Iterable[pd.Timestamp],
    horizon_h: float,
    reference: ForecasterSpec = "persistence",
    capacity: float | Mapping[str, float] | None = None,
    refit_per_origin: bool = False,
) -> BacktestResult:
    """Rolling-origin evaluation of ``forecaster`` against ``actual``.

    Parameters
    ----------
    forecaster : Forecaster, str or callable
        An instance, a method name of :func:`forecasting.naive.make_forecaster`, or
        a zero-argument factory.
    actual : pandas.DataFrame
        Actuals, time x series, on a regular UTC index, covering the history the
        forecasters need and every valid time [unit of each series].
    issue_times : iterable of pandas.Timestamp
        Forecast origins (UTC).
    horizon_h : float
        Length of each forecast [h]; valid times are the issue time and the
        following time steps of ``actual`` up to ``issue_time + horizon_h``
        (exclusive).
    reference : Forecaster, str or callable
        The forecaster that skill is measured against; default persistence.
    capacity : float or mapping of series to float, optional
        Normalises nMAE per series (see :func:`forecasting.metrics.nmae`).
    refit_per_origin : bool
        Fit at every origin on the actuals before it, instead of once on all of
        ``actual`` (see the module notes).

    Raises
    ------
    ForecastError
        If a forecast cannot be made or a valid time has no actual value.
    """
    actual = check_history(actual, "actual")
    index = pd.DatetimeIndex(actual.index)
    step = time_step(index, "actual")
    n_steps = int(pd.Timedelta(hours=horizon_h) // step)
    if n_steps < 1:
        raise ForecastError(f"horizon_h={horizon_h} is shorter than the time step {step}")
    origins = [check_issue_time(t) for t in issue_times]
    if not origins:
        raise ForecastError("no issue times given")
    make, name = _factory(forecaster)
    make_ref, ref_name = _factory(reference)
    if not refit_per_origin:
        fitted, fitted_ref = make().fit(actual), make_ref().fit(actual)
    cap = _capacity_column(capacity, actual.columns)
    parts = []
    for issue in origins:
        valid = pd.date_range(issue, periods=n_steps, freq=step)
        missing = valid.difference(index)
        if len(missing):
            raise ForecastError(
                f"actual has no values at {len(missing)} valid times from {missing[0]}"
            )
        if refit_per_origin:
            before = actual.loc[index < issue]
            fitted, fitted_ref = make().fit(before), make_ref().fit(before)
        f = fitted.predict(issue, valid).reindex(columns=actual.columns).to_numpy()
        r = fitted_ref.predict(issue, valid).reindex(columns=actual.columns).to_numpy()
        a = actual.loc[valid].to_numpy()
        n_series = a.shape[1]
        horizon = (valid - issue) // pd.Timedelta(hours=1) + 1
        parts.append(
            pd.DataFrame(
                {
                    "issue_time": issue,
                    "valid_time": np.repeat(valid, n_series),
                    "horizon_h": np.repeat(np.asarray(horizon), n_series),
                    "series": np.tile(np.asarray(actual.columns, dtype=object), len(valid)),
                    "forecast": f.ravel(),
                    "reference": r.ravel(),
                    "actual": a.ravel(),
                    "capacity": np.tile(cap, len(valid)),
                }
            )
        )
    long = pd.concat(parts, ignore_index=True)
    cap_col = "capacity" if capacity is not None else None
    totals = summarise(
        long["forecast"], long["actual"], long["reference"], long[cap_col] if cap_col else None
    )
    return BacktestResult(
        forecasts=long,
        by_horizon=metrics_by_horizon(long, cap_col),
        totals=pd.Series(totals, name="all"),
        method=name,
        reference=ref_name,
    )
