"""Exact storage (MILP): a binary per unit and step forbids charging and discharging
at once, which the LP does when burning energy in the battery's losses pays."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dispatch.extract import extract, simultaneous_storage_steps
from dispatch.inputs import DispatchInputs, DispatchOptions
from dispatch.model import build_model
from dispatch.rolling import run_rolling
from dispatch.solve import PersistentDispatchSolver, solve

TOL_MW = 1e-6
TOL_MWH = 1e-6
TOL_EUR = 1e-6

MakeInputs = Callable[..., DispatchInputs]
RunDispatch = Callable[[DispatchInputs], Any]

#: efficiency of charging and of discharging [-]
EFF = 0.9
#: import price [EUR/MWh]: negative, so importing more (and burning it) pays
PRICE = -50.0


def _burning_case(make_inputs: MakeInputs, exact: bool) -> DispatchInputs:
    """1 MW demand for 3 h, paid imports, no export, a full 1 MW / 2 MWh battery."""
    return make_inputs(
        [1.0, 1.0, 1.0],
        import_price=PRICE,
        export_max_mw=0.0,
        storage={"bat": {"eff_charge": EFF, "eff_discharge": EFF, "e_max_mwh": 2.0}},
        e0_mwh={"bat": 2.0},
        options=DispatchOptions(storage_exact=exact),
    )


def test_lp_burns_energy_by_charging_and_discharging_at_once(
    make_inputs: MakeInputs, run_dispatch: RunDispatch
) -> None:
    """Cycling 1 MW in and out each hour absorbs 1 - 0.9 * 0.9 = 0.19 MWh per hour."""
    solved = run_dispatch(_burning_case(make_inputs, exact=False))
    r = solved.result
    absorbed_mwh = 3 * (1.0 - EFF * EFF)
    assert r.objective_eur == pytest.approx(PRICE * (3.0 + absorbed_mwh), abs=TOL_EUR)
    assert simultaneous_storage_steps(r.storage_charge_p_mw, r.storage_discharge_p_mw)["bat"].all()
    assert solved.status.duals_loaded
    assert r.lmp_eur_per_mwh.notna().all().all()


def test_exact_storage_never_charges_and_discharges_at_once(
    make_inputs: MakeInputs, run_dispatch: RunDispatch
) -> None:
    """The full battery must discharge before it can charge. Best: discharge 1 MW in
    the first hour (2 - 1/0.9 MWh left), then charge 1/0.81 MWh in the other two to
    refill it; that absorbs 1/0.81 - 1 = 19/81 MWh instead of the LP's 0.57 MWh."""
    lp = run_dispatch(_burning_case(make_inputs, exact=False)).result
    solved = run_dispatch(_burning_case(make_inputs, exact=True))
    r = solved.result
    sim = simultaneous_storage_steps(r.storage_charge_p_mw, r.storage_discharge_p_mw)
    assert not sim.to_numpy().any()
    absorbed_mwh = 1.0 / (EFF * EFF) - 1.0
    assert absorbed_mwh == pytest.approx(19.0 / 81.0)
    assert r.objective_eur == pytest.approx(PRICE * (3.0 + absorbed_mwh), abs=TOL_EUR)
    worse_eur = -PRICE * (3 * (1.0 - EFF * EFF) - absorbed_mwh)
    assert r.objective_eur - lp.objective_eur == pytest.approx(worse_eur, abs=TOL_EUR)
    assert worse_eur > 16.0
    np.testing.assert_allclose(r.storage_discharge_p_mw["bat"], [1.0, 0.0, 0.0], atol=TOL_MW)
    assert r.storage_charge_p_mw["bat"].sum() == pytest.approx(1.0 / EFF**2, abs=TOL_MW)
    assert r.storage_e_mwh["bat"].iloc[-1] == pytest.approx(2.0, abs=TOL_MWH)
    assert r.grid_import_p_mw["grid"].sum() == pytest.approx(3.0 + absorbed_mwh, abs=TOL_MWH)
    charging = solved.model.storage.charging
    assert [round(charging["bat", t].value) for t in range(3)] == [0, 1, 1]


