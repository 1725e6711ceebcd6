"""The fast power-flow engine (power-grid-model batch) against pandapower's runpp on the
default MV grid: same losses, voltages and loadings every hour; per-step fallback to
pandapower; grids it cannot model run on pandapower; unknown engine names rejected."""

from __future__ import annotations

import copy
import logging

import numpy as np
import pandapower as pp
import pandas as pd
import pytest

from grid import pgm_engine
from grid.assets import add_storage
from grid.injections import table_injections
from grid.powerflow import ENGINES, PowerFlowResults, run_ac_timeseries
from grid.profiles import Profiles, simbench_profiles

#: the issue's acceptance tolerances: losses relative, voltages absolute
LOSS_REL_TOL = 1e-4
VM_TOL_PU = 1e-6
#: loadings in percentage points (the engines agree to ~1e-7 points)
LOADING_TOL_PERCENT = 1e-4
#: ext_grid power, per-branch losses and the injection balance [MW]
P_TOL_MW = 1e-6

START = pd.Timestamp("2016-07-04 00:00", tz="UTC")  # PV and wind feed in, load 1.6..5 MW
HOURS = 48
STORAGE_BUS = "MV1.101 Bus 20"
STORAGE_P_MAX_MW = 1.0

FIELDS = (
    "ext_grid_p_mw",
    "losses_p_mw",
    "injection_balance_p_mw",
    "vm_pu",
    "line_loading_percent",
    "trafo_loading_percent",
    "line_pl_mw",
    "trafo_pl_mw",
)


@pytest.fixture(scope="module")
def net(mv_net: pp.pandapowerNet) -> pp.pandapowerNet:
    net = copy.deepcopy(mv_net)
    add_storage(net, "bat", STORAGE_BUS, p_max_mw=STORAGE_P_MAX_MW, e_max_mwh=4.0)
    return net


@pytest.fixture(scope="module")
def profiles(net: pp.pandapowerNet) -> Profiles:
    return simbench_profiles(net, START, START + pd.Timedelta(hours=HOURS))


