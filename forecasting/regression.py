"""Gradient-boosted regression forecaster on calendar, lag and exogenous features.

One pooled model serves all series: each series is standardised with its own mean
and standard deviation (over the training data), and its column number enters as a
categorical feature, so a year of hourly data of ~100 series trains in seconds on a
random, seeded subsample of at most ``max_train_samples`` (series, issue, valid)
triples. The model is scikit-learn's ``HistGradientBoostingRegressor``; it learns
the deviation of the standardised value from the mean of the day before the issue
time, which keeps level shifts out of the trees. Features are listed in
:mod:`forecasting.features`; the day-of-year features are blanked while the
training data span less than a year.

No look-ahead
-------------
``fit`` only checks and stores the history. Models are trained when a forecast
needs them, at a *training cutoff* ``c = floor(issue_time, refit_every_h)`` (a grid
anchored at 1970-01-01 00:00 UTC) or at the fixed ``train_end``, on observations
strictly before ``c`` (targets, lags and normalisation statistics alike), and are
cached per cutoff. The features of a forecast read observations strictly before
``issue_time``. A forecast therefore depends only on data before its issue time,
however far the fitted history reaches: fitting on the actuals of a whole
simulation is safe, and a forecaster fitted with every value at or after the issue
time set to NaN gives the same forecast (a test checks this). Exogenous features
(weather) are read at the valid times: they stand for forecasts of those
quantities available at the issue time, and the caller is responsible for passing
such values.

Quantiles
---------
:meth:`RegressionForecaster.predict_quantiles` trains one model per quantile with
the pinball loss (``loss="quantile"``) on the same samples, and sorts the results
per valid time so that quantiles never cross (monotone rearrangement).

References
----------
Ke, G. et al. (2017). LightGBM: a highly efficient gradient boosting decision tree.
*NeurIPS 30*. Hong, T. et al. (2016). Probabilistic energy forecasting: Global Energy
Forecasting Competition 2014 and beyond. *Int. J. Forecasting* 32(3), 896-913.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from forecasting.base import ForecastError
from forecasting.features import baseline, feature_matrix, mask_season, window_means
from forecasting.history import (
    check_history,
    check_issue_time,
    check_valid_times,
    merge_observations,
    time_step,
)

MAX_CATEGORIES = 255  # HistGradientBoostingRegressor's limit on a categorical feature
MAX_CACHED_MODELS = 16


class RegressionForecaster:
    """Pooled gradient-boosted trees on calendar, lag and exogenous features.

    Parameters
    ----------
    refit_every_h : float
        Spacing of the training cutoffs [h]; the model for an issue time is trained
        on data before the cutoff at or before it. Default one week.
    train_end : pandas.Timestamp or str, optional
        Train a single model on the data before this UTC time instead (cheaper for
        long runs); forecasts issued before it then raise, as they would use a model
        that has seen their future.
    max_horizon_h : float
        Largest lead time (valid minus issue time) sampled in training [h]; longer
        leads are forecast with the features of the longest one.
    min_train_h : float
        Least span of history before a training cutoff [h]; less raises.
    max_train_samples : int
        Most (series, issue, valid) triples drawn for one training.
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization
        Passed to ``HistGradientBoostingRegressor`` (no early stopping).
    random_state : int
        Seed of the sample draw and of the trees.
    n_threads : int or None
        OpenMP threads of the trees while training and predicting; default 1,
        which is robust on shared machines and in process pools (``None``: all
        cores).
    """

    def __init__(
        self,
        *,
        refit_every_h: float = 168.0,
        train_end: pd.Timestamp | str | None = None,
        max_horizon_h: float = 48.0,
        min_train_h: float = 14 * 24.0,
        max_train_samples: int = 100_000,
        max_iter: int = 100,
        learning_rate: float = 0.1,
        max_leaf_nodes: int = 31,
        min_samples_leaf: int = 20,
        l2_regularization: float = 0.0,
        random_state: int = 0,
        n_threads: int | None = 1,
    ) -> None:
        for name, value in {
            "refit_every_h": refit_every_h,
            "max_horizon_h": max_horizon_h,
            "min_train_h": min_train_h,
            "max_train_samples": max_train_samples,
            "max_iter": max_iter,
            "learning_rate": learning_rate,
        }.items():
            if not value > 0:
                raise ForecastError(f"{name} must be positive, got {value}")
        self.refit_every_h = float(refit_every_h)
        self.train_end = (
            None if train_end is None else check_issue_time(pd.Timestamp(train_end), "train_end")
        )
        self.max_horizon_h = float(max_horizon_h)
        self.min_train_h = float(min_train_h)
        self.max_train_samples = int(max_train_samples)
        self.tree_params = {
            "max_iter": int(max_iter),
            "learning_rate": float(learning_rate),
            "max_leaf_nodes": int(max_leaf_nodes),
            "min_samples_leaf": int(min_samples_leaf),
            "l2_regularization": float(l2_regularization),
        }
        self.random_state = int(random_state)
        self.n_threads = n_threads
        self._history: pd.DataFrame | None = None
        self._exog: pd.DataFrame | None = None
        self._models: OrderedDict[tuple[int, float | None], HistGradientBoostingRegressor] = (
            OrderedDict()
        )
        self._scales: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    # ------------------------------------------------------------------ data
    def fit(self, history: pd.DataFrame, exog: pd.DataFrame | None = None) -> RegressionForecaster:
        """Check and keep the history (and exogenous features); return self.

        Parameters
        ----------
        history : pandas.DataFrame
            Time x series on a regular UTC index, each series in its own unit
            [MW, EUR/MWh, ...]. Training happens lazily (see the module notes).
        exog : pandas.DataFrame, optional
            Exogenous features (e.g. temperature [degC], irradiance [W/m2]) on a UTC
            index covering the history and every valid time to be forecast;
            shared by all series.

        Raises
        ------
        ForecastError
            If the data are malformed or the step does not divide a day.
        """
        checked = check_history(history)
        step = time_step(pd.DatetimeIndex(checked.index))
        if pd.Timedelta(days=1) % step != pd.Timedelta(0):
            raise ForecastError(f"the time step {step} does not divide a day")
        if exog is not None:
            if not isinstance(exog.index, pd.DatetimeIndex) or str(exog.index.tz) != "UTC":
                raise ForecastError("exog must be a DataFrame on a UTC DatetimeIndex")
            if exog.index.has_duplicates:
                raise ForecastError("exog index has duplicates")
            exog = exog.astype(float).sort_index()
        self._history = checked
        self._exog = exog
        self._models.clear()
        self._scales.clear()
        return self

    def update(self, observations: pd.DataFrame) -> RegressionForecaster:
        """Add or correct observations (same columns and time grid); return self.

        Cached models whose training data could change are dropped.
        """
        self._history = merge_observations(self._fitted(), observations)
        first_ns = int(observations.index.min().value)
        for key in [k for k in self._models if k[0] > first_ns]:
            del self._models[key]
        for cutoff in [c for c in self._scales if c > first_ns]:
            del self._scales[cutoff]
        return self

    def _fitted(self) -> pd.DataFrame:
        if self._history is None:
            raise ForecastError("RegressionForecaster.predict called before fit")
        return self._history

    # ------------------------------------------------------------- forecasts
    def predict(self, issue_time: pd.Timestamp, valid_times: pd.DatetimeIndex) -> pd.DataFrame:
        """Mean forecast issued at ``issue_time`` for ``valid_times``.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``valid_times``, the fitted columns, in the unit of each series.

        Raises
        ------
        ForecastError
            If not fitted, the history before the training cutoff is too short, the
            history ends more than one step before ``issue_time``, a valid time is
            off the time grid, or an exogenous feature is missing at a valid time.
        """
        return self._forecast(issue_time, valid_times, None)

    def predict_quantiles(
        self,
        issue_time: pd.Timestamp,
        valid_times: pd.DatetimeIndex,
        quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    ) -> dict[float, pd.DataFrame]:
        """Quantile forecasts from pinball-loss models, non-crossing.

        Returns
        -------
        dict of float to pandas.DataFrame
            For each quantile in ``quantiles`` (0 < q < 1), in the order given, a
            frame like :meth:`predict`'s; at every valid time and series the values
            increase with the quantile.

        Raises
        ------
        ForecastError
            As :meth:`predict`, or if a quantile is outside (0, 1) or repeated.
        """
        qs = [float(q) for q in quantiles]
        if not qs or any(not 0.0 < q < 1.0 for q in qs) or len(set(qs)) != len(qs):
            raise ForecastError(f"quantiles must be distinct and in (0, 1), got {qs}")
        frames = [self._forecast(issue_time, valid_times, q) for q in qs]
        stacked = np.sort(np.stack([f.to_numpy() for f in frames]), axis=0)
        rank = {qs[j]: r for r, j in enumerate(np.argsort(qs))}
        return {
            q: pd.DataFrame(stacked[rank[q]], index=frames[0].index, columns=frames[0].columns)
            for q in qs
        }

    def _forecast(
        self, issue_time: pd.Timestamp, valid_times: pd.DatetimeIndex, quantile: float | None
    ) -> pd.DataFrame:
        history = self._fitted()
        issue = check_issue_time(issue_time)
        valid = check_valid_times(valid_times)
        index = pd.DatetimeIndex(history.index)
        start_ns, step_ns = int(index[0].value), int(time_step(index).value)
        issue_pos = int(index.searchsorted(issue, side="left"))
        if issue.value > index[-1].value + step_ns:
            raise ForecastError(
                f"the history ends at {index[-1]}, more than one step before issue time "
                f"{issue}; update() the forecaster with recent observations"
            )
        valid_ns = valid.asi8
        if np.any((valid_ns - start_ns) % step_ns != 0):
            raise ForecastError("valid_times are not on the time grid of the history")
        if self.train_end is None:
            cutoff = issue.floor(pd.Timedelta(hours=self.refit_every_h))
        elif issue < self.train_end:
            raise ForecastError(
                f"issue time {issue} is before train_end {self.train_end}: the model "
                "would have seen data after the issue time"
            )
        else:
            cutoff = self.train_end
        cutoff_pos = int(index.searchsorted(cutoff, side="left"))
        model = self._model(int(cutoff.value), cutoff_pos, quantile)
        mean, scale = self._scales[int(cutoff.value)]
        z = (history.to_numpy()[:issue_pos] - mean) / scale
        n_valid, n_series = len(valid), history.shape[1]
        valid_pos = np.repeat((valid_ns - start_ns) // step_ns, n_series)
        series = np.tile(np.arange(n_series), n_valid)
        day = int(pd.Timedelta(days=1).value // step_ns)
        x = feature_matrix(
            z,
            window_means(z[issue_pos - day : issue_pos], day)[-1][series],
            series,
            valid_pos,
            np.full(len(series), issue_pos),
            start_ns,
            step_ns,
            np.full(len(series), int(issue.value)),
        )
        mask_season(x, cutoff_pos * step_ns)
        if self._exog is not None:
            missing = valid.difference(self._exog.index)
            if len(missing):
                raise ForecastError(f"exog has no values at {len(missing)} valid times")
            ex = self._exog.reindex(valid).to_numpy()
            x = np.hstack([x, np.repeat(ex, n_series, axis=0)])
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            z_hat = (model.predict(x) + baseline(x)).reshape(n_valid, n_series)
        return pd.DataFrame(z_hat * scale + mean, index=valid_times, columns=history.columns.copy())

    # -------------------------------------------------------------- training
    def _model(
        self, cutoff_ns: int, cutoff_pos: int, quantile: float | None
    ) -> HistGradientBoostingRegressor:
        """The cached model for a cutoff and quantile (None: mean), trained if new."""
        key = (cutoff_ns, quantile)
        if key in self._models:
            self._models.move_to_end(key)
            return self._models[key]
        x, y = self._training_set(cutoff_ns, cutoff_pos)
        n_series = self._fitted().shape[1]
        model = HistGradientBoostingRegressor(
            loss="squared_error" if quantile is None else "quantile",
            quantile=quantile,
            categorical_features=[0] if n_series <= MAX_CATEGORIES else None,
            early_stopping=False,
            random_state=self.random_state,
            **self.tree_params,
        )
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            model.fit(x, y)
        self._models[key] = model
        while len(self._models) > MAX_CACHED_MODELS:
            self._models.popitem(last=False)
        return model

    def _training_set(self, cutoff_ns: int, cutoff_pos: int) -> tuple[np.ndarray, np.ndarray]:
        """Features and standardised targets drawn from the rows before the cutoff."""
        history = self._fitted()
        index = pd.DatetimeIndex(history.index)
        start_ns, step_ns = int(index[0].value), int(time_step(index).value)
        day = int(pd.Timedelta(days=1).value // step_ns)
        horizons = max(1, int(round(self.max_horizon_h * 3600e9 / step_ns)))
        span_h = cutoff_pos * step_ns / 3600e9
        needed_h = max(self.min_train_h, (day + horizons) * step_ns / 3600e9)
        if span_h < needed_h:
            raise ForecastError(
                f"regression forecaster needs {needed_h:g} h of history before its "
                f"training cutoff {pd.Timestamp(cutoff_ns, tz='UTC')}, has {span_h:g} h; "
                "fit it on a longer history"
            )
        past = history.to_numpy()[:cutoff_pos]
        seen = ~np.isnan(past)
        count = seen.sum(axis=0)
        if np.any(count < 2):
            names = list(history.columns[count < 2][:5])
            raise ForecastError(f"series {names} have fewer than 2 observations to train on")
        mean = np.where(seen, past, 0.0).sum(axis=0) / count
        var = np.where(seen, (past - mean) ** 2, 0.0).sum(axis=0) / (count - 1)
        scale = np.where(var > 0, np.sqrt(var), 1.0)
        self._scales[cutoff_ns] = (mean, scale)
        z = (past - mean) / scale

        n_series = past.shape[1]
        rng = np.random.default_rng(self.random_state)
        n = min(self.max_train_samples, n_series * (cutoff_pos - day) * horizons)
        lead = rng.integers(0, horizons, n)
        valid_pos = rng.integers(day + lead, cutoff_pos)
        series = rng.integers(0, n_series, n)
        issue_pos = valid_pos - lead
        x = feature_matrix(
            z,
            window_means(z, day)[issue_pos, series],
            series,
            valid_pos,
            issue_pos,
            start_ns,
            step_ns,
            start_ns + issue_pos * step_ns,
        )
        mask_season(x, cutoff_pos * step_ns)
        if self._exog is not None:
            ex = self._exog.reindex(index[:cutoff_pos]).to_numpy()
            x = np.hstack([x, ex[valid_pos]])
        y = z[valid_pos, series] - baseline(x)
        keep = ~np.isnan(y)
        return x[keep], y[keep]
