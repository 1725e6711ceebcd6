"""The array path: a model compiled once into vectors affine in its mutable
parameters and re-solved in HiGHS by pushing arrays gives what Pyomo's persistent
interface gives, window after window."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest

from dispatch.array_solver import ArrayDispatchSolver, NotPaddableError
from dispatch.builtin import with_frames
from dispatch.components.block_data import store_matrix, store_param
from dispatch.extract import extract
from dispatch.inputs import DispatchInputError, DispatchInputs, DispatchOptions
from dispatch.lp_compile import NotAffineError, affine_in_params, compile_lp
from dispatch.model import build_model, update_model
from dispatch.padding import padded
from dispatch.rolling import load_solver, run_rolling
from dispatch.solve import DispatchInfeasible, PersistentDispatchSolver
from tests.dispatch.test_update import (
    TOL_EUR,
    TOL_MW,
    SeededCase,
    assert_prices_differ_only_where_not_unique,
    assert_same_setpoints,
)

#: marginal emission factors of the two paths [tCO2/MWh]
TOL_TCO2_PER_MWH = 1e-9


def _params() -> tuple[pyo.ConcreteModel, dict[int, int]]:
    m = pyo.ConcreteModel()
    m.p = pyo.Param([0, 1], mutable=True, initialize={0: 2.0, 1: 3.0})
    m.c = pyo.Param(initialize=4.0)  # immutable: a constant
    m.x = pyo.Var()
    return m, {id(m.p[0]): 0, id(m.p[1]): 1}


def test_affine_in_params_of_hand_written_expressions() -> None:
    m, pos = _params()
    assert affine_in_params(5, pos) == (5.0, {})
    assert affine_in_params(m.p[0], pos) == (0.0, {0: 1.0})
    assert affine_in_params(m.c * m.p[1] - m.p[0] + 1.0, pos) == (1.0, {1: 4.0, 0: -1.0})
    const, terms = affine_in_params(-(m.p[0] + m.p[1]) / 2.0 + m.p[0] * 3.0, pos)
    assert const == 0.0
    assert terms == pytest.approx({0: 2.5, 1: -0.5})
    deep = sum((m.p[t % 2] for t in range(5000)), start=m.c * 0.0)  # deeply nested sums
    assert affine_in_params(deep, pos)[1] == pytest.approx({0: 2500.0, 1: 2500.0})


@pytest.mark.parametrize(
    "make_expr",
    [lambda m: m.p[0] * m.p[1], lambda m: 1.0 / m.p[0], lambda m: m.x + m.p[0]],
    ids=["product of parameters", "division by a parameter", "free variable"],
)
def test_non_affine_expressions_are_refused(make_expr: Callable[[Any], Any]) -> None:
    m, pos = _params()
    with pytest.raises(NotAffineError):
        affine_in_params(make_expr(m), pos)


def test_a_model_that_does_not_compile_falls_back_to_pyomo() -> None:
    m, _ = _params()
    m.cap = pyo.Constraint(expr=m.x >= m.p[0] * m.p[1])
    m.obj = pyo.Objective(expr=m.x)
    with pytest.raises(NotAffineError, match="product of parameters"):
        compile_lp(m)
    solver = load_solver(m, "arrays")
    assert isinstance(solver, PersistentDispatchSolver)
    assert solver.solve(duals=False).objective_eur == pytest.approx(6.0)
    with pytest.raises(ValueError, match="interface"):
        load_solver(m, "bogus")


def test_the_compiled_vectors_follow_the_parameters(make_inputs: Callable[..., Any]) -> None:
    """Availability is the upper bound of the wind column and the demand the
    right-hand side of the balance, at the values written by the update."""
    x = make_inputs([1.0, 2.0], wind_mw=[0.5, 1.5])
    m = build_model(x)
    lp = compile_lp(m)
    cols = lp.column_index(m.renewables.p_mw["wind", t] for t in m.T)
    rows = lp.row_index(m.bus_balance["system", t] for t in m.T)
    update_model(m, make_inputs([3.0, 4.0], wind_mw=[2.5, 0.25]))
    p = lp.param_values()
    np.testing.assert_allclose(lp.col_upper.at(p)[cols], [2.5, 0.25])
    np.testing.assert_allclose(lp.row_lower.at(p)[rows], [3.0, 4.0])
    np.testing.assert_allclose(lp.row_upper.at(p)[rows], [3.0, 4.0])


@pytest.mark.parametrize("network_model", ["copperplate", "dc", "lindistflow"])
def test_rolling_through_arrays_equals_rolling_through_pyomo(
    make_inputs: Callable[..., DispatchInputs], network_model: str
) -> None:
    """Five windows (lengths 48, 48, 48, 28, 4; the array path pads the last two into
    its one model): set-points, objectives, and marginal emission factors agree;
    prices agree where they are unique."""
    case = SeededCase(make_inputs, 100, network_model)
    kw: dict[str, Any] = {
        "window_h": 24,
        "horizon_h": 48,
        "network_model": network_model,
        "emission_sensitivities": True,
    }
    arrays, st_a = run_rolling(case.index, 1.0, case, interface="arrays", **kw)
    pyomo, st_p = run_rolling(case.index, 1.0, case, interface="pyomo", **kw)
    assert st_a.models_built == 1
    assert st_p.models_built == 3
    np.testing.assert_allclose(
        [s.objective_eur for s in st_a.statuses],
        [s.objective_eur for s in st_p.statuses],
        atol=TOL_EUR,
    )
    assert all(s.emission_sensitivities_loaded for s in st_a.statuses)
    assert_same_setpoints(arrays, pyomo)
    assert_prices_differ_only_where_not_unique(case, arrays, pyomo, 24, 48)
    np.testing.assert_allclose(
        arrays.lmef_tco2_per_mwh, pyomo.lmef_tco2_per_mwh, atol=TOL_TCO2_PER_MWH
    )
    assert arrays.lmef_tco2_per_mwh.notna().all().all()
    assert arrays.storage_charge_p_mw["bat"].max() > 0.1


def test_unit_commitment_through_arrays(
    make_random_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
) -> None:
    """A MILP (commitment with minimum output, start cost and exact storage): the
    same optimum and, from the LP with fixed commitment, the same prices as the
    Pyomo path; a changed maximum output (a coefficient of ``on``) reaches HiGHS."""
    units = {"g": {"p_min_mw": 1.0, "p_max_mw": 3.0, "cost_eur_per_mwh": 40.0}}
    options = DispatchOptions(unit_commitment=True, storage_exact=True)
    x = with_conventional(make_random_inputs(3, n=12), units, options=options)
    x.conventional.loc["g", "start_cost_eur"] = 30.0
    results = {}
    for name, cls in (("arrays", ArrayDispatchSolver), ("pyomo", PersistentDispatchSolver)):
        m = build_model(x)
        solver = cls(m)
        status = solver.solve()
        assert status.duals_loaded
        sol = solver.solution if isinstance(solver, ArrayDispatchSolver) else None
        results[name] = (solver, m, extract(m, x, sol), status)
    (sa, ma, ra, st_a), (_, _, rp, st_p) = results["arrays"], results["pyomo"]
    assert st_a.objective_eur == pytest.approx(st_p.objective_eur, abs=TOL_EUR)
    assert ra.conventional_on["g"].sum() > 0  # the unit runs, so the test means something
    assert_same_setpoints(ra, rp)
    np.testing.assert_allclose(ra.lmp_eur_per_mwh, rp.lmp_eur_per_mwh, atol=1e-6)

    smaller = x.conventional.copy()
    smaller.loc["g", "p_max_mw"] = 1.5
    y = with_frames(x, conventional=smaller)
    update_model(ma, y)
    updated = sa.solve().objective_eur
    m_new = build_model(y)
    assert updated == pytest.approx(PersistentDispatchSolver(m_new).solve().objective_eur)
    r = extract(ma, y, sa.solution)
    assert r.conventional_p_mw["g"].max() <= 1.5 + TOL_MW


def test_array_path_raises_on_an_infeasible_window(
    make_inputs: Callable[..., DispatchInputs],
) -> None:
    """A terminal energy the battery cannot reach is infeasible on both paths."""
    x = make_inputs([1.0, 1.0], storage={"bat": {"e_terminal_min_mwh": 3.0}}, e0_mwh={"bat": 0.0})
    with pytest.raises(DispatchInfeasible):
        ArrayDispatchSolver(build_model(x)).solve()
    with pytest.raises(DispatchInfeasible):
        PersistentDispatchSolver(build_model(x)).solve()


def test_a_warm_start_ending_unknown_is_solved_again_from_scratch(
    make_inputs: Callable[..., DispatchInputs], caplog: pytest.LogCaptureFixture
) -> None:
    """HiGHS can end a warm-started solve in numerical trouble ("Unknown"); the solver
    clears its basis and solves once more, and the result is that of a clean solve."""
    import highspy

    x = make_inputs([1.0, 1.0], wind_mw=3.0, import_price=50.0, export_price=20.0)
    solver = ArrayDispatchSolver(build_model(x))
    real = solver._h
    cleared: list[bool] = []

    class FirstUnknown:
        """HiGHS whose first model status after a run reads Unknown."""

        def __init__(self) -> None:
            self.unknown = True

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def getModelStatus(self) -> Any:  # noqa: N802 (HiGHS's name)
            if self.unknown:
                self.unknown = False
                return highspy.HighsModelStatus.kUnknown
            return real.getModelStatus()

        def clearSolver(self) -> Any:  # noqa: N802
            cleared.append(True)
            return real.clearSolver()

    solver._h = FirstUnknown()
    status = solver.solve()
    assert cleared == [True] and solver.solves == 2
    assert "solving again from scratch" in caplog.text
    # 1 MW demand, 2 MW exported at 20 EUR/MWh for 2 h
    assert status.objective_eur == pytest.approx(-80.0, abs=TOL_EUR)
    assert status.objective_eur == pytest.approx(
        ArrayDispatchSolver(build_model(x)).solve().objective_eur
    )


def test_only_changed_data_is_pushed_and_holds_in_highs(
    make_inputs: Callable[..., DispatchInputs],
) -> None:
    x = make_inputs([1.0, 1.0], wind_mw=3.0, import_price=50.0, export_price=20.0)
    m = build_model(x)
    solver = ArrayDispatchSolver(m)
    solver.solve()
    p = m.renewables.p_mw
    assert solver.bounds_in_solver(p["wind", 0]) == pytest.approx((0.0, 3.0))
    y = make_inputs([1.0, 1.0], wind_mw=1.5, import_price=50.0, export_price=20.0)
    update_model(m, y)
    status = solver.solve()
    assert solver.solves == 2
    assert solver.bounds_in_solver(p["wind", 0]) == pytest.approx((0.0, 1.5))
    # 1 MW demand, 0.5 MW exported at 20 EUR/MWh for 2 h
    assert status.objective_eur == pytest.approx(-20.0, abs=TOL_EUR)
    r = extract(m, y, solver.solution)
    np.testing.assert_allclose(r.grid_export_p_mw["grid"], [0.5, 0.5], atol=TOL_MW)
    assert r.cost_eur == pytest.approx(-20.0, abs=TOL_EUR)
    pd.testing.assert_frame_equal(r.renewable_p_mw, y.renewable_p_mw, check_freq=False)


def test_padded_windows_equal_windows_of_their_own_length(
    make_random_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
) -> None:
    """Windows of 48, 36 and 12 steps with a terminal energy and a committed unit
    with a minimum up time: padded into one 48-step model, each window has the
    optimum of a model built for its own length."""
    full = make_random_inputs(11, n=60)
    units = {"g": {"p_min_mw": 0.5, "p_max_mw": 2.0, "cost_eur_per_mwh": 45.0, "min_up_h": 5}}
    options = DispatchOptions(unit_commitment=True)
    e_start = pd.Series({"bat": 1.0})  # the energy at the start of the period

    def inputs_for(steps: pd.DatetimeIndex, e0: pd.Series | None = None) -> DispatchInputs:
        pos = full.time.get_indexer(steps)
        storage = full.storage.copy()
        storage["e_terminal_min_mwh"] = 2.0
        x = with_frames(
            full,
            load_p_mw=full.load_p_mw.iloc[pos],
            renewable_p_mw=full.renewable_p_mw.iloc[pos],
            grid=full.grid.iloc[pos],
            storage=storage,
            storage_e_initial_mwh=e_start if e0 is None else e0,
        )
        return with_conventional(x, units, options=options)

    kw: dict[str, Any] = {"window_h": 24, "horizon_h": 48}
    padded_run, st_pad = run_rolling(full.time, 1.0, inputs_for, **kw)
    own, st_own = run_rolling(full.time, 1.0, inputs_for, rebuild=True, **kw)
    assert st_pad.models_built == 1 and st_own.models_built == 3
    np.testing.assert_allclose(
        [s.objective_eur for s in st_pad.statuses],
        [s.objective_eur for s in st_own.statuses],
        rtol=1e-6,
    )
    assert_same_setpoints(padded_run, own)
    assert padded_run.storage_e_mwh["bat"].iloc[-1] >= 2.0 - TOL_MW  # terminal energy held
    assert padded_run.conventional_on["g"].sum() > 0


def test_a_constraint_looking_ahead_cannot_be_padded() -> None:
    m = pyo.ConcreteModel()
    m.T = pyo.RangeSet(0, 2)
    m.d = pyo.Param(m.T, mutable=True, initialize=1.0)
    m.x = pyo.Var(m.T, bounds=(0.0, 10.0))
    m.need = pyo.Constraint(m.T, rule=lambda mm, t: mm.x[t] >= mm.d[t])
    m.ahead = pyo.Constraint(expr=m.x[0] >= m.x[2])  # no step: allowed
    m.obj = pyo.Objective(expr=sum(m.x[t] for t in m.T))
    solver = ArrayDispatchSolver(m)
    assert solver.solve(duals=False, n_active=2).objective_eur == pytest.approx(2.0)
    m.ahead_by_step = pyo.Constraint(
        m.T, rule=lambda mm, t: mm.x[t] >= mm.x[t + 1] if t < 2 else pyo.Constraint.Skip
    )
    with pytest.raises(NotPaddableError, match="later step"):
        ArrayDispatchSolver(m).solve(duals=False, n_active=2)


def test_padded_inputs(make_inputs: Callable[..., DispatchInputs]) -> None:
    x = make_inputs([1.0, 2.0], wind_mw=[0.5, 1.5], import_price=30.0)
    y = padded(x, 5)
    assert len(y.time) == 5 and y.n_active == 2 and y.steps_active == 2
    assert y.time[2] == x.time[-1] + pd.Timedelta(hours=1)
    np.testing.assert_allclose(y.load_p_mw.iloc[2:], 0.0)
    np.testing.assert_allclose(y.grid.iloc[2:], 0.0)
    pd.testing.assert_frame_equal(y.load_p_mw.iloc[:2], x.load_p_mw)
    assert padded(x, 2) is x
    with pytest.raises(DispatchInputError, match="n_steps"):
        padded(x, 1)
    with pytest.raises(DispatchInputError, match="n_active"):
        with_frames(x, n_active=3)


def test_without_padding_each_shorter_window_gets_a_model(
    make_inputs: Callable[..., DispatchInputs], monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the model does not compile (Pyomo fallback) or cannot leave padding out,
    the shorter windows are built at their own length: same results as models built
    for every window."""
    case = SeededCase(make_inputs, 100)
    kw: dict[str, Any] = {"window_h": 24, "horizon_h": 48}
    rebuilt, _ = run_rolling(case.index, 1.0, case, rebuild=True, **kw)

    def not_paddable(*args: Any) -> None:
        raise NotPaddableError("a constraint looks ahead")

    with monkeypatch.context() as mp:
        mp.setattr(ArrayDispatchSolver, "_mask_padding", not_paddable)
        unpadded, st = run_rolling(case.index, 1.0, case, **kw)
    assert st.models_built == 3  # 48, 28 and 4 steps
    assert_same_setpoints(unpadded, rebuilt)

    def no_compile(*args: Any, **kw: Any) -> None:
        raise NotAffineError("test")

    with monkeypatch.context() as mp:
        mp.setattr("dispatch.array_solver.compile_lp", no_compile)
        fallback, st = run_rolling(case.index, 1.0, case, **kw)
    assert st.models_built == 4  # 48, a padded 48 that cannot be used, 28 and 4
    assert_same_setpoints(fallback, rebuilt)