def test_milp_prices_come_from_the_lp_with_fixed_decisions(make_inputs: MakeInputs) -> None:
    """The MILP's prices are the duals of its LP with the binaries fixed: the same
    set-points, and the import price where demand is met by import; without
    ``milp_duals`` no duals are loaded and prices are NaN."""
    x = _burning_case(make_inputs, exact=True)
    m = build_model(x)
    status = solve(m, duals=True)
    assert status.termination == "convergenceCriteriaSatisfied"
    assert status.duals_loaded
    r = extract(m, x)
    assert r.lmp_eur_per_mwh.notna().all().all()
    # the binaries are integer again after the re-solve
    assert all(v.is_binary() and not v.fixed for v in m.storage.charging.values())
    m2 = build_model(x)
    status2 = PersistentDispatchSolver(m2).solve(duals=True, milp_duals=False)
    assert not status2.duals_loaded and len(m2.dual) == 0
    r2 = extract(m2, x)
    assert r2.system_price_eur_per_mwh.isna().all().all()
    np.testing.assert_allclose(r.storage_e_mwh, r2.storage_e_mwh, atol=TOL_MWH)
    assert status.objective_eur == pytest.approx(status2.objective_eur, abs=TOL_EUR)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_storage_costs_nothing_when_the_lp_does_not_cheat(
    make_random_inputs: MakeInputs, run_dispatch: RunDispatch, seed: int
) -> None:
    """With positive prices and wear cost the LP never cycles, so the binaries change
    neither the objective nor the set-points."""
    lp = run_dispatch(make_random_inputs(seed)).result
    exact = run_dispatch(make_random_inputs(seed, options=DispatchOptions(storage_exact=True)))
    assert exact.result.objective_eur == pytest.approx(lp.objective_eur, abs=TOL_EUR)
    np.testing.assert_allclose(exact.result.storage_e_mwh, lp.storage_e_mwh, atol=TOL_MWH)
    assert lp.storage_charge_p_mw["bat"].max() > 0.1


def test_rolling_exact_storage_updates_equal_rebuilds(make_inputs: MakeInputs) -> None:
    """A MILP re-solved in the persistent interface after updates equals rebuilt
    windows; on this case with many negative prices the LP cycles, the MILP cannot."""
    rng = np.random.default_rng(3)
    index = pd.date_range("2016-05-01", periods=72, freq="h", tz="UTC", name="time")
    price = pd.Series(rng.uniform(-60.0, 100.0, len(index)), index=index)
    demand = pd.Series(rng.uniform(0.5, 2.0, len(index)), index=index)
    e_start = pd.Series({"bat": 0.5})  # the energy at the start of the period

    def inputs_for(exact: bool) -> Callable[[pd.DatetimeIndex], DispatchInputs]:
        def make(steps: pd.DatetimeIndex, e0: pd.Series | None = None) -> DispatchInputs:
            return make_inputs(
                demand[steps].to_numpy(),
                start=steps[0],
                import_price=price[steps].to_numpy(),
                export_max_mw=0.0,
                storage={"bat": {"eff_charge": EFF, "eff_discharge": EFF, "e_max_mwh": 1.0}},
                e0_mwh=(e_start if e0 is None else e0).to_dict(),
                options=DispatchOptions(storage_exact=exact),
            )

        return make

    kw: dict[str, Any] = {"window_h": 24, "horizon_h": 48}
    updated, st_up = run_rolling(index, 1.0, inputs_for(True), **kw)
    rebuilt, st_re = run_rolling(index, 1.0, inputs_for(True), rebuild=True, **kw)
    lp, st_lp = run_rolling(index, 1.0, inputs_for(False), **kw)
    assert st_up.models_built == 1  # the last, shorter window is padded
    assert all(s.duals_loaded for s in st_up.statuses)
    window_objectives = [s.objective_eur for s in st_up.statuses]
    np.testing.assert_allclose(
        window_objectives, [s.objective_eur for s in st_re.statuses], atol=TOL_EUR
    )
    np.testing.assert_allclose(updated.storage_e_mwh, rebuilt.storage_e_mwh, atol=TOL_MWH)
    sim = simultaneous_storage_steps(updated.storage_charge_p_mw, updated.storage_discharge_p_mw)
    assert not sim.to_numpy().any()
    lp_sim = simultaneous_storage_steps(lp.storage_charge_p_mw, lp.storage_discharge_p_mw)
    assert lp_sim.to_numpy().any()
    assert sum(window_objectives) > sum(s.objective_eur for s in st_lp.statuses) + TOL_EUR
