"""Time-series AC power flow on a small SimBench LV feeder: losses equal the net sum of
injections, storage signs, and non-converging steps flagged without raising."""

from __future__ import annotations

import copy

import numpy as np
import pandapower as pp
import pandas as pd
import pytest

from grid.assets import add_storage
from grid.injections import Injection, combined_injections, table_injections
from grid.powerflow import PowerFlowResults, run_ac_timeseries
from grid.powerflow_failures import lossless_exchange_mw
from grid.profiles import Profiles, simbench_profiles

TOL_MW = 1e-6
#: a storage's effect on the import differs from its power by the change in losses
STORAGE_REL_TOL = 0.02

START = pd.Timestamp("2016-06-01 08:00", tz="UTC")  # PV feeds in: flows in both directions
HOURS = 6
STORAGE_BUS = "LV1.101 Bus 4"
STORAGE_P_MW = 0.02


@pytest.fixture(scope="module")
def profiles(lv_net: pp.pandapowerNet) -> Profiles:
    return simbench_profiles(lv_net, START, START + pd.Timedelta(hours=HOURS))


def _no_storage(index: pd.DatetimeIndex) -> pd.DataFrame:
    return pd.DataFrame(index=index, columns=pd.Index([], dtype=object), dtype=float)


@pytest.fixture(scope="module")
def base(lv_net: pp.pandapowerNet, profiles: Profiles) -> PowerFlowResults:
    none = _no_storage(profiles.load_p_mw.index)
    return run_ac_timeseries(
        lv_net,
        table_injections(
            load=(profiles.load_p_mw, profiles.load_q_mvar),
            sgen=profiles.sgen_p_mw,
            storage=none - none,
        ),
    )


@pytest.fixture(scope="module")
def net_with_storage(lv_net: pp.pandapowerNet) -> pp.pandapowerNet:
    net = copy.deepcopy(lv_net)
    add_storage(net, "bat", STORAGE_BUS, p_max_mw=0.03, e_max_mwh=0.1)
    return net


def test_all_hours_converge_and_results_are_complete(
    lv_net: pp.pandapowerNet, profiles: Profiles, base: PowerFlowResults
) -> None:
    assert base.converged["converged"].tolist() == [True] * HOURS
    index = profiles.load_p_mw.index
    for frame in (
        base.ext_grid_p_mw,
        base.losses_p_mw,
        base.injection_balance_p_mw,
        base.vm_pu,
        base.line_loading_percent,
        base.trafo_loading_percent,
    ):
        assert frame.index.equals(index)
        assert not frame.isna().to_numpy().any()
    assert list(base.vm_pu.columns) == list(lv_net.bus["name"])
    assert list(base.line_loading_percent.columns) == list(lv_net.line["name"])
    assert base.vm_pu.to_numpy().min() > 0.9
    assert base.vm_pu.to_numpy().max() < 1.1


def test_losses_equal_the_net_sum_of_injections(base: PowerFlowResults) -> None:
    losses = base.losses_p_mw["total"]
    assert (losses > 1e-5).all()  # a real feeder has losses; zero would hide a bug
    np.testing.assert_allclose(losses, base.injection_balance_p_mw["total"], atol=TOL_MW)


def test_import_covers_demand_minus_generation_plus_losses(
    profiles: Profiles, base: PowerFlowResults
) -> None:
    """Energy conservation against the inputs, not pandapower's own results."""
    expected = (
        profiles.load_p_mw.sum(axis=1) - profiles.sgen_p_mw.sum(axis=1) + base.losses_p_mw["total"]
    )
    np.testing.assert_allclose(base.ext_grid_p_mw.sum(axis=1), expected, atol=TOL_MW)
    # midday PV exceeds demand: the feeder exports, so both directions are covered
    assert (base.ext_grid_p_mw.sum(axis=1) < 0).any()


def test_input_net_is_not_modified(lv_net: pp.pandapowerNet, profiles: Profiles) -> None:
    before = lv_net.load["p_mw"].copy()
    doubled = profiles.load_p_mw * 2.0
    none = _no_storage(doubled.index)
    run_ac_timeseries(
        lv_net,
        table_injections(
            load=(doubled.iloc[:1], profiles.load_q_mvar.iloc[:1]),
            sgen=profiles.sgen_p_mw.iloc[:1],
            storage=none.iloc[:1] - none.iloc[:1],
        ),
    )
    pd.testing.assert_series_equal(lv_net.load["p_mw"], before)


