"""The perfect-foresight oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.base import Forecaster, ForecastError
from forecasting.naive import PerfectForecaster, make_forecaster


@pytest.fixture()
def actual() -> pd.DataFrame:
    """48 hours of two seeded series on a UTC index."""
    rng = np.random.default_rng(3)
    index = pd.date_range("2016-04-01", periods=48, freq="h", tz="UTC", name="time")
    return pd.DataFrame(rng.uniform(0.0, 2.0, (48, 2)), index=index, columns=["load a", "pv b"])


def test_returns_the_actuals_at_the_valid_times(actual: pd.DataFrame) -> None:
    fc = PerfectForecaster().fit(actual)
    valid = actual.index[10:16]
    got = fc.predict(valid[0], valid)
    pd.testing.assert_frame_equal(got, actual.iloc[10:16])


def test_issue_time_does_not_matter_for_the_oracle(actual: pd.DataFrame) -> None:
    fc = PerfectForecaster().fit(actual)
    valid = actual.index[[5, 30, 47]]
    early = fc.predict(actual.index[0], valid)
    late = fc.predict(actual.index[-1], valid)
    pd.testing.assert_frame_equal(early, late)
    pd.testing.assert_frame_equal(early, actual.loc[valid])


def test_forecasts_are_independent_copies(actual: pd.DataFrame) -> None:
    original = actual.copy()
    fc = PerfectForecaster().fit(actual)
    actual.iloc[:, :] = -1.0  # the caller changes its frame after fit
    valid = original.index[:3]
    first = fc.predict(valid[0], valid)
    first.iloc[:, :] = 99.0  # ... and the forecast it was given
    pd.testing.assert_frame_equal(fc.predict(valid[0], valid), original.iloc[:3])


def test_predict_before_fit_raises() -> None:
    valid = pd.date_range("2016-04-01", periods=2, freq="h", tz="UTC")
    with pytest.raises(ForecastError, match="before fit"):
        PerfectForecaster().predict(valid[0], valid)


def test_valid_times_outside_the_data_raise(actual: pd.DataFrame) -> None:
    fc = PerfectForecaster().fit(actual)
    valid = pd.date_range(actual.index[-2], periods=4, freq="h", tz="UTC")
    with pytest.raises(ForecastError, match=r"2 valid times from 2016-04-03 00:00:00\+00:00"):
        fc.predict(valid[0], valid)


def test_make_forecaster() -> None:
    fc = make_forecaster("perfect")
    assert isinstance(fc, PerfectForecaster)
    assert isinstance(fc, Forecaster)
    with pytest.raises(ForecastError, match="unknown forecast method 'arima'"):
        make_forecaster("arima")


def test_predict_values_are_the_predicted_frame_as_an_array(actual: pd.DataFrame) -> None:
    fc = PerfectForecaster().fit(actual)
    steps = actual.index[10:34]
    np.testing.assert_array_equal(fc.predict_values(steps), fc.predict(steps[0], steps).to_numpy())
    assert list(fc.columns) == ["load a", "pv b"]
    later = pd.date_range(actual.index[-1], periods=3, freq="h", tz="UTC")
    with pytest.raises(ForecastError, match="no actual values for 2 valid times"):
        fc.predict_values(later)
    with pytest.raises(ForecastError, match="before fit"):
        PerfectForecaster().predict_values(steps)