def test_a_terminal_energy_that_is_not_finite_is_refused(
    make_inputs: Callable[..., DispatchInputs],
) -> None:
    # refused when the window is validated, before a model is built
    with pytest.raises(DispatchInputError, match="e_terminal_min_mwh: must be finite"):
        build_model(make_inputs([1.0], storage={"bat": {"e_terminal_min_mwh": float("nan")}}))


def test_n_active_outside_the_model_is_refused(make_inputs: Callable[..., DispatchInputs]) -> None:
    solver = ArrayDispatchSolver(build_model(make_inputs([1.0, 1.0])))
    with pytest.raises(ValueError, match="n_active"):
        solver.solve(n_active=0)


def test_stored_parameter_values_are_checked() -> None:
    """The fast parameter writes refuse values that are not finite or do not fit."""
    m, _ = _params()
    store_matrix(m.p, np.array([5.0, 6.0]))
    assert [m.p[0].value, m.p[1].value] == [5.0, 6.0]
    store_param(m.p, {1: 7.0})
    assert m.p[1].value == 7.0
    with pytest.raises(DispatchInputError, match="not finite"):
        store_matrix(m.p, np.array([1.0, np.nan]))
    with pytest.raises(DispatchInputError, match="3 values for 2 entries"):
        store_matrix(m.p, np.zeros(3))
    with pytest.raises(DispatchInputError, match="not finite"):
        store_param(m.p, {0: float("inf")})


def test_the_parameter_mirror_follows_every_update(make_random_inputs: Callable[..., Any]) -> None:
    """The solver reads parameter values from the mirror the updates write: after
    updates of every family (series, storage state and floor) it holds exactly the
    parameter values of a model built from the new window, and sync_model writes
    them into the model's Params."""
    x = make_random_inputs(1)
    m = build_model(x)
    solver = ArrayDispatchSolver(m)
    for seed in (2, 3):
        y = make_random_inputs(seed)
        update_model(m, y)
        fresh = compile_lp(build_model(y)).param_values()
        assert not np.array_equal(fresh, compile_lp(build_model(x)).param_values())
        np.testing.assert_array_equal(solver._mirror.values, fresh)
    solver.sync_model()
    np.testing.assert_array_equal(solver.lp.param_values(), fresh)