@pytest.mark.parametrize(("charge", "sign"), [(True, 1.0), (False, -1.0)])
def test_storage_charging_raises_import_by_about_its_power(
    net_with_storage: pp.pandapowerNet,
    profiles: Profiles,
    base: PowerFlowResults,
    charge: bool,
    sign: float,
) -> None:
    index = profiles.load_p_mw.index
    power = pd.DataFrame({"bat": STORAGE_P_MW}, index=index)
    idle = power * 0.0
    charge_p, discharge_p = (power, idle) if charge else (idle, power)
    r = run_ac_timeseries(
        net_with_storage,
        table_injections(
            load=(profiles.load_p_mw, profiles.load_q_mvar),
            sgen=profiles.sgen_p_mw,
            storage=charge_p - discharge_p,
        ),
    )
    assert r.converged["converged"].all()
    delta = (r.ext_grid_p_mw - base.ext_grid_p_mw).sum(axis=1)
    np.testing.assert_allclose(delta, sign * STORAGE_P_MW, rtol=STORAGE_REL_TOL)
    np.testing.assert_allclose(
        r.losses_p_mw["total"], r.injection_balance_p_mw["total"], atol=TOL_MW
    )


def test_idle_storage_changes_nothing(
    net_with_storage: pp.pandapowerNet, profiles: Profiles, base: PowerFlowResults
) -> None:
    idle = pd.DataFrame({"bat": 0.0}, index=profiles.load_p_mw.index)
    r = run_ac_timeseries(
        net_with_storage,
        table_injections(
            load=(profiles.load_p_mw, profiles.load_q_mvar),
            sgen=profiles.sgen_p_mw,
            storage=idle - idle,
        ),
    )
    np.testing.assert_allclose(r.ext_grid_p_mw, base.ext_grid_p_mw, atol=TOL_MW)


def test_non_converging_step_is_flagged_nan_and_the_run_continues(
    lv_net: pp.pandapowerNet, profiles: Profiles, base: PowerFlowResults
) -> None:
    bad = 2
    load = profiles.load_p_mw.copy()
    load.iloc[bad] *= 1000.0
    none = _no_storage(load.index)
    r = run_ac_timeseries(
        lv_net,
        table_injections(
            load=(load, profiles.load_q_mvar), sgen=profiles.sgen_p_mw, storage=none - none
        ),
    )

    expected_ok = [k != bad for k in range(HOURS)]
    assert r.converged["converged"].tolist() == expected_ok
    # the failed hour is listed with its reason and its net load
    assert list(r.failures.index) == [load.index[bad]]
    failure = r.failures.iloc[0]
    assert "voltage collapse" in failure["reason"]
    net_load = load.iloc[bad].sum() - profiles.sgen_p_mw.iloc[bad].sum()
    assert failure["net_load_p_mw"] == pytest.approx(net_load, rel=1e-9)
    assert f"{net_load:.4g} MW" in failure["reason"]
    # its exchange is the lossless balance (energy, cost and emissions still count it)
    assert r.ext_grid_p_mw.iloc[bad].sum() == pytest.approx(net_load, rel=1e-9)
    for frame in (
        r.losses_p_mw,
        r.injection_balance_p_mw,
        r.vm_pu,
        r.line_loading_percent,
        r.trafo_loading_percent,
    ):
        assert frame.iloc[bad].isna().all()
        assert not frame.iloc[[k for k in range(HOURS) if k != bad]].isna().to_numpy().any()
    # the failed step does not disturb the results of the others
    ok = np.array(expected_ok)
    np.testing.assert_allclose(
        r.losses_p_mw["total"][ok], base.losses_p_mw["total"][ok], atol=TOL_MW
    )
    np.testing.assert_allclose(r.vm_pu[ok], base.vm_pu[ok], atol=TOL_MW)


def test_unknown_element_name_raises(lv_net: pp.pandapowerNet, profiles: Profiles) -> None:
    load = profiles.load_p_mw.rename(columns={profiles.load_p_mw.columns[0]: "nobody"})
    none = _no_storage(load.index)
    with pytest.raises(KeyError, match="load: unknown names"):
        run_ac_timeseries(
            lv_net,
            table_injections(load=(load, load), sgen=profiles.sgen_p_mw, storage=none - none),
        )


def test_injections_name_their_table_and_each_element_once(profiles: Profiles) -> None:
    load = profiles.load_p_mw
    with pytest.raises(ValueError, match="injection into 'shunt'"):
        table_injections(shunt=load)
    with pytest.raises(ValueError, match="load: elements given twice"):
        combined_injections([Injection("load", load), Injection("load", load.iloc[:, :1])])
    both = table_injections(load=(load, None), sgen=profiles.sgen_p_mw)
    assert set(both) == {"load", "sgen"}
    # a table given without reactive power gets zeros, not the net's values
    assert (both["load"].q_mvar.to_numpy() == 0.0).all()


def test_a_failed_steps_exchange_is_split_between_the_external_grids_in_service() -> None:
    net = pp.create_empty_network()
    for k in range(3):
        pp.create_ext_grid(net, pp.create_bus(net, 20.0), name=f"g{k}", in_service=k != 1)
    np.testing.assert_allclose(lossless_exchange_mw(net, 6.0), [3.0, 0.0, 3.0])
    net.ext_grid["in_service"] = False
    np.testing.assert_allclose(lossless_exchange_mw(net, 6.0), [0.0, 0.0, 0.0])
