"""Build once, update for the next windows: a model updated with a window's data and
re-solved in the persistent HiGHS interface gives what a model built for that window
gives; rolling runs build one model per window length."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dispatch.builtin import with_frames
from dispatch.extract import DispatchResult, extract
from dispatch.inputs import DispatchInputError, DispatchInputs, DispatchOptions, NetworkInputs
from dispatch.model import build_model, update_model
from dispatch.rolling import run_rolling
from dispatch.solve import PersistentDispatchSolver

TOL_EUR = 1e-6
TOL_MW = 1e-6
TOL_MWH = 1e-6
TOL_EUR_PER_MWH = 1e-6
#: demand step of the finite differences that bound a price [MW]
PROBE_MW = 1e-3
#: tolerance of a price against its finite-difference bounds [EUR/MWh]
TOL_PROBE_EUR_PER_MWH = 1e-2
#: result frames that hold prices (duals), not set-points
PRICE_FRAMES = ("system_price_eur_per_mwh", "lmp_eur_per_mwh")

MakeInputs = Callable[..., DispatchInputs]

E0 = pd.Series({"bat": 1.0})
#: a lossy battery with wear cost, so its optimal schedule is unique
BATTERY: dict[str, Any] = {
    "p_max_mw": 1.5,
    "e_min_mwh": 0.2,
    "e_max_mwh": 4.0,
    "eff_charge": 0.92,
    "eff_discharge": 0.95,
    "standing_loss_per_h": 0.01,
    "wear_cost_eur_per_mwh": 1.0,
}


def two_bus_network(rate_mva: float) -> NetworkInputs:
    """One line from the grid bus ``ext`` (node ``n0``) to ``b1`` (node ``n1``)."""
    return NetworkInputs(
        base_mva=10.0,
        bus_table=pd.DataFrame(
            {"vm_min_pu": [0.9, 0.9], "vm_max_pu": [1.1, 1.1]}, index=["n0", "n1"]
        ),
        branches=pd.DataFrame(
            {
                "from_bus": ["n0"],
                "to_bus": ["n1"],
                "r_pu": [0.05],
                "x_pu": [0.1],
                "b_pu": [0.0],
                "tap_ratio": [1.0],
                "rate_mva": [rate_mva],
            },
            index=["line"],
        ),
        bus_map=pd.Series({"ext": "n0", "b1": "n1"}),
        slack_bus="n0",
    )


class SeededCase:
    """``inputs_for`` of a seeded case: demand, wind, prices, emission factors and
    reactive demand per hour, a lossy battery, optionally a network."""

    def __init__(
        self,
        make_inputs: MakeInputs,
        n_steps: int,
        network_model: str = "copperplate",
        seed: int = 5,
        import_max_after: tuple[int, float] | None = None,
    ) -> None:
        rng = np.random.default_rng(seed)
        self.index = pd.date_range("2016-05-01", periods=n_steps, freq="h", tz="UTC", name="time")
        price = rng.uniform(10.0, 100.0, n_steps)
        demand = rng.uniform(0.5, 2.0, n_steps)
        self.data = pd.DataFrame(
            {
                "demand_mw": demand,
                "wind_mw": rng.uniform(0.0, 3.0, n_steps),
                "import_price": price,
                "export_price": price - 5.0,
                "ef": rng.uniform(0.1, 0.6, n_steps),
                "q_mvar": 0.3 * demand,
            },
            index=self.index,
        )
        self.make_inputs = make_inputs
        self.network_model = network_model
        self.import_max_after = import_max_after

    def __call__(self, steps: pd.DatetimeIndex, e0: pd.Series | None = None) -> DispatchInputs:
        d = self.data.loc[steps]
        import_max = float("inf")
        if self.import_max_after and steps[0] >= self.index[self.import_max_after[0]]:
            import_max = self.import_max_after[1]
        x = self.make_inputs(
            d["demand_mw"].to_numpy(),
            start=steps[0],
            wind_mw=d["wind_mw"].to_numpy(),
            import_price=d["import_price"].to_numpy(),
            export_price=d["export_price"].to_numpy(),
            ef=d["ef"].to_numpy(),
            storage={"bat": BATTERY},
            e0_mwh=(E0 if e0 is None else e0).to_dict(),
            import_max_mw=import_max,
        )
        if self.network_model == "copperplate":
            return x
        q = pd.DataFrame({"load": d["q_mvar"].to_numpy()}, index=x.time)
        return with_frames(
            x,
            network=two_bus_network(rate_mva=1.2),
            load_q_mvar=q,
            options=DispatchOptions(network_model=self.network_model),
        )


def assert_same_setpoints(a: DispatchResult, b: DispatchResult) -> None:
    """Objectives, set-points, energies, flows and voltages of ``a`` and ``b`` agree
    (objectives are NaN in both when cut from longer windows)."""
    assert a.objective_eur == pytest.approx(b.objective_eur, abs=TOL_EUR, nan_ok=True)
    assert {f: set(r) for f, r in a.assets.items()} == {f: set(r) for f, r in b.assets.items()}
    assert set(a.system) == set(b.system)
    frames = [(f"{f}.{q}", a.frame(f, q), b.frame(f, q)) for f, r in a.assets.items() for q in r]
    frames += [(k, a.system_frame(k), b.system_frame(k)) for k in a.system if k not in PRICE_FRAMES]
    assert len(frames) >= 10  # every family's set-points, flows and voltages
    for name, frame, other in frames:
        assert frame.index.equals(other.index), name
        assert list(frame.columns) == list(other.columns), name
        np.testing.assert_allclose(frame, other, atol=TOL_MW, err_msg=name, equal_nan=True)


def _window_objective(x: DispatchInputs, position: int, extra_mw: float) -> float:
    """Objective of window ``x`` built afresh with ``extra_mw`` more demand at ``b1``
    in step ``position`` [EUR]."""
    load = x.load_p_mw.copy()
    load.iloc[position, 0] += extra_mw
    return float(run_window(with_frames(x, load_p_mw=load)).objective_eur)


def run_window(x: DispatchInputs) -> DispatchResult:
    """Build, solve and extract window ``x`` afresh."""
    m = build_model(x)
    PersistentDispatchSolver(m).solve()
    return extract(m, x)


def assert_prices_differ_only_where_not_unique(
    case: SeededCase, a: DispatchResult, b: DispatchResult, window: int, horizon: int
) -> None:
    """Where the prices of ``a`` and ``b`` differ, both lie between the left and right
    derivatives of the window's objective with respect to demand at ``b1``: both are
    valid duals of a degenerate optimum, where the dual is not unique and a
    warm-started simplex can end at another optimal basis than a fresh solve."""
    lmp_a, lmp_b = a.lmp_eur_per_mwh, b.lmp_eur_per_mwh
    assert lmp_a.notna().all().all() and lmp_b.notna().all().all()
    differ = ~np.isclose(lmp_a, lmp_b, rtol=0.0, atol=TOL_EUR_PER_MWH)
    load_node = "system" if "system" in lmp_a.columns else "n1"
    others = [c != load_node for c in lmp_a.columns]
    for k in sorted(set(np.nonzero(differ)[0])):
        if differ[k, others].any():
            # prices elsewhere are checked only where they equal the load node's
            for lmp in (lmp_a, lmp_b):
                np.testing.assert_allclose(
                    lmp.iloc[k], lmp.iloc[k][load_node], atol=TOL_EUR_PER_MWH
                )
        start = (k // window) * window
        e0 = E0 if start == 0 else a.storage_e_mwh.iloc[start - 1]
        x = case(case.index[start : start + horizon], e0)
        mid = _window_objective(x, k - start, 0.0)
        left = (mid - _window_objective(x, k - start, -PROBE_MW)) / PROBE_MW / x.dt_h
        right = (_window_objective(x, k - start, PROBE_MW) - mid) / PROBE_MW / x.dt_h
        for price in (lmp_a.iloc[k][load_node], lmp_b.iloc[k][load_node]):
            assert left - TOL_PROBE_EUR_PER_MWH <= price <= right + TOL_PROBE_EUR_PER_MWH


@pytest.mark.parametrize("network_model", ["copperplate", "dc", "lindistflow"])
@pytest.mark.parametrize(
    ("n_steps", "window_h", "horizon_h", "windows", "models"),
    [
        # models of the Pyomo interface; the array interface pads shorter windows: one
        (120, 24, 48, 5, 2),  # lengths 48, 48, 48, 48, 24
        (240, 24, 24, 10, 1),  # ten windows of one length
        (100, 24, 48, 5, 3),  # lengths 48, 48, 48, 28, 4
    ],
)
def test_updated_windows_equal_rebuilt_windows(
    make_inputs: MakeInputs,
    network_model: str,
    n_steps: int,
    window_h: float,
    horizon_h: float,
    windows: int,
    models: int,
) -> None:
    case = SeededCase(make_inputs, n_steps, network_model)
    kw: dict[str, Any] = {"window_h": window_h, "horizon_h": horizon_h}
    kw["network_model"] = network_model
    updated, st_up = run_rolling(case.index, 1.0, case, **kw)
    rebuilt, st_re = run_rolling(case.index, 1.0, case, rebuild=True, **kw)
    via_pyomo, st_py = run_rolling(case.index, 1.0, case, interface="pyomo", **kw)
    assert st_up.windows == st_re.windows == st_py.windows == windows
    assert st_up.models_built == 1
    assert st_py.models_built == models
    assert st_re.models_built == windows
    assert_same_setpoints(via_pyomo, rebuilt)
    assert st_up.update_time_s > 0.0
    assert st_re.update_time_s == 0.0
    np.testing.assert_allclose(
        [s.objective_eur for s in st_up.statuses],
        [s.objective_eur for s in st_re.statuses],
        atol=TOL_EUR,
    )
    assert_same_setpoints(updated, rebuilt)
    assert_prices_differ_only_where_not_unique(
        case, updated, rebuilt, round(window_h), round(horizon_h)
    )
    # the comparison is only worth something if the battery works and state is carried
    assert updated.storage_charge_p_mw["bat"].max() > 0.1
    assert updated.storage_discharge_p_mw["bat"].max() > 0.1


def test_a_change_of_structure_rebuilds_the_model(make_inputs: MakeInputs) -> None:
    """From step 48 on the import limit (fixed at build time) changes: the window at
    48 gets a new model, which the last (24 h, padded) window re-uses."""
    case = SeededCase(make_inputs, 96, import_max_after=(48, 1.0))
    kw: dict[str, Any] = {"window_h": 24, "horizon_h": 48}
    updated, st_up = run_rolling(case.index, 1.0, case, **kw)
    rebuilt, _ = run_rolling(case.index, 1.0, case, rebuild=True, **kw)
    assert st_up.windows == 4
    assert st_up.models_built == 2
    assert_same_setpoints(updated, rebuilt)
    assert updated.grid_import_p_mw["grid"].iloc[48:].max() <= 1.0 + TOL_MW
    assert updated.grid_import_p_mw["grid"].iloc[:48].max() > 1.0 + TOL_MW


def _wind_case(make_inputs: MakeInputs, wind_mw: float) -> DispatchInputs:
    """2 h, 1 MW demand, wind at ``b1``; export pays 20 EUR/MWh, so all wind is used."""
    return make_inputs([1.0, 1.0], wind_mw=wind_mw, import_price=50.0, export_price=20.0)


@pytest.mark.parametrize(("before_mw", "after_mw"), [(3.0, 1.5), (1.5, 3.0), (3.0, 0.0)])
def test_updated_availability_is_the_bound_the_solver_sees(
    make_inputs: MakeInputs, before_mw: float, after_mw: float
) -> None:
    """The wind output is its availability before and after the update; when the new
    availability is below the old optimum, the re-solve must return the lower one."""
    m = build_model(_wind_case(make_inputs, before_mw))
    solver = PersistentDispatchSolver(m)
    solver.solve()
    p = m.renewables.p_mw
    np.testing.assert_allclose([p["wind", t].value for t in m.T], before_mw, atol=TOL_MW)
    assert solver.bounds_in_solver(p["wind", 0]) == pytest.approx((0.0, before_mw))

    x = _wind_case(make_inputs, after_mw)
    update_model(m, x)
    status = solver.solve()
    assert solver.solves == 2
    assert solver.bounds_in_solver(p["wind", 0]) == pytest.approx((0.0, after_mw))
    np.testing.assert_allclose([p["wind", t].value for t in m.T], after_mw, atol=TOL_MW)
    # 1 MW of demand, the rest exported: cost 50 per MWh short, revenue 20 per MWh over,
    # no curtailment (its cost term follows the availability too)
    expected = sum(50.0 * max(1.0 - after_mw, 0.0) - 20.0 * max(after_mw - 1.0, 0.0) for _ in m.T)
    assert status.objective_eur == pytest.approx(expected, abs=TOL_EUR)
    assert extract(m, x).curtailment_p_mw["wind"].abs().max() < TOL_MW


def test_updated_initial_and_terminal_storage_energy(make_inputs: MakeInputs) -> None:
    """A lossless 1 MW battery and 1 MW demand for 2 h at 50 EUR/MWh: empty, all
    demand is imported (100 EUR); holding 2 MWh, the battery serves it (0 EUR);
    holding 2 MWh but required to keep 1 MWh, it serves one hour (50 EUR)."""

    def case(e0_mwh: float, terminal_mwh: float) -> DispatchInputs:
        return make_inputs(
            [1.0, 1.0],
            storage={"bat": {"e_terminal_min_mwh": terminal_mwh}},
            e0_mwh={"bat": e0_mwh},
        )

    m = build_model(case(0.0, 0.0))
    solver = PersistentDispatchSolver(m)
    assert solver.solve().objective_eur == pytest.approx(100.0, abs=TOL_EUR)

    x = case(2.0, 0.0)
    update_model(m, x)
    assert solver.solve().objective_eur == pytest.approx(0.0, abs=TOL_EUR)
    r = extract(m, x)
    np.testing.assert_allclose(r.storage_e_mwh["bat"], [1.0, 0.0], atol=TOL_MWH)
    np.testing.assert_allclose(r.grid_import_p_mw["grid"], [0.0, 0.0], atol=TOL_MW)

    update_model(m, case(2.0, 1.0))
    assert solver.solve().objective_eur == pytest.approx(50.0, abs=TOL_EUR)
    assert m.storage.e_mwh["bat", 1].value == pytest.approx(1.0, abs=TOL_MWH)


def test_updated_reactive_demand_reaches_the_lindistflow_balance(
    make_inputs: MakeInputs,
) -> None:
    """Without line charging the line carries the load's reactive demand, which the
    slack supplies: 0.2 Mvar as built, 0.5 Mvar after the update."""

    def case(q_mvar: float) -> DispatchInputs:
        x = make_inputs([1.0])
        q = pd.DataFrame({"load": [q_mvar]}, index=x.time)
        options = DispatchOptions(network_model="lindistflow")
        return with_frames(x, network=two_bus_network(rate_mva=5.0), load_q_mvar=q, options=options)

    m = build_model(case(0.2))
    solver = PersistentDispatchSolver(m)
    solver.solve()
    assert m.q_flow_mvar["line", 0].value == pytest.approx(0.2, abs=TOL_MW)
    update_model(m, case(0.5))
    solver.solve()
    assert m.q_flow_mvar["line", 0].value == pytest.approx(0.5, abs=TOL_MW)
    assert m.q_ext_mvar[0].value == pytest.approx(0.5, abs=TOL_MW)


def test_update_rejects_other_units_or_lengths(make_inputs: MakeInputs) -> None:
    m = build_model(_wind_case(make_inputs, 1.0))
    with pytest.raises(DispatchInputError, match="rebuild the model"):
        update_model(m, make_inputs([1.0, 1.0, 1.0], wind_mw=1.0))
    with pytest.raises(DispatchInputError, match=r"renewables\.units: units differ"):
        update_model(m, make_inputs([1.0, 1.0]))
    with pytest.raises(DispatchInputError, match="storage"):
        update_model(m, make_inputs([1.0, 1.0], wind_mw=1.0, storage={"bat": {}}))
