"""Persistence and seasonal naive forecasts on hand-computed cases; make_forecaster."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.base import Forecaster, ForecastError
from forecasting.naive import (
    FORECAST_METHODS,
    PerfectForecaster,
    PersistenceForecaster,
    SeasonalNaiveForecaster,
    make_forecaster,
)
from forecasting.regression import RegressionForecaster


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def hours(start: str, n: int) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="h", tz="UTC", name="time")


@pytest.fixture()
def day_hour() -> pd.DataFrame:
    """Three days, hourly: ``a = 100 * day + hour``, ``b = -a`` (day 0 = 2016-03-01)."""
    index = hours("2016-03-01", 72)
    a = 100.0 * (np.arange(72) // 24) + np.arange(72) % 24
    return pd.DataFrame({"a": a, "b": -a}, index=index)


# ---------------------------------------------------------------- persistence
def test_persistence_holds_the_last_value_before_issue(day_hour: pd.DataFrame) -> None:
    fc = PersistenceForecaster().fit(day_hour)
    valid = hours("2016-03-02 05:00", 4)
    got = fc.predict(utc("2016-03-02 05:00"), valid)
    # the last value strictly before 2016-03-02 05:00 is that of 04:00: 100 + 4
    expected = pd.DataFrame({"a": [104.0] * 4, "b": [-104.0] * 4}, index=valid)
    pd.testing.assert_frame_equal(got, expected)


def test_persistence_between_grid_times_and_after_the_data(day_hour: pd.DataFrame) -> None:
    fc = PersistenceForecaster().fit(day_hour)
    valid = hours("2016-03-02 06:00", 2)
    assert fc.predict(utc("2016-03-02 05:30"), valid)["a"].tolist() == [105.0, 105.0]
    late = hours("2016-03-10", 3)
    assert fc.predict(utc("2016-03-10"), late)["a"].tolist() == [223.0] * 3


def test_persistence_skips_missing_values(day_hour: pd.DataFrame) -> None:
    day_hour.loc[utc("2016-03-01 09:00"), "a"] = np.nan
    got = (
        PersistenceForecaster()
        .fit(day_hour)
        .predict(utc("2016-03-01 10:00"), hours("2016-03-01 10:00", 1))
    )
    assert got.iloc[0].tolist() == [8.0, -9.0]


def test_persistence_without_earlier_data_raises(day_hour: pd.DataFrame) -> None:
    fc = PersistenceForecaster().fit(day_hour)
    with pytest.raises(ForecastError, match="no observation before issue time"):
        fc.predict(utc("2016-03-01 00:00"), hours("2016-03-01", 2))


def test_persistence_update_adds_observations(day_hour: pd.DataFrame) -> None:
    fc = PersistenceForecaster().fit(day_hour.iloc[:30])
    fc.update(day_hour.iloc[30:40])
    assert fc.predict(utc("2016-03-02 16:00"), hours("2016-03-02 16:00", 1))["a"].item() == 115.0
    with pytest.raises(ForecastError, match="columns"):
        fc.update(day_hour[["b", "a"]])


# ------------------------------------------------------------- seasonal naive
def test_seasonal_daily_goes_back_whole_days(day_hour: pd.DataFrame) -> None:
    fc = SeasonalNaiveForecaster(period_h=24).fit(day_hour)
    issue = utc("2016-03-02 06:00")
    valid = hours("2016-03-02 06:00", 30)  # to 2016-03-03 11:00
    got = fc.predict(issue, valid)["a"].to_numpy()
    # day 1 06..23 <- day 0 (one day back); day 2 00..05 <- day 1 (before the issue);
    # day 2 06..11 <- day 0 (one day back is 06..11 of day 1, not before the issue)
    expected = np.concatenate([np.arange(6, 24), 100 + np.arange(0, 6), np.arange(6, 12)])
    np.testing.assert_array_equal(got, expected.astype(float))
    np.testing.assert_array_equal(fc.predict(issue, valid)["b"].to_numpy(), -expected)


def test_seasonal_weekly_hand_case() -> None:
    index = hours("2016-03-07", 3 * 168)  # three weeks from a Monday
    value = 1000.0 * (np.arange(len(index)) // 168) + np.arange(len(index)) % 168
    fc = SeasonalNaiveForecaster(period_h=168).fit(pd.DataFrame({"x": value}, index=index))
    issue = utc("2016-03-21 12:00")  # week 2, hour of week 12
    valid = pd.DatetimeIndex(
        [utc("2016-03-21 11:00"), utc("2016-03-21 12:00"), utc("2016-03-29 01:00")]
    )
    got = fc.predict(issue, valid)["x"].tolist()
    # 11:00 is before the issue: one week back (week 1); 12:00 -> week 1;
    # 03-29 01:00 is hour 25 of week 3: week 2 hour 25 lies after the issue -> week 1
    assert got == [1011.0, 1012.0, 1025.0]


def test_seasonal_naive_goes_back_past_missing_values(day_hour: pd.DataFrame) -> None:
    day_hour.loc[utc("2016-03-02 03:00"), "a"] = np.nan
    fc = SeasonalNaiveForecaster(period_h=24).fit(day_hour)
    got = fc.predict(utc("2016-03-03"), hours("2016-03-03 03:00", 1))
    assert got.iloc[0].tolist() == [3.0, -103.0]


def test_seasonal_naive_on_quarter_hours() -> None:
    index = pd.date_range("2016-03-01", periods=2 * 96, freq="15min", tz="UTC")
    x = pd.DataFrame({"x": np.arange(2 * 96, dtype=float)}, index=index)
    fc = SeasonalNaiveForecaster(period_h=24).fit(x)
    valid = pd.date_range("2016-03-02 10:15", periods=3, freq="15min", tz="UTC")
    got = fc.predict(utc("2016-03-02 10:15"), valid)["x"].tolist()
    assert got == [41.0, 42.0, 43.0]


def test_seasonal_naive_errors(day_hour: pd.DataFrame) -> None:
    with pytest.raises(ForecastError, match="positive"):
        SeasonalNaiveForecaster(period_h=0)
    with pytest.raises(ForecastError, match="not a multiple"):
        SeasonalNaiveForecaster(period_h=1.5).fit(day_hour)
    fc = SeasonalNaiveForecaster(period_h=24).fit(day_hour)
    with pytest.raises(ForecastError, match="same season"):
        fc.predict(utc("2016-03-01 05:00"), hours("2016-03-01 05:00", 1))
    off_grid = pd.DatetimeIndex([utc("2016-03-02 05:30")])
    with pytest.raises(ForecastError, match="time grid"):
        fc.predict(utc("2016-03-02 05:00"), off_grid)
    with pytest.raises(ForecastError, match="before fit"):
        SeasonalNaiveForecaster().predict(utc("2016-03-02"), hours("2016-03-02", 1))


# ---------------------------------------------------------------- input checks
@pytest.mark.parametrize("cls", [PersistenceForecaster, SeasonalNaiveForecaster])
def test_history_is_checked(cls: type, day_hour: pd.DataFrame) -> None:
    with pytest.raises(ForecastError, match="UTC"):
        cls().fit(day_hour.tz_localize(None))
    with pytest.raises(ForecastError, match="regular"):
        cls().fit(day_hour.drop(index=day_hour.index[5]))
    with pytest.raises(ForecastError, match="sorted"):
        cls().fit(day_hour.iloc[::-1])
    fc = cls().fit(day_hour)
    with pytest.raises(ForecastError, match="time-zone aware"):
        fc.predict(pd.Timestamp("2016-03-02"), hours("2016-03-02", 1))


def test_forecasts_do_not_share_memory_with_the_caller(day_hour: pd.DataFrame) -> None:
    original = day_hour.copy()
    fc = PersistenceForecaster().fit(day_hour)
    day_hour.iloc[:, :] = -1.0
    got = fc.predict(utc("2016-03-02"), hours("2016-03-02", 1))
    assert got["a"].item() == original["a"].iloc[23]


# ------------------------------------------------------------- make_forecaster
def test_make_forecaster_knows_every_method() -> None:
    assert FORECAST_METHODS == (
        "perfect",
        "persistence",
        "seasonal_naive_daily",
        "seasonal_naive_weekly",
        "regression",
    )
    made = {m: make_forecaster(m) for m in FORECAST_METHODS}
    assert all(isinstance(f, Forecaster) for f in made.values())
    assert isinstance(made["perfect"], PerfectForecaster)
    assert isinstance(made["persistence"], PersistenceForecaster)
    daily, weekly = made["seasonal_naive_daily"], made["seasonal_naive_weekly"]
    assert isinstance(daily, SeasonalNaiveForecaster) and daily.period_h == 24.0
    assert isinstance(weekly, SeasonalNaiveForecaster) and weekly.period_h == 168.0
    assert isinstance(made["regression"], RegressionForecaster)


def test_make_forecaster_passes_parameters_and_names_errors() -> None:
    fc = make_forecaster("regression", max_iter=20, random_state=7)
    assert isinstance(fc, RegressionForecaster)
    assert fc.tree_params["max_iter"] == 20 and fc.random_state == 7
    with pytest.raises(ForecastError, match="invalid parameters for forecast method 'persistence'"):
        make_forecaster("persistence", window_h=3)
    with pytest.raises(ForecastError, match=r"unknown forecast method 'arima'; known: \['perfect'"):
        make_forecaster("arima")