@pytest.fixture(scope="module")
def storage(profiles: Profiles) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Charge at midday, discharge in the evening, idle otherwise [MW]."""
    hour = profiles.load_p_mw.index.hour.to_numpy()
    charge = np.where((hour >= 10) & (hour < 15), STORAGE_P_MAX_MW, 0.0)
    discharge = np.where((hour >= 18) & (hour < 22), 0.7 * STORAGE_P_MAX_MW, 0.0)
    index = profiles.load_p_mw.index
    return pd.DataFrame({"bat": charge}, index=index), pd.DataFrame({"bat": discharge}, index=index)


def _run(
    net: pp.pandapowerNet,
    profiles: Profiles,
    storage: tuple[pd.DataFrame, pd.DataFrame],
    engine: str,
    hours: slice = slice(None),
    load_factor: pd.Series | None = None,
) -> PowerFlowResults:
    load = profiles.load_p_mw.iloc[hours]
    if load_factor is not None:
        load = load.mul(load_factor, axis=0)
    return run_ac_timeseries(
        net,
        table_injections(
            load=(load, profiles.load_q_mvar.iloc[hours]),
            sgen=profiles.sgen_p_mw.iloc[hours],
            storage=storage[0].iloc[hours] - storage[1].iloc[hours],
        ),
        engine=engine,
    )


@pytest.fixture(scope="module")
def reference(
    net: pp.pandapowerNet, profiles: Profiles, storage: tuple[pd.DataFrame, pd.DataFrame]
) -> PowerFlowResults:
    return _run(net, profiles, storage, "pandapower")


@pytest.fixture(scope="module")
def fast(
    net: pp.pandapowerNet, profiles: Profiles, storage: tuple[pd.DataFrame, pd.DataFrame]
) -> PowerFlowResults:
    return _run(net, profiles, storage, "pgm")


def assert_same_results(a: PowerFlowResults, b: PowerFlowResults) -> None:
    """Same convergence, same NaN pattern and values within the named tolerances."""
    pd.testing.assert_frame_equal(a.converged, b.converged)
    for name in FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.index.equals(y.index) and x.columns.equals(y.columns), name
        np.testing.assert_array_equal(x.isna().to_numpy(), y.isna().to_numpy(), err_msg=name)
    ok = a.converged["converged"].to_numpy()
    np.testing.assert_allclose(
        a.losses_p_mw[ok], b.losses_p_mw[ok], rtol=LOSS_REL_TOL, atol=0.0, err_msg="losses"
    )
    np.testing.assert_allclose(a.vm_pu[ok], b.vm_pu[ok], rtol=0.0, atol=VM_TOL_PU)
    for name in ("line_loading_percent", "trafo_loading_percent"):
        x, y = getattr(a, name)[ok], getattr(b, name)[ok]
        np.testing.assert_allclose(x, y, rtol=0.0, atol=LOADING_TOL_PERCENT, err_msg=name)
    for name in ("ext_grid_p_mw", "injection_balance_p_mw", "line_pl_mw", "trafo_pl_mw"):
        x, y = getattr(a, name)[ok], getattr(b, name)[ok]
        np.testing.assert_allclose(x, y, rtol=0.0, atol=P_TOL_MW, err_msg=name)


def test_the_hours_exercise_feed_in_load_and_storage(
    profiles: Profiles, storage: tuple[pd.DataFrame, pd.DataFrame], reference: PowerFlowResults
) -> None:
    load = profiles.load_p_mw.sum(axis=1)
    assert load.max() > 2.5 * load.min()
    assert (profiles.sgen_p_mw.sum(axis=1) > 0).all()
    assert (reference.ext_grid_p_mw.sum(axis=1) < 0).all()  # the grid exports every hour
    assert (storage[0]["bat"] > 0).any() and (storage[1]["bat"] > 0).any()
    assert reference.converged["converged"].all()


def test_pgm_equals_pandapower_every_hour(
    reference: PowerFlowResults, fast: PowerFlowResults
) -> None:
    assert fast.converged["converged"].all()
    assert_same_results(reference, fast)
    # per hour, not only overall: the worst hour is within the tolerance too
    rel = (fast.losses_p_mw / reference.losses_p_mw - 1.0).abs()
    assert rel.max().item() < LOSS_REL_TOL


def test_pgm_solves_every_hour_itself(
    net: pp.pandapowerNet,
    profiles: Profiles,
    storage: tuple[pd.DataFrame, pd.DataFrame],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pandapower runs once, to build the per-unit model, and never per hour."""
    calls = []
    runpp = pp.runpp

    def counted(net: pp.pandapowerNet, **kwargs: object) -> None:
        calls.append(kwargs)
        runpp(net, **kwargs)

    monkeypatch.setattr(pp, "runpp", counted)
    r = _run(net, profiles, storage, "pgm", slice(0, 12))
    assert r.converged["converged"].all()
    assert len(calls) == 1


def test_branch_losses_add_up_to_the_total(fast: PowerFlowResults, net: pp.pandapowerNet) -> None:
    assert list(fast.line_pl_mw.columns) == list(net.line["name"])
    assert list(fast.trafo_pl_mw.columns) == list(net.trafo["name"])
    total = fast.line_pl_mw.sum(axis=1) + fast.trafo_pl_mw.sum(axis=1)
    np.testing.assert_allclose(fast.losses_p_mw["total"], total, rtol=1e-12)
    np.testing.assert_allclose(
        fast.losses_p_mw["total"], fast.injection_balance_p_mw["total"], atol=P_TOL_MW
    )
    assert (fast.line_pl_mw.to_numpy() >= -1e-12).all()


