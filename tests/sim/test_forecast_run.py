"""Dispatch on forecasts, realised on actuals: the forecasts the dispatch saw, the
imbalance at the grid connection, the value of foresight and the backtest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.backtest_run import run_backtest
from sim.case import Case, load_case
from sim.forecast_kpis import imbalance_p_mw
from sim.kpis import all_kpis
from sim.pipeline import RunOutput, run
from sim.runner import perfect_twin, run_case

DATA = Path(__file__).parent / "data"
TOL_MW = 1e-6


@pytest.fixture(scope="module")
def case() -> Case:
    return load_case(DATA / "forecast_two_days.yaml")


@pytest.fixture(scope="module")
def output(case: Case) -> RunOutput:
    return run(case)


def test_the_dispatch_saw_forecasts_and_the_realisation_uses_actuals(
    case: Case, output: RunOutput
) -> None:
    r = output.results
    assert output.stats.windows == 2 and output.stats.models_built == 1  # 24 h padded
    # day-ahead load forecast = demand 24 h earlier (seasonal naive): not the actuals
    assert not np.allclose(r.forecast_demand_p_mw, r.demand_p_mw)
    day_before = case.time.start - pd.Timedelta(hours=24)
    assert r.forecast_demand_p_mw.index[0] == case.time.start
    # renewables produce their actual availability unless curtailed below it
    assert (r.renewable_p_mw <= r.renewable_available_p_mw + TOL_MW).all().all()
    np.testing.assert_allclose(
        r.renewable_p_mw + r.curtailment_p_mw, r.renewable_available_p_mw, atol=TOL_MW
    )
    # the demand served is the actual demand (nothing shed here)
    np.testing.assert_allclose(r.served_p_mw, r.demand_p_mw, atol=TOL_MW)
    assert day_before < r.demand_p_mw.index[0]


def test_imbalance_is_realised_minus_scheduled_exchange(case: Case, output: RunOutput) -> None:
    r = output.results
    k = all_kpis(r, case.dispatch.voll_eur_per_mwh)
    imb = imbalance_p_mw(r)
    ac = r.grid_import_p_mw["grid"] - r.grid_export_p_mw["grid"]
    plan = r.planned_import_p_mw["grid"] - r.planned_export_p_mw["grid"]
    np.testing.assert_allclose(imb, ac - plan, atol=TOL_MW)
    assert k["imbalance_up_mwh"] - k["imbalance_down_mwh"] == pytest.approx(imb.sum() * r.dt_h)
    assert k["imbalance_cost_eur"] == pytest.approx(30.0 * imb.abs().sum() * r.dt_h)
    assert k["imbalance_up_mwh"] + k["imbalance_down_mwh"] > 1.0  # forecasts do err
    assert k["load_forecast_nmae_percent"] > 1.0


def test_perfect_twin_sees_the_actuals_and_foresight_has_value(
    case: Case, output: RunOutput
) -> None:
    twin_case = perfect_twin(case)
    assert twin_case.forecast.is_perfect and not case.forecast.is_perfect
    twin = run(twin_case)
    t = twin.results
    np.testing.assert_allclose(t.forecast_demand_p_mw, t.demand_p_mw, atol=TOL_MW)
    k_twin = all_kpis(t, case.dispatch.voll_eur_per_mwh)
    k = all_kpis(output.results, case.dispatch.voll_eur_per_mwh)
    assert k_twin["load_forecast_nmae_percent"] == pytest.approx(0.0, abs=1e-9)
    # with perfect forecasts only the AC losses separate plan and realisation
    np.testing.assert_allclose(imbalance_p_mw(t), t.losses_p_mw["total"], atol=1e-5)
    assert k["cost_eur"] > k_twin["cost_eur"]


def test_the_cli_runner_reports_the_value_of_foresight(case: Case, tmp_path: Path) -> None:
    _, kpis = run_case(
        case.model_copy(update={"output": case.output.model_copy(update={"plots": False})}),
        tmp_path,
    )
    for key in ("cost_eur", "emissions_tco2", "curtailed_mwh"):
        assert f"value_of_foresight_{key}" in kpis
    assert kpis["value_of_foresight_cost_eur"] > 0


def test_regression_beats_persistence_on_day_ahead_load(tmp_path: Path) -> None:
    """The backtest of the default grid's load: regression skill against persistence > 0."""
    c = load_case(
        DATA / "forecast_two_days.yaml",
        [
            "forecast.method=perfect",
            "forecast.load=regression",
            "forecast.wind=perfect",
            "forecast.pv=perfect",
            "forecast.other_renewable=perfect",
            "forecast.history_days=35",
            "time.end=2016-07-12T00:00Z",
        ],
    )
    table = run_backtest(c, tmp_path)
    assert list(table.index) == ["load"]
    assert table.loc["load", "skill"] > 0.3
    assert (tmp_path / "backtest" / "load.csv").is_file()
    assert (tmp_path / "backtest" / "load.png").stat().st_size > 5_000


def test_intraday_redispatch_reduces_a_dear_imbalance() -> None:
    """One day re-dispatched every hour on fresh forecasts against the day-ahead
    schedule, deviations priced at 200 EUR/MWh: the surplus against the schedule is
    curtailed or stored instead of exported, the total imbalance falls, and the
    schedule stays the day-ahead one."""
    day = load_case(
        DATA / "forecast_two_days.yaml",
        ["external_grid.imbalance_price_eur_per_mwh.constant=200", "time.end=2016-07-06T00:00Z"],
    )
    day_ahead = run(day)
    d = day.dispatch.model_copy(update={"intraday_redispatch": True})
    again = run(day.model_copy(update={"dispatch": d}))
    assert again.intraday_stats is not None and again.intraday_stats.windows == 24
    pd.testing.assert_frame_equal(
        again.results.planned_import_p_mw, day_ahead.results.planned_import_p_mw
    )
    before, after = imbalance_p_mw(day_ahead.results), imbalance_p_mw(again.results)
    # surplus beyond the schedule can be curtailed or stored: it mostly goes away
    surplus_before = (-before).clip(lower=0.0).sum()
    surplus_after = (-after).clip(lower=0.0).sum()
    assert surplus_after < 0.3 * surplus_before
    # a shortfall (renewables below their forecast) only the battery can cover
    assert after.abs().sum() < before.abs().sum()
