"""Hand-computable conventional-unit cases: merit order against the import price, ramp
limits (within the window and from the state before it), unit commitment (minimum
output, minimum up/down times, start costs), emissions, the emission cap and the
emission-minimising objective, and re-solving a built model with a new state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dispatch.components.conventional import update_conventional
from dispatch.extract import extract
from dispatch.inputs import DispatchInputError, DispatchInputs, DispatchOptions
from dispatch.model import build_model
from dispatch.solve import solve

TOL_MW = 1e-6
TOL_EUR = 1e-6
TOL_PRICE = 1e-6  # [EUR/MWh]
TOL_TCO2 = 1e-9

MakeInputs = Callable[..., DispatchInputs]
WithConventional = Callable[..., DispatchInputs]
RunDispatch = Callable[[DispatchInputs], Any]
Residual = Callable[[DispatchInputs, Any], pd.Series]

UC = DispatchOptions(unit_commitment=True)


def conv_residual_mw(residual: Residual, x: DispatchInputs, r: Any) -> np.ndarray:
    """Power balance residual per step including conventional output [MW]."""
    return (residual(x, r) + r.conventional_p_mw.sum(axis=1)).to_numpy()


def test_merit_order_cheap_unit_then_import_then_expensive_unit(
    make_inputs: MakeInputs,
    with_conventional: WithConventional,
    run_dispatch: RunDispatch,
    residual: Residual,
) -> None:
    """Cheap 4 MW at 20 EUR/MWh, import up to 5 MW at 50, expensive 10 MW at 80:
    demand 3, 6, 12 MW is met by cheap 3; cheap 4 + import 2; cheap 4 + import 5 +
    expensive 3, and the system price is the marginal cost 20, 50, 80."""
    x = with_conventional(
        make_inputs([3.0, 6.0, 12.0], import_price=50.0, import_max_mw=5.0),
        {
            "cheap": {"p_max_mw": 4.0, "cost_eur_per_mwh": 20.0},
            "expensive": {"p_max_mw": 10.0, "cost_eur_per_mwh": 80.0},
        },
    )
    r = run_dispatch(x).result
    np.testing.assert_allclose(r.conventional_p_mw["cheap"], [3.0, 4.0, 4.0], atol=TOL_MW)
    np.testing.assert_allclose(r.conventional_p_mw["expensive"], [0.0, 0.0, 3.0], atol=TOL_MW)
    np.testing.assert_allclose(r.grid_import_p_mw["grid"], [0.0, 2.0, 5.0], atol=TOL_MW)
    np.testing.assert_allclose(
        r.system_price_eur_per_mwh["system"], [20.0, 50.0, 80.0], atol=TOL_PRICE
    )
    np.testing.assert_allclose(r.conventional_on["cheap"], [1.0, 1.0, 1.0])
    np.testing.assert_allclose(r.conventional_on["expensive"], [0.0, 0.0, 1.0])
    assert np.abs(conv_residual_mw(residual, x, r)).max() < TOL_MW
    expected = 20.0 * (3.0 + 4.0 + 4.0) + 50.0 * (2.0 + 5.0) + 80.0 * 3.0
    assert r.objective_eur == pytest.approx(expected, abs=TOL_EUR)


def test_ramp_up_limit_binds_within_the_window(
    make_inputs: MakeInputs, with_conventional: WithConventional, run_dispatch: RunDispatch
) -> None:
    """Demand 0 then 10 MW, ramp 4 MW/h, no export: the unit (cheaper than import)
    follows 0, 4, 8, 10 and the import covers the gap 6, 2."""
    x = with_conventional(
        make_inputs([0.0, 10.0, 10.0, 10.0], import_price=50.0, export_max_mw=0.0),
        {"g": {"p_max_mw": 20.0, "ramp_up_mw_per_h": 4.0}},
    )
    r = run_dispatch(x).result
    np.testing.assert_allclose(r.conventional_p_mw["g"], [0.0, 4.0, 8.0, 10.0], atol=TOL_MW)
    np.testing.assert_allclose(r.grid_import_p_mw["grid"], [0.0, 6.0, 2.0, 0.0], atol=TOL_MW)


@pytest.mark.parametrize("dt_h", [1.0, 0.5])
def test_ramp_up_from_the_state_before_the_window(
    make_inputs: MakeInputs,
    with_conventional: WithConventional,
    run_dispatch: RunDispatch,
    dt_h: float,
) -> None:
    """The unit was at 0 MW before the window; demand is 10 MW from the start and the
    ramp is 4 MW/h, so per hour the unit makes 4, 8, 10 MW (2 MW per half hour)."""
    steps = round(3.0 / dt_h)
    x = with_conventional(
        make_inputs(10.0, n=steps, dt_h=dt_h, import_price=50.0),
        {"g": {"p_max_mw": 20.0, "ramp_up_mw_per_h": 4.0}},
    )
    r = run_dispatch(x).result
    expected = np.minimum(4.0 * dt_h * np.arange(1, steps + 1), 10.0)
    np.testing.assert_allclose(r.conventional_p_mw["g"], expected, atol=TOL_MW)
    np.testing.assert_allclose(r.grid_import_p_mw["grid"], 10.0 - expected, atol=TOL_MW)
    if dt_h == 1.0:
        np.testing.assert_allclose(expected, [4.0, 8.0, 10.0])


def test_ramp_down_from_the_state_before_the_window(
    make_inputs: MakeInputs, with_conventional: WithConventional, run_dispatch: RunDispatch
) -> None:
    """The unit ran at 10 MW before the window, demand drops to 0 and it may only ramp
    down 4 MW/h: 6, 2, 0 MW, the surplus exported at a price of 0."""
    x = with_conventional(
        make_inputs(0.0, n=3, export_price=0.0),
        {"g": {"ramp_down_mw_per_h": 4.0}},
        state={"g": {"p_mw": 10.0, "on": 1.0, "hours_in_state": 5.0}},
    )
    r = run_dispatch(x).result
    np.testing.assert_allclose(r.conventional_p_mw["g"], [6.0, 2.0, 0.0], atol=TOL_MW)
    np.testing.assert_allclose(r.grid_export_p_mw["grid"], [6.0, 2.0, 0.0], atol=TOL_MW)
    assert r.cost_eur == pytest.approx(20.0 * 8.0, abs=TOL_EUR)


def test_unit_commitment_keeps_a_unit_off_below_its_minimum_output(
    make_inputs: MakeInputs, with_conventional: WithConventional, run_dispatch: RunDispatch
) -> None:
    """p_min 5 MW, demand 3, 7, 3 MW, no export: with unit commitment the unit runs
    only at 7 MW and the import covers 3 MW; the LP runs it at 3 MW, below p_min."""
    inputs = make_inputs([3.0, 7.0, 3.0], import_price=50.0, export_max_mw=0.0)
    units = {"g": {"p_min_mw": 5.0}}
    r_uc = run_dispatch(with_conventional(inputs, units, options=UC)).result
    np.testing.assert_allclose(r_uc.conventional_p_mw["g"], [0.0, 7.0, 0.0], atol=TOL_MW)
    np.testing.assert_allclose(r_uc.conventional_on["g"], [0.0, 1.0, 0.0])
    np.testing.assert_allclose(r_uc.grid_import_p_mw["grid"], [3.0, 0.0, 3.0], atol=TOL_MW)
    assert r_uc.objective_eur == pytest.approx(50.0 * 6.0 + 20.0 * 7.0, abs=TOL_EUR)

    r_lp = run_dispatch(with_conventional(inputs, units)).result
    np.testing.assert_allclose(r_lp.conventional_p_mw["g"], [3.0, 7.0, 3.0], atol=TOL_MW)
    np.testing.assert_allclose(r_lp.conventional_on["g"], [1.0, 1.0, 1.0])
    assert r_lp.conventional_p_mw["g"].min() < 5.0 - TOL_MW


def test_min_up_time_keeps_a_started_unit_on(
    make_inputs: MakeInputs, with_conventional: WithConventional, run_dispatch: RunDispatch
) -> None:
    """Import at 50 then 10 EUR/MWh, unit at 20, demand 5 MW, p_min 2 MW, min up 3 h:
    the unit starts for the expensive hour and must run at p_min for 2 more hours
    (cost 290 EUR, better than importing in hour 0 for 400 EUR); without a min up
    time it stops after hour 0."""
    inputs = make_inputs(5.0, n=4, import_price=[50.0, 10.0, 10.0, 10.0], export_max_mw=0.0)
    r = run_dispatch(
        with_conventional(inputs, {"g": {"p_min_mw": 2.0, "min_up_h": 3.0}}, options=UC)
    ).result
    np.testing.assert_allclose(r.conventional_p_mw["g"], [5.0, 2.0, 2.0, 0.0], atol=TOL_MW)
    np.testing.assert_allclose(r.conventional_on["g"], [1.0, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(r.grid_import_p_mw["grid"], [0.0, 3.0, 3.0, 5.0], atol=TOL_MW)
    assert r.objective_eur == pytest.approx(20.0 * 9.0 + 10.0 * 11.0, abs=TOL_EUR)

    r_free = run_dispatch(with_conventional(inputs, {"g": {"p_min_mw": 2.0}}, options=UC)).result
    np.testing.assert_allclose(r_free.conventional_on["g"], [1.0, 0.0, 0.0, 0.0])


def test_min_up_time_carries_over_from_the_state_before_the_window(
    make_inputs: MakeInputs, with_conventional: WithConventional, run_dispatch: RunDispatch
) -> None:
    """A unit on for 1 h with min up 3 h must stay on 2 more hours although import
    (10 EUR/MWh) is cheaper; then it stops."""
    x = with_conventional(
        make_inputs(1.0, n=4, import_price=10.0, export_max_mw=0.0),
        {"g": {"p_min_mw": 1.0, "min_up_h": 3.0}},
        state={"g": {"p_mw": 1.0, "on": 1.0, "hours_in_state": 1.0}},
        options=UC,
    )
    r = run_dispatch(x).result
    np.testing.assert_allclose(r.conventional_on["g"], [1.0, 1.0, 0.0, 0.0])
    np.testing.assert_allclose(r.conventional_p_mw["g"], [1.0, 1.0, 0.0, 0.0], atol=TOL_MW)


def test_min_down_time_carries_over_from_the_state_before_the_window(
    make_inputs: MakeInputs, with_conventional: WithConventional, run_dispatch: RunDispatch
) -> None:
    """A unit off for 1 h with min down 3 h stays off 2 more hours although it is
    cheaper than import (20 vs 50 EUR/MWh); a unit left out of the state is free."""
    inputs = make_inputs(5.0, n=3, import_price=50.0)
    units = {"g": {"min_down_h": 3.0}}
    off = {"g": {"p_mw": 0.0, "on": 0.0, "hours_in_state": 1.0}}
    r = run_dispatch(with_conventional(inputs, units, state=off, options=UC)).result
    np.testing.assert_allclose(r.conventional_on["g"], [0.0, 0.0, 1.0])
    np.testing.assert_allclose(r.conventional_p_mw["g"], [0.0, 0.0, 5.0], atol=TOL_MW)
    r_free = run_dispatch(with_conventional(inputs, units, options=UC)).result
    np.testing.assert_allclose(r_free.conventional_on["g"], [1.0, 1.0, 1.0])


@pytest.mark.parametrize(
    ("demand_mw", "state_on", "starts"),
    [([5.0, 5.0, 5.0], 0.0, 1), ([5.0, 0.0, 5.0], 0.0, 2), ([5.0, 5.0, 5.0], 1.0, 0)],
)
def test_start_cost_is_paid_once_per_start(
    make_inputs: MakeInputs,
    with_conventional: WithConventional,
    run_dispatch: RunDispatch,
    demand_mw: list[float],
    state_on: float,
    starts: int,
) -> None:
    """Start cost 100 EUR, energy at 20 instead of 50 EUR/MWh import, no export: the
    unit runs whenever there is demand and pays one start per off-to-on switch
    (none if it was already on before the window)."""
    start_cost = 100.0
    x = with_conventional(
        make_inputs(demand_mw, import_price=50.0, export_max_mw=0.0),
        {"g": {"p_min_mw": 1.0, "start_cost_eur": start_cost}},
        state={"g": {"p_mw": 5.0 * state_on, "on": state_on, "hours_in_state": 10.0}},
        options=UC,
    )
    s = run_dispatch(x)
    r = s.result
    np.testing.assert_allclose(r.conventional_p_mw["g"], demand_mw, atol=TOL_MW)
    counted = round(sum(s.model.conventional.start["g", t].value for t in s.model.T))
    assert counted == starts
    expected = 20.0 * sum(demand_mw) + start_cost * starts
    assert r.cost_eur == pytest.approx(expected, abs=TOL_EUR)
    assert r.objective_eur == pytest.approx(expected, abs=TOL_EUR)


@pytest.mark.parametrize("unit_commitment", [False, True])
def test_emissions_are_emission_factor_times_energy(
    make_inputs: MakeInputs,
    with_conventional: WithConventional,
    run_dispatch: RunDispatch,
    unit_commitment: bool,
) -> None:
    """4 MW for 3 half-hour steps at 0.5 tCO2/MWh: 6 MWh and 3 tCO2 (no import)."""
    x = with_conventional(
        make_inputs(4.0, n=3, dt_h=0.5, import_price=50.0, ef=0.9),
        {"g": {"ef_tco2_per_mwh": 0.5}},
        options=DispatchOptions(unit_commitment=unit_commitment),
    )
    r = run_dispatch(x).result
    np.testing.assert_allclose(r.grid_import_p_mw["grid"], 0.0, atol=TOL_MW)
    assert r.emissions_tco2 == pytest.approx(0.5 * 6.0, abs=TOL_TCO2)
    assert r.cost_eur == pytest.approx(20.0 * 6.0, abs=TOL_EUR)


DIRTY_CLEAN = {
    "dirty": {"cost_eur_per_mwh": 20.0, "ef_tco2_per_mwh": 1.0},
    "clean": {"cost_eur_per_mwh": 40.0, "ef_tco2_per_mwh": 0.2, "p_max_mw": 8.0},
}


@pytest.mark.parametrize(
    ("options", "dirty_mw", "clean_mw"),
    [
        (DispatchOptions(), 10.0, 0.0),
        # d + c = 10, d + 0.2 c <= 6  ->  d = 5, c = 5
        (DispatchOptions(emission_cap_tco2=6.0), 5.0, 5.0),
        # the clean unit at its 8 MW limit, the dirty one covers the rest; shedding
        # keeps its full penalty, so it does not replace the dirty unit
        (DispatchOptions(objective="min_emissions"), 2.0, 8.0),
    ],
    ids=["min_cost", "emission_cap", "min_emissions"],
)
def test_emission_cap_and_objective_shift_generation_to_the_clean_unit(
    make_inputs: MakeInputs,
    with_conventional: WithConventional,
    run_dispatch: RunDispatch,
    options: DispatchOptions,
    dirty_mw: float,
    clean_mw: float,
) -> None:
    """Demand 10 MW for 1 h, no import: dirty unit 20 EUR/MWh at 1 tCO2/MWh, clean
    unit 40 EUR/MWh at 0.2 tCO2/MWh (8 MW)."""
    x = with_conventional(make_inputs(10.0, n=1, import_max_mw=0.0), DIRTY_CLEAN, options=options)
    r = run_dispatch(x).result
    assert r.shed_p_mw.to_numpy().max() < TOL_MW
    assert r.conventional_p_mw["dirty"].iloc[0] == pytest.approx(dirty_mw, abs=TOL_MW)
    assert r.conventional_p_mw["clean"].iloc[0] == pytest.approx(clean_mw, abs=TOL_MW)
    assert r.emissions_tco2 == pytest.approx(1.0 * dirty_mw + 0.2 * clean_mw, abs=TOL_TCO2)
    assert r.cost_eur == pytest.approx(20.0 * dirty_mw + 40.0 * clean_mw, abs=TOL_EUR)


def test_update_conventional_matches_a_fresh_build(
    make_inputs: MakeInputs, with_conventional: WithConventional
) -> None:
    """A UC model built for one state and cost, then updated to another, solves to
    the same plan as a model built for the second directly, and differs from the
    first (so the update did something)."""
    inputs = make_inputs(5.0, n=3, import_price=50.0, export_max_mw=0.0)
    units = {"g": {"p_min_mw": 1.0, "min_down_h": 3.0, "ramp_up_mw_per_h": 3.0}}
    first = with_conventional(inputs, units, options=UC)
    off = {"g": {"p_mw": 0.0, "on": 0.0, "hours_in_state": 1.0}}
    second = with_conventional(
        inputs, {"g": {**units["g"], "cost_eur_per_mwh": 30.0}}, state=off, options=UC
    )
    m = build_model(first)
    solve(m)
    r_first = extract(m, first)
    update_conventional(m.conventional, second)
    solve(m)
    r_updated = extract(m, second)
    m2 = build_model(second)
    solve(m2)
    r_fresh = extract(m2, second)
    np.testing.assert_allclose(r_first.conventional_p_mw["g"], [3.0, 5.0, 5.0], atol=TOL_MW)
    np.testing.assert_allclose(r_fresh.conventional_p_mw["g"], [0.0, 0.0, 3.0], atol=TOL_MW)
    np.testing.assert_allclose(r_updated.conventional_p_mw, r_fresh.conventional_p_mw, atol=TOL_MW)
    assert r_updated.objective_eur == pytest.approx(r_fresh.objective_eur, abs=TOL_EUR)


def test_update_conventional_rejects_another_structure(
    make_inputs: MakeInputs, with_conventional: WithConventional
) -> None:
    inputs = make_inputs(5.0, n=3)
    m = build_model(with_conventional(inputs, {"g": {}}, options=UC))
    with pytest.raises(DispatchInputError, match="rebuild the model"):
        update_conventional(m.conventional, with_conventional(inputs, {"g": {}, "h": {}}))


def test_unit_commitment_starts_at_and_stops_from_p_min_despite_a_slower_ramp(
    make_inputs: MakeInputs, with_conventional: WithConventional, run_dispatch: RunDispatch
) -> None:
    """p_min 6 MW, ramps 4 MW/h, demand 8, 8, 0 MW, no export: the unit starts at
    p_min (6 MW, beyond the 4 MW ramp), and to stop in hour 2 it must be at no more
    than p_min in hour 1, so it runs 6, 6, 0 MW and the import covers 2, 2, 0 MW."""
    x = with_conventional(
        make_inputs([8.0, 8.0, 0.0], import_price=50.0, export_max_mw=0.0),
        {"g": {"p_min_mw": 6.0, "ramp_up_mw_per_h": 4.0, "ramp_down_mw_per_h": 4.0}},
        options=UC,
    )
    r = run_dispatch(x).result
    np.testing.assert_allclose(r.conventional_p_mw["g"], [6.0, 6.0, 0.0], atol=TOL_MW)
    np.testing.assert_allclose(r.conventional_on["g"], [1.0, 1.0, 0.0])
    np.testing.assert_allclose(r.grid_import_p_mw["grid"], [2.0, 2.0, 0.0], atol=TOL_MW)
    assert r.objective_eur == pytest.approx(20.0 * 12.0 + 50.0 * 4.0, abs=TOL_EUR)


def test_unit_commitment_prices_are_the_marginal_costs_given_the_commitment(
    make_inputs: MakeInputs,
    with_conventional: WithConventional,
    run_dispatch: RunDispatch,
) -> None:
    """The merit-order case under unit commitment: with the on/off decisions fixed,
    the price is the marginal cost of the unit or import that serves one more MW:
    20, 50 and 80 EUR/MWh."""
    x = with_conventional(
        make_inputs([3.0, 6.0, 12.0], import_price=50.0, import_max_mw=5.0),
        {
            "cheap": {"p_max_mw": 4.0, "cost_eur_per_mwh": 20.0},
            "expensive": {"p_max_mw": 10.0, "cost_eur_per_mwh": 80.0},
        },
        options=UC,
    )
    solved = run_dispatch(x)
    assert solved.status.duals_loaded
    np.testing.assert_allclose(
        solved.result.system_price_eur_per_mwh["system"], [20.0, 50.0, 80.0], atol=TOL_PRICE
    )
    np.testing.assert_allclose(
        solved.result.conventional_p_mw["expensive"], [0.0, 0.0, 3.0], atol=TOL_MW
    )