def test_a_step_pgm_does_not_solve_is_solved_by_pandapower(
    net: pp.pandapowerNet,
    profiles: Profiles,
    storage: tuple[pd.DataFrame, pd.DataFrame],
    reference: PowerFlowResults,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    failed = 3
    solve = pgm_engine.solve_voltages

    def failing(*args: object, **kwargs: object) -> tuple[np.ndarray, np.ndarray]:
        v, ok = solve(*args, **kwargs)  # type: ignore[arg-type]
        v[failed], ok[failed] = np.nan, False
        return v, ok

    monkeypatch.setattr(pgm_engine, "solve_voltages", failing)
    hours = slice(0, 6)
    with caplog.at_level(logging.INFO, logger="grid.powerflow"):
        r = _run(net, profiles, storage, "pgm", hours)
    assert "pandapower retries 1 steps" in caplog.text
    assert r.converged["converged"].all()
    assert_same_results(_slice(reference, hours), r)


def test_a_step_no_engine_solves_is_flagged_nan_and_the_run_completes(
    net: pp.pandapowerNet,
    profiles: Profiles,
    storage: tuple[pd.DataFrame, pd.DataFrame],
    reference: PowerFlowResults,
) -> None:
    hours, bad = slice(0, 6), 2
    factor = pd.Series(1.0, index=profiles.load_p_mw.index[hours])
    factor.iloc[bad] = 1000.0
    r = _run(net, profiles, storage, "pgm", hours, load_factor=factor)
    expected = [k != bad for k in range(6)]
    assert r.converged["converged"].tolist() == expected
    for name in FIELDS:
        if name != "ext_grid_p_mw":  # the lossless balance of the step's injections
            assert getattr(r, name).iloc[bad].isna().all(), name
    assert list(r.failures.index) == [factor.index[bad]]
    assert r.ext_grid_p_mw.iloc[bad].sum() == pytest.approx(r.failures["net_load_p_mw"].iloc[0])
    ok = np.array(expected)
    ref = _slice(reference, hours)
    np.testing.assert_allclose(r.losses_p_mw[ok], ref.losses_p_mw[ok], rtol=LOSS_REL_TOL)
    np.testing.assert_allclose(r.vm_pu[ok], ref.vm_pu[ok], atol=VM_TOL_PU)


def test_modelling_details_match_pandapower(
    net: pp.pandapowerNet, profiles: Profiles, storage: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    """Taps, phase shift, asymmetric T-model magnetising branch, parallel lines, line
    conductance, shunts, sgen q, out-of-service and isolated elements, open switches,
    slack angle: each changes pandapower's model and must change ours the same way."""
    net = copy.deepcopy(net)
    line = net.line.index
    net.trafo["tap_pos"] = [2, -1]
    net.trafo["leakage_resistance_ratio_hv"] = 0.3
    net.trafo["leakage_reactance_ratio_hv"] = 0.2
    net.line.loc[line[10], "in_service"] = False  # isolates the buses behind it
    net.line.loc[line[20], "parallel"] = 2
    net.line.loc[line[21], "df"] = 0.8
    net.line.loc[line[22], "g_us_per_km"] = 5.0
    pp.create_switch(net, net.line.at[line[30], "from_bus"], line[30], et="l", closed=False)
    net.ext_grid["va_degree"] = 10.0
    net.ext_grid["vm_pu"] = 1.01
    pp.create_shunt(net, bus=30, q_mvar=-0.5, p_mw=0.01)
    net.sgen.loc[net.sgen.index[:5], "q_mvar"] = -0.1
    net.sgen.loc[net.sgen.index[5], "in_service"] = False
    net.load.loc[net.load.index[3], "in_service"] = False
    net.load.loc[net.load.index[4], "scaling"] = 0.5
    hours = slice(9, 13)
    a = _run(net, profiles, storage, "pandapower", hours)
    b = _run(net, profiles, storage, "pgm", hours)
    assert a.converged["converged"].all()
    assert a.vm_pu.isna().any().any()  # the isolated buses
    assert_same_results(a, b)


def test_a_grid_pgm_cannot_model_runs_on_pandapower(
    net: pp.pandapowerNet,
    profiles: Profiles,
    storage: tuple[pd.DataFrame, pd.DataFrame],
    caplog: pytest.LogCaptureFixture,
) -> None:
    net = copy.deepcopy(net)
    pp.create_gen(net, bus=40, p_mw=0.5, vm_pu=1.02, name="pv node")
    hours = slice(0, 3)
    a = _run(net, profiles, storage, "pandapower", hours)
    with caplog.at_level(logging.WARNING, logger="grid.powerflow"):
        b = _run(net, profiles, storage, "pgm", hours)
    assert "cannot model this grid (voltage-controlled (PV) generators)" in caplog.text
    assert b.converged["converged"].all()
    assert_same_results(a, b)


def test_unknown_engine_is_rejected_with_the_options(
    net: pp.pandapowerNet, profiles: Profiles, storage: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    assert ENGINES == ("pgm", "pandapower")
    with pytest.raises(ValueError, match=r"'lightsim'.*'pgm', 'pandapower'"):
        _run(net, profiles, storage, "lightsim", slice(0, 1))


def _slice(r: PowerFlowResults, hours: slice) -> PowerFlowResults:
    return PowerFlowResults(
        **{name: getattr(r, name).iloc[hours] for name in (*FIELDS, "converged")}
    )
