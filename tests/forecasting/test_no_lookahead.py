"""The leak test: forecasters never see data at or after the issue time.

Every value at and after the issue time is replaced by NaN — in the history given
to ``fit`` and in every other series the forecaster can reach — and the forecast
must stay identical. The perfect oracle is exempt by design.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from forecasting.base import Forecaster
from forecasting.naive import FORECAST_METHODS, make_forecaster
from forecasting.regression import RegressionForecaster

SMALL_REGRESSION = {"max_iter": 30, "max_train_samples": 5_000, "refit_every_h": 24.0}
METHODS = [m for m in FORECAST_METHODS if m != "perfect"]
ISSUE_TIMES = ["2016-02-01 00:00", "2016-02-03 13:00", "2016-02-10 07:30"]


def make(method: str) -> Forecaster:
    return make_forecaster(method, **(SMALL_REGRESSION if method == "regression" else {}))


def poisoned(data: pd.DataFrame, issue: pd.Timestamp) -> pd.DataFrame:
    out = data.copy()
    out.loc[out.index >= issue] = np.nan
    return out


def valid_times(issue: pd.Timestamp, step: str = "1h", n: int = 36) -> pd.DatetimeIndex:
    first = issue.ceil(step)
    return pd.date_range(first - pd.Timedelta(step) * 2, periods=n, freq=step)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("issue_text", ISSUE_TIMES)
def test_forecast_ignores_data_at_and_after_issue(
    method: str, issue_text: str, load_6w: pd.DataFrame
) -> None:
    issue = pd.Timestamp(issue_text, tz="UTC")
    valid = valid_times(issue)  # includes two hours before the issue time
    clean = make(method).fit(load_6w).predict(issue, valid)
    blind = make(method).fit(poisoned(load_6w, issue)).predict(issue, valid)
    pd.testing.assert_frame_equal(clean, blind)
    assert np.isfinite(clean.to_numpy()).all()


@pytest.mark.parametrize("method", METHODS)
def test_updates_after_issue_do_not_change_forecasts(method: str, load_6w: pd.DataFrame) -> None:
    issue = pd.Timestamp("2016-02-05 06:00", tz="UTC")
    valid = valid_times(issue)
    before = load_6w.loc[load_6w.index < issue]
    after = load_6w.loc[load_6w.index >= issue]
    fc = make(method).fit(before)
    first = fc.predict(issue, valid)
    fc.update(after * 10.0)  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(fc.predict(issue, valid), first)


def test_regression_quantiles_and_exog_ignore_the_future(
    make_load: Callable[..., pd.DataFrame],
) -> None:
    data = make_load(35, step_min=30)
    rng = np.random.default_rng(5)
    exog = pd.DataFrame({"temp_degc": rng.normal(10, 5, len(data))}, index=data.index)
    issue = pd.Timestamp("2016-02-02 09:30", tz="UTC")
    valid = valid_times(issue, "30min", 48)
    params = {**SMALL_REGRESSION, "max_horizon_h": 24.0}

    def quantiles(history: pd.DataFrame) -> dict[float, pd.DataFrame]:
        fc = RegressionForecaster(**params).fit(history, exog=exog)  # type: ignore[arg-type]
        return fc.predict_quantiles(issue, valid, (0.1, 0.5, 0.9))

    clean, blind = quantiles(data), quantiles(poisoned(data, issue))
    assert list(clean) == [0.1, 0.5, 0.9]
    for q in clean:
        pd.testing.assert_frame_equal(clean[q], blind[q])
