"""Hand-computable storage cases: efficiencies, standing loss, energy bounds, terminal
energy, the energy balance at every step, and detection of simultaneous charge and
discharge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dispatch.extract import simultaneous_storage_steps
from dispatch.inputs import DispatchInputs
from dispatch.model import build_model
from dispatch.solve import DispatchInfeasible, solve

TOL_MW = 1e-6
TOL_MWH = 1e-6
TOL_EUR = 1e-6

MakeInputs = Callable[..., DispatchInputs]
RunDispatch = Callable[[DispatchInputs], Any]


def test_charging_1_mw_for_2_h_at_90_percent_stores_1_8_mwh(
    make_inputs: MakeInputs, run_dispatch: RunDispatch
) -> None:
    """The terminal requirement of 1.8 MWh is exactly what 2 h at 1 MW and 90 % can
    store, so the only feasible (and optimal) plan is to charge at full power twice."""
    x = make_inputs(
        [0.0, 0.0],
        import_price=[50.0, 60.0],
        storage={"bat": {"eff_charge": 0.9, "e_terminal_min_mwh": 1.8}},
    )
    r = run_dispatch(x).result
    np.testing.assert_allclose(r.storage_charge_p_mw["bat"], [1.0, 1.0], atol=TOL_MW)
    np.testing.assert_allclose(r.storage_discharge_p_mw["bat"], [0.0, 0.0], atol=TOL_MW)
    np.testing.assert_allclose(r.storage_e_mwh["bat"], [0.9, 1.8], atol=TOL_MWH)
    np.testing.assert_allclose(r.grid_import_p_mw["grid"], [1.0, 1.0], atol=TOL_MW)
    assert r.objective_eur == pytest.approx(50.0 + 60.0, abs=TOL_EUR)


def test_terminal_energy_beyond_reach_is_infeasible(make_inputs: MakeInputs) -> None:
    x = make_inputs([0.0, 0.0], storage={"bat": {"eff_charge": 0.9, "e_terminal_min_mwh": 1.9}})
    with pytest.raises(DispatchInfeasible):
        solve(build_model(x))


def test_discharge_efficiency(make_inputs: MakeInputs, run_dispatch: RunDispatch) -> None:
    """2 MWh at 80 % discharge efficiency deliver 1.6 MWh: the battery covers the
    expensive second hour fully (1.25 MWh) and the first with the rest (0.6 MW)."""
    x = make_inputs(
        [1.0, 1.0],
        import_price=[100.0, 200.0],
        storage={"bat": {"eff_discharge": 0.8}},
        e0_mwh={"bat": 2.0},
    )
    r = run_dispatch(x).result
    np.testing.assert_allclose(r.storage_discharge_p_mw["bat"], [0.6, 1.0], atol=TOL_MW)
    np.testing.assert_allclose(r.storage_e_mwh["bat"], [1.25, 0.0], atol=TOL_MWH)
    np.testing.assert_allclose(r.grid_import_p_mw["grid"], [0.4, 0.0], atol=TOL_MW)
    assert r.objective_eur == pytest.approx(0.4 * 100.0, abs=TOL_EUR)


@pytest.mark.parametrize("dt_h", [1.0, 0.5, 0.25])
def test_standing_loss_compounds_per_hour(
    make_inputs: MakeInputs, run_dispatch: RunDispatch, dt_h: float
) -> None:
    """An idle battery (wear cost, nothing to gain) keeps (1 - sigma)^dt per step,
    so after each hour it holds e0 (1 - sigma)^hours whatever the step length."""
    sigma, e0, hours = 0.1, 5.0, 3
    n = round(hours / dt_h)
    x = make_inputs(
        0.0,
        n=n,
        dt_h=dt_h,
        storage={"bat": {"standing_loss_per_h": sigma, "wear_cost_eur_per_mwh": 1.0}},
        e0_mwh={"bat": e0},
    )
    r = run_dispatch(x).result
    assert r.storage_charge_p_mw["bat"].abs().max() < TOL_MW
    assert r.storage_discharge_p_mw["bat"].abs().max() < TOL_MW
    elapsed_h = dt_h * np.arange(1, n + 1)
    np.testing.assert_allclose(r.storage_e_mwh["bat"], e0 * (1 - sigma) ** elapsed_h, atol=TOL_MWH)
    assert r.storage_e_mwh["bat"].iloc[-1] == pytest.approx(e0 * 0.9**3, abs=TOL_MWH)


def test_energy_bounds_are_respected_and_reached(
    make_inputs: MakeInputs, run_dispatch: RunDispatch
) -> None:
    """Cheap hours then dear hours: the battery fills to e_max and empties to e_min,
    never beyond, although its power would allow more."""
    price = np.array([10.0, 10.0, 10.0, 100.0, 100.0, 100.0])
    e_min, e_max = 0.5, 3.0
    x = make_inputs(
        0.0,
        n=6,
        import_price=price,
        export_price=price - 1.0,
        storage={"bat": {"p_max_mw": 2.0, "e_min_mwh": e_min, "e_max_mwh": e_max}},
        e0_mwh={"bat": 1.0},
    )
    e = run_dispatch(x).result.storage_e_mwh["bat"]
    assert e.min() >= e_min - TOL_MWH
    assert e.max() <= e_max + TOL_MWH
    assert e.iloc[2] == pytest.approx(e_max, abs=TOL_MWH)
    assert e.iloc[-1] == pytest.approx(e_min, abs=TOL_MWH)


def test_terminal_minimum_energy_binds_at_the_cheapest_hours(
    make_inputs: MakeInputs, run_dispatch: RunDispatch
) -> None:
    """Reaching 2 MWh at 1 MW needs two charging hours: the two cheapest (10, 20)."""
    price = [40.0, 10.0, 30.0, 20.0]
    wear = 2.0
    free = make_inputs(
        0.0, n=4, import_price=price, storage={"bat": {"wear_cost_eur_per_mwh": wear}}
    )
    r_free = run_dispatch(free).result
    assert r_free.storage_e_mwh["bat"].abs().max() < TOL_MWH
    assert r_free.objective_eur == pytest.approx(0.0, abs=TOL_EUR)

    bound = make_inputs(
        0.0,
        n=4,
        import_price=price,
        storage={"bat": {"wear_cost_eur_per_mwh": wear, "e_terminal_min_mwh": 2.0}},
    )
    r = run_dispatch(bound).result
    np.testing.assert_allclose(r.storage_charge_p_mw["bat"], [0.0, 1.0, 0.0, 1.0], atol=TOL_MW)
    np.testing.assert_allclose(r.storage_e_mwh["bat"], [0.0, 1.0, 1.0, 2.0], atol=TOL_MWH)
    assert r.objective_eur == pytest.approx(10.0 + 20.0 + wear * 2.0, abs=TOL_EUR)


def _energy_residual_mwh(x: DispatchInputs, r: Any) -> pd.DataFrame:
    """e_t - (keep e_{t-1} + dt (eff_c pc_t - pd_t / eff_d)) per step and unit."""
    st = x.storage
    keep = (1.0 - st["standing_loss_per_h"]) ** x.dt_h
    e = r.storage_e_mwh
    before = e.shift(1)
    before.iloc[0] = x.storage_e_initial_mwh[e.columns]
    flow = st["eff_charge"] * r.storage_charge_p_mw - r.storage_discharge_p_mw / st["eff_discharge"]
    return e - (keep * before + x.dt_h * flow)


@pytest.mark.parametrize("dt_h", [1.0, 0.5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_energy_follows_the_powers_at_every_step(
    make_random_inputs: MakeInputs, run_dispatch: RunDispatch, seed: int, dt_h: float
) -> None:
    x = make_random_inputs(seed, n=24, dt_h=dt_h)
    r = run_dispatch(x).result
    # the battery must actually work, or the check below is empty
    assert r.storage_charge_p_mw["bat"].max() > 0.1
    assert r.storage_discharge_p_mw["bat"].max() > 0.1
    assert _energy_residual_mwh(x, r).abs().to_numpy().max() < TOL_MWH
    st = x.storage.loc["bat"]
    assert (
        r.storage_e_mwh["bat"].between(st["e_min_mwh"] - TOL_MWH, st["e_max_mwh"] + TOL_MWH).all()
    )
    # with positive prices and wear cost, charging and discharging together only loses money
    sim = simultaneous_storage_steps(r.storage_charge_p_mw, r.storage_discharge_p_mw)
    assert not sim.to_numpy().any()


def test_negative_price_tempts_simultaneous_charge_and_discharge_which_is_detected(
    make_inputs: MakeInputs, run_dispatch: RunDispatch
) -> None:
    """Import is paid for (-50 EUR/MWh), export is impossible and the battery is full:
    the LP burns energy in the battery's losses by charging and discharging at once.
    Each MWh cycled absorbs 1 - 0.9 * 0.9 = 0.19 MWh; at most 1 MW for 3 h is cycled."""
    x = make_inputs(
        [1.0, 1.0, 1.0],
        import_price=-50.0,
        export_max_mw=0.0,
        storage={"bat": {"eff_charge": 0.9, "eff_discharge": 0.9, "e_max_mwh": 2.0}},
        e0_mwh={"bat": 2.0},
    )
    r = run_dispatch(x).result
    absorbed_mwh = 3 * 1.0 * (1 - 0.9 * 0.9)
    assert r.grid_import_p_mw["grid"].sum() == pytest.approx(3.0 + absorbed_mwh, abs=TOL_MWH)
    assert r.objective_eur == pytest.approx(-50.0 * (3.0 + absorbed_mwh), abs=TOL_EUR)
    both = (r.storage_charge_p_mw > TOL_MW) & (r.storage_discharge_p_mw > TOL_MW)
    assert both.to_numpy().any()
    detected = simultaneous_storage_steps(r.storage_charge_p_mw, r.storage_discharge_p_mw)
    pd.testing.assert_frame_equal(detected, both)


def test_simultaneous_detection_uses_the_tolerance_and_aligns_columns() -> None:
    index = pd.date_range("2016-01-01", periods=3, freq="h", tz="UTC")
    charge = pd.DataFrame({"b": [0.0, 0.2, 0.3], "a": [1.0, 1e-9, 0.5]}, index=index)
    # columns deliberately in the other order; the result follows the charge frame
    discharge = pd.DataFrame({"a": [0.4, 1.0, 1e-9], "b": [0.0, 0.1, 0.0]}, index=index)
    got = simultaneous_storage_steps(charge, discharge)
    expected = pd.DataFrame({"b": [False, True, False], "a": [True, False, False]}, index=index)
    pd.testing.assert_frame_equal(got, expected)
    loose = simultaneous_storage_steps(charge, discharge, tol_mw=0.15)
    assert loose["b"].tolist() == [False, False, False]
    assert loose["a"].tolist() == [True, False, False]
