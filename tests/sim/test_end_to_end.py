"""End-to-end run of a small case and the invariants every result must satisfy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.case import Case
from sim.kpis import all_kpis
from sim.pipeline import RunOutput

TOL_MW = 1e-6
TOL_MWH = 1e-6


def test_run_covers_the_period_hourly(small_case: Case, small_run: RunOutput) -> None:
    r = small_run.results
    expected = pd.date_range(
        small_case.time.start, small_case.time.end, freq="1h", inclusive="left"
    )
    for frame in (r.demand_p_mw, r.renewable_p_mw, r.storage_e_mwh, r.vm_pu, r.losses_p_mw):
        assert frame.index.equals(expected)
    assert r.powerflow_converged["converged"].all()
    assert {s.termination for s in small_run.stats.statuses} == {"convergenceCriteriaSatisfied"}


def test_dispatch_energy_balance_closes_every_hour(small_run: RunOutput) -> None:
    """Planned import - export + generation + discharge - charge = served demand + over-generation
    (with perfect forecasts the realised set-points are the dispatched ones)."""
    r = small_run.results
    residual = (
        r.planned_import_p_mw["grid"]
        - r.planned_export_p_mw["grid"]
        + r.renewable_p_mw.sum(axis=1)
        + r.conventional_p_mw.sum(axis=1)
        + r.storage_discharge_p_mw.sum(axis=1)
        - r.storage_charge_p_mw.sum(axis=1)
        - r.served_p_mw.sum(axis=1)
        - r.dispatch_overgen_p_mw.sum(axis=1)
    )
    assert np.abs(residual).max() < TOL_MW


def test_curtailment_between_zero_and_actual_availability(small_run: RunOutput) -> None:
    r = small_run.results
    avail = r.renewable_available_p_mw
    assert (r.curtailment_p_mw >= -TOL_MW).all().all()
    assert (r.curtailment_p_mw <= avail + TOL_MW).all().all()
    np.testing.assert_allclose(r.renewable_p_mw + r.curtailment_p_mw, avail, atol=TOL_MW)
    # the tight export limit makes curtailment happen, and only when export is at its limit
    curtailed = r.curtailment_p_mw.sum(axis=1) > 1e-3
    assert curtailed.any()
    assert (r.planned_export_p_mw["grid"][curtailed] > 5.0 - 1e-6).all()


def test_storage_energy_follows_its_powers(small_case: Case, small_run: RunOutput) -> None:
    r = small_run.results
    spec = small_case.storage[0]
    dt = small_case.time.dt_h
    keep = (1.0 - spec.standing_loss_per_h) ** dt
    e = r.storage_e_mwh[spec.name].to_numpy()
    pc = r.storage_charge_p_mw[spec.name].to_numpy()
    pd_ = r.storage_discharge_p_mw[spec.name].to_numpy()
    before = np.concatenate([[spec.e_start_mwh], e[:-1]])
    expected = keep * before + dt * (spec.eff_charge * pc - pd_ / spec.eff_discharge)
    np.testing.assert_allclose(e, expected, atol=TOL_MWH)
    assert e.min() >= spec.e_min_mwh - TOL_MWH and e.max() <= spec.e_max_mwh + TOL_MWH
    assert e[-1] >= spec.e_start_mwh - TOL_MWH  # terminal energy at least the initial
    assert pc.max() > 0.1 and pd_.max() > 0.1  # the battery is actually used


def test_no_simultaneous_charge_and_discharge(small_run: RunOutput) -> None:
    r = small_run.results
    both = (r.storage_charge_p_mw > TOL_MW) & (r.storage_discharge_p_mw > TOL_MW)
    assert not both.to_numpy().any()


def test_ac_losses_equal_net_sum_of_injections(small_run: RunOutput) -> None:
    r = small_run.results
    losses = r.losses_p_mw["total"]
    assert (losses > 0).all()
    np.testing.assert_allclose(losses, r.injection_balance_p_mw["total"], atol=TOL_MW)
    realised = (
        r.grid_import_p_mw["grid"]
        - r.grid_export_p_mw["grid"]
        + r.renewable_p_mw.sum(axis=1)
        + r.storage_discharge_p_mw.sum(axis=1)
        - r.storage_charge_p_mw.sum(axis=1)
        - r.served_p_mw.sum(axis=1)
    )
    np.testing.assert_allclose(realised, losses, atol=TOL_MW)


def test_kpis_are_consistent_with_the_time_series(small_case: Case, small_run: RunOutput) -> None:
    r = small_run.results
    k = all_kpis(r, small_case.dispatch.voll_eur_per_mwh)
    assert k["demand_mwh"] == pytest.approx(r.demand_p_mw.to_numpy().sum())
    assert k["renewable_used_mwh"] + k["curtailed_mwh"] == pytest.approx(
        k["renewable_available_mwh"]
    )
    assert k["wind_curtailed_mwh"] + k["pv_curtailed_mwh"] + k.get(
        "other_renewable_curtailed_mwh", 0.0
    ) == pytest.approx(k["curtailed_mwh"])
    # energy balance of the period: supply = demand served + losses + storage net charge
    lhs = k["import_mwh"] - k["export_mwh"] + k["renewable_used_mwh"] + k["storage_discharge_mwh"]
    rhs = k["demand_mwh"] - k["unserved_mwh"] + k["losses_mwh"] + k["storage_charge_mwh"]
    assert lhs == pytest.approx(rhs, abs=1e-4)
    ef = r.grid_signals["ef_tco2_per_mwh"]
    assert k["emissions_tco2"] == pytest.approx((r.grid_import_p_mw["grid"] * ef).sum())
    assert k["losses_percent_of_demand"] == pytest.approx(100 * k["losses_mwh"] / k["demand_mwh"])
    assert k["storage_simultaneous_steps"] == 0
    assert 0.9 < k["vm_min_pu"] <= k["vm_max_pu"] < 1.1


def test_lindistflow_voltages_match_the_ac_power_flow(
    small_case: Case, small_run: RunOutput
) -> None:
    """The dispatch's linearised voltages agree with the AC power flow of the same
    set-points within 0.01 pu at every bus and hour."""
    from grid.network import build_network
    from grid.topology import network_data

    assert small_case.dispatch.network_model == "lindistflow"
    r = small_run.results
    bus_map = network_data(build_network(small_case.grid.simbench_code)).bus_map
    planned = r.dispatch_vm_pu[bus_map.loc[r.vm_pu.columns].to_numpy()]
    planned.columns = r.vm_pu.columns
    assert planned.notna().all().all()
    error = (planned - r.vm_pu).abs().to_numpy()
    assert error.max() < 0.01
    # the planned voltages respect the grid's limits
    vmax = 1.055 + 1e-6
    assert planned.to_numpy().max() <= vmax


def test_lmps_cover_every_network_bus(small_run: RunOutput) -> None:
    r = small_run.results
    assert r.lmp_eur_per_mwh.shape[1] == r.dispatch_vm_pu.shape[1] > 90
    assert r.lmp_eur_per_mwh.notna().all().all()
    # the slack price is the system price
    assert (r.grid_signals["system_price_eur_per_mwh"].abs() < 1e4).all()
