"""Fast checks of the case-to-forecast wiring, without a grid: per-group methods,
price forecasts, the record of what each step was planned on, rolling presets,
the conventional units' initial state and the value of foresight."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.case import CaseError, DispatchSpec, ForecastSpec, load_case
from sim.forecast_kpis import value_of_foresight
from sim.forecasts import Forecasts, planned_on
from sim.shipped.conventional import conventional_initial_state

DATA = Path(__file__).parent / "data"
INDEX = pd.date_range("2016-07-01", periods=72, freq="h", tz="UTC", name="time")


def _frames() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(3)
    hour = INDEX.hour.to_numpy()
    return {
        "load_p_mw": pd.DataFrame({"l1": 1.0 + 0.5 * np.sin(hour / 24 * 2 * np.pi)}, index=INDEX),
        "load_q_mvar": pd.DataFrame({"l1": np.full(72, 0.2)}, index=INDEX),
        "renewable_p_mw": pd.DataFrame(
            {"w1": rng.uniform(0, 3, 72), "pv1": np.clip(np.sin((hour - 6) / 12 * np.pi), 0, None)},
            index=INDEX,
        ),
        "signals": pd.DataFrame(
            {
                "import_price_eur_per_mwh": 50.0 + hour,
                "export_price_eur_per_mwh": np.full(72, 40.0),
                "ef_tco2_per_mwh": np.full(72, 0.3),
            },
            index=INDEX,
        ),
    }


def _fit(spec: ForecastSpec) -> tuple[Forecasts, dict[str, pd.DataFrame]]:
    f = _frames()
    kinds = pd.Series({"w1": "wind", "pv1": "pv"})
    fc = Forecasts.fit(
        spec, f["load_p_mw"], f["load_q_mvar"], f["renewable_p_mw"], kinds, f["signals"]
    )
    return fc, f


def test_each_group_uses_its_own_method_and_prices_can_be_forecast() -> None:
    spec = ForecastSpec(method="perfect", wind="persistence", prices="persistence", lead_h=2)
    fc, f = _fit(spec)
    steps = INDEX[48:72]
    ren = fc.renewable(steps, pd.Index(["w1", "pv1"]))
    # pv is perfect; wind holds the last value before the issue time (2 h early)
    np.testing.assert_allclose(ren["pv1"], f["renewable_p_mw"]["pv1"].loc[steps])
    np.testing.assert_allclose(ren["w1"], f["renewable_p_mw"]["w1"].iloc[45])
    grid = fc.signals(f["signals"], steps)
    np.testing.assert_allclose(grid["import_price_eur_per_mwh"], 50.0 + 21.0)  # 21:00 value
    np.testing.assert_allclose(grid["ef_tco2_per_mwh"], 0.3)  # known, not forecast
    load, _ = fc.load(steps)
    np.testing.assert_allclose(load, f["load_p_mw"].loc[steps])


def test_planned_on_keeps_the_latest_issue_for_each_step() -> None:
    spec = ForecastSpec(method="persistence")
    fc, _ = _fit(spec)
    fc.load(INDEX[24:48])
    fc.load(INDEX[36:60])  # a later window re-forecasts 36..47
    planned = planned_on(fc.issued_load_p_mw, INDEX[24:60])
    assert planned.iloc[0, 0] == pytest.approx(fc.issued_load_p_mw[0].iloc[0, 0])
    assert planned.loc[INDEX[40]].iloc[0] == pytest.approx(
        fc.issued_load_p_mw[1].loc[INDEX[40]].iloc[0]
    )


def test_rolling_presets_and_explicit_windows() -> None:
    assert DispatchSpec().window_and_horizon_h == (None, None)
    assert DispatchSpec(rolling="day_ahead").window_and_horizon_h == (24, 48)
    assert DispatchSpec(rolling="intraday").window_and_horizon_h == (1, 24)
    assert DispatchSpec(rolling="day_ahead", window_h=12).window_and_horizon_h == (12, 48)
    assert ForecastSpec(method="persistence", load="perfect").method_for("load") == "perfect"
    assert not ForecastSpec(prices="persistence").is_perfect


def test_a_unit_running_before_the_period_starts_on() -> None:
    case = load_case(DATA / "conventional.yaml", ["conventional.0.initial_p_mw=1.5"])
    state = conventional_initial_state(case)
    assert state.loc["gas_engine"].to_dict() == {
        "p_mw": 1.5,
        "on": 1.0,
        "hours_in_state": float("inf"),
    }


def test_value_of_foresight_is_the_difference_to_the_perfect_run() -> None:
    run = {"cost_eur": 120.0, "emissions_tco2": 3.0, "curtailed_mwh": 5.0}
    perfect = {"cost_eur": 100.0, "emissions_tco2": 2.5, "curtailed_mwh": 1.0}
    assert value_of_foresight(run, perfect) == {
        "value_of_foresight_cost_eur": 20.0,
        "value_of_foresight_emissions_tco2": 0.5,
        "value_of_foresight_curtailed_mwh": 4.0,
    }


def test_a_forecaster_without_a_unit_is_a_case_error() -> None:
    """A forecaster that returns no column for a unit is reported, not filled in."""
    fc, _ = _fit(ForecastSpec(method="perfect"))
    wind, cols = fc.renewables["wind"]
    fc.renewables["wind"] = (wind, [*cols, "w2"])  # a unit the forecaster never saw
    with pytest.raises(CaseError, match=r"forecast.wind: no forecast for the units \['w2'\]"):
        fc.renewable(INDEX[48:72], pd.Index(["w1", "pv1", "w2"]))


def test_renewable_forecasts_are_aligned_to_the_window_by_time() -> None:
    """A forecaster returning its rows in another order still gives each step its value."""
    fc, f = _fit(ForecastSpec(method="perfect"))
    wind, cols = fc.renewables["wind"]

    class Reversed:
        def predict(self, issue: pd.Timestamp, steps: pd.DatetimeIndex) -> pd.DataFrame:
            return wind.predict(issue, steps).iloc[::-1]

    fc.renewables["wind"] = (Reversed(), cols)  # type: ignore[assignment]
    steps = INDEX[48:72]
    ren = fc.renewable(steps, pd.Index(["w1", "pv1"]))
    np.testing.assert_allclose(ren["w1"], f["renewable_p_mw"]["w1"].loc[steps])
