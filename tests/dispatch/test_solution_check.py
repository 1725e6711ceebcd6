"""Every solution is checked against the model as built: a solution of another
model (a stale push into HiGHS) or outside a bound is an error naming the limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyomo.environ as pyo
import pytest

from dispatch.array_solver import ArrayDispatchSolver
from dispatch.inputs import DispatchInputs
from dispatch.model import build_model
from dispatch.rolling import run_rolling
from dispatch.solution_check import SolutionCheckError, check_pyomo, excess
from dispatch.solve_status import DispatchInfeasible
from dispatch.window_failure import window_error
from tests.dispatch.test_update import SeededCase


def test_excess_is_the_distance_outside_the_bounds_beyond_the_tolerance() -> None:
    value = np.array([0.5, 2.0, -1.0, 1.0 + 1e-8, 3.0, np.nan])
    lower = np.array([0.0, 0.0, 0.0, 0.0, -np.inf, 0.0])
    upper = np.array([1.0, 1.0, np.inf, 1.0, np.inf, 1.0])
    out = excess(value, lower, upper)
    assert out[0] == 0.0 and out[3] == 0.0 and out[4] == 0.0  # inside, or within tolerance
    assert out[1] == pytest.approx(1.0, abs=1e-4) and out[2] == pytest.approx(1.0, abs=1e-4)
    assert out[5] == np.inf  # no value at all
    # each bound has its own tolerance: a large upper bound does not widen the lower
    assert excess(np.array([-0.05]), np.array([0.0]), np.array([1e6]))[0] > 0.04
    # a row's tolerance grows with its terms' magnitude (scale)
    row = (np.array([1e-4]), np.array([0.0]), np.array([0.0]))
    assert excess(*row)[0] > 0 and excess(*row, scale=np.array([1e3]))[0] == 0.0


def test_a_stale_model_in_highs_is_caught(
    make_inputs: Callable[..., DispatchInputs], monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the changed data of a window never reached HiGHS, HiGHS solves the previous
    window's model: the check against the window's own model refuses the solution."""
    case = SeededCase(make_inputs, 72)
    run_rolling(case.index, 1.0, case, window_h=24, horizon_h=24)  # the intact path passes

    def nothing_pushed(*args: Any) -> None:
        pass

    monkeypatch.setattr("dispatch.array_solver.push_changes", nothing_pushed)
    with pytest.raises(SolutionCheckError) as caught:
        run_rolling(case.index, 1.0, case, window_h=24, horizon_h=24)
    text = str(caught.value)
    assert text.startswith("dispatch window 2 of 3 (2016-05-02 00:00")
    assert "violates" in text and "bus_balance[system] at step" in text
    assert "this is a bug of the simulator" in text


def test_an_explanation_that_fails_never_hides_the_error(
    make_inputs: Callable[..., DispatchInputs], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> str:
        raise RuntimeError("no IIS today")

    monkeypatch.setattr("dispatch.window_failure.explain", broken)
    case = SeededCase(make_inputs, 24)
    x = case(case.index)
    m = build_model(x)
    solver = ArrayDispatchSolver(m)
    solver.solve()
    err = window_error(DispatchInfeasible("dispatch problem is Infeasible"), solver, x, 0, 1)
    assert isinstance(err, DispatchInfeasible)
    assert str(err).startswith("dispatch window 1 of 1 (2016-05-01 00:00")
    assert "could not be computed: no IIS today" in str(err)


def test_the_pyomo_path_checks_the_loaded_values() -> None:
    m = pyo.ConcreteModel()
    m.T = pyo.RangeSet(0, 1)
    m.p = pyo.Var(m.T, bounds=(0.0, 2.0))
    m.balance = pyo.Constraint(m.T, rule=lambda mm, t: mm.p[t] == 1.5)
    m.p[0].value, m.p[1].value = 1.5, 1.5
    check_pyomo(m)
    m.p[1].value = 2.5
    with pytest.raises(SolutionCheckError, match=r"violates 2 limits") as caught:
        check_pyomo(m)
    assert "constraint balance at step 1: 2.5 outside [1.5, 1.5]" in str(caught.value)
    assert "variable p at step 1: 2.5 outside [0, 2]" in str(caught.value)


def test_a_failed_window_names_its_stage(
    make_inputs: Callable[..., DispatchInputs], monkeypatch: pytest.MonkeyPatch
) -> None:
    def infeasible(*args: Any, **kw: Any) -> None:
        raise DispatchInfeasible("dispatch problem is Infeasible")

    monkeypatch.setattr(ArrayDispatchSolver, "solve", infeasible)
    case = SeededCase(make_inputs, 48)
    with pytest.raises(DispatchInfeasible) as caught:
        run_rolling(case.index, 1.0, case, window_h=24, horizon_h=24, stage="intraday")
    assert str(caught.value).startswith(
        "intraday dispatch window 1 of 2 (2016-05-01 00:00 to 2016-05-01 23:00 UTC) is infeasible:"
    )
