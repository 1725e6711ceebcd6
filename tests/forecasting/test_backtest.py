"""Rolling-origin backtests: hand-computed errors, refitting, table and figure."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from forecasting.backtest import BacktestResult, backtest, plot_backtest
from forecasting.base import ForecastError
from forecasting.naive import PerfectForecaster, PersistenceForecaster

TOL = 1e-12


@pytest.fixture()
def ramp() -> pd.DataFrame:
    """Four days of ``x(t) = t`` [MW], t in hours from the start, and ``y = 2 x``."""
    index = pd.date_range("2016-05-01", periods=96, freq="h", tz="UTC", name="time")
    t = np.arange(96, dtype=float)
    return pd.DataFrame({"x": t, "y": 2.0 * t}, index=index)


ORIGINS = pd.date_range("2016-05-02", periods=3, freq="D", tz="UTC")


def test_persistence_on_a_ramp(ramp: pd.DataFrame) -> None:
    # issue i: forecast x(i - 1); valid time at horizon hour h is i + h - 1, so the
    # error is -h for x and -2 h for y; the daily seasonal naive error is -24 and -48
    result = backtest("persistence", ramp, ORIGINS, 6.0, reference="seasonal_naive_daily")
    table = result.by_horizon
    h = np.arange(1, 7, dtype=float)
    assert list(table.index) == list(range(1, 7))
    np.testing.assert_allclose(table["mae"], 1.5 * h, atol=TOL)
    np.testing.assert_allclose(table["bias"], -1.5 * h, atol=TOL)
    np.testing.assert_allclose(table["rmse"], np.sqrt(2.5) * h, atol=TOL)
    np.testing.assert_allclose(table["mae_reference"], 36.0, atol=TOL)
    np.testing.assert_allclose(table["skill"], 1.0 - h / 24.0, atol=TOL)
    assert result.totals["mae"] == pytest.approx(1.5 * 3.5, abs=TOL)
    assert result.totals["n"] == 3 * 6 * 2
    assert len(result.forecasts) == 3 * 6 * 2
    assert result.method == "persistence" and result.reference == "seasonal_naive_daily"


def test_the_oracle_has_skill_one(ramp: pd.DataFrame) -> None:
    result = backtest(PerfectForecaster(), ramp, ORIGINS, 24.0)
    assert (result.by_horizon["mae"] == 0.0).all()
    assert (result.by_horizon["skill"] == 1.0).all()
    assert result.method == "PerfectForecaster"


def test_refit_per_origin_matches_fit_once(load_6w: pd.DataFrame) -> None:
    origins = pd.date_range("2016-02-01 12:00", periods=4, freq="37h", tz="UTC")
    for method in ("persistence", "seasonal_naive_weekly"):
        once = backtest(method, load_6w, origins, 30.0)
        per_origin = backtest(method, load_6w, origins, 30.0, refit_per_origin=True)
        pd.testing.assert_frame_equal(once.forecasts, per_origin.forecasts)
    with pytest.raises(ForecastError, match="no actual values"):
        backtest(PerfectForecaster, load_6w, origins, 24.0, refit_per_origin=True)


def test_capacity_normalises_nmae(ramp: pd.DataFrame) -> None:
    result = backtest(PersistenceForecaster, ramp, ORIGINS, 2.0, capacity={"x": 10, "y": 20})
    # |e| / capacity = h / 10 for both series
    np.testing.assert_allclose(result.by_horizon["nmae"], [0.1, 0.2], atol=TOL)
    with pytest.raises(ForecastError, match="capacity has no value"):
        backtest("persistence", ramp, ORIGINS, 2.0, capacity={"x": 10})


def test_table_csv_and_figure(ramp: pd.DataFrame, tmp_path: Path) -> None:
    result = backtest("persistence", ramp, ORIGINS, 4.0, reference="seasonal_naive_daily")
    assert isinstance(result, BacktestResult)
    path = result.to_csv(tmp_path / "sub" / "backtest.csv")
    back = pd.read_csv(path, index_col="horizon_h")
    assert list(back.index) == ["1", "2", "3", "4", "all"]
    assert back.loc["all", "mae"] == pytest.approx(1.5 * 2.5, rel=1e-6)
    assert list(back.columns) == ["mae", "rmse", "nmae", "bias", "skill", "mae_reference", "n"]
    assert list(tmp_path.joinpath("sub").iterdir()) == [path]
    fig = result.plot()
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 4
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue()[:4] == b"\x89PNG"
    assert len(plot_backtest(result, ["skill"]).axes) == 1
    with pytest.raises(ValueError, match="metrics must be among"):
        plot_backtest(result, ["r2"])


def test_errors(ramp: pd.DataFrame) -> None:
    with pytest.raises(ForecastError, match="no values at 3 valid times"):
        backtest("persistence", ramp, [pd.Timestamp("2016-05-04 23:00", tz="UTC")], 4.0)
    with pytest.raises(ForecastError, match="no issue times"):
        backtest("persistence", ramp, [], 4.0)
    with pytest.raises(ForecastError, match="shorter than the time step"):
        backtest("persistence", ramp, ORIGINS, 0.5)
    with pytest.raises(ForecastError, match="unknown forecast method"):
        backtest("oracle", ramp, ORIGINS, 4.0)
