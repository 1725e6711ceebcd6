"""The gradient-boosted regression forecaster: skill, quantiles, exogenous data, errors."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from forecasting.backtest import backtest
from forecasting.base import ForecastError
from forecasting.metrics import mae
from forecasting.regression import RegressionForecaster

FAST = {"max_iter": 60, "max_train_samples": 20_000}
SKILL_VS_PERSISTENCE_MIN = 0.3  # measured 0.49 on the synthetic series
SKILL_VS_WEEKLY_NAIVE_MIN = 0.05  # measured 0.17
SIMBENCH_SKILL_MIN = 0.5  # measured 0.80 vs persistence, 0.19 vs weekly naive


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


@pytest.fixture()
def load_8w(make_load: Callable[..., pd.DataFrame]) -> pd.DataFrame:
    return make_load(56)


ORIGINS = pd.date_range("2016-02-15", periods=14, freq="D", tz="UTC")


def fast_regression() -> RegressionForecaster:
    return RegressionForecaster(**FAST, train_end=ORIGINS[0])  # type: ignore[arg-type]


def test_beats_persistence_and_seasonal_naive_day_ahead(load_8w: pd.DataFrame) -> None:
    vs_persistence = backtest(fast_regression, load_8w, ORIGINS, 24.0)
    vs_weekly = backtest(fast_regression, load_8w, ORIGINS, 24.0, "seasonal_naive_weekly")
    assert vs_persistence.totals["skill"] > SKILL_VS_PERSISTENCE_MIN
    assert vs_weekly.totals["skill"] > SKILL_VS_WEEKLY_NAIVE_MIN
    # at 24 h, persistence is the same hour of the previous day and hard to beat
    assert (vs_persistence.by_horizon["skill"].loc[1:12] > 0).all()


def test_forecasts_are_deterministic_and_cached(load_6w: pd.DataFrame) -> None:
    issue = utc("2016-02-08 06:00")
    valid = pd.date_range(issue, periods=30, freq="h")
    fc = RegressionForecaster(**FAST)  # type: ignore[arg-type]
    first = fc.fit(load_6w).predict(issue, valid)
    again = RegressionForecaster(**FAST).fit(load_6w).predict(issue, valid)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(first, again)
    assert len(fc._models) == 1
    fc.predict(issue + pd.Timedelta(hours=5), valid)  # same weekly cutoff: no new model
    assert len(fc._models) == 1
    assert list(first.columns) == list(load_6w.columns)
    assert first.index.equals(valid)


def test_quantiles_are_ordered_and_roughly_calibrated(load_8w: pd.DataFrame) -> None:
    fc = fast_regression().fit(load_8w)
    inside, total = 0, 0
    for issue in ORIGINS:
        valid = pd.date_range(issue, periods=24, freq="h")
        q = fc.predict_quantiles(issue, valid, (0.9, 0.1, 0.5))
        assert list(q) == [0.9, 0.1, 0.5]
        assert (q[0.1] <= q[0.5]).all().all() and (q[0.5] <= q[0.9]).all().all()
        actual = load_8w.loc[valid]
        inside += int(((actual >= q[0.1]) & (actual <= q[0.9])).to_numpy().sum())
        total += actual.size
    assert 0.6 < inside / total < 0.97  # nominal 0.8
    with pytest.raises(ForecastError, match="distinct and in"):
        fc.predict_quantiles(ORIGINS[0], valid, (0.5, 1.0))


def test_exogenous_features_are_used(make_load: Callable[..., pd.DataFrame]) -> None:
    index = make_load(35).index
    rng = np.random.default_rng(11)
    temp_degc = pd.Series(rng.normal(10.0, 6.0, len(index)), index=index)
    heat = pd.DataFrame({"heat pump": 3.0 - 0.1 * temp_degc + rng.normal(0, 0.05, len(index))})
    exog = temp_degc.to_frame("temp_degc")
    issue = utc("2016-02-01")
    valid = pd.date_range(issue, periods=7 * 24, freq="h")
    with_exog = RegressionForecaster(**FAST).fit(heat, exog=exog)  # type: ignore[arg-type]
    without = RegressionForecaster(**FAST).fit(heat)  # type: ignore[arg-type]
    err_with = mae(with_exog.predict(issue, valid), heat.loc[valid])
    err_without = mae(without.predict(issue, valid), heat.loc[valid])
    assert err_with < 0.3 * err_without
    missing_exog = exog.loc[exog.index < utc("2016-02-03")]
    fc = RegressionForecaster(**FAST).fit(heat, exog=missing_exog)  # type: ignore[arg-type]
    with pytest.raises(ForecastError, match="exog has no values"):
        fc.predict(issue, valid)


def test_quarter_hourly_data(make_load: Callable[..., pd.DataFrame]) -> None:
    data = make_load(28, step_min=15, n_series=1)
    issues = pd.date_range("2016-01-25", periods=5, freq="D", tz="UTC")
    result = backtest(
        lambda: RegressionForecaster(**FAST, max_horizon_h=24.0, train_end=issues[0]),  # type: ignore[arg-type]
        data,
        issues,
        24.0,
    )
    assert result.totals["skill"] > SKILL_VS_PERSISTENCE_MIN
    assert list(result.by_horizon.index) == list(range(1, 25))


def test_update_replaces_models_that_saw_corrected_data(load_6w: pd.DataFrame) -> None:
    issue = utc("2016-02-10")
    valid = pd.date_range(issue, periods=24, freq="h")
    fc = RegressionForecaster(**FAST).fit(load_6w)  # type: ignore[arg-type]
    before = fc.predict(issue, valid)
    fc.update(load_6w.loc[utc("2016-01-20") : utc("2016-01-25")] * 3.0)
    assert not fc.predict(issue, valid).equals(before)


def test_errors(load_6w: pd.DataFrame) -> None:
    valid = pd.date_range("2016-02-10", periods=3, freq="h", tz="UTC")
    with pytest.raises(ForecastError, match="before fit"):
        RegressionForecaster().predict(valid[0], valid)
    with pytest.raises(ForecastError, match="max_iter must be positive"):
        RegressionForecaster(max_iter=0)
    fc = RegressionForecaster(**FAST).fit(load_6w)  # type: ignore[arg-type]
    with pytest.raises(ForecastError, match="needs 336 h of history"):
        fc.predict(utc("2016-01-10"), valid)
    with pytest.raises(ForecastError, match="update"):
        fc.predict(utc("2016-03-01"), pd.date_range("2016-03-01", periods=2, freq="h", tz="UTC"))
    with pytest.raises(ForecastError, match="time grid"):
        fc.predict(valid[0], valid + pd.Timedelta(minutes=20))
    early = RegressionForecaster(train_end="2016-02-01T00:00Z").fit(load_6w)
    with pytest.raises(ForecastError, match="before train_end"):
        early.predict(utc("2016-01-31 23:00"), valid)
    with pytest.raises(ForecastError, match="does not divide a day"):
        RegressionForecaster().fit(load_6w.resample("7min").ffill())
    with pytest.raises(ForecastError, match="UTC DatetimeIndex"):
        RegressionForecaster().fit(load_6w, exog=load_6w.tz_localize(None))


@pytest.mark.slow
def test_day_ahead_skill_on_simbench_load() -> None:
    """Summed loads of SimBench grid 1-MV-rural--0-sw, 2016, hourly: train to
    October, forecast every day of October to December at 00:00 UTC for 24 h."""
    simbench = pytest.importorskip("simbench")
    net = simbench.get_simbench_net("1-MV-rural--0-sw")
    profiles = simbench.get_absolute_values(net, profiles_instead_of_study_cases=True)
    load_p_mw = profiles[("load", "p_mw")].sum(axis=1)
    load_p_mw.index = pd.date_range(
        "2016-01-01", periods=len(load_p_mw), freq="15min", tz="UTC", name="time"
    )
    hourly = load_p_mw.resample("1h").mean().to_frame("load_p_mw")
    origins = pd.date_range("2016-10-01", "2016-12-30", freq="D", tz="UTC")

    def regression() -> RegressionForecaster:
        return RegressionForecaster(train_end=origins[0])

    result = backtest(regression, hourly, origins, 24.0)
    weekly = backtest(regression, hourly, origins, 24.0, "seasonal_naive_weekly")
    assert result.totals["skill"] > SIMBENCH_SKILL_MIN
    assert weekly.totals["skill"] > 0.0
