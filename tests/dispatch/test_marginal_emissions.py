"""Marginal emission factors from the optimal basis.

For every node and step the LMEF equals the slope of the window's emissions when a
fresh model is re-solved with a little more, and a little less, demand at that node
in that step; both one-sided slopes agree, which shows the cases are non-degenerate.
The same basis machinery applied to the cost vector gives the duals (the LMPs), and
copperplate cases give the emission factor of the marginal unit by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest

from dispatch.builtin import window_inputs, with_frames
from dispatch.components.storage import STORAGE_COLUMNS
from dispatch.extract import DispatchResult, concat_results, extract
from dispatch.inputs import DispatchInputs, DispatchOptions, NetworkInputs
from dispatch.model import build_model
from dispatch.rolling import run_rolling
from dispatch.solve import PersistentDispatchSolver

#: tolerance of an LMEF against the perturbation estimate [tCO2/MWh]
TOL_TCO2_PER_MWH = 1e-6
#: tolerance of a basis LMP against the dual LMP [EUR/MWh]
TOL_EUR_PER_MWH = 1e-6
#: demand perturbation of the finite differences [MW]
DELTA_MW = 1e-3
#: tolerance of voltages and flows at their limits [pu], [MW]
TOL_PU = 1e-9
TOL_MW = 1e-9

WithConventional = Callable[..., DispatchInputs]
MakeInputs = Callable[..., DispatchInputs]

#: conventional units of the network cases: a cheap, dirty unit at ``a`` and a
#: dearer, cleaner one at ``b``; imports cost more still and emit 0.3 tCO2/MWh
UNITS: dict[str, dict[str, Any]] = {
    "ga": {"bus": "a", "p_max_mw": 8.0, "cost_eur_per_mwh": 30.0, "ef_tco2_per_mwh": 0.9},
    "gb": {"bus": "b", "p_max_mw": 5.0, "cost_eur_per_mwh": 40.0, "ef_tco2_per_mwh": 0.5},
}


def _network(lines: dict[str, tuple[str, str, float, float, float]], vmin: float) -> NetworkInputs:
    """Network of ``{name: (from, to, r_pu, x_pu, rate_mva)}`` with slack ``ext``."""
    br = pd.DataFrame(
        {
            name: {
                "from_bus": f,
                "to_bus": t,
                "r_pu": r,
                "x_pu": x,
                "b_pu": 0.0,
                "tap_ratio": 1.0,
                "rate_mva": rate,
            }
            for name, (f, t, r, x, rate) in lines.items()
        }
    ).T.astype({"r_pu": float, "x_pu": float, "b_pu": float, "tap_ratio": float, "rate_mva": float})
    buses = sorted(set(br["from_bus"]) | set(br["to_bus"]))
    return NetworkInputs(
        base_mva=1.0,
        bus_table=pd.DataFrame({"vm_min_pu": vmin, "vm_max_pu": 1.1}, index=buses),
        branches=br,
        bus_map=pd.Series({b: b for b in buses}),
        slack_bus="ext",
    )


def _network_inputs(
    net: NetworkInputs,
    model: str,
    load_mw: dict[str, list[float]],
    import_price: float,
    load_q_mvar: dict[str, list[float]] | None = None,
) -> DispatchInputs:
    """A load named after each node, imports with ef 0.3 tCO2/MWh, no renewables or storage."""
    n = len(next(iter(load_mw.values())))
    idx = pd.date_range("2016-06-01", periods=n, freq="1h", tz="UTC")
    none = pd.DataFrame(index=idx, columns=pd.Index([], dtype=object), dtype=float)
    return window_inputs(
        dt_h=1.0,
        load_p_mw=pd.DataFrame(load_mw, index=idx),
        load_bus=pd.Series({b: b for b in load_mw}, dtype=object),
        renewable_p_mw=none,
        renewable_bus=pd.Series(dtype=object),
        storage=pd.DataFrame(columns=list(STORAGE_COLUMNS)),
        storage_e_initial_mwh=pd.Series(dtype=float),
        grid=pd.DataFrame(
            {
                "import_price_eur_per_mwh": import_price,
                "export_price_eur_per_mwh": 0.0,
                "ef_tco2_per_mwh": 0.3,
            },
            index=idx,
        ),
        ext_grid_bus="ext",
        options=DispatchOptions(network_model=model),
        load_q_mvar=None if load_q_mvar is None else pd.DataFrame(load_q_mvar, index=idx),
        network=net,
    )


@pytest.fixture(scope="module")
def meshed(with_conventional: WithConventional) -> DispatchInputs:
    """DC triangle ext-a-b with a 1 MW line a-b. Steps 0-1: a-b congested, ga
    marginal at a, gb at b, ext a mix; step 2: gb at its limit, imports marginal,
    a-b congested (more demand at b needs more imports and less ga: negative LMEF
    at b); step 3: uncongested, ga marginal everywhere."""
    net = _network(
        {
            "ext-a": ("ext", "a", 0.0, 0.1, 100.0),
            "ext-b": ("ext", "b", 0.0, 0.1, 100.0),
            "a-b": ("a", "b", 0.0, 0.1, 1.0),
        },
        vmin=0.9,
    )
    load = {"ext": [0.5] * 4, "a": [3.0, 2.0, 4.0, 1.0], "b": [4.0, 6.0, 9.0, 1.0]}
    return with_conventional(_network_inputs(net, "dc", load, import_price=60.0), UNITS)


@pytest.fixture(scope="module")
def radial(with_conventional: WithConventional) -> DispatchInputs:
    """LinDistFlow feeder ext-a-b with v_min 0.95 pu. Imports are cheapest (30
    EUR/MWh); in steps 0-1 the voltage at b sits at its limit, so gb (70 EUR/MWh,
    0.9 tCO2/MWh) is marginal at b and a mix of imports and gb at a; in step 2
    nothing binds and imports are marginal everywhere."""
    net = _network(
        {"ext-a": ("ext", "a", 0.01, 0.02, 10.0), "a-b": ("a", "b", 0.02, 0.04, 10.0)},
        vmin=0.95,
    )
    load = {"ext": [0.5] * 3, "a": [0.6, 0.8, 0.3], "b": [1.2, 1.5, 0.5]}
    load_q = {"ext": [0.0] * 3, "a": [0.1, 0.2, 0.1], "b": [0.3, 0.2, 0.1]}
    x = _network_inputs(net, "lindistflow", load, import_price=30.0, load_q_mvar=load_q)
    units = {
        "ga": {"bus": "a", "p_max_mw": 0.5, "cost_eur_per_mwh": 50.0, "ef_tco2_per_mwh": 0.5},
        "gb": {"bus": "b", "p_max_mw": 5.0, "cost_eur_per_mwh": 70.0, "ef_tco2_per_mwh": 0.9},
    }
    return with_conventional(x, units)


def _copperplate(
    make_inputs: MakeInputs,
    with_conventional: WithConventional,
    dt_h: float = 1.0,
    unit_commitment: bool = False,
) -> DispatchInputs:
    """One 10 MW unit (40 EUR/MWh, 0.5 tCO2/MWh) and imports (50 EUR/MWh, 0.3
    tCO2/MWh): the unit is marginal at 5 MW demand, imports at 15 MW."""
    x = make_inputs([5.0, 15.0], dt_h=dt_h, import_price=50.0, ef=0.3)
    unit = {"cost_eur_per_mwh": 40.0, "ef_tco2_per_mwh": 0.5}
    if unit_commitment:
        unit |= {"p_min_mw": 2.0, "start_cost_eur": 10.0}
    return with_conventional(
        x, {"g": unit}, options=DispatchOptions(unit_commitment=unit_commitment)
    )


@pytest.fixture(scope="module")
def copperplate_uc(make_inputs: MakeInputs, with_conventional: WithConventional) -> DispatchInputs:
    """The copperplate case with unit commitment (a MILP)."""
    return _copperplate(make_inputs, with_conventional, unit_commitment=True)


@pytest.fixture(scope="module")
def intertemporal(
    make_random_inputs: Callable[..., DispatchInputs], with_conventional: WithConventional
) -> DispatchInputs:
    """Copperplate, eight steps of the seeded random case (demand, wind, a lossy
    battery with wear cost) plus a ramp-limited unit (0.4 MW/h, 0.7 tCO2/MWh): the
    battery and the ramps tie the steps together, so one more MWh in one step moves
    the dispatch of others."""
    unit = {
        "p_max_mw": 1.5,
        "cost_eur_per_mwh": 45.0,
        "ef_tco2_per_mwh": 0.7,
        "ramp_up_mw_per_h": 0.4,
        "ramp_down_mw_per_h": 0.4,
    }
    state = {"g": {"p_mw": 0.5, "on": 1.0, "hours_in_state": 10.0}}
    return with_conventional(make_random_inputs(0, n=8), {"g": unit}, state)


def _solve(x: DispatchInputs) -> tuple[pyo.ConcreteModel, PersistentDispatchSolver, DispatchResult]:
    m = build_model(x)
    solver = PersistentDispatchSolver(m)
    status = solver.solve(emission_sensitivities=True)
    assert status.emission_sensitivities_loaded
    return m, solver, extract(m, x)


def _emissions_tco2(x: DispatchInputs) -> float:
    """Emissions of the window [tCO2] from a freshly built and solved model."""
    m = build_model(x)
    PersistentDispatchSolver(m).solve(duals=False)
    return float(pyo.value(m.emissions_tco2))


def _more_demand(x: DispatchInputs, load: str, t: int, delta_mw: float) -> DispatchInputs:
    p = x.load_p_mw.copy()
    p.iloc[t, p.columns.get_loc(load)] += delta_mw
    return with_frames(x, load_p_mw=p)


#: the cases checked against perturbation, by fixture name
CASES = ["meshed", "radial", "intertemporal", "copperplate_uc"]


def _node_load(x: DispatchInputs, node: str) -> str:
    """A load at ``node`` (copperplate: any load)."""
    if x.network is None or x.options.network_model == "copperplate":
        return str(x.load_p_mw.columns[0])
    return str(x.load_bus[x.load_bus == node].index[0])


@pytest.mark.parametrize("case", CASES)
def test_lmef_equals_the_perturbation_slope(case: str, request: pytest.FixtureRequest) -> None:
    x: DispatchInputs = request.getfixturevalue(case)
    _, _, r = _solve(x)
    e0 = _emissions_tco2(x)
    lmef = r.lmef_tco2_per_mwh
    assert lmef.notna().all().all()
    worst = 0.0
    for node in lmef.columns:
        for t in range(len(x.time)):
            up, down = (
                (_emissions_tco2(_more_demand(x, _node_load(x, node), t, d)) - e0) / (d * x.dt_h)
                for d in (DELTA_MW, -DELTA_MW)
            )
            assert up == pytest.approx(down, abs=TOL_TCO2_PER_MWH), (node, t, "degenerate")
            assert lmef[node].iloc[t] == pytest.approx(up, abs=TOL_TCO2_PER_MWH), (node, t)
            worst = max(worst, abs(lmef[node].iloc[t] - up), abs(lmef[node].iloc[t] - down))
    assert worst <= TOL_TCO2_PER_MWH
    slack = "system" if x.network is None else x.network.slack_bus
    np.testing.assert_array_equal(r.system_mef_tco2_per_mwh["system"], lmef[slack])


@pytest.mark.parametrize("case", CASES)
def test_basis_lmp_equals_the_dual_lmp(case: str, request: pytest.FixtureRequest) -> None:
    x: DispatchInputs = request.getfixturevalue(case)
    m, solver, r = _solve(x)
    rows = list(m.bus_balance.values())
    prices = solver.basis_sensitivities(m.objective.expr, rows)
    for row in rows:
        assert prices[row] == pytest.approx(m.dual[row], rel=1e-9, abs=TOL_EUR_PER_MWH)
    assert r.lmp_eur_per_mwh.notna().all().all()


def test_meshed_case_is_congested_and_mixes_units(meshed: DispatchInputs) -> None:
    """The line a-b is at its limit in steps 0-2; the LMEF at ext mixes ga and gb
    (0.7 = (0.9 + 0.5) / 2 by the triangle's equal reactances) and is negative at b
    in step 2 (one more MW at b: 2 MW more imports and 1 MW less of ga, so
    2 * 0.3 - 0.9 = -0.3 tCO2/MWh)."""
    _, _, r = _solve(meshed)
    np.testing.assert_allclose(r.branch_p_mw["a-b"].iloc[:3], 1.0, atol=TOL_MW)
    assert abs(r.branch_p_mw["a-b"].iloc[3]) < 1.0 - 1e-3
    lmef = r.lmef_tco2_per_mwh
    np.testing.assert_allclose(lmef.iloc[:2], [[0.9, 0.5, 0.7]] * 2, atol=TOL_TCO2_PER_MWH)
    np.testing.assert_allclose(lmef.iloc[2], [0.9, -0.3, 0.3], atol=TOL_TCO2_PER_MWH)
    np.testing.assert_allclose(lmef.iloc[3], [0.9, 0.9, 0.9], atol=TOL_TCO2_PER_MWH)


def test_radial_case_voltage_limit_binds(radial: DispatchInputs) -> None:
    """With v_b at its lower limit, one more MW at a is served by imports and gb in
    the ratio of the voltage drops they cause at b: r_ext-a / (r_ext-a + r_a-b) =
    1/3 must come from gb, so 2/3 * 0.3 + 1/3 * 0.9 = 0.5 tCO2/MWh."""
    _, _, r = _solve(radial)
    np.testing.assert_allclose(r.vm_pu["b"].iloc[:2], 0.95, atol=TOL_PU)
    assert r.vm_pu["b"].iloc[2] > 0.95 + 1e-3
    lmef = r.lmef_tco2_per_mwh[["ext", "a", "b"]]
    np.testing.assert_allclose(lmef.iloc[:2], [[0.3, 0.5, 0.9]] * 2, atol=TOL_TCO2_PER_MWH)
    np.testing.assert_allclose(lmef.iloc[2], [0.3, 0.3, 0.3], atol=TOL_TCO2_PER_MWH)


@pytest.mark.parametrize("dt_h", [1.0, 0.5])
@pytest.mark.parametrize("unit_commitment", [False, True])
def test_copperplate_mef_is_the_marginal_units_factor(
    make_inputs: MakeInputs, with_conventional: WithConventional, dt_h: float, unit_commitment: bool
) -> None:
    """The unit (0.5 tCO2/MWh) is marginal at 5 MW, imports (0.3) at 15 MW."""
    x = _copperplate(make_inputs, with_conventional, dt_h, unit_commitment)
    _, _, r = _solve(x)
    np.testing.assert_allclose(r.system_mef_tco2_per_mwh["system"], [0.5, 0.3], atol=1e-12)
    np.testing.assert_allclose(r.system_price_eur_per_mwh["system"], [40.0, 50.0], atol=1e-9)


def test_not_requested_is_nan_and_results_cut_and_join(
    make_inputs: MakeInputs, with_conventional: WithConventional
) -> None:
    x = _copperplate(make_inputs, with_conventional)
    m = build_model(x)
    solver = PersistentDispatchSolver(m)
    solver.solve(emission_sensitivities=True)
    status = solver.solve()  # a later solve without them leaves none behind
    assert not status.emission_sensitivities_loaded
    r = extract(m, x)
    assert r.lmef_tco2_per_mwh.isna().all().all()
    assert list(r.system_mef_tco2_per_mwh.columns) == ["system"]
    solver.solve(emission_sensitivities=True)
    full = extract(m, x)
    joined = concat_results([full.head(1), full])
    assert list(joined.system_mef_tco2_per_mwh["system"]) == pytest.approx([0.5, 0.5, 0.3])


def test_rolling_horizon_passes_the_flag(
    make_inputs: MakeInputs, with_conventional: WithConventional
) -> None:
    """Hourly windows over four steps whose demand alternates 5 and 15 MW."""
    demand = pd.Series([5.0, 15.0, 5.0, 15.0])
    index = pd.date_range("2016-03-01", periods=4, freq="1h", tz="UTC", name="time")
    unit = {"g": {"cost_eur_per_mwh": 40.0, "ef_tco2_per_mwh": 0.5}}

    def inputs_for(steps: pd.DatetimeIndex, e0: pd.Series | None = None) -> DispatchInputs:
        pos = index.get_indexer(steps)
        x = make_inputs(demand.iloc[pos].to_numpy(), import_price=50.0, ef=0.3, start=steps[0])
        return with_conventional(x, unit)

    r, stats = run_rolling(
        index,
        1.0,
        inputs_for,
        window_h=1.0,
        horizon_h=2.0,
        emission_sensitivities=True,
    )
    assert all(s.emission_sensitivities_loaded for s in stats.statuses)
    np.testing.assert_allclose(r.system_mef_tco2_per_mwh["system"], [0.5, 0.3, 0.5, 0.3])
