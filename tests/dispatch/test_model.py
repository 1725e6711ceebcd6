"""The dispatch model on hand-computable cases: power balance, curtailment at the
export limit, load shedding at VOLL, system prices (duals), objective, time-step
invariance and the carbon price."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from dispatch.inputs import DispatchInputs, DispatchOptions
from dispatch.model import build_model
from dispatch.solve import DispatchInfeasible, solve

TOL_MW = 1e-6
TOL_MWH = 1e-6
TOL_EUR = 1e-6
TOL_PRICE = 1e-6  # [EUR/MWh]
TOL_TCO2 = 1e-9

MakeInputs = Callable[..., DispatchInputs]
RunDispatch = Callable[[DispatchInputs], Any]
Residual = Callable[[DispatchInputs, Any], Any]

CURTAILMENT_COST = DispatchOptions().curtailment_cost_eur_per_mwh


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_power_balance_closes_every_step(
    make_random_inputs: MakeInputs, run_dispatch: RunDispatch, residual: Residual, seed: int
) -> None:
    x = make_random_inputs(seed, export_max_mw=1.0, import_max_mw=2.5)
    r = run_dispatch(x).result
    assert len(r.grid_import_p_mw) == len(x.time)
    assert np.abs(residual(x, r)).max() < TOL_MW


def test_curtailment_exactly_when_export_limit_binds(
    make_inputs: MakeInputs, run_dispatch: RunDispatch, residual: Residual
) -> None:
    """Demand 1 MW, export limit 3 MW, export worth 20 EUR/MWh: wind above 4 MW is
    curtailed, wind below it is exported or consumed."""
    wind = np.array([5.0, 3.0, 4.5, 0.5])
    x = make_inputs(1.0, n=4, wind_mw=wind, import_price=50.0, export_price=20.0, export_max_mw=3.0)
    r = run_dispatch(x).result
    curtailed = r.curtailment_p_mw["wind"].to_numpy()
    exported = r.grid_export_p_mw["grid"].to_numpy()
    np.testing.assert_allclose(curtailed, [1.0, 0.0, 0.5, 0.0], atol=TOL_MW)
    np.testing.assert_allclose(exported, [3.0, 2.0, 3.0, 0.0], atol=TOL_MW)
    np.testing.assert_allclose(r.grid_import_p_mw["grid"], [0.0, 0.0, 0.0, 0.5], atol=TOL_MW)
    np.testing.assert_allclose(r.renewable_p_mw["wind"], wind - curtailed, atol=TOL_MW)
    assert ((curtailed > TOL_MW) == (exported > 3.0 - TOL_MW)).all()
    assert r.overgen_p_mw.to_numpy().max() < TOL_MW
    assert np.abs(residual(x, r)).max() < TOL_MW
    expected = -20.0 * (3.0 + 2.0 + 3.0) + 50.0 * 0.5 + CURTAILMENT_COST * (1.0 + 0.5)
    assert r.objective_eur == pytest.approx(expected, abs=TOL_EUR)


def test_negative_export_price_curtails_instead_of_exporting(
    make_inputs: MakeInputs, run_dispatch: RunDispatch
) -> None:
    """Exporting costs 10 EUR/MWh, curtailing 0.1 EUR/MWh: the surplus is curtailed."""
    x = make_inputs(1.0, n=1, wind_mw=5.0, export_price=-10.0)
    r = run_dispatch(x).result
    assert r.curtailment_p_mw["wind"].iloc[0] == pytest.approx(4.0, abs=TOL_MW)
    assert r.grid_export_p_mw["grid"].iloc[0] == pytest.approx(0.0, abs=TOL_MW)


def test_load_shedding_when_import_limit_is_too_small(
    make_inputs: MakeInputs, run_dispatch: RunDispatch, residual: Residual
) -> None:
    voll = 1000.0
    x = make_inputs(
        [5.0, 2.0],
        import_price=50.0,
        import_max_mw=3.0,
        options=DispatchOptions(voll_eur_per_mwh=voll),
    )
    s = run_dispatch(x)
    r = s.result
    assert list(r.shed_p_mw.columns) == ["b1", "ext"]
    np.testing.assert_allclose(r.shed_p_mw["b1"], [2.0, 0.0], atol=TOL_MW)
    np.testing.assert_allclose(r.shed_p_mw["ext"], [0.0, 0.0], atol=TOL_MW)
    np.testing.assert_allclose(r.grid_import_p_mw["grid"], [3.0, 2.0], atol=TOL_MW)
    assert np.abs(residual(x, r)).max() < TOL_MW
    assert r.objective_eur == pytest.approx(50.0 * 5.0 + voll * 2.0, abs=TOL_EUR)
    assert s.status.objective_eur == pytest.approx(r.objective_eur, abs=TOL_EUR)
    # one more MWh of demand in the first hour can only be shed
    np.testing.assert_allclose(r.system_price_eur_per_mwh["system"], [voll, 50.0], atol=TOL_PRICE)


def test_shedding_is_bounded_by_demand(make_inputs: MakeInputs, run_dispatch: RunDispatch) -> None:
    """Shedding is not a generator: with no import and 1 MW of demand the whole demand
    is shed, and a battery that must store energy cannot be fed by shedding."""
    r = run_dispatch(make_inputs([1.0], import_max_mw=0.0)).result
    assert r.shed_p_mw["b1"].iloc[0] == pytest.approx(1.0, abs=TOL_MW)
    x = make_inputs([1.0], import_max_mw=0.0, storage={"bat": {"e_terminal_min_mwh": 0.5}})
    with pytest.raises(DispatchInfeasible):
        solve(build_model(x))


@pytest.mark.parametrize("dt_h", [1.0, 0.5])
def test_system_price_is_the_import_price_when_import_is_marginal(
    make_inputs: MakeInputs, run_dispatch: RunDispatch, dt_h: float
) -> None:
    x = make_inputs([1.0, 2.0], dt_h=dt_h, import_price=[50.0, 30.0], export_price=10.0)
    s = run_dispatch(x)
    r = s.result
    np.testing.assert_allclose(r.system_price_eur_per_mwh["system"], [50.0, 30.0], atol=TOL_PRICE)
    expected = dt_h * (50.0 * 1.0 + 30.0 * 2.0)
    assert r.objective_eur == pytest.approx(expected, abs=TOL_EUR)
    assert r.cost_eur == pytest.approx(expected, abs=TOL_EUR)
    assert s.status.objective_eur == pytest.approx(expected, abs=TOL_EUR)


@pytest.mark.parametrize("dt_h", [1.0, 0.5])
def test_system_price_is_the_export_price_when_export_is_marginal(
    make_inputs: MakeInputs, run_dispatch: RunDispatch, dt_h: float
) -> None:
    """One more MWh of demand is one MWh less exported: it costs the export price
    (positive), not minus it."""
    x = make_inputs(
        [1.0, 2.0], dt_h=dt_h, wind_mw=5.0, import_price=50.0, export_price=[20.0, 25.0]
    )
    r = run_dispatch(x).result
    np.testing.assert_allclose(r.grid_export_p_mw["grid"], [4.0, 3.0], atol=TOL_MW)
    np.testing.assert_allclose(r.system_price_eur_per_mwh["system"], [20.0, 25.0], atol=TOL_PRICE)
    assert r.objective_eur == pytest.approx(-dt_h * (20.0 * 4.0 + 25.0 * 3.0), abs=TOL_EUR)


def test_system_price_is_minus_curtailment_cost_when_curtailment_is_marginal(
    make_inputs: MakeInputs, run_dispatch: RunDispatch
) -> None:
    """With export at its limit, one more MWh of demand uses curtailed wind and saves
    its curtailment cost."""
    x = make_inputs(1.0, n=1, wind_mw=5.0, export_price=20.0, export_max_mw=3.0)
    r = run_dispatch(x).result
    assert r.system_price_eur_per_mwh["system"].iloc[0] == pytest.approx(
        -CURTAILMENT_COST, abs=TOL_PRICE
    )


def test_half_hour_steps_give_the_same_energies_as_hourly_steps(
    make_inputs: MakeInputs, run_dispatch: RunDispatch
) -> None:
    """Each hour split in two equal halves: same objective, same energies per hour and
    the same stored energy at the end of every hour (lossless in time, sigma = 0).

    The case is chosen with a unique optimum (distinct prices, no curtailment: its
    flat cost would make the hour in which wind is curtailed arbitrary)."""
    rng = np.random.default_rng(7)
    hours = 12
    hourly = {
        "demand_mw": rng.uniform(0.5, 2.0, hours),
        "wind_mw": rng.uniform(0.0, 3.0, hours),
        "import_price": rng.uniform(10.0, 100.0, hours),
        "ef": rng.uniform(0.1, 0.6, hours),
    }
    hourly["export_price"] = hourly["import_price"] - 5.0
    storage = {
        "bat": {
            "p_max_mw": 1.5,
            "e_max_mwh": 4.0,
            "eff_charge": 0.92,
            "eff_discharge": 0.95,
            "wear_cost_eur_per_mwh": 1.0,
        }
    }
    kw = {
        "storage": storage,
        "e0_mwh": {"bat": 1.0},
        "export_max_mw": 1.0,
        "options": DispatchOptions(carbon_price_eur_per_tco2=20.0),
    }

    def inputs(dt_h: float) -> DispatchInputs:
        rep = round(1.0 / dt_h)
        data = {k: np.repeat(v, rep) for k, v in hourly.items()}
        return make_inputs(data.pop("demand_mw"), dt_h=dt_h, **data, **kw)

    r1 = run_dispatch(inputs(1.0)).result
    r2 = run_dispatch(inputs(0.5)).result
    assert len(r2.grid_import_p_mw) == 2 * len(r1.grid_import_p_mw)
    assert r2.objective_eur == pytest.approx(r1.objective_eur, abs=TOL_EUR)
    assert r2.cost_eur == pytest.approx(r1.cost_eur, abs=TOL_EUR)
    assert r2.emissions_tco2 == pytest.approx(r1.emissions_tco2, abs=TOL_TCO2)
    for name in (
        "grid_import_p_mw",
        "grid_export_p_mw",
        "curtailment_p_mw",
        "storage_charge_p_mw",
        "storage_discharge_p_mw",
    ):
        e1 = getattr(r1, name).to_numpy() * 1.0
        e2 = getattr(r2, name).to_numpy() * 0.5
        e2_per_hour = e2.reshape(hours, 2, -1).sum(axis=1)
        np.testing.assert_allclose(e2_per_hour, e1, atol=TOL_MWH, err_msg=name)
    np.testing.assert_allclose(
        r2.storage_e_mwh.to_numpy()[1::2], r1.storage_e_mwh.to_numpy(), atol=TOL_MWH
    )
    # the case must exercise the battery and the export limit, or it proves little
    assert r1.storage_charge_p_mw["bat"].max() > 0.1
    assert r1.storage_discharge_p_mw["bat"].max() > 0.1
    assert r1.grid_export_p_mw["grid"].max() == pytest.approx(1.0, abs=TOL_MW)


def test_carbon_price_adds_carbon_price_times_emission_factor_to_imports(
    make_inputs: MakeInputs, run_dispatch: RunDispatch
) -> None:
    """Hour 0: 40 EUR/MWh at 0.8 tCO2/MWh; hour 1: 50 EUR/MWh at 0.1 tCO2/MWh; 1 MWh
    of demand in hour 1 and a lossless battery. Without a carbon price the battery
    shifts the cheaper hour-0 import; at 100 EUR/tCO2 hour 0 costs 120 and hour 1
    costs 60, so demand is met directly."""
    kw = {"import_price": [40.0, 50.0], "ef": [0.8, 0.1], "storage": {"bat": {}}}
    r0 = run_dispatch(make_inputs([0.0, 1.0], **kw)).result
    np.testing.assert_allclose(r0.grid_import_p_mw["grid"], [1.0, 0.0], atol=TOL_MW)
    assert r0.objective_eur == pytest.approx(40.0, abs=TOL_EUR)
    assert r0.emissions_tco2 == pytest.approx(0.8, abs=TOL_TCO2)

    carbon = 100.0
    x = make_inputs([0.0, 1.0], options=DispatchOptions(carbon_price_eur_per_tco2=carbon), **kw)
    r = run_dispatch(x).result
    np.testing.assert_allclose(r.grid_import_p_mw["grid"], [0.0, 1.0], atol=TOL_MW)
    assert r.cost_eur == pytest.approx(50.0, abs=TOL_EUR)
    assert r.emissions_tco2 == pytest.approx(0.1, abs=TOL_TCO2)
    assert r.objective_eur == pytest.approx(50.0 + carbon * 0.1, abs=TOL_EUR)
    assert r.system_price_eur_per_mwh["system"].iloc[1] == pytest.approx(
        50.0 + carbon * 0.1, abs=TOL_PRICE
    )


def test_objective_is_cost_plus_carbon_price_times_emissions(
    make_random_inputs: MakeInputs, run_dispatch: RunDispatch
) -> None:
    carbon = 30.0
    r = run_dispatch(
        make_random_inputs(5, options=DispatchOptions(carbon_price_eur_per_tco2=carbon))
    ).result
    assert r.emissions_tco2 > 0.1
    assert r.objective_eur == pytest.approx(r.cost_eur + carbon * r.emissions_tco2, abs=TOL_EUR)


def test_unknown_network_model_is_rejected(make_inputs: MakeInputs) -> None:
    with pytest.raises(ValueError, match="unknown network model 'acopf'"):
        build_model(make_inputs([1.0]), network_model="acopf")
